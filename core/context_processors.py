from django.conf import settings

from core.site import absolute_url


def site(request):
    """Values every template needs: the site's name and the page's canonical address."""
    return {"site_name": settings.SITE_NAME, "canonical_url": absolute_url(request, request.path)}
