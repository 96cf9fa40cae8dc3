"""
Importing a payment provider's CSV export of donations into a campaign.

Stripe tells Ribbon of each gift as it happens; the other providers Ribbon
sends donors to offer an export instead, which staff download and import
here (the campaign's admin page, or `manage.py import_gifts`). A file is
imported whole or not at all: every row is read and checked first, and a
bad row is reported by its line with nothing written. A row is bad if it
cannot be read, or if a value it holds is one its gift or refund could not
have (donations.models.record_problems: the same checks as Stripe's
webhook): an amount beyond one payment, an id longer than its column, a
date before the provider existed or in the future. Rows are matched by the
provider's transaction id, so importing the same export again, or a later
export that overlaps it, adds only what is new. A refund of a gift that
counts towards another campaign takes nothing off it: it is held for staff
(a ProviderEvent on the campaign being imported into), as the webhook holds
what it cannot count.

Only the columns below are read. Exports also carry the donor's name,
e-mail and address; those columns are never read, stored or echoed back.

Each provider's columns are named as its own documentation names them
(cited with each); headers are compared without case, spaces or
punctuation, so "Transaction ID", "transaction_id" and "transactionId" are
one name.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from core.text import format_money
from pagecache.generations import invalidate
from pagecache.tags import row_tag

from .models import ZERO, Campaign, Gift, ProviderEvent, Refund, record_problems
from .providers import MONTHLY, ONE_TIME

MAX_BYTES = 20 * 1024 * 1024  # a year of a busy charity's gifts is a few MB
MAX_ROWS = 200_000
MAX_PROBLEMS_SHOWN = 20


class ExportError(Exception):
    """The file cannot be imported; `problems` are (line, message), each for the person importing it."""

    def __init__(self, problems):
        super().__init__("; ".join(f"line {line}: {message}" for line, message in problems[:3]))
        self.problems = problems


class _RowProblem(Exception):
    pass


def _key(header):
    return re.sub(r"[^a-z0-9]", "", (header or "").lower())


@dataclass
class Row:
    """What one line of an export says, in Ribbon's terms."""

    line: int
    kind: str  # "gift", "refund" or "skip"
    transaction_id: str = ""
    amount: Decimal = ZERO
    currency: str = ""
    when: datetime.datetime | None = None
    frequency: str = ONE_TIME
    refunded: Decimal = ZERO  # for a gift row: how much of it the provider says was refunded so far
    refund_of: str = ""  # for a refund row: the gift's transaction id
    dispute: bool = False
    why: str = ""  # for a skipped row
    gift: Gift | None = None  # for a gift row: the gift it adds, its values checked (_cannot_hold)


class Cells:
    """One row's cells, looked up by any of the names a column goes by."""

    def __init__(self, row, line):
        self.values = {_key(name): (value or "").strip() for name, value in row.items() if name is not None}
        self.line = line

    def get(self, *names):
        for name in names:
            value = self.values.get(_key(name))
            if value:
                return value
        return ""

    def need(self, label, *names):
        value = self.get(*names)
        if not value:
            raise _RowProblem(f"the {label} is empty")
        return value


def money(text, label="amount"):
    cleaned = re.sub(r"[\s$£€¥,]|[A-Z]{3}$|^[A-Z]{3}", "", text)
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()")
    if not re.fullmatch(r"-?\d{1,12}(\.\d{1,3})?", cleaned):
        raise _RowProblem(f"the {label} “{text[:40]}” is not an amount of money")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise _RowProblem(f"the {label} “{text[:40]}” is not an amount of money") from None
    return -value if negative else value


def currency_code(text):
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise _RowProblem(f"the currency “{text[:20]}” is not a three-letter code")
    return code


# PayPal writes its time zones as abbreviations; these are the ones its exports use.
ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "PST": -8, "PDT": -7,
    "MST": -7, "MDT": -6, "CST": -6, "CDT": -5, "EST": -5, "EDT": -4, "AEST": 10, "AEDT": 11, "JST": 9,
}  # fmt: skip
NAIVE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def moment(text, zone=""):
    """A datetime from ISO 8601 or the US dates PayPal writes; naive times are read in `zone`, else UTC."""
    text = text.strip()
    parsed = None
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        for pattern in NAIVE_FORMATS:
            try:
                parsed = datetime.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        raise _RowProblem(f"the date “{text[:40]}” is not a date this importer reads (2026-11-21, or 11/21/2026)")
    if parsed.tzinfo is None:
        zone = zone.strip().upper()
        if zone and zone not in ZONES:
            raise _RowProblem(f"the time zone “{zone[:10]}” is not one this importer knows")
        parsed = parsed.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=ZONES.get(zone, 0))))
    return parsed


def yes(text):
    return text.strip().lower() in {"true", "yes", "1", "y"}


# Each provider's export. -------------------------------------------------------------


@dataclass(frozen=True)
class ExportFormat:
    """A provider's export: the headers of the columns every row needs, and how to read a row."""

    key: str  # the provider's key in donations.providers
    name: str
    id: tuple
    amount: tuple
    date: tuple
    read: object  # (export, cells) -> Row
    currency: tuple = ("Currency",)

    @property
    def required(self):
        return (self.id, self.amount, self.currency, self.date)

    def gift(self, cells, **details):
        """A gift row from the columns every export of this provider has, and `details` from the others."""
        return Row(
            cells.line,
            "gift",
            transaction_id=cells.need(self.id[0], *self.id),
            amount=details.pop("amount", None) or money(cells.need("amount", *self.amount)),
            currency=currency_code(cells.need("currency", *self.currency)),
            when=details.pop("when", None) or moment(cells.need("date", *self.date)),
            **details,
        )


def _status_skip(cells, accepted, wanted):
    status = cells.get("Status").lower()
    if status and status not in accepted:
        return Row(cells.line, "skip", why=f"its status is “{status}”, not {wanted}")
    return None


def every_org(export, cells):
    # docs.every.org/docs/webhooks/nonprofit-webhook lists a donation's fields (chargeId,
    # amount, currency, frequency, donationDate); the Admin Dashboard and its export call
    # the id "Charge ID". Every.org documents no refunds in its export.
    once = cells.get("Frequency").lower() in {"", "one-time", "once"}
    return export.gift(cells, frequency=ONE_TIME if once else MONTHLY)


def givebutter(export, cells):
    # docs.givebutter.com/reference/the-transaction-object: id, status (succeeded, authorized,
    # failed, cancelled), amount, currency, transacted_at, plan_id (a recurring plan), refunded
    # and refunded_at; the dashboard's export titles them "Transaction ID", "Amount" and so on.
    skipped = _status_skip(cells, {"succeeded", "success", "paid", "completed"}, "succeeded")
    if skipped:
        return skipped
    amount = money(cells.need("amount", *export.amount))
    return export.gift(
        cells,
        amount=amount,
        frequency=MONTHLY if cells.get("Plan ID", "Recurring Plan ID") else ONE_TIME,
        refunded=amount if yes(cells.get("Refunded")) else ZERO,
    )


def donorbox(export, cells):
    # github.com/donorbox/donorbox-api (README, "Donations"): id, amount, currency,
    # donation_date, recurring, status ("paid"), amount_refunded; its CSV export titles
    # the same fields ("Donation Date", "Amount Refunded", …).
    skipped = _status_skip(cells, {"paid", "refunded", "partially refunded", "succeeded"}, "paid")
    if skipped:
        return skipped
    refunded = cells.get("Amount Refunded")
    return export.gift(
        cells,
        frequency=MONTHLY if yes(cells.get("Recurring Donation", "Recurring")) else ONE_TIME,
        refunded=money(refunded, "amount refunded") if refunded else ZERO,
    )


PAYPAL_NOT_GIFTS = ("conversion", "withdrawal", "transfer", "hold", "authorization", "fee", "invoice sent")


def paypal(export, cells):
    # PayPal's activity download ("Download your activity", CSV of completed payments):
    # Date, Time, TimeZone, Type, Status, Currency, Gross, Transaction ID and, for a
    # refund or reversal, Reference Txn ID, the payment it returns.
    kind = cells.get("Type").lower()
    skipped = _status_skip(cells, {"completed"}, "Completed")
    if skipped:
        return skipped
    if any(word in kind for word in PAYPAL_NOT_GIFTS):
        return Row(cells.line, "skip", why=f"it is a “{cells.get('Type')}”, not a payment to you")
    gross = money(cells.need("gross amount", *export.amount), "gross amount")
    when = moment(f"{cells.need('date', *export.date)} {cells.get('Time')}".strip(), cells.get("TimeZone"))
    if gross >= 0:
        recurring = "subscription" in kind or "recurring" in kind
        return export.gift(cells, amount=gross, when=when, frequency=MONTHLY if recurring else ONE_TIME)
    original = cells.get("Reference Txn ID", "Reference Transaction ID")
    if not original:
        return Row(cells.line, "skip", why="money paid out that returns no payment")
    return Row(
        cells.line,
        "refund",
        transaction_id=cells.need(export.id[0], *export.id),
        amount=-gross,
        currency=currency_code(cells.need("currency", *export.currency)),
        when=when,
        refund_of=original,
        dispute="reversal" in kind or "chargeback" in kind,
    )


FORMATS = {
    export.key: export
    for export in (
        ExportFormat("every_org", "Every.org", ("Charge ID",), ("Amount",), ("Donation Date", "Date"), every_org),
        ExportFormat(
            "givebutter", "Givebutter", ("Transaction ID", "id"), ("Amount",),
            ("Transacted At", "Transaction Date", "Date", "Created At"), givebutter,
        ),
        ExportFormat("donorbox", "Donorbox", ("Donation ID", "id"), ("Amount",), ("Donation Date", "Date"), donorbox),
        ExportFormat("paypal", "PayPal", ("Transaction ID",), ("Gross",), ("Date",), paypal),
    )
}  # fmt: skip


def decode(data):
    """The text of an uploaded or named file; ExportError if it is not a text file of a sensible size."""
    if len(data) > MAX_BYTES:
        raise ExportError([(1, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")])
    if b"\x00" in data:
        raise ExportError([(data.count(b"\n", 0, data.index(b"\x00")) + 1, "the file is not text (a NUL byte)")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _refunded_reference(row):
    """The reference of the refund a gift row's "refunded so far" makes: one per total the export gives."""
    return f"{row.transaction_id}:refunded:{row.refunded}"


def _shown(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return f"{text[:40]}…" if len(text) > 40 else text


def _cannot_hold(row, provider):
    """
    What is wrong with the values of `row`, by the checks of the gift or
    refund it would write: each "the <column> “<value>” cannot be counted. <why>".
    """
    checks = []
    if row.kind == "gift":
        row.gift = Gift(
            provider=provider, transaction_id=row.transaction_id, amount=row.amount, currency=row.currency,
            frequency=row.frequency, given_at=row.when, source=Gift.Source.IMPORT,
        )  # fmt: skip
        checks.append((row.gift, {"transaction_id": "transaction id", "amount": "amount", "given_at": "date"}))
        if row.refunded > 0:
            refund = Refund(
                provider=provider, reference=_refunded_reference(row), amount=row.refunded, refunded_at=row.when
            )
            checks.append(
                (refund, {"reference": "refund's reference", "amount": "amount refunded", "refunded_at": "date"})
            )
    elif row.kind == "refund":
        refund = Refund(provider=provider, reference=row.transaction_id, amount=row.amount, refunded_at=row.when)
        checks.append((refund, {"reference": "transaction id", "amount": "amount", "refunded_at": "date"}))
    problems = []
    for record, labels in checks:
        for name, message in record_problems(record, fields=labels):
            label = labels.get(name, record._meta.get_field(name).verbose_name)
            problems.append(f"the {label} “{_shown(getattr(record, name))}” cannot be counted. {message.rstrip('.')}")
    if row.refund_of:
        try:
            Gift._meta.get_field("transaction_id").clean(row.refund_of, None)
        except ValidationError as error:
            why = error.messages[0].rstrip(".")
            problems.append(f"the payment it returns, “{_shown(row.refund_of)}”, cannot be counted. {why}")
    return list(dict.fromkeys(problems))  # a gift row's date is its refund's too: said once


def read_export(text, provider):
    """Every row of the export as a Row; ExportError listing each bad line if any row is bad."""
    export = FORMATS[provider]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        headers = {_key(name) for name in reader.fieldnames or []}
    except csv.Error as error:
        raise ExportError([(1, f"the header line is not CSV ({error})")]) from None
    for names in export.required:
        if not headers & {_key(name) for name in names}:
            wanted = " or ".join(f"“{name}”" for name in names)
            raise ExportError([(1, f"this is not a {export.name} export: it has no {wanted} column")])
    rows, problems = [], []
    try:
        for number, raw in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise ExportError([(reader.line_num, f"the file has more than {MAX_ROWS:,} rows; split it")])
            if None in raw or not any((value or "").strip() for value in raw.values()):
                if None in raw:
                    problems.append((reader.line_num, "this line has more cells than the header names"))
                continue  # a blank line
            try:
                row = export.read(export, Cells(raw, reader.line_num))
            except _RowProblem as problem:
                problems.append((reader.line_num, str(problem)))
                continue
            problems.extend((reader.line_num, problem) for problem in _cannot_hold(row, provider))
            rows.append(row)
    except csv.Error as error:
        problems.append((reader.line_num, f"this line is not CSV ({error})"))
    if problems:
        raise ExportError(problems)
    return rows


@dataclass
class ImportReport:
    gifts: int = 0
    refunds: int = 0
    already: int = 0
    skipped: list = field(default_factory=list)  # (line, why)
    amount: Decimal = ZERO

    def lines(self, campaign):
        from core.text import format_money

        yield (
            f"{self.gifts} gift(s) added ({format_money(self.amount, campaign.currency)}), "
            f"{self.refunds} refund(s) added, {self.already} row(s) already counted, "
            f"{len(self.skipped)} row(s) not counted."
        )
        for line, why in self.skipped[:MAX_PROBLEMS_SHOWN]:
            yield f"line {line}: not counted: {why}"
        if len(self.skipped) > MAX_PROBLEMS_SHOWN:
            yield f"… and {len(self.skipped) - MAX_PROBLEMS_SHOWN} more rows not counted"


def import_export(campaign, provider, data):
    """
    Import the export's gifts and refunds into `campaign`, in one transaction.
    Returns an ImportReport; raises ExportError (nothing written) if any row is bad.
    """
    rows = read_export(decode(data), provider)
    report = ImportReport()
    ids = {row.transaction_id for row in rows if row.kind == "gift"} | {row.refund_of for row in rows if row.refund_of}
    with transaction.atomic():
        known = {
            gift.transaction_id: gift
            for gift in Gift.objects.select_for_update().filter(provider=provider, transaction_id__in=ids)
        }
        new_gifts = {}
        for row in rows:
            if row.kind == "skip":
                report.skipped.append((row.line, row.why))
            elif row.currency != campaign.currency:
                report.skipped.append((row.line, f"it is in {row.currency}; the campaign counts {campaign.currency}"))
            elif row.kind != "gift":
                continue  # a refund: counted below, once its gift is known
            elif row.amount <= 0:
                report.skipped.append((row.line, "its amount is 0"))
            elif row.transaction_id in known or row.transaction_id in new_gifts:
                report.already += 1
            else:
                row.gift.campaign = campaign
                new_gifts[row.transaction_id] = row.gift
        created = Gift.objects.bulk_create(new_gifts.values())
        report.gifts = len(created)
        report.amount = sum((gift.amount for gift in created), ZERO)
        report.refunds = _add_refunds(campaign, provider, rows, {**known, **new_gifts}, report)
        if created or report.refunds:
            # bulk_create sends no signal: the pages showing the campaign's figures are stale once this commits.
            invalidate(tags={row_tag(Campaign, campaign.pk)})
    return report


def _add_refunds(campaign, provider, rows, gifts, report):
    """
    Refunds from refund rows, and from gift rows that say how much of the
    gift was refunded so far; each counted once, never more than the gift.
    """
    refunded = dict(
        Refund.objects.filter(gift__in=[gift.pk for gift in gifts.values()])
        .values("gift")
        .annotate(total=Sum("amount"))
        .values_list("gift", "total")
    )
    existing = set(
        Refund.objects.filter(provider=provider, gift__in=list(refunded)).values_list("reference", flat=True)
    )
    refunds, held = [], []
    for row in rows:
        if row.currency != campaign.currency or not (row.kind == "refund" or row.refunded > 0):
            continue
        if row.kind == "refund":
            gift, reference, asked = gifts.get(row.refund_of), row.transaction_id, row.amount
            if gift is None:
                report.skipped.append((row.line, f"it returns payment {row.refund_of}, which Ribbon has not counted"))
                continue
        else:
            gift = gifts.get(row.transaction_id)
            if gift is None:
                continue  # the gift itself was not counted (its amount was 0)
            # The export gives the total refunded so far: count what is new since the last import.
            reference = _refunded_reference(row)
            asked = row.refunded - refunded.get(gift.pk, ZERO)
        if reference in existing:
            report.already += 1
            continue
        if gift.campaign_id != campaign.pk:
            # Money returned from another campaign's gift is that campaign's business: a person decides.
            held.append((row, gift, reference, row.amount if row.kind == "refund" else row.refunded))
            continue
        amount = min(asked, gift.amount - refunded.get(gift.pk, ZERO))
        if amount <= 0:
            continue
        refunded[gift.pk] = refunded.get(gift.pk, ZERO) + amount
        existing.add(reference)
        refunds.append(Refund(
            gift=gift, provider=provider, reference=reference, amount=amount, refunded_at=row.when,
            kind=Refund.Kind.DISPUTE_LOST if row.dispute else Refund.Kind.REFUND,
        ))  # fmt: skip
    if held:
        _hold_for_staff(campaign, provider, held, report)
    return len(Refund.objects.bulk_create(refunds))


HELD_REFUND = "imported refund"
REASON_LENGTH = ProviderEvent._meta.get_field("reason").max_length


def _hold_for_staff(campaign, provider, held, report):
    """
    Keep each refund of another campaign's gift for staff, once however often
    the export is imported: a ProviderEvent held on the campaign imported into,
    which its admin page lists until someone ticks it dealt with.
    """
    others = {gift.campaign_id for _, gift, _, _ in held}
    titles = dict(Campaign.objects.filter(pk__in=others).values_list("pk", "title"))
    already = set(
        ProviderEvent.objects.filter(
            provider=provider, event_id__in=[reference for _, _, reference, _ in held]
        ).values_list("event_id", flat=True)
    )
    name = FORMATS[provider].name
    events = []
    for row, gift, reference, amount in held:
        money, title = format_money(amount, row.currency), titles[gift.campaign_id]
        payment = _shown(gift.transaction_id)
        where = f"which counts towards “{title}”: held for staff, nothing taken off"
        report.skipped.append((row.line, f"it returns {money} of payment {payment}, {where}"))
        if reference in already:
            continue
        already.add(reference)
        reason = (
            f"Line {row.line} of a {name} export returns {money} of payment {payment}, which counts towards "
            f"“{title}”, not this campaign: nothing was taken off. If it is that campaign's, import it there."
        )
        events.append(ProviderEvent(
            provider=provider, event_id=reference, event_type=HELD_REFUND, outcome=ProviderEvent.Outcome.HELD,
            reason=reason[:REASON_LENGTH], campaign=campaign, gift=gift, amount=amount, currency=row.currency,
        ))  # fmt: skip
    ProviderEvent.objects.bulk_create(events)
