"""
Fetching a picture named in an imported file. The file, not the operator,
chooses the address, so the fetch must not become a way into this
machine's network (a cloud metadata service, an admin port on localhost, a
database): every address a name resolves to must be public, the connection
goes to the address checked, and redirects are followed only so far and
checked again. What arrives is judged as every upload is (core.images).
"""

import http.client
import ipaddress
import socket
import ssl
import time
from http.client import HTTPException
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from core.images import ImageRejected, verified_image

MAX_REDIRECTS = 3


def is_public_address(address):
    """True for an address on the public internet: not loopback, private, link-local, reserved or multicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _public_address_of(host, port):
    """The address to connect to, once every address the name resolves to is known to be public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ImageRejected(f"its address could not be resolved ({exc})") from None
    addresses = [info[4][0] for info in infos]
    refused = [address for address in addresses if not is_public_address(address)]
    if refused or not addresses:
        raise ImageRejected(
            f"{host} leads to an internal address ({refused[0] if refused else 'none'}); "
            "only public addresses are fetched"
        )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, never to whatever the name resolves to a moment later."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.checked_address = address

    def connect(self):
        self.sock = socket.create_connection((self.checked_address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.checked_address = address

    def connect(self):
        raw = socket.create_connection((self.checked_address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # the certificate must name the host


def _target(url):
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ImageRejected("its address is not a valid web address") from None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ImageRejected("only http and https addresses are downloaded")
    if parts.username is not None or parts.password is not None:
        raise ImageRejected("addresses with a user name or password are not downloaded")
    secure = parts.scheme.lower() == "https"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return secure, parts.hostname, port or (443 if secure else 80), path


def download_image(url, timeout=None, max_bytes=None):
    """
    Fetch a picture from the web for an import. Raises ImageRejected with the
    reason. Only http(s) to public addresses, checked after name resolution
    and again at every redirect (at most MAX_REDIRECTS); at most `max_bytes`;
    `timeout` seconds for the whole download, not per read.
    """
    timeout = timeout or settings.RIBBON_IMAGE_DOWNLOAD_TIMEOUT
    max_bytes = max_bytes or settings.RIBBON_MAX_UPLOAD_BYTES
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        secure, host, port, path = _target(url)
        address = _public_address_of(host, port)
        connection_class = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
        connection = connection_class(host, port, address, timeout=max(0.1, deadline - time.monotonic()))
        try:
            connection.request("GET", path, headers={"User-Agent": "Ribbon-importer/1.0", "Accept": "image/*"})
            response = connection.getresponse()
            if response.status in {301, 302, 303, 307, 308}:
                location = response.getheader("Location", "")
                if not location:
                    raise ImageRejected(f"the server answered {response.status} without saying where to")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise ImageRejected(f"the server answered {response.status} {response.reason}")
            data = _read_within(response, max_bytes, deadline)
        except (OSError, HTTPException, ValueError) as exc:
            raise ImageRejected(f"it could not be downloaded ({exc.__class__.__name__}: {exc})") from None
        finally:
            connection.close()
        return verified_image(data, max_bytes=max_bytes)
    raise ImageRejected(f"it was redirected more than {MAX_REDIRECTS} times")


def _read_within(response, max_bytes, deadline):
    declared = response.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ImageRejected(f"the picture is larger than {max_bytes // (1024 * 1024)} MB")
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise ImageRejected("it took too long to download")
        chunk = response.read1(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise ImageRejected(f"the picture is larger than {max_bytes // (1024 * 1024)} MB")
        chunks.append(chunk)
