"""
Accepting pictures safely.

An image is judged by what Pillow reads in its bytes, never by its name or
the Content-Type it came with, and is always re-encoded: that drops any
hidden payload and metadata (EXIF GPS positions included) and gives it a
name the server chooses.
"""

import http.client
import io
import ipaddress
import socket
import ssl
import time
import uuid
from http.client import HTTPException
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
MAX_PIXELS = 40_000_000  # e.g. 8000 × 5000; larger is a decompression bomb for our purposes
# Markup that has no business inside a picture: its presence means the file is
# also something else (a "polyglot") that a browser or server could run.
CODE_MARKERS = (b"<script", b"<html", b"<?php", b"<iframe", b"<!doctype", b"javascript:", b"<body", b"onerror=")


class ImageRejected(Exception):
    """The bytes are not an image Ribbon accepts; the message says why, for people."""


def _extra_data_after_image(data, image_format):
    """True when bytes follow the image's own end marker: a second file riding along."""
    if image_format == "PNG":
        end = data.rfind(b"IEND")
        return end == -1 or len(data) > end + 8  # the chunk type, then its 4-byte CRC
    if image_format == "JPEG":
        return not data.rstrip(b"\x00").endswith(b"\xff\xd9")
    if image_format == "WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        return len(data) > declared + (declared % 2)
    return False


def verified_image(data, max_bytes=None):
    """Check and re-encode image bytes; returns a ContentFile with a server-chosen name."""
    max_bytes = max_bytes or settings.RIBBON_MAX_UPLOAD_BYTES
    if not data:
        raise ImageRejected("The file is empty.")
    if len(data) > max_bytes:
        raise ImageRejected(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    lowered = data.lower()
    if any(marker in lowered for marker in CODE_MARKERS):
        raise ImageRejected("The file contains web page or script code as well as a picture, so it is refused.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            if image_format not in ACCEPTED_FORMATS:
                raise ImageRejected("Only JPEG, PNG and WebP pictures are accepted.")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ImageRejected(f"The picture is too large ({width}×{height} pixels).")
            probe.verify()
        if _extra_data_after_image(data, image_format):
            raise ImageRejected("The file has extra data hidden after the picture, so it is refused.")
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            output = io.BytesIO()
            if image_format == "JPEG":
                image.convert("RGB").save(output, "JPEG", quality=85, optimize=True, progressive=True)
            elif image_format == "PNG":
                image.save(output, "PNG", optimize=True)
            else:
                image.save(output, "WEBP", quality=85)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(
            f"The file is not a readable JPEG, PNG or WebP picture ({exc.__class__.__name__})."
        ) from None
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{ACCEPTED_FORMATS[image_format]}")


# Fetching a picture named in an imported file: the file, not the operator,
# chooses the address, so the fetch must not become a way into this machine's
# network (a cloud metadata service, an admin port on localhost, a database).
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


def content_type_of(checked):
    """The Content-Type of a file returned by verified_image (named by its detected type)."""
    return CONTENT_TYPES[checked.name.rsplit(".", 1)[1]]


# Widths of the renditions made of every uploaded picture. Pages offer them
# all through srcset and the browser picks the smallest that is sharp enough.
RENDITION_WIDTHS = (480, 960, 1600)


def make_renditions(storage, name, folder="renditions"):
    """
    Smaller copies of a stored picture, made once when it is uploaded: for
    each width in RENDITION_WIDTHS narrower than the original (and the
    original's own width when it is narrower than 1600), a WebP and a JPEG.
    Returns what a page needs to offer them, without opening any file again:
    {"width", "height", "source", "sizes": [{"width", "height", "webp", "jpeg"}, ...]}.
    """
    with storage.open(name, "rb") as stored, Image.open(stored) as original:
        original.load()
        image = original.convert("RGBA") if original.mode in {"RGBA", "LA", "P"} else original.convert("RGB")
    width, height = image.size
    widths = sorted({w for w in RENDITION_WIDTHS if w < width} | {min(width, RENDITION_WIDTHS[-1])})
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    sizes = []
    for target in widths:
        target_height = max(1, round(height * target / width))
        resized = image if target == width else image.resize((target, target_height), Image.Resampling.LANCZOS)
        entry = {"width": target, "height": target_height}
        for extension, encode in (("webp", _as_webp), ("jpeg", _as_jpeg)):
            saved = storage.save(
                f"{folder}/{stem}-{target}w.{'jpg' if extension == 'jpeg' else extension}", ContentFile(encode(resized))
            )
            entry[extension] = saved
        sizes.append(entry)
    return {"source": name, "width": width, "height": height, "sizes": sizes}


def _as_webp(image):
    output = io.BytesIO()
    image.save(output, "WEBP", quality=80, method=5)
    return output.getvalue()


def _as_jpeg(image):
    if image.mode == "RGBA":
        # JPEG has no transparency: lay the picture on the page's white.
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    output = io.BytesIO()
    image.save(output, "JPEG", quality=82, optimize=True, progressive=True)
    return output.getvalue()
