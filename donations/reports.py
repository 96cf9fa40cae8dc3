"""What the campaign's admin page charts: gifts and clicks per day, and which pages the clicks came from."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from donations.models import ZERO, Refund


@dataclass(frozen=True)
class DayActivity:
    day: datetime.date
    clicks: int
    gifts: int
    amount: Decimal


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _per_day(rows, time_field, first, last, **aggregates):
    # Between two moments, not by each row's date: only the rows shown are turned into local dates, so
    # a moment no local date can hold (the year 1 west of UTC, stored before dates were checked) is never
    # converted, and the index on the moment serves the filter.
    since, until = _start_of(first), _start_of(last + datetime.timedelta(days=1))
    return {
        row["day"]: row
        for row in rows.filter(**{f"{time_field}__gte": since, f"{time_field}__lt": until})
        .order_by()
        .annotate(day=TruncDate(time_field))
        .values("day")
        .annotate(**aggregates)
    }


def activity_per_day(campaign, days=30, today=None):
    """
    Clicks and confirmed gifts (with their amount) per day for the last
    `days` days, oldest first, zero-filled: two queries, whatever the number.
    """
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    clicks = _per_day(campaign.clicks.all(), "created_at", first, today, total=Count("id"))
    gifts = _per_day(campaign.gifts.all(), "given_at", first, today, total=Count("id"), amount=Sum("amount"))
    shown = [first + datetime.timedelta(days=offset) for offset in range(days)]
    return [
        DayActivity(
            day,
            clicks.get(day, {}).get("total", 0),
            gifts.get(day, {}).get("total", 0),
            gifts.get(day, {}).get("amount") or ZERO,
        )
        for day in shown
    ]


@dataclass(frozen=True)
class SourceActivity:
    path: str
    clicks: int
    gifts: int
    amount: Decimal  # given, less what was refunded


def activity_by_source(campaign):
    """
    Per page of this site that donors pressed the button on: clicks, the
    gifts linked to those clicks, and what they gave net of refunds, most
    given first. Three queries, whatever the number of pages.
    """
    clicks = dict(
        campaign.clicks.order_by().values("source_path").annotate(total=Count("id")).values_list("source_path", "total")
    )
    gifts = {
        row["click__source_path"]: row
        for row in campaign.gifts.filter(click__isnull=False)
        .order_by()
        .values("click__source_path")
        .annotate(total=Count("id"), amount=Sum("amount"))
    }
    refunds = dict(
        Refund.objects.filter(gift__campaign=campaign, gift__click__isnull=False)
        .order_by()
        .values("gift__click__source_path")
        .annotate(amount=Sum("amount"))
        .values_list("gift__click__source_path", "amount")
    )
    rows = [
        SourceActivity(
            path,
            clicks.get(path, 0),
            gifts.get(path, {}).get("total", 0),
            (gifts.get(path, {}).get("amount") or ZERO) - (refunds.get(path) or ZERO),
        )
        for path in set(clicks) | set(gifts)
    ]
    return sorted(rows, key=lambda row: (-row.amount, -row.gifts, -row.clicks, row.path))
