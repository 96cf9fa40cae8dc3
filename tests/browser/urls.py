"""
The site's URLs plus two pages no link leads to, so that they can be scanned like any other: one that
answers 400, and the page a visitor over the limit of new searches gets (429).
"""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401 - the site's error pages
from config.urls import urlpatterns as site_urlpatterns
from pagecache.parameters import PageNumber, SearchText, query_parameters
from search.views import too_many_searches


def bad_request(request):
    raise SuspiciousOperation("a request the site cannot read")


@query_parameters(q=SearchText(), page=PageNumber(only_with="q"))
def searched_too_often(request):
    """What /search/ and the FAQ's search answer a visitor over the limit (search.results), as they answer it."""
    return too_many_searches(request)


urlpatterns = [
    path("bad-request/", bad_request),
    path("too-many-searches/", searched_too_often),
    *site_urlpatterns,
]
