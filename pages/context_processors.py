import functools

from django.urls import get_script_prefix, reverse


@functools.lru_cache(maxsize=8)
def _section_urls(script_prefix):
    # Reversed once per process (and script prefix), not on every page.
    return {
        "home": reverse("home"),
        "treatments": reverse("treatments:list"),
        "faq": reverse("faq:index"),
        "donate": reverse("donations:index"),
    }


def sections(request):
    """The addresses of the site's sections, for the header, breadcrumbs and links between pages."""
    return {"urls": _section_urls(get_script_prefix())}
