"""
Requests that no page, form or database should ever see.

A NUL character has no place in an address, a form field or a cookie, and
PostgreSQL refuses it in any text (`A string literal cannot contain NUL`),
which would turn a harmless probe into a server error. SQLite refuses a LIKE
pattern over 50,000 bytes, which the admin's search box would send it for a
long enough query; no parameter of ours comes near 10,000 characters (40,000
bytes at most), and gunicorn already refuses a request line over 4 KB. Such
requests are answered 400 before any view, cache or database sees them, on
every database alike.

The guard also rewrites Accept-Encoding to the codings the client accepts,
as RFC 9110 reads the header, before WhiteNoise sees it: WhiteNoise looks
only for the coding's name, so it answered `br;q=0` (brotli refused) with
brotli. The page cache reads the same weights (pagecache.encoding).
"""

import functools

from django.core.exceptions import SuspiciousOperation

from pagecache.encoding import OFFERED_ENCODINGS, accepted_weights

NUL = "\x00"
MAX_PARAMETER_LENGTH = 10_000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NulCharacterInRequest(SuspiciousOperation):
    """Answered 400 by Django and logged to django.security."""


def _has_nul(query_dict):
    return any(NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists())


def _form_fields(request):
    """The request's form fields, without their uploaded files; none unless it is a form post."""
    if request.method != "POST" or not request.content_type.startswith(FORM_TYPES):
        return None
    return request.POST


@functools.lru_cache(maxsize=256)  # browsers send a handful of distinct headers, on every request
def accepted_codings(header):
    """The offered codings the header accepts, with their weights: "br;q=0, *" becomes "gzip;q=1.0"."""
    weights = accepted_weights(header)
    default = weights.get("*", 0.0)
    accepted = [(coding, weights.get(coding, default)) for coding in OFFERED_ENCODINGS]
    return ", ".join(f"{coding};q={weight}" for coding, weight in accepted if weight > 0)


class ParameterTooLong(SuspiciousOperation):
    """Answered 400 by Django and logged to django.security."""


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        form = _form_fields(request)
        if (
            NUL in request.path_info
            or _has_nul(request.GET)
            or (form is not None and _has_nul(form))
            or any(NUL in name or NUL in value for name, value in request.COOKIES.items())
        ):
            raise NulCharacterInRequest("A NUL character in the address, a form field or a cookie.")
        if any(len(value) > MAX_PARAMETER_LENGTH for _, values in request.GET.lists() for value in values):
            raise ParameterTooLong(f"A query parameter longer than {MAX_PARAMETER_LENGTH} characters.")
        if "HTTP_ACCEPT_ENCODING" in request.META:
            request.META["HTTP_ACCEPT_ENCODING"] = accepted_codings(request.META["HTTP_ACCEPT_ENCODING"])
        return self.get_response(request)
