"""
Stale pages rendered again as soon as a change has made them stale, so that no reader waits.

A confirmed gift makes the pages that show its campaign's figures stale (pagecache.tags), and they
are among the most read pages of the site: the home page, the donate page, the campaign's own. Left
to readers, the first to ask for each renders it, and every request queued behind that worker waits
for the render; on an appeal night, with gifts every second, those waits are the slowest requests of
all. The payment provider's notification, which no person waits for, has them rendered instead, right
after its change has committed and made them stale. They are rendered as the first reader would,
through the whole middleware as an anonymous visitor at the same address: the page cache's own claim,
render and store (pagecache.middleware), so what is kept is exactly what a reader would have kept,
and a page that another request is rendering already is not rendered twice.

They are rendered by a thread of the worker (one at most), once the notification is answered.
gunicorn's workers serve one request at a time: a worker that rendered the pages before answering
would be held from every reader queued at its server meanwhile; with the renders in a thread it goes
on serving them, sharing its time with the renders, and the provider is answered at once. A page
asked for before its render ends is rendered or waited for as any stale page is. Inside a
transaction, where another thread's connection may not see what this one wrote, the caller renders
them itself.

Only pages the cache holds are rendered again (their stale entries are still there): a page nobody
has asked for since it was last stored is left for its first reader.
"""

import io
import logging
import threading

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection, connections
from django.utils import translation

from core.languages import language_of
from pagecache.generations import page_store, usable
from pagecache.middleware import page_key

# What a visitor's request carries that the notification's must not pass on: who it is, and its body.
NOT_PASSED_ON = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "CONTENT_TYPE", "CONTENT_LENGTH", "QUERY_STRING")

# The name of the threads that render pages again (tests wait for them by it).
THREAD_NAME = "ribbon-render-again"

logger = logging.getLogger(__name__)
_handler = None
# The pages waiting for this worker's renderer thread, by host and address, in the order asked for.
_pending = {}
_lock = threading.Lock()
_renderer = None


def _site():
    """The whole middleware and the views, as the server runs them: loaded once per process."""
    global _handler
    if _handler is None:
        handler = BaseHandler()
        handler.load_middleware()
        _handler = handler
    return _handler


def visitor_at(request, path):
    """An anonymous visitor's GET of `path`, at the same host and scheme as `request`."""
    environ = {name: value for name, value in request.META.items() if name not in NOT_PASSED_ON}
    environ |= {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(b""),
    }
    environ = {name: value for name, value in environ.items() if not name.startswith("HTTP_STRIPE")}
    return WSGIRequest(environ)


def is_kept(visitor):
    """Whether the cache holds a page for the visitor's address, current or stale."""
    with translation.override(language_of(visitor.path_info)):
        key = page_key(visitor)
    if key is None:
        return False
    try:
        return page_store().get(key) is not None
    except Exception:  # noqa: BLE001 - a cache out of reach keeps nothing; its outage is handled where pages are read
        return False


def render_again(request, paths):
    """
    Have each page at `paths` that the cache holds rendered and kept again, as an anonymous visitor
    at `request`'s host would see it: by this worker's renderer thread, or here when this connection
    is in a transaction. Call it after the change has committed: a page rendered before then would be
    built from what readers cannot see yet, and is never kept.
    """
    if settings.RIBBON_PAGE_CACHE_SECONDS <= 0 or not usable():
        return
    visitors = [visitor_at(request, path) for path in paths]  # read off the request while it is this thread's
    if connection.in_atomic_block:
        _render(visitors)
    else:
        _hand_over(visitors)


def _hand_over(visitors):
    """
    To this worker's one renderer thread, however many notifications come at once: a page asked for
    again before its render began is rendered once.
    """
    global _renderer
    with _lock:
        _pending.update(((visitor.META.get("HTTP_HOST", ""), visitor.path_info), visitor) for visitor in visitors)
        if _renderer is None or not _renderer.is_alive():  # not alive: started before this process was forked
            _renderer = threading.Thread(target=_render_pending, name=THREAD_NAME, daemon=True)
            _renderer.start()


def _render_pending():
    global _renderer
    try:
        while True:
            with _lock:
                if not _pending:
                    _renderer = None
                    return
                visitor = _pending.pop(next(iter(_pending)))
            try:
                _render([visitor])
            except Exception:
                # The page is rendered by its next reader instead; the error is reported all the same.
                logger.exception("Rendering a page again after a change failed")
    finally:
        connections.close_all()  # this thread's own: nothing else ends them


def _render(visitors):
    with translation.override(settings.LANGUAGE_CODE):  # each page sets its own; the caller's is left alone
        for visitor in visitors:
            if is_kept(visitor):
                _site().get_response(visitor)
