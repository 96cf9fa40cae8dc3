"""
The version of each tag (pagecache.tags). A change gives each of its tags a
new version when it commits; a stored page keeps the versions its tags had
when it was rendered and is served only while every one is unchanged.

Besides the tags, ANY_CHANGE gets a new version with every change, first: a
page whose render saw it change is not stored, since what it read may be
older than the versions it would keep.
"""

import fcntl
import functools
import mmap
import os
import secrets
import threading
import uuid
import zlib
from pathlib import Path

ANY_CHANGE = "*"


class CacheTagVersions:
    """
    Versions kept in the page cache itself, as entries that never expire: on
    Redis every server sees them, and a hit reads all of a page's in one
    round trip. An entry the cache has lost has no version, and a page that
    kept one is never served: versions are given to missing tags before a
    page keeps them.
    """

    PREFIX = "ribbon:tag:"

    def __init__(self, cache):
        self.cache = cache

    def read(self, tags):
        keys = [self.PREFIX + tag for tag in tags]
        found = self.cache.get_many(keys)
        return tuple(found.get(key) for key in keys)

    def read_to_keep(self, tags):
        versions = self.read(tags)
        missing = [tag for tag, version in zip(tags, versions, strict=True) if version is None]
        for tag in missing:
            self.cache.add(self.PREFIX + tag, uuid.uuid4().hex, timeout=None)
        return self.read(tags) if missing else versions

    def change(self, tags):
        self.cache.set(self.PREFIX + ANY_CHANGE, uuid.uuid4().hex, timeout=None)
        self.cache.set_many({self.PREFIX + tag: uuid.uuid4().hex for tag in tags}, timeout=None)


class SharedTagVersions:
    """
    Versions for every worker process on one machine, in a file each maps
    into memory: reading a page's twenty tags costs microseconds, not twenty
    files. Each tag has a slot of 8 bytes chosen by a hash of its name; two
    tags that share a slot only make each other's pages stale more often. A
    new version is random, so two processes changing a slot at once still
    leave it different from what any page kept.

    After the slots, the page cache's generation (pagecache.generations):
    every hit reads it, and read from a file of its own it cost more than
    all of a page's tags (15 µs of a 200 µs hit). All zero means none.
    """

    SLOTS = 1 << 16
    SLOT_BYTES = 8
    GENERATION_AT = SLOTS * SLOT_BYTES
    GENERATION_BYTES = 16
    NO_GENERATION = bytes(GENERATION_BYTES)

    def __init__(self, path):
        self.path = Path(path)
        self._map = None
        self._lock = threading.Lock()

    def _memory(self):
        if self._map is None:
            with self._lock:
                if self._map is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    size = self.GENERATION_AT + self.GENERATION_BYTES
                    descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                    try:
                        if os.fstat(descriptor).st_size < size:
                            os.ftruncate(descriptor, size)
                        self._map = mmap.mmap(descriptor, size)
                    finally:
                        os.close(descriptor)
        return self._map

    def read(self, tags):
        memory = self._memory()
        return tuple([memory[offset : offset + self.SLOT_BYTES] for offset in map(_offset, tags)])

    read_to_keep = read

    def change(self, tags):
        memory = self._memory()
        for tag in (ANY_CHANGE, *tags):
            offset = _offset(tag)
            memory[offset : offset + self.SLOT_BYTES] = secrets.token_bytes(self.SLOT_BYTES)

    def generation(self):
        """The generation (32 hex digits), or None when there is none."""
        found = self._memory()[self.GENERATION_AT : self.GENERATION_AT + self.GENERATION_BYTES]
        return None if found == self.NO_GENERATION else found.hex()

    def set_generation(self, generation):
        """Make `generation` (32 hex digits, as uuid4().hex gives) the generation; None: there is none."""
        try:
            value = self.NO_GENERATION if generation is None else bytes.fromhex(generation)
        except (TypeError, ValueError):
            value = b""
        if len(value) != self.GENERATION_BYTES:
            raise ValueError(f"a generation is {self.GENERATION_BYTES * 2} hex digits, not {generation!r}")
        self._memory()[self.GENERATION_AT : self.GENERATION_AT + self.GENERATION_BYTES] = value

    def add_generation(self, generation):
        """Make `generation` the generation if there is none, atomically across processes: whether it was."""
        self._memory()  # the file exists
        with open(self.path, "rb") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                if self.generation() is not None:
                    return False
                self.set_generation(generation)
                return True
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)


@functools.lru_cache(maxsize=1 << 15)
def _offset(tag):
    """A tag's slot: hashing its name is most of what reading a page's versions costs, so it is remembered."""
    return (zlib.crc32(tag.encode()) % SharedTagVersions.SLOTS) * SharedTagVersions.SLOT_BYTES


_shared = {}
_shared_lock = threading.Lock()


def shared_versions(path):
    """One mapping of the file per process, whichever thread asks."""
    found = _shared.get(str(path))
    if found is None:
        with _shared_lock:
            found = _shared.setdefault(str(path), SharedTagVersions(path))
    return found


def versions_of(cache):
    """Where `cache` keeps tag versions: its own (pagecache.backends) or entries in it."""
    own = getattr(cache, "tag_versions", None)
    return own() if own is not None else CacheTagVersions(cache)
