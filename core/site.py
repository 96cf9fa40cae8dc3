import functools

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import get_script_prefix, get_urlconf, reverse


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


@functools.lru_cache(maxsize=64)
def _reversed(viewname, script_prefix, urlconf):
    return reverse(viewname)


def fixed_url(viewname):
    """reverse(viewname) for an address without arguments, reversed once per process."""
    return _reversed(viewname, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def organization_data(request):
    """
    schema.org Organization for the home page: the site's name (RIBBON_SITE_NAME) and address, which
    search engines show beside its results. Only what the site has: it has no logo, so none is given.
    """
    return {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": absolute_url(request, fixed_url("home")),
    }
