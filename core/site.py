from django.conf import settings
from django.core.exceptions import DisallowedHost


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
