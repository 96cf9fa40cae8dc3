from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from core.languages import alternates
from core.site import absolute_url


def site(request):
    """
    Values every template needs: the site's name, the page's canonical address, its language and
    the same page in the other languages (a view of one row gives its own `alternates`).
    """
    return {
        "site_name": settings.SITE_NAME,
        "canonical_url": absolute_url(request, request.path),
        "language": get_language(),
        "site_language": settings.LANGUAGE_CODE,
        "alternates": SimpleLazyObject(lambda: alternates(request)),
    }
