import functools

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.translation import get_language


def absolute_url(request, path):
    """The public address of `path`: RIBBON_SITE_URL when set, else this request's host."""
    if path.startswith(("https://", "http://")):
        return path  # already absolute, e.g. a picture on object storage
    if settings.SITE_URL:
        return f"{settings.SITE_URL}{path}"
    try:
        return f"{request.scheme}://{request.get_host()}{path}"
    except DisallowedHost:
        return path  # an error page for a forged Host header must still render


@functools.lru_cache(maxsize=256)
def _reversed(viewname, script_prefix, urlconf, language):
    return reverse(viewname)


def fixed_url(viewname):
    """reverse(viewname) for an address without arguments, in this page's language, reversed once per process."""
    return _reversed(viewname, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, get_language())


def organization_data(request):
    """
    schema.org Organization for the home page (of each language): the site's name (RIBBON_SITE_NAME)
    and address, its English home page, which search engines show beside its results. Only what the
    site has: it has no logo, so none is given.
    """
    with translation.override(settings.LANGUAGE_CODE):
        home = fixed_url("home")
    return {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": absolute_url(request, home),
    }
