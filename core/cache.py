"""The cache backend Ribbon uses on one machine (no REDIS_URL)."""

import pickle
import zlib

from django.core.cache.backends.filebased import FileBasedCache


class PageFileCache(FileBasedCache):
    """
    Django's folder cache, shared by every worker process on the machine,
    without its zlib compression: pages are stored compressed already (gzip
    and brotli), so compressing them again saved nothing and cost 60 µs on
    every hit of the FAQ page. Files keep Django's format (zlib level 0 is a
    stored block), so Django's own reading, touching and culling still apply.
    """

    def _write_content(self, file, timeout, value):
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol), 0))
