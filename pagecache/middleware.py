"""
The anonymous full-page cache.

Almost every visitor is anonymous and sees exactly what every other
anonymous visitor sees, so a public page is rendered once, compressed once
and then served from the cache (pagecache.stored). The middleware sits just
after the security and static-file middleware: a hit skips sessions, CSRF,
authentication, the view, templates and the database.

Where pages are kept: Django's cache (CACHES["default"]). Without REDIS_URL
that is a folder on this machine (pagecache.backends), shared by every
worker process, so `make serve` is right with no extra server; with
REDIS_URL it is Redis, shared by every server. Nothing else shares it: kept
search results have a bounded store of their own (search.results), so that
no number of searches can push a page out.

What is never cached:
- a request that carries a session cookie (staff, anybody logged in);
- anything but GET and HEAD, the admin, the editor's endpoints, media;
- a page of search results (a parameter of the kind pagecache.parameters
  marks `never_stored`), or of a view marked `@never_stored` (the donate
  redirect): it is not looked up, and nobody waits for another's render;
- a response that is not a 200 HTML page, sets a cookie, or says
  `Cache-Control: private/no-store/no-cache` (drafts, searches, redirects).

What a page is stored under: the site's release (pagecache.release), the
address, and only the query parameters its view declares
(pagecache.parameters): anything else in the address neither changes the
page nor makes a new entry. While it renders, it records what it was built
from (pagecache.tags); when it goes stale: pagecache.generations.
"""

import functools
import hashlib

from django.conf import settings
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

from pagecache import claims
from pagecache.encoding import compressed_for_wire
from pagecache.generations import has_uncommitted_changes, latest_change
from pagecache.parameters import declared_parameters, never_stored_with
from pagecache.release import release
from pagecache.stored import StoredPage, lookup, store
from pagecache.tags import collecting


@functools.lru_cache(maxsize=2048)
def _declared_at(path_info, urlconf):
    """
    The query parameters the view at this path reads, and those with which
    its page is never stored; None when no view answers there.
    """
    try:
        view = resolve(path_info, urlconf).func
    except Resolver404:
        return None
    return declared_parameters(view), never_stored_with(view)


def page_key(request):
    """
    The cache key of this request's page, or None when it must not be cached:
    the release, the address, and the query parameters its view reads.
    """
    found = _declared_at(request.path_info, get_urlconf() or settings.ROOT_URLCONF)
    if found is None:
        return None  # a 404 page: not stored
    declared, never_stored = found
    query = request.GET if request.META.get("QUERY_STRING") else {}  # most hits have none: not parsed
    if never_stored is True or any(name in query for name in never_stored):
        return None  # a page of search results, a redirect
    try:
        host = request.get_host()
    except Exception:  # noqa: BLE001 - a forged Host: let the normal handling answer it
        return None
    # By name, each name's values in their order: ?t=a&t=b and ?t=b&t=a are different pages (columns).
    used = [(name, value) for name in sorted(declared) if name in query for value in query.getlist(name)]
    address = f"{release()} {request.scheme}://{host}{request.path}?{urlencode(used)}"
    return "ribbon:page:" + hashlib.sha256(address.encode()).hexdigest()


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        excluded = ["/" + settings.ADMIN_URL, "/markdownx/"]
        if "://" not in settings.MEDIA_URL:
            excluded.append("/" + settings.MEDIA_URL.lstrip("/"))
        self.excluded_prefixes = tuple(excluded)

    def __call__(self, request):
        if not self._is_anonymous_read(request):
            response = self.get_response(request)
            if request.method in {"GET", "HEAD"} and not response.has_header("Cache-Control"):
                # Somebody logged in (staff): what they see is theirs alone.
                patch_cache_control(response, private=True, no_cache=True)
            return response
        key = None
        if settings.RIBBON_PAGE_CACHE_SECONDS > 0 and not has_uncommitted_changes():
            key = page_key(request)
        if key is None:
            return self._uncached(request)
        generation, stored = lookup(key)
        claimed = False
        if stored is None and generation is not None and request.method == "GET":
            # One render per page (pagecache.claims): the first to miss renders, the rest wait for it.
            claimed = claims.claim(key)
            if not claimed:
                stored = claims.wait_for(key, lookup)
        if stored is not None:
            response = stored.response_for(request)
            response["X-Page-Cache"] = "hit"
            return response
        try:
            return self._render(request, key, generation)
        finally:
            if claimed:
                claims.release(key)

    def _render(self, request, key, generation):
        """The page rendered, and stored if it may be."""
        started = latest_change() if generation is not None else None
        with collecting() as tags:
            response = self.get_response(request)
        if (
            started is not None
            and request.method == "GET"
            and self._is_storable(response)
            and not has_uncommitted_changes()
        ):
            stored = StoredPage(generation, response, sorted(tags))
            store(key, stored, started, settings.RIBBON_PAGE_CACHE_SECONDS)
            response = stored.response_for(request)
            response["X-Page-Cache"] = "miss"
            return response
        response["X-Page-Cache"] = "bypass"
        return compressed_for_wire(request, response)

    def _uncached(self, request):
        response = self.get_response(request)
        response["X-Page-Cache"] = "bypass"
        return compressed_for_wire(request, response)

    def _is_anonymous_read(self, request):
        return (
            request.method in {"GET", "HEAD"}
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(self.excluded_prefixes)
        )

    def _is_storable(self, response):
        cache_control = response.get("Cache-Control", "").lower()
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and response.get("Content-Type", "").startswith("text/html")
            and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
        )
