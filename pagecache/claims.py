"""
One render per page. When a page many people read has just gone stale, the
first request that misses it claims its render; requests that miss it
meanwhile wait for the page that render stores (for a while, then render
it themselves), rather than all rendering the same page at once.

A claim is an entry beside the page, so it holds across worker processes
and, with Redis, across servers. It ends when its render does, or by itself
after CLAIM_SECONDS if the worker died. Should two requests ever both claim
a page (a cache whose `add` is not atomic), both render it, as every request
did before, and nothing else goes wrong.
"""

import time

from pagecache.generations import page_store
from pagecache.outage import health

# How long a claim lasts if the worker holding it never ends it (killed mid-render).
CLAIM_SECONDS = 10
# The longest a request waits for another's render before rendering the page itself.
WAIT_SECONDS = 2.0
# A waiting request holds its worker (gunicorn's are synchronous): it looks often, to be on its way as soon as
# the page is stored, which takes a few milliseconds.
POLL_SECONDS = 0.002


def _claim_key(key):
    return f"{key}:rendering"


def claim(key):
    """Whether this request is the one to render the page under `key` (True too when the cache cannot say)."""
    try:
        return page_store().add(_claim_key(key), True, timeout=CLAIM_SECONDS)
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        return True


def release(key):
    try:
        page_store().delete(_claim_key(key))
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)


def wait_for(key, lookup, seconds=WAIT_SECONDS):
    """
    The page another request is rendering under `key`, once `lookup(key)`
    finds it stored; None if its render ends without storing it (a page that
    is not stored, or content that changed meanwhile) or takes longer than
    `seconds`: then this request renders the page itself.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        try:
            rendering = page_store().has_key(_claim_key(key))
        except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
            health.failed(error)
            return None
        _, stored = lookup(key)
        if stored is not None or not rendering:
            return stored
    return None
