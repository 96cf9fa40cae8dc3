"""
Stale pages rendered again by the request whose change made them stale, so that no reader waits.

A confirmed gift makes the pages that show its campaign's figures stale (pagecache.tags), and they
are among the most read pages of the site: the home page, the donate page, the campaign's own. Left
to readers, the first to ask for each renders it, and every request queued behind that worker waits
for the render; on an appeal night, with gifts every second, those waits are the slowest requests of
all. The payment provider's notification, which no person waits for, renders them instead, right
after its change has committed and made them stale. It does so as the first reader would, through
the whole middleware as an anonymous visitor at the same address: the page cache's own claim, render
and store (pagecache.middleware), so what is kept is exactly what a reader would have kept, and a
page that another request is rendering already is not rendered twice.

Only pages the cache holds are rendered again (their stale entries are still there): a page nobody
has asked for since it was last stored is left for its first reader.
"""

import io

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.utils import translation

from core.languages import language_of
from pagecache.generations import page_store, usable
from pagecache.middleware import page_key

# What a visitor's request carries that the notification's must not pass on: who it is, and its body.
NOT_PASSED_ON = ("HTTP_COOKIE", "HTTP_AUTHORIZATION", "CONTENT_TYPE", "CONTENT_LENGTH", "QUERY_STRING")

_handler = None


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
    Render and keep again each page at `paths` that the cache held, as an anonymous visitor at
    `request`'s host would. Returns the paths rendered. Call it after the change has committed:
    a page rendered before then would be built from what readers cannot see yet, and is never kept.
    """
    if settings.RIBBON_PAGE_CACHE_SECONDS <= 0 or not usable():
        return []
    rendered = []
    with translation.override(translation.get_language()):  # each page sets its own; this request's is kept
        for path in paths:
            visitor = visitor_at(request, path)
            if is_kept(visitor):
                _site().get_response(visitor)
                rendered.append(path)
    return rendered
