"""The cache backend Ribbon uses on one machine (no REDIS_URL)."""

import os
import pickle
import tempfile
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

from pagecache.generations import GENERATION_KEY
from pagecache.versions import shared_versions


class PageFileCache(FileBasedCache):
    """
    Django's folder cache, shared by every worker process on the machine,
    without its zlib compression: pages are stored compressed already (gzip
    and brotli), so compressing them again saved nothing and cost time on
    every hit. Files keep Django's format (zlib level 0 is a
    stored block), so Django's own reading, touching and culling still apply;
    culling, though, spares the generation (below).
    """

    def tag_versions(self):
        """Tag versions in shared memory (pagecache.versions), beside the files: not one file read per tag."""
        versions = self.__dict__.get("_tag_versions")
        if versions is None:
            versions = self._tag_versions = shared_versions(os.path.join(self._dir, "tag-versions"))
        return versions

    def _cull(self):
        """
        Django's culling, which lists every file in the folder on every write,
        only once the folder may be full: counting the entries first costs a
        third of that listing (1,500 entries: 0.6 ms against 1.8), and a page
        rendered after a change is written twice (its claim, then the page).
        """
        generation = os.path.basename(self._key_to_file(GENERATION_KEY))
        try:
            with os.scandir(self._dir) as entries:
                count = sum(
                    1 for entry in entries if entry.name.endswith(self.cache_suffix) and entry.name != generation
                )
        except FileNotFoundError:
            return
        if count >= self._max_entries:
            super()._cull()

    def _list_cache_files(self):
        """
        What culling may remove when the cache is full: every entry but the
        generation, whose loss would make every stored page stale at once.
        """
        generation = self._key_to_file(GENERATION_KEY)
        return [name for name in super()._list_cache_files() if name != generation]

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """
        Django's add, made atomic across processes where no file holds the
        key (the usual case of a claim, pagecache.claims): the entry is
        written aside and linked into place, which fails if another process
        got there first. Over an expired entry it is Django's add.
        """
        fname = self._key_to_file(key, version)
        if self.has_key(key, version):
            return False
        if os.path.exists(fname):
            return super().add(key, value, timeout, version)
        self._createdir()
        self._cull()
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        try:
            with open(fd, "wb") as file:
                self._write_content(file, timeout, value)
            os.link(tmp_path, fname)
        except FileExistsError:
            return False
        finally:
            os.remove(tmp_path)
        return True

    def clear(self):
        super().clear()
        self.delete(GENERATION_KEY)

    def _write_content(self, file, timeout, value):
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol), 0))
