"""
This process's view of the page cache's health: the cache is an accelerator,
never a dependency. After an error it is left alone for a few seconds (pages
are rendered as if it were empty), and a new generation it could not take is
owed, not forgotten: retried in the background, each time after a longer
wait, until it is paid.
"""

import logging
import threading
import time

logger = logging.getLogger(__name__)

# After a cache error, how long to leave the cache alone before asking again.
OUTAGE_BACKOFF_SECONDS = 5.0
# An owed generation is retried in the background after 1, 2, 4 … up to 30 seconds.
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0


class CacheHealth:
    """Whether to leave the cache alone for a while, and whether a new generation is owed to it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.retry_at = 0.0
        self.owed = False
        self.retry_delay = RETRY_FIRST_SECONDS
        self.timer = None

    def available(self):
        return time.monotonic() >= self.retry_at

    def failed(self, error):
        with self.lock:
            if self.available():
                logger.warning(
                    "Page cache unavailable (%s); pages are rendered for %ss.", error, OUTAGE_BACKOFF_SECONDS
                )
            self.retry_at = time.monotonic() + OUTAGE_BACKOFF_SECONDS

    def owe(self, pay):
        """Remember that `pay()` must still succeed, and try it again later: one background retry at a time."""
        with self.lock:
            self.owed = True
            if self.timer is not None:
                return
            delay, self.retry_delay = self.retry_delay, min(self.retry_delay * 2, RETRY_MAX_SECONDS)
            self.timer = threading.Timer(delay, self._retry, args=(pay,))
            self.timer.daemon = True
            self.timer.start()

    def paid(self):
        with self.lock:
            self.owed = False
            self.retry_delay = RETRY_FIRST_SECONDS

    def _retry(self, pay):
        with self.lock:
            self.timer = None
            owed = self.owed
        if owed:
            pay()


health = CacheHealth()
