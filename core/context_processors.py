import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse

from core.site import absolute_url


@functools.lru_cache(maxsize=8)
def _section_urls(script_prefix):
    # Reversed once per process (and script prefix), not on every page.
    return {
        "home": reverse("home"),
        "treatments": reverse("treatments:list"),
        "faq": reverse("faq:index"),
        "donate": reverse("donations:index"),
    }


def site(request):
    """Site-wide values every template needs: the name, the canonical URL and the sections' addresses."""
    return {
        "site_name": settings.SITE_NAME,
        "canonical_url": absolute_url(request, request.path),
        "urls": _section_urls(get_script_prefix()),
    }
