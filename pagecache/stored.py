"""
Pages as the cache keeps them: rendered once, compressed once (gzip and
brotli), and served to each client in the coding it takes, with a weak ETag
so that a browser revalidating a page it has gets a 304.
"""

import gzip
import hashlib
import time

import brotli
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified

from pagecache.encoding import COMPRESS_FROM_BYTES, STORED_BROTLI, preferred_encoding
from pagecache.generations import GENERATION_KEY, first_generation, lifetime, page_store, state_of, usable
from pagecache.outage import health
from pagecache.versions import ANY_CHANGE, versions_of

# Headers that describe one particular encoding or transfer, rebuilt on each hit.
NOT_STORED_HEADERS = frozenset({"content-length", "content-encoding", "vary", "etag", "cache-control"})
# A session cookie bypasses the cache (pagecache.middleware); the coding is chosen per client.
VARY = "Cookie, Accept-Encoding"


class StoredPage:
    """
    A rendered page as kept in the cache: its headers and its body, brotli and
    gzip compressed (almost every client takes one; the plain body is
    unpacked from gzip for the few that take neither). Small bodies are kept
    plain.
    """

    __slots__ = ("br", "etag", "expires", "generation", "gzip", "headers", "plain", "status", "tags", "versions")

    def __init__(self, generation, response, tags=(), versions=()):
        body = response.content
        self.generation = generation
        # What it was built from (pagecache.tags) and their versions then: served only while those hold.
        self.tags = tuple(tags)
        self.versions = tuple(versions)
        self.expires = None  # when the cache lets it go (time.time()), set when it is stored
        self.status = response.status_code
        self.headers = [(name, value) for name, value in response.items() if name.lower() not in NOT_STORED_HEADERS]
        if len(body) >= COMPRESS_FROM_BYTES:
            self.plain = None
            self.gzip = gzip.compress(body, compresslevel=9, mtime=0)
            self.br = brotli.compress(body, **STORED_BROTLI)
        else:
            self.plain, self.gzip, self.br = body, None, None
        # Weak: the same page in any of its encodings.
        self.etag = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'

    def body_for(self, encoding):
        """(body, its Content-Encoding or None)."""
        if self.plain is not None:
            return self.plain, None
        if encoding == "br":
            return self.br, "br"
        if encoding == "gzip":
            return self.gzip, "gzip"
        return gzip.decompress(self.gzip), None

    def response_for(self, request):
        if _etag_matches(request, self.etag):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(status=self.status)
            for name, value in self.headers:
                response[name] = value
            response.content, encoding = self.body_for(preferred_encoding(request))
            if encoding:
                response["Content-Encoding"] = encoding
            response["Content-Length"] = str(len(response.content))
        response["ETag"] = self.etag
        response["Cache-Control"] = f"public, max-age={settings.RIBBON_BROWSER_CACHE_SECONDS}"
        # What this cache tells pages apart by (a view's own Vary is not stored): set, not merged, on every hit.
        response["Vary"] = VARY
        return response


def _etag_matches(request, etag):
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == wanted for candidate in header.split(","))


def lookup(key):
    """
    (current generation, the page kept under `key` if it is current, or
    None); (None, None) when the cache may not be used now. A stored page is
    current if it was made in this generation and every one of its tags
    still has the version it had then.

    The page is looked for first among those this process served last
    (CACHES["recent-pages"]), then in the shared cache. Either copy is
    served on the same terms; the generation and the versions are always
    read from the shared cache (or, on one machine, from shared memory:
    pagecache.versions), so a copy here is never staler than the shared one.
    """
    if not usable():
        return None, None
    try:
        cache = page_store()
        recent = caches["recent-pages"].get(key)
        if recent is not None:
            generation = cache.get(GENERATION_KEY)
            if generation is not None and _is_current(recent, generation, cache):
                return generation, recent
        found = cache.get_many([GENERATION_KEY, key])
        generation, stored = found.get(GENERATION_KEY), found.get(key)
        if generation is None:
            return first_generation(cache), None
        if _is_current(stored, generation, cache):
            _keep_here(key, stored)
            return generation, stored
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        return None, None
    return generation, None


def _is_current(stored, generation, cache):
    return (
        isinstance(stored, StoredPage)
        and stored.generation == generation
        and versions_of(cache).read(stored.tags) == stored.versions
    )


def _keep_here(key, stored):
    """Keep `stored` among this process's recent pages until the shared cache lets it go."""
    expires = getattr(stored, "expires", None)  # None in a page stored by code before it (one RIBBON_RELEASE)
    seconds = expires - time.time() if expires is not None else 0
    if seconds > 0:
        caches["recent-pages"].set(key, stored, timeout=seconds)


def store(key, stored, started, seconds):
    """
    Keep `stored` for `seconds`, and never past the next go-live, expiry or midnight,
    with the versions its tags have now; unless anything changed since
    `started` (the version of ANY_CHANGE when its render began), since what
    the render read may then be older than those versions.
    """
    try:
        versions = versions_of(page_store()).read_to_keep((ANY_CHANGE, *stored.tags))
        if versions[0] != started:
            return
        stored.versions = versions[1:]
        timeout = lifetime(state_of(stored.generation, started), seconds)
        stored.expires = time.time() + timeout
        page_store().set(key, stored, timeout=timeout)
        _keep_here(key, stored)
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
