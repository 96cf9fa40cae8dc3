"""
When stored pages go stale.

A change to content shown on pages (pagecache.apps) marks its tags changed
(pagecache.tags, pagecache.versions), once per transaction, when it commits:
the pages built from those rows or lists are then never served again.

Every stored page also carries the generation it was rendered in: a change
whose rows are not known (a bulk update, an import, a restore) starts a new
generation, and every page stored until then is stale. Either, if the cache
cannot take it, is owed as a new generation (pagecache.outage): this process
serves nothing from the cache until it is paid. A page also never outlives
the next scheduled go-live or expiry, nor the next midnight.
"""

import datetime
import math
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from pagecache.outage import health
from pagecache.tags import kind_tag
from pagecache.versions import ANY_CHANGE, versions_of

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


def mark_changed(tags):
    """
    Make the pages built from any of `tags` stale. Never raises: if the cache
    cannot take it, a new generation is owed.
    """
    try:
        versions_of(page_store()).change(sorted(tags))
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        health.owe(new_generation)


# Invalidation, once per transaction ------------------------------------------------------


class _OnCommit:
    """
    What a transaction makes stale when it commits: the tags its changes
    marked, or everything (`tags` None). `done` once it has run.
    """

    def __init__(self):
        self.done = False
        self.tags = set()

    def add(self, tags):
        if self.tags is not None:
            self.tags = None if tags is None else self.tags | tags

    def __call__(self):
        self.done = True
        if self.tags is None:
            new_generation()
        elif self.tags:
            mark_changed(self.tags)


def _waiting(connection):
    waiting = (callback for _, callback, _ in connection.run_on_commit if isinstance(callback, _OnCommit))
    return next((callback for callback in waiting if not callback.done), None)


def invalidate(using=None, tags=None):
    """
    Pages built from `tags` (pagecache.tags), or every page when `tags` is
    None, are stale once this transaction commits: marked then, once however
    many rows it changes. Outside a transaction, at once.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        now = _OnCommit()
        now.add(tags)
        now()
        return
    waiting = _waiting(connection)
    if waiting is None:
        waiting = _OnCommit()
        transaction.on_commit(waiting, using=using)
    waiting.add(tags)


def has_uncommitted_changes(using=None):
    """
    Whether this connection has changed content that is not committed yet.
    Pages it renders show what nobody else can see (and may be rolled
    back), so they are neither served from nor stored in the cache.
    """
    return _waiting(transaction.get_connection(using)) is not None


# The generation now -------------------------------------------------------------------------


def first_generation(cache):
    """A generation for a cache that has none yet (emptied, or new), agreed with any other process starting one."""
    generation = uuid.uuid4().hex
    if not cache.add(GENERATION_KEY, generation, timeout=None):
        generation = cache.get(GENERATION_KEY)
    return generation


def latest_change():
    """The version of ANY_CHANGE now (pagecache.versions), or None when the cache may not be used."""
    if not usable():
        return None
    try:
        return versions_of(page_store()).read_to_keep((ANY_CHANGE,))[0]
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        return None


def content_state():
    """
    The generation and the latest change now, or None when the cache may not
    be used: what is kept apart from pages (search results, search.results;
    rendered parts of a page, treatments.page) carries the state it was made
    in and is stale after any change at all.
    """
    if not usable():
        return None
    try:
        cache = page_store()
        generation = cache.get(GENERATION_KEY) or first_generation(cache)
    except Exception as error:  # noqa: BLE001 - any cache failure is an outage, not a page error
        health.failed(error)
        return None
    change = latest_change()
    return None if change is None else state_of(generation, change)


def state_of(generation, change):
    """A generation and a version of ANY_CHANGE as one string, to key what is kept by both."""
    return f"{generation} {change.hex() if isinstance(change, bytes) else change}"


def generation_in(state):
    """The generation a state (state_of) was made in."""
    return state.partition(" ")[0]


_next_change = {"state": None, "depends_on": None, "at": None}


def _schedule_depends_on(state):
    """
    What the next go-live or expiry is worked out from: the generation, and
    the version of each publishable kind's tag. A status, a go-live or an
    expiry is a column that places a row in lists, so every change to one
    marks its kind (pagecache.tags); a gift or an edit of a page's text does
    not, and the answer is not worked out again for it.
    """
    from core.models import publishable_models

    kinds = [kind_tag(model) for model in publishable_models()]
    return (generation_in(state), versions_of(page_store()).read_to_keep(kinds))


def seconds_until_scheduled_change(state):
    """
    Seconds until the next go-live or expiry of anything published (None: none
    is due). A stored page lives no longer, so a page that lists or shows the
    item changes on time without any job. Worked out in each process again
    when what it depends on has changed, and once that time passes.
    """
    from core.models import next_scheduled_change

    now = timezone.now()
    known = _next_change
    passed = known["at"] is not None and known["at"] <= now
    if known["state"] != state or passed:
        # Read before the rows: a change that commits in between is then seen again next time.
        depends_on = _schedule_depends_on(state)
        if known["depends_on"] != depends_on or passed:
            known.update(at=next_scheduled_change(now))
        known.update(state=state, depends_on=depends_on)
    if known["at"] is None:
        return None
    return max(1, math.ceil((known["at"] - now).total_seconds()))


def seconds_until_midnight():
    """
    Seconds until the next midnight in the site's time zone, when what a page
    says of dates changes with no change to content: a campaign's last day
    passes, its days left count down.
    """
    now = timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    midnight = datetime.datetime.combine(tomorrow, datetime.time.min, tzinfo=timezone.get_current_timezone())
    return max(1, math.ceil((midnight - now).total_seconds()))


def lifetime(state, seconds):
    """
    `seconds`, or fewer: what is kept is gone by the next go-live or expiry,
    job or no job, and by the next midnight.
    """
    limits = [seconds, seconds_until_midnight()]
    until_change = seconds_until_scheduled_change(state)
    if until_change is not None:
        limits.append(until_change)
    return min(limits)
