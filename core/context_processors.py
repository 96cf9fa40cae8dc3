from django.conf import settings

from core.site import absolute_url


def site(request):
    """Site-wide values every template needs: the name and the canonical URL."""
    return {
        "site_name": settings.SITE_NAME,
        "canonical_url": absolute_url(request, request.path),
    }
