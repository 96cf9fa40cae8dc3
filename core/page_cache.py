"""
The anonymous full-page cache.

Almost every visitor is anonymous and sees exactly what every other
anonymous visitor sees, so a public page is rendered once and then served
from the cache, compressed once (gzip and brotli) when it was stored. The
middleware sits just after the security and static-file middleware: a hit
skips sessions, CSRF, authentication, the view, templates and the
database, and costs one cache round trip.

What is never cached (see `PageCacheMiddleware`):
- any request that carries a session cookie (staff, and anybody logged in),
  so staff always see their own edits and drafts;
- anything but GET and HEAD, the admin, the editor's endpoints;
- a request with a query parameter the pages do not understand, which
  covers searches (`?q=`); tracking parameters (utm_*, fbclid…) are
  ignored, so a shared link still hits the cache;
- a response that is not a 200 HTML page, sets a cookie, or says
  `Cache-Control: private/no-store/no-cache` (drafts, the donate redirect).

Invalidation: every stored page carries the "generation" it was rendered
in. Saving or deleting anything that appears on a page (any model of the
content apps, see `core.apps`) starts a new generation, both at once and
again when the transaction commits, so a page rendered from not yet
committed data cannot outlive the edit. Old entries are then simply never
served again and expire. With Redis (REDIS_URL) the generation is shared
by every process and server.

The cache is an accelerator, never a dependency: if it fails (Redis down)
the page is rendered as if the cache were empty, and for a few seconds the
cache is not even asked, so an outage costs no waiting on every request.
"""

import gzip
import hashlib
import logging
import threading
import time
import uuid

import brotli
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode

logger = logging.getLogger(__name__)

GENERATION_KEY = "ribbon:page-generation"
# Query parameters that select a different page, and tracking parameters that
# do not change it. Any other parameter (a search, or junk) means no caching.
PAGE_PARAMETERS = frozenset({"page", "tag"})
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "msclkid", "mc_cid", "mc_eid", "ref", "_ga"})
# Smaller bodies are not worth compressing (a packet is a packet).
COMPRESS_FROM_BYTES = 512
# After a cache error, how long to leave the cache alone before trying again.
OUTAGE_BACKOFF_SECONDS = 5.0
# Headers that describe one particular encoding or transfer, rebuilt on each hit.
NOT_STORED_HEADERS = frozenset({"content-length", "content-encoding", "vary", "etag", "cache-control"})


class _Health:
    """Per-process memory of a cache failure: skip the cache until `retry_at`."""

    def __init__(self):
        self.retry_at = 0.0
        self.lock = threading.Lock()

    def available(self):
        return time.monotonic() >= self.retry_at

    def failed(self, error):
        with self.lock:
            if self.available():
                logger.warning(
                    "Page cache unavailable (%s); serving uncached pages for %ss.", error, OUTAGE_BACKOFF_SECONDS
                )
            self.retry_at = time.monotonic() + OUTAGE_BACKOFF_SECONDS

    def reset(self):
        self.retry_at = 0.0


health = _Health()


def _cache():
    return caches[settings.RIBBON_PAGE_CACHE_ALIAS]


def invalidate():
    """Start a new generation: every page stored until now is stale. Never raises."""
    _new_generation()
    # Again once the data is committed: a page rendered meanwhile from the old
    # rows may have been stored under the intermediate generation.
    transaction.on_commit(_new_generation)


def _new_generation():
    if not health.available():
        return
    try:
        _cache().set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)


def invalidate_on_content_change(sender, **kwargs):
    """Signal receiver for post_save, post_delete and m2m_changed (see core.apps)."""
    if kwargs.get("raw"):
        return  # loaddata: the loading command invalidates once at the end
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed sends pre_ and post_ actions: one is enough
    invalidate()


def preferred_encoding(request):
    """ "br", "gzip" or None: what to send, from the encodings the client accepts (ignoring q=0)."""
    accepted = set()
    for part in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        name, _, params = part.strip().partition(";")
        if params.replace(" ", "") in {"q=0", "q=0.0", "q=0.00", "q=0.000"}:
            continue
        accepted.add(name.strip().lower())
    if "br" in accepted:
        return "br"
    if "gzip" in accepted or "*" in accepted:
        return "gzip"
    return None


class StoredPage:
    """A rendered page as kept in the cache: its body in three encodings and its headers."""

    __slots__ = ("br", "etag", "generation", "gzip", "headers", "identity", "status")

    def __init__(self, generation, response):
        body = response.content
        self.generation = generation
        self.status = response.status_code
        self.headers = [(name, value) for name, value in response.items() if name.lower() not in NOT_STORED_HEADERS]
        self.identity = body
        big_enough = len(body) >= COMPRESS_FROM_BYTES
        self.gzip = gzip.compress(body, compresslevel=9, mtime=0) if big_enough else None
        self.br = brotli.compress(body, quality=9) if big_enough else None
        # Weak: the same page in any of its encodings.
        self.etag = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'

    def response_for(self, request):
        if _etag_matches(request, self.etag):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(status=self.status)
            for name, value in self.headers:
                response[name] = value
            encoding = preferred_encoding(request)
            body = getattr(self, encoding) if encoding else None
            if body is not None:
                response.content, response["Content-Encoding"] = body, encoding
            else:
                response.content = self.identity
            response["Content-Length"] = str(len(response.content))
        response["ETag"] = self.etag
        response["Cache-Control"] = f"public, max-age={settings.RIBBON_BROWSER_CACHE_SECONDS}"
        patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
        return response


def _etag_matches(request, etag):
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == wanted for candidate in header.split(","))


def _compressed_for(request, response):
    """Compress an uncached anonymous HTML response (a search result, say) for the wire."""
    if response.streaming or response.has_header("Content-Encoding") or response.cookies:
        return response
    if not response.get("Content-Type", "").startswith("text/html") or len(response.content) < COMPRESS_FROM_BYTES:
        return response
    encoding = preferred_encoding(request)
    if encoding == "br":
        response.content = brotli.compress(response.content, quality=2)
    elif encoding == "gzip":
        response.content = gzip.compress(response.content, compresslevel=6, mtime=0)
    else:
        return response
    response["Content-Encoding"] = encoding
    response["Content-Length"] = str(len(response.content))
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


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
        key = self._key(request)
        if key is None or settings.RIBBON_PAGE_CACHE_SECONDS <= 0:
            response = self.get_response(request)
            response["X-Page-Cache"] = "bypass"
            return _compressed_for(request, response)
        generation, stored = self._lookup(key)
        if stored is not None:
            response = stored.response_for(request)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if generation is not None and request.method == "GET" and self._is_storable(response):
            stored = StoredPage(generation, response)
            self._store(key, stored)
            response = stored.response_for(request)
            response["X-Page-Cache"] = "miss"
            return response
        response["X-Page-Cache"] = "bypass"
        return _compressed_for(request, response)

    def _is_anonymous_read(self, request):
        return (
            request.method in {"GET", "HEAD"}
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(self.excluded_prefixes)
        )

    def _key(self, request):
        """The cache key for this request, or None when it must not be cached."""
        kept = []
        for name in request.GET:
            if name in TRACKING_PARAMETERS or name.startswith("utm_"):
                continue
            values = request.GET.getlist(name)
            if name not in PAGE_PARAMETERS or len(values) != 1:
                return None
            kept.append((name, values[0]))
        try:
            host = request.get_host()
        except Exception:  # noqa: BLE001 - a forged Host: let the normal handling answer it
            return None
        address = f"{request.scheme}://{host}{request.path}?{urlencode(sorted(kept))}"
        return "ribbon:page:" + hashlib.sha256(address.encode()).hexdigest()

    def _lookup(self, key):
        """(current generation, stored page or None); (None, None) when the cache is unavailable."""
        if not health.available():
            return None, None
        try:
            cache = _cache()
            found = cache.get_many([GENERATION_KEY, key])
            generation = found.get(GENERATION_KEY)
            if generation is None:
                generation = uuid.uuid4().hex
                if not cache.add(GENERATION_KEY, generation, timeout=None):
                    generation = cache.get(GENERATION_KEY)
                return generation, None
        except Exception as error:  # noqa: BLE001
            health.failed(error)
            return None, None
        stored = found.get(key)
        if isinstance(stored, StoredPage) and stored.generation == generation:
            return generation, stored
        return generation, None

    def _is_storable(self, response):
        cache_control = response.get("Cache-Control", "").lower()
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and response.get("Content-Type", "").startswith("text/html")
            and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
        )

    def _store(self, key, stored):
        try:
            _cache().set(key, stored, timeout=settings.RIBBON_PAGE_CACHE_SECONDS)
        except Exception as error:  # noqa: BLE001
            health.failed(error)
