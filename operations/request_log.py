"""
One log line per request, for whoever looks after the site: what was asked,
what was answered, how long it took, and whether the page cache served it.

What is deliberately left out: the query string (searches and form fields
travel in it, and they can say something about a patient), cookies, the
visitor's address and browser. Paths are the site's own addresses.

The line goes to the logger "ribbon.requests" at INFO; settings.LOGGING
writes it as plain text or, with RIBBON_LOG_FORMAT=json, as one JSON object
with the same facts as fields. It is on in production (DJANGO_DEBUG=0) and off
while developing, where runserver prints its own line.
"""

import logging
import time

from django.conf import settings
from django.utils.encoding import escape_uri_path

logger = logging.getLogger("ribbon.requests")

# A path is the site's own address; anything longer is junk, and a log line need not carry all of it.
LONGEST_PATH = 300


def logged_path(request):
    """The path as sent, percent-encoded again so that no byte of it can start a new log line."""
    path = escape_uri_path(request.path)
    return path if len(path) <= LONGEST_PATH else path[:LONGEST_PATH] + "…"


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if settings.RIBBON_REQUEST_LOG:
            facts = {
                "method": request.method,
                "path": logged_path(request),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                # pagecache.middleware: "hit", "miss" (made and kept), "bypass" (made, not kept); "-" where it
                # was not asked (staff, the admin, anything but GET and HEAD).
                "cache": response.get("X-Page-Cache", "-"),
            }
            logger.info("%(method)s %(path)s %(status)s %(duration_ms).1fms cache=%(cache)s", facts, extra=facts)
        return response
