"""Files served by the site itself on one machine: uploaded media (when no other server does) and the favicon."""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.static import serve

from pagecache.parameters import query_parameters


def local_media(request, path):
    """
    An uploaded file from MEDIA_ROOT (only mounted when SERVE_MEDIA is on).
    Names are random and never reused, so browsers may keep them for a year.
    """
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    return response


@query_parameters()
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the hashed file."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))
