"""The site's URLs plus one that answers 400, so the 400 page can be scanned like any other."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401 - the site's error pages
from config.urls import urlpatterns as site_urlpatterns


def bad_request(request):
    raise SuspiciousOperation("a request the site cannot read")


urlpatterns = [path("bad-request/", bad_request), *site_urlpatterns]
