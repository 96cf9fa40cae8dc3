"""
Health checks, for whatever watches the site: a load balancer, a process
supervisor, an uptime monitor.

- `/healthz/live` says the process answers. It touches nothing, so a
  supervisor restarts a worker that is stuck, never one whose database is
  down (restarting would not bring the database back).
- `/healthz` says whether this server can do its work: 200 when the database
  and the cache answer, 503 naming the part that failed. A load balancer
  stops sending visitors to a server that answers 503.

Both are answered by a middleware placed first, before the host check, the
HTTPS redirect and the page cache. Load balancers probe a server by its
address over plain HTTP; as an ordinary view the probe would be refused for
its Host header or redirected, and could be stored. Nothing here reads the
request beyond its path and method, sets a cookie, or says more than "ok" or
"failed": the reason goes to the server's log, not to whoever asked.

Why not django-health-check: its view answers 500 rather than 503, sits
behind the whole middleware stack (with the problems above), opens a new
database connection for every probe, and returns the database's error text
to the caller. The two checks Ribbon needs are the functions below.
"""

import logging
import secrets
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger("ribbon.health")

READY_PATH = "/healthz"
LIVE_PATH = "/healthz/live"


def check_database():
    """One `SELECT 1` on the connection this worker already holds (opened if it has none)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            raise RuntimeError("SELECT 1 did not return 1")


def check_cache():
    """A value written to each cache the site uses is read back, then removed."""
    for alias in dict.fromkeys((settings.RIBBON_PAGE_CACHE_ALIAS, settings.RIBBON_COUNTER_CACHE_ALIAS)):
        cache = caches[alias]
        key, value = f"healthz:{secrets.token_hex(8)}", secrets.token_hex(8)
        cache.set(key, value, timeout=30)
        try:
            if cache.get(key) != value:
                raise RuntimeError(f"the {alias!r} cache did not give back what was written to it")
        finally:
            cache.delete(key)


CHECKS = {"database": check_database, "cache": check_cache}


def readiness():
    """(all passed, {part: {"status": "ok" or "failed", "ms": time taken}})."""
    results = {}
    for part, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
            status = "ok"
        except Exception as error:  # noqa: BLE001 - any failure of the part is the answer, never a 500
            # On one line: a driver's message can span several.
            reason = " ".join(str(error).split())
            logger.warning("health check: the %s failed: %s: %s", part, type(error).__name__, reason)
            status = "failed"
        results[part] = {"status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return all(result["status"] == "ok" for result in results.values()), results


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/") or "/"
        if path not in (LIVE_PATH, READY_PATH):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if path == LIVE_PATH:
            status, body = 200, {"status": "ok"}
        else:
            ready, checks = readiness()
            status, body = (200 if ready else 503), {"status": "ok" if ready else "failing", "checks": checks}
        response = JsonResponse(body, status=status)
        add_never_cache_headers(response)
        return response
