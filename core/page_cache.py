"""
The anonymous full-page cache.

Almost every visitor is anonymous and sees exactly what every other
anonymous visitor sees, so a public page is rendered once, compressed once
(gzip and brotli) and then served from the cache. The middleware sits just
after the security and static-file middleware: a hit skips sessions, CSRF,
authentication, the view, templates and the database.

Where pages are kept: Django's cache (CACHES["default"]). Without REDIS_URL
that is a folder on this machine (FileBasedCache), shared by every worker
process, so `make serve` is right with no extra server; with REDIS_URL it is
Redis, shared by every server. Nothing else shares it: kept search results
have a bounded store of their own (core.search), so that no number of
searches can push a page out.

What is never cached (see `PageCacheMiddleware`):
- a request that carries a session cookie (staff, anybody logged in);
- anything but GET and HEAD, the admin, the editor's endpoints, media;
- a response that is not a 200 HTML page, sets a cookie, or says
  `Cache-Control: private/no-store/no-cache` (drafts, searches, redirects).

What a page is stored under: the site's release (a fingerprint of the code,
templates and static files, so that a deploy never serves pages the old code
made), the address, and only the query parameters its view declares
(core.query): anything else in the address neither changes the page nor
makes a new entry.

Invalidation: every stored page carries the "generation" it was rendered in.
Saving or deleting content shown on pages (core.apps) starts a new
generation, once per transaction, when it commits; old entries are then
never served again and expire. A new generation that cannot be stored (the
cache is unreachable) is owed, not forgotten: this process serves nothing
from the cache until it is paid, and pays it at the next request or from a
background retry, whichever comes first.

The cache is an accelerator, never a dependency: if it fails, pages are
rendered as if it were empty, and for a few seconds it is not even asked.
"""

import functools
import gzip
import hashlib
import logging
import math
import re
import threading
import time
import uuid
from importlib import import_module
from pathlib import Path

import brotli
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, get_urlconf, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode

from core.cache import GENERATION_KEY
from core.markdown import renderer_version
from core.query import declared_parameters

logger = logging.getLogger(__name__)

# Smaller bodies are not worth compressing (a packet is a packet).
COMPRESS_FROM_BYTES = 512
# After a cache error, how long to leave the cache alone before asking again.
OUTAGE_BACKOFF_SECONDS = 5.0
# An owed generation is retried in the background after 1, 2, 4 … up to 30 seconds.
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0
# Headers that describe one particular encoding or transfer, rebuilt on each hit.
NOT_STORED_HEADERS = frozenset({"content-length", "content-encoding", "vary", "etag", "cache-control"})
# What the release fingerprint reads: everything that decides how a page looks.
RELEASE_FILES = ("*.py", "*.html", "*.css", "*.js")


def _cache():
    return caches[settings.RIBBON_PAGE_CACHE_ALIAS]


# Release ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def release():
    """
    Which code is serving: RIBBON_RELEASE when the deployment names it (a
    git commit, say), else a fingerprint of the project's own Python,
    templates and static files and of the markdown renderer, made once per
    process. Pages are stored under it, so a deploy that changes how pages
    look never serves a page the previous code rendered.
    """
    if settings.RIBBON_RELEASE:
        return settings.RIBBON_RELEASE
    base = Path(settings.BASE_DIR)
    folders = {Path(config.path) for config in apps.get_app_configs() if Path(config.path).is_relative_to(base)}
    folders |= {Path(folder) for folder in settings.STATICFILES_DIRS}
    folders |= {Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])}
    folders.add(Path(import_module(settings.ROOT_URLCONF).__file__).parent)  # settings and addresses
    digest = hashlib.sha256(renderer_version().encode())
    for path in sorted({file for folder in folders for pattern in RELEASE_FILES for file in folder.rglob(pattern)}):
        # Named relative to the project, so every server with the same code agrees.
        name = path.relative_to(base) if path.is_relative_to(base) else path
        digest.update(str(name).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


# Health and what is owed -------------------------------------------------------------


class _Health:
    """
    This process's view of the cache: whether to leave it alone for a while
    after an error, and whether a new generation is owed to it.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.retry_at = 0.0
        self.owed = False
        self.retry_delay = RETRY_FIRST_SECONDS
        self.timer = None

    def available(self):
        return time.monotonic() >= self.retry_at

    def failed(self, error):
        with self.lock:
            if self.available():
                logger.warning(
                    "Page cache unavailable (%s); pages are rendered for %ss.", error, OUTAGE_BACKOFF_SECONDS
                )
            self.retry_at = time.monotonic() + OUTAGE_BACKOFF_SECONDS


health = _Health()


def new_generation():
    """
    Make every page stored until now stale. Never raises. If the cache cannot
    take it, the new generation is owed: remembered, and retried until it is.
    """
    try:
        _cache().set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        with health.lock:
            health.owed = True
        _retry_later()
        return False
    with health.lock:
        health.owed = False
        health.retry_delay = RETRY_FIRST_SECONDS
    return True


def _retry_later():
    """One background retry at a time, each after a longer wait."""
    with health.lock:
        if health.timer is not None:
            return
        delay, health.retry_delay = health.retry_delay, min(health.retry_delay * 2, RETRY_MAX_SECONDS)
        health.timer = threading.Timer(delay, _retry)
        health.timer.daemon = True
        health.timer.start()


def _retry():
    with health.lock:
        health.timer = None
        owed = health.owed
    if owed:
        new_generation()


def _pay_what_is_owed():
    """True when nothing is owed (any more): the cache may be used."""
    return not health.owed or new_generation()


# Invalidation, once per transaction ------------------------------------------------------


class _OnCommit:
    """The one new generation a transaction asks for; `done` once it has run."""

    def __init__(self):
        self.done = False

    def __call__(self):
        self.done = True
        new_generation()


def _waiting_on(connection):
    return any(isinstance(callback, _OnCommit) and not callback.done for _, callback, _ in connection.run_on_commit)


def invalidate(using=None):
    """
    Pages showing content are stale once this transaction commits: ask for a
    new generation then, once however many rows it changes. Outside a
    transaction, at once.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        new_generation()
    elif not _waiting_on(connection):
        transaction.on_commit(_OnCommit(), using=using)


def has_uncommitted_changes(using=None):
    """
    Whether this connection has changed content that is not committed yet.
    Pages it renders show what nobody else can see (and may be rolled
    back), so they are neither served from nor stored in the cache.
    """
    return _waiting_on(transaction.get_connection(using))


def invalidate_on_content_change(sender, **kwargs):
    """Signal receiver for post_save, post_delete and m2m_changed (see core.apps)."""
    if kwargs.get("raw"):
        return  # loaddata: the loading command invalidates once at the end
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed sends pre_ and post_ actions: one is enough
    invalidate(kwargs.get("using"))


# Stored pages -------------------------------------------------------------------------


_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
OFFERED_ENCODINGS = ("br", "gzip")  # in our order of preference when the client weighs them equally


def accepted_weights(header):
    """{coding: weight} from an Accept-Encoding header (RFC 9110 §12.5.3): names without case, q from 0 to 1."""
    weights = {}
    for part in header.split(","):
        name, *parameters = part.split(";")
        name = name.strip().lower()
        if not name or name in weights:
            continue
        weight = 1.0
        for parameter in parameters:
            key, _, value = parameter.strip().partition("=")
            if key.strip().lower() == "q":
                value = value.strip()
                weight = float(value) if _QVALUE.fullmatch(value) else None
        if weight is not None:  # an entry with a malformed weight is ignored
            weights[name] = weight
    return weights


def preferred_encoding(request):
    """
    "br", "gzip" or None (the plain body): the offered coding the client
    weighs highest. A weight of 0 refuses a coding; "*" stands for every
    coding the header does not name; with no header, the plain body is sent.
    """
    return _preferred_for(request.META.get("HTTP_ACCEPT_ENCODING", ""))


@functools.lru_cache(maxsize=256)  # browsers send a handful of distinct headers; on every page cache hit
def _preferred_for(header):
    weights = accepted_weights(header)
    default = weights.get("*", 0.0)
    best, best_weight = None, 0.0
    for coding in OFFERED_ENCODINGS:
        weight = weights.get(coding, default)
        if weight > best_weight:
            best, best_weight = coding, weight
    return best


class StoredPage:
    """
    A rendered page as kept in the cache: its headers and its body, brotli and
    gzip compressed (almost every client takes one; the plain body is
    unpacked from gzip for the few that take neither). Small bodies are kept
    plain.
    """

    __slots__ = ("br", "etag", "generation", "gzip", "headers", "plain", "status")

    def __init__(self, generation, response):
        body = response.content
        self.generation = generation
        self.status = response.status_code
        self.headers = [(name, value) for name, value in response.items() if name.lower() not in NOT_STORED_HEADERS]
        if len(body) >= COMPRESS_FROM_BYTES:
            self.plain = None
            self.gzip = gzip.compress(body, compresslevel=9, mtime=0)
            self.br = brotli.compress(body, quality=9)
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
        patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
        return response


_next_change = {"generation": None, "at": None}


def seconds_until_scheduled_change(generation):
    """
    Seconds until the next go-live or expiry of anything published (None: none
    is due). A stored page lives no longer, so a page that lists or shows the
    item changes on time without any job. Worked out once per generation in
    each process (any edit starts a new one), and again once that time passes.
    """
    from core.models import next_scheduled_change

    now = timezone.now()
    known = _next_change
    if known["generation"] != generation or (known["at"] is not None and known["at"] <= now):
        known.update(generation=generation, at=next_scheduled_change(now))
    if known["at"] is None:
        return None
    return max(1, math.ceil((known["at"] - now).total_seconds()))


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


@functools.lru_cache(maxsize=2048)
def _declared_at(path_info, urlconf):
    """The query parameters the view at this path reads, or None when no view answers there."""
    try:
        return declared_parameters(resolve(path_info, urlconf).func)
    except Resolver404:
        return None


def page_key(request):
    """
    The cache key of this request's page, or None when it must not be cached:
    the release, the address, and the query parameters its view reads.
    """
    declared = _declared_at(request.path_info, get_urlconf() or settings.ROOT_URLCONF)
    if declared is None:
        return None  # a 404 page: not stored
    try:
        host = request.get_host()
    except Exception:  # noqa: BLE001 - a forged Host: let the normal handling answer it
        return None
    # By name, each name's values in their order: ?t=a&t=b and ?t=b&t=a are different pages (columns).
    used = [(name, value) for name in sorted(declared) for value in request.GET.getlist(name)]
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
        generation, stored = self._lookup(key)
        if stored is not None:
            response = stored.response_for(request)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if (
            generation is not None
            and request.method == "GET"
            and self._is_storable(response)
            and not has_uncommitted_changes()
        ):
            stored = StoredPage(generation, response)
            self._store(key, stored)
            response = stored.response_for(request)
            response["X-Page-Cache"] = "miss"
            return response
        response["X-Page-Cache"] = "bypass"
        return _compressed_for(request, response)

    def _uncached(self, request):
        response = self.get_response(request)
        response["X-Page-Cache"] = "bypass"
        return _compressed_for(request, response)

    def _is_anonymous_read(self, request):
        return (
            request.method in {"GET", "HEAD"}
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(self.excluded_prefixes)
        )

    def _lookup(self, key):
        generation, stored = lookup(key)
        return generation, stored if isinstance(stored, StoredPage) else None

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
        keep(key, stored, settings.RIBBON_PAGE_CACHE_SECONDS)


def _first_generation(cache):
    """A generation for a cache that has none yet (emptied, or new), agreed with any other process starting one."""
    generation = uuid.uuid4().hex
    if not cache.add(GENERATION_KEY, generation, timeout=None):
        generation = cache.get(GENERATION_KEY)
    return generation


def lookup(key):
    """
    (current generation, the page kept under `key` for it, or None), in one
    round trip; (None, None) when the cache may not be used now. A stored
    page carries the generation it was made in: anything older is stale.
    """
    if not health.available() or not _pay_what_is_owed():
        return None, None
    try:
        cache = _cache()
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            return _first_generation(cache), None
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        return None, None
    stored = found.get(key)
    if stored is not None and getattr(stored, "generation", None) == generation:
        return generation, stored
    return generation, None


def current_generation():
    """
    The generation now, or None when the cache may not be used: what is kept
    elsewhere (pages of search results, core.search) carries the generation
    it was made in and is stale once this differs.
    """
    if not health.available() or not _pay_what_is_owed():
        return None
    try:
        cache = _cache()
        return cache.get(GENERATION_KEY) or _first_generation(cache)
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        return None


def lifetime(generation, seconds):
    """`seconds`, or fewer: what is kept is gone by the next go-live or expiry, job or no job."""
    until_change = seconds_until_scheduled_change(generation)
    return seconds if until_change is None else min(seconds, until_change)


def keep(key, value, seconds):
    """Keep `value` (made in `value.generation`) for `seconds`, and never past the next go-live or expiry."""
    try:
        _cache().set(key, value, timeout=lifetime(value.generation, seconds))
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
