"""
Static files as production serves them: whitenoise's hashed names and
pre-compressed copies, made once per content rather than once per start.

`make serve` runs collectstatic every time it starts. Whitenoise compresses
every file again each time, with brotli at its highest quality: most of the
command's time, though the files rarely change between two starts. Here a file is left as it
is when its .gz and .br copies are there and hold exactly its bytes; anything
else (a new file, a changed one, a copy cut short) is compressed again.
"""

import gzip
import zlib
from pathlib import Path

import brotli
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _holds(copy, content, decompress):
    try:
        return decompress(copy.read_bytes()) == content
    except (OSError, EOFError, zlib.error, brotli.error):
        return False


def already_compressed(path):
    """Whether the file at `path` has compressed copies that hold exactly its bytes."""
    path = Path(path)
    gz, br = path.with_name(path.name + ".gz"), path.with_name(path.name + ".br")
    if not (gz.exists() and br.exists()):
        return False
    content = path.read_bytes()
    return _holds(gz, content, gzip.decompress) and _holds(br, content, brotli.decompress)


class CompressedStaticFiles(CompressedManifestStaticFilesStorage):
    def compress_files(self, paths):
        return super().compress_files([path for path in paths if not already_compressed(self.path(path))])
