"""
Who is asking: the client's address, for the login lock-out (django-axes)
and the donate-click limit, and nothing else. It is never stored in the
database.

Served directly, the client is the connection's address. Behind the TLS
proxy the README recommends (DJANGO_BEHIND_TLS_PROXY=1), every connection
comes from the proxy, and the proxy appends the address it saw to
X-Forwarded-For. Anything to the left of what our own proxies appended was
written by the client and proves nothing, so the client's address is the
entry RIBBON_TRUSTED_PROXIES places from the right.
"""

import hashlib
import hmac
import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)


def _address(text):
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request):
    """The client's IP address as text (AXES_CLIENT_IP_CALLABLE)."""
    direct = request.META.get("REMOTE_ADDR", "")
    proxies = settings.RIBBON_TRUSTED_PROXIES
    if proxies:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return _address(forwarded[-proxies]) or direct
    return direct


def within_limit(request, purpose, limit, seconds):
    """
    True for the first `limit` calls with this purpose from this client in a
    window of `seconds`; False after that, until the window ends.

    The client is known to the cache only by a keyed hash of its address, the
    purpose and the window, kept for one window: no address is ever stored,
    and the key means nothing once the window is over. Counted in the
    "counters" cache, apart from the page cache, so neither can crowd out the
    other. If that cache cannot answer, the call is allowed: a click is worth
    less than a page.
    """
    window = int(time.time() // seconds)
    message = f"{purpose}|{client_address(request)}|{window}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:40]
    key = f"limit:{digest}"
    counters = caches[settings.RIBBON_COUNTER_CACHE_ALIAS]
    try:
        if counters.add(key, 1, timeout=seconds):
            return True
        return counters.incr(key) <= limit
    except Exception:  # a cache outage must not break the redirect to the provider
        logger.warning("The counters cache did not answer; %s was not limited.", purpose, exc_info=True)
        return True
