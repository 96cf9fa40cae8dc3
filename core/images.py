"""
Accepting pictures safely.

An image is judged by what Pillow reads in its bytes, never by its name or
the Content-Type it came with, and is always re-encoded: that drops any
hidden payload and metadata (EXIF GPS positions included) and gives it a
name the server chooses.
"""

import io
import uuid

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
