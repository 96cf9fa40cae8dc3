from django.shortcuts import render
from django.utils.cache import patch_cache_control

from search.results import SEARCH_LIMIT_SECONDS


def too_many_searches(request):
    """
    The answer to a search when its visitor has had their share of new
    searches this minute (search.results.TooManySearches): a page of the site, in
    its layout, saying in plain words to wait a minute, with the search to try
    again and the ways on that need no search. Never stored, by the page cache
    (it is not a 200) or by browsers.
    """
    again = f"{request.path}?{request.GET.urlencode()}"  # the view's own parameters, in their canonical form
    context = {"query": request.GET.get("q", ""), "again": again}
    response = render(request, "pages/too_many_searches.html", context, status=429)
    response["Retry-After"] = str(SEARCH_LIMIT_SECONDS)
    patch_cache_control(response, no_store=True)
    return response
