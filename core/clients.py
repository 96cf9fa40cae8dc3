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

import ipaddress

from django.conf import settings


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
