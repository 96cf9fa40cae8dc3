"""
What medical review has to do, for the dashboard and the reviewers' e-mail:
changes awaiting review (oldest first) and sent back, translations behind
their English page, published pages overdue for review or due within 30
days, and what is scheduled to go live or expire. Each list costs a query per kind of content (and one more to count
a kind with over LIST_LIMIT entries), however much there is, and shows at
most LIST_LIMIT entries with the total.
"""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.utils import timezone
from django.utils.text import capfirst

from core.models import PublishableModel, PublishStatus

from .models import SignOff, medical_models

LIST_LIMIT = 50
DUE_SOON_DAYS = 30


@dataclass
class Entry:
    item: object
    when: object  # a date or a date-time
    note: str = ""
    url: str = ""
    note_url: str = ""  # where the note leads, if anywhere

    @property
    def kind(self):
        return capfirst(self.item._meta.verbose_name)

    @property
    def is_moment(self):
        return isinstance(self.when, datetime.datetime)


@dataclass
class WorkList:
    title: str
    empty: str
    entries: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self):
        return self.total - len(self.entries)


def _first_and_total(queryset):
    """The first LIST_LIMIT rows and how many there are in all, counted only when there may be more."""
    rows = list(queryset[:LIST_LIMIT])
    return rows, len(rows) if len(rows) < LIST_LIMIT else queryset.count()


def _sign_offs(state, order):
    found = SignOff.objects.filter(state=state).order_by(order, "pk")
    shown, total = _first_and_total(found.select_related("submitted_by").prefetch_related("item"))
    entries = [
        Entry(
            sign_off.item,
            sign_off.submitted_at if state == SignOff.State.SUBMITTED else sign_off.sent_back_at,
            sign_off.comment if state == SignOff.State.SENT_BACK else "",
            sign_off.review_page(),
        )
        for sign_off in shown
        if sign_off.item is not None
    ]
    return entries, total


def _merged(querysets, order, note=lambda item: ""):
    """The first LIST_LIMIT of several kinds' rows together, by `order` (a field name), and their total."""
    entries, total = [], 0
    for queryset in querysets:
        rows, count = _first_and_total(queryset)
        total += count
        entries += [Entry(item, getattr(item, order), note(item), item.edit_page()) for item in rows]
    entries.sort(key=lambda entry: entry.when)
    return entries[:LIST_LIMIT], total


def awaiting_review():
    work = WorkList("Awaiting review", "Nothing is waiting for a medical reviewer.")
    work.entries, work.total = _sign_offs(SignOff.State.SUBMITTED, "submitted_at")
    return work


def sent_back():
    work = WorkList("Sent back to the editor", "Nothing has been sent back.")
    work.entries, work.total = _sign_offs(SignOff.State.SENT_BACK, "sent_back_at")
    return work


def behind_english():
    """Translations whose English page changed after the version they were made from, longest behind first."""
    work = WorkList(
        "Translations behind their English page",
        "Every translation is up to date with its English page.",
    )
    querysets = [
        model._default_manager.filter(behind_since__isnull=False)
        .select_related("translation_of")
        .order_by("behind_since")
        for model in medical_models()
    ]
    entries, work.total = _merged(querysets, "behind_since")
    for entry in entries:
        entry.note = f"“{entry.item.translation_of}” changed: what changed in English"
        entry.note_url = entry.item.english_changes_page()
    work.entries = entries
    return work


def overdue(today=None):
    today = today or timezone.localdate()
    work = WorkList("Overdue for review", "No published page is overdue for review.")
    querysets = [
        model._default_manager.filter(status=PublishStatus.PUBLISHED, next_review_due__lt=today).order_by(
            "next_review_due"
        )
        for model in medical_models()
    ]
    work.entries, work.total = _merged(querysets, "next_review_due")
    return work


def due_soon(today=None):
    today = today or timezone.localdate()
    work = WorkList(f"Due for review in the next {DUE_SOON_DAYS} days", "No review falls due in the next 30 days.")
    querysets = [
        model._default_manager.filter(
            status=PublishStatus.PUBLISHED,
            next_review_due__gte=today,
            next_review_due__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        ).order_by("next_review_due")
        for model in medical_models()
    ]
    work.entries, work.total = _merged(querysets, "next_review_due")
    return work


def scheduled(now=None):
    now = now or timezone.now()
    work = WorkList("Scheduled to go live or expire", "Nothing is scheduled.")
    entries, total = [], 0
    for model in (model for model in apps.get_models() if issubclass(model, PublishableModel)):
        published = model._default_manager.filter(status=PublishStatus.PUBLISHED)
        for column, note in (("go_live_at", "goes live"), ("expires_at", "expires")):
            rows, count = _first_and_total(published.filter(**{f"{column}__gt": now}).order_by(column))
            total += count
            entries += [Entry(item, getattr(item, column), note, item.edit_page()) for item in rows]
    entries.sort(key=lambda entry: entry.when)
    work.entries, work.total = entries[:LIST_LIMIT], total
    return work


def dashboard():
    return [awaiting_review(), sent_back(), behind_english(), overdue(), due_soon(), scheduled()]
