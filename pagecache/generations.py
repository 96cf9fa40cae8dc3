"""
When stored pages go stale.

Every stored page carries the generation it was rendered in. Saving or
deleting content shown on pages (pagecache.apps) starts a new generation,
once per transaction, when it commits; old entries are then never served
again and expire. A new generation the cache cannot take is owed
(pagecache.outage): this process serves nothing from the cache until it is
paid. A page also never outlives the next scheduled go-live or expiry.
"""

import math
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from pagecache.outage import health

# Where the current generation is kept, beside the pages (pagecache.backends never culls it).
GENERATION_KEY = "ribbon:page-generation"


def page_store():
    """The cache that holds pages and the generation (RIBBON_PAGE_CACHE_ALIAS)."""
    return caches[settings.RIBBON_PAGE_CACHE_ALIAS]


def new_generation():
    """
    Make every page stored until now stale. Never raises. If the cache cannot
    take it, the new generation is owed: remembered, and retried until it is.
    """
    try:
        page_store().set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        health.owe(new_generation)
        return False
    health.paid()
    return True


def usable():
    """Whether the cache may be used now: not in its back-off after an error, and owed no generation (paid first)."""
    return health.available() and (not health.owed or new_generation())


# Invalidation, once per transaction ------------------------------------------------------


class _OnCommit:
    """The one new generation a transaction asks for; `done` once it has run."""

    def __init__(self):
        self.done = False

    def __call__(self):
        self.done = True
        new_generation()


def _waiting_on(connection):
    return any(isinstance(callback, _OnCommit) and not callback.done for _, callback, _ in connection.run_on_commit)


def invalidate(using=None):
    """
    Pages showing content are stale once this transaction commits: ask for a
    new generation then, once however many rows it changes. Outside a
    transaction, at once.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        new_generation()
    elif not _waiting_on(connection):
        transaction.on_commit(_OnCommit(), using=using)


def has_uncommitted_changes(using=None):
    """
    Whether this connection has changed content that is not committed yet.
    Pages it renders show what nobody else can see (and may be rolled
    back), so they are neither served from nor stored in the cache.
    """
    return _waiting_on(transaction.get_connection(using))


def invalidate_on_content_change(sender, **kwargs):
    """Signal receiver for post_save, post_delete and m2m_changed (see pagecache.apps)."""
    if kwargs.get("raw"):
        return  # loaddata: the loading command invalidates once at the end
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed sends pre_ and post_ actions: one is enough
    invalidate(kwargs.get("using"))


# The generation now -------------------------------------------------------------------------


def first_generation(cache):
    """A generation for a cache that has none yet (emptied, or new), agreed with any other process starting one."""
    generation = uuid.uuid4().hex
    if not cache.add(GENERATION_KEY, generation, timeout=None):
        generation = cache.get(GENERATION_KEY)
    return generation


def current_generation():
    """
    The generation now, or None when the cache may not be used: what is kept
    elsewhere (pages of search results, search.results) carries the
    generation it was made in and is stale once this differs.
    """
    if not usable():
        return None
    try:
        cache = page_store()
        return cache.get(GENERATION_KEY) or first_generation(cache)
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        return None


_next_change = {"generation": None, "at": None}


def seconds_until_scheduled_change(generation):
    """
    Seconds until the next go-live or expiry of anything published (None: none
    is due). A stored page lives no longer, so a page that lists or shows the
    item changes on time without any job. Worked out once per generation in
    each process (any edit starts a new one), and again once that time passes.
    """
    from core.models import next_scheduled_change

    now = timezone.now()
    known = _next_change
    if known["generation"] != generation or (known["at"] is not None and known["at"] <= now):
        known.update(generation=generation, at=next_scheduled_change(now))
    if known["at"] is None:
        return None
    return max(1, math.ceil((known["at"] - now).total_seconds()))


def lifetime(generation, seconds):
    """`seconds`, or fewer: what is kept is gone by the next go-live or expiry, job or no job."""
    until_change = seconds_until_scheduled_change(generation)
    return seconds if until_change is None else min(seconds, until_change)
