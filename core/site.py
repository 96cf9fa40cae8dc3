from django.conf import settings


def absolute_url(request, path):
    """The public address of `path`: RIBBON_SITE_URL when set, else this request's host."""
    base = settings.SITE_URL or f"{request.scheme}://{request.get_host()}"
    return f"{base}{path}"
