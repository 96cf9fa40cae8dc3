"""
Which coding a client takes, read from Accept-Encoding as RFC 9110 reads it
(names without case, weights from 0 to 1, "*" for every coding not named),
and compression for the wire of an anonymous page that is not stored.
The request guard (operations.request_guard) reads the same weights.
"""

import functools
import gzip
import re

import brotli
from django.utils.cache import patch_vary_headers

# Smaller bodies are not worth compressing (a packet is a packet).
COMPRESS_FROM_BYTES = 512
# Brotli for a page kept in the cache, compressed once while the visitor who missed it waits. A 64 KB window
# holds nearly every page whole; a larger one makes brotli set up a hash table for each call that costs more
# than the rest of the work (6.4 ms against 0.2 ms for an 8 KB page, for a body no smaller: `make bench`'s notes).
STORED_BROTLI = {"quality": 9, "lgwin": 16}
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


def compressed_for_wire(request, response):
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
