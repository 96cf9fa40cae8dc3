"""Files an attacker (or an unlucky editor) might upload, and pictures that must pass."""

import io
import struct
import zlib

from PIL import Image

from .helpers import image_bytes


def png(size=(40, 30)):
    return image_bytes("PNG", size)


def jpeg_with_gps():
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.5)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.9)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def webp():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 10)).save(buffer, "WEBP")
    return buffer.getvalue()


def _other_format(fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buffer, fmt)
    return buffer.getvalue()


def png_claiming_size(width, height):
    """A tiny PNG whose header claims a huge size: a decompression bomb's calling card."""
    data = bytearray(png((1, 1)))
    ihdr = data[12:29]  # chunk type + 13 bytes of data
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


def jpeg_with_script_comment():
    data = jpeg_with_gps()
    comment = b"<script>alert(document.cookie)</script>"
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


REFUSED = {
    "svg.png": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
    "gif.gif": _other_format("GIF"),
    "bmp.bmp": _other_format("BMP"),
    "tiff.tiff": _other_format("TIFF"),
    "page.png": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "document.pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "truncated.png": png()[:60],
    "truncated.jpg": jpeg_with_gps()[:400],
    "empty.png": b"",
    "huge.png": png_claiming_size(20000, 20000),
    "polyglot-html.png": png() + b"<html><script>alert(1)</script></html>",
    "polyglot-zip.png": png() + b"PK\x03\x04" + bytes(40),
    "polyglot-comment.jpg": jpeg_with_script_comment(),
    "too-big.png": png()[:8] + bytes(5 * 1024 * 1024 + 1),
}

ACCEPTED = {
    "photo.png": (png(), "png"),
    "camera.jpg": (jpeg_with_gps(), "jpg"),
    "modern.webp": (webp(), "webp"),
    "misnamed.jpg": (png(), "png"),  # the bytes decide, not the name
}
