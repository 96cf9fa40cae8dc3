"""
Stripe's signed notifications: a gift was paid, refunded or disputed.

What the endpoint trusts (SECURITY.md): nothing but a body whose
`Stripe-Signature` Stripe's own library verifies against one of our
endpoint secrets, signed within five minutes of our clock (the library
refuses a signature older than that; this module one dated later). Anything
else is refused with a 400 before a row is written. A verified event is
then handled in one transaction that starts by recording its id: a second
delivery of the same event, even one arriving at the same moment, meets the
unique constraint and counts nothing. A verified event naming a value no
gift can have (an amount beyond one payment, a time before Stripe existed
or in the future: the checks of donations.models.record_problems, which the
importer of exports shares) counts nothing and is held for staff with the
reason.

What it stores: the provider's ids, the amount, the currency and when. The
event's body names the donor (customer_details: name, e-mail, address);
none of it is read, kept or logged.
"""

import datetime
import json
import logging
import time
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from .models import ZERO, Campaign, DonateClick, Gift, ProviderEvent, Refund, record_problems
from .providers import MONTHLY, ONE_TIME, read_client_reference

logger = logging.getLogger(__name__)

PROVIDER = "stripe"
# Stripe's own default: an event signed longer ago than this is refused as a replay, and one signed
# further ahead of our clock than this as a replay made in advance.
TOLERANCE_SECONDS = 300
REASON_LENGTH = ProviderEvent._meta.get_field("reason").max_length
# What a held event's reason calls the fields of a gift or refund it names.
LABELS = {"amount": "amount", "given_at": "date", "refunded_at": "date", "transaction_id": "session id"}

# docs.stripe.com/currencies: amounts arrive in the currency's smallest unit. These
# have none below the unit (¥500 is 500) ...
ZERO_DECIMAL = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
)
# ... these have three places (5.120 KWD is 5120). Every other currency has two,
# including ISK, HUF and TWD, which Stripe still writes with two for charges.
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])


class Refused(ValueError):
    """The request is not a verified Stripe event; the message says why (it is sent back to Stripe)."""


def verify(body, signature, secrets):
    """The event, as a dict, if `body` is signed by Stripe with one of `secrets`; else Refused."""
    import stripe  # a large package, imported only when a webhook arrives

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("The body is not UTF-8 text.") from None
    if not signature:
        raise Refused("There is no Stripe-Signature header.")
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(text, signature, secret, TOLERANCE_SECONDS)
            break
        except stripe.SignatureVerificationError as error:
            refusal = error
    else:
        # Stripe's message says which: no signature, a wrong one, or a timestamp too old.
        raise Refused(f"The signature does not verify: {refusal.user_message or refusal}")
    # The library refuses only a timestamp too far in the past; one too far ahead is a body signed now to
    # be replayed later, past the window the library allows. Read as the library read it (the first t=).
    signed_at, _ = stripe.WebhookSignature._get_timestamp_and_signatures(signature, "v1")
    if signed_at > time.time() + TOLERANCE_SECONDS:
        raise Refused("The signature does not verify: its timestamp is in the future (more than five minutes).")
    try:
        event = json.loads(text)
    except ValueError:
        raise Refused("The body is not JSON.") from None
    if not (
        isinstance(event, dict)
        and event.get("object") == "event"
        and _text(event.get("id"))
        and _text(event.get("type"))
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise Refused("The body is not a Stripe event.")
    return event


def _text(value, limit=255):
    return value if isinstance(value, str) and 0 < len(value) <= limit else ""


def _id_of(value):
    """An id Stripe may send as a string or, expanded, as an object with an id."""
    if isinstance(value, dict):
        value = value.get("id")
    return _text(value)


def from_minor_units(amount, currency):
    """A Decimal amount from Stripe's integer in the currency's smallest unit; Refused if it is not one."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise Refused("An amount is not a whole number of the currency's smallest unit.")
    currency = currency.lower() if isinstance(currency, str) else ""
    if len(currency) != 3 or not currency.isalpha():
        raise Refused("A currency is not a three-letter code.")
    places = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    return Decimal(amount).scaleb(-places)


def _note_amount(record, obj, field):
    """
    Keep on the event the amount and currency `obj` names, converted from
    minor units; hold the event if no payment can be that amount (the event
    then keeps no amount: it may not fit its column).
    """
    record.amount = from_minor_units(obj.get(field), obj.get("currency"))
    record.currency = obj["currency"].upper()
    for name, message in record_problems(record):
        if name == "amount":
            record.amount = None
            raise _Hold(f"The amount cannot be counted. {message}")


def _concerns(record, gift):
    """Name on the event the gift it concerns, and that gift's campaign, where there is one."""
    if gift is not None:
        record.gift, record.campaign = gift, gift.campaign


def _moment(event):
    created = event.get("created")
    if isinstance(created, bool) or not isinstance(created, int):
        raise Refused("The event has no time.")
    try:
        return datetime.datetime.fromtimestamp(created, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        raise _Hold(f"The date cannot be counted. The event's time (created {str(created)[:30]}) is no date.") from None


class _Hold(Exception):
    """Stop handling: keep the event for staff, with this reason, and count nothing."""


def _countable(record):
    """Hold the event if the gift or refund it would write holds a value no gift can have."""
    problems = record_problems(record)
    if problems:
        name, message = problems[0]
        raise _Hold(f"The {LABELS.get(name, name.replace('_', ' '))} cannot be counted. {message}")
    return record


# Handlers: each fills in the ProviderEvent it is given and may raise _Hold.


def _session_paid(event, session, record):
    """A Checkout Session (a Payment Link is one) whose money has arrived: one gift."""
    session_id = _text(session.get("id"))
    if not session_id:
        raise Refused("The Checkout Session has no id.")
    reference = session.get("client_reference_id")
    record.reference = _text(reference) or ""
    slug, click_reference = read_client_reference(reference)
    campaign = record.campaign = Campaign.objects.filter(slug=slug).first() if slug else None
    _note_amount(record, session, "amount_total")
    if campaign is None:
        raise _Hold(
            f"No campaign has the reference “{record.reference}”." if record.reference else "It names no campaign."
        )
    if record.currency != campaign.currency:
        raise _Hold(f"The gift is in {record.currency}; the campaign counts {campaign.currency}.")
    if record.amount <= 0:
        raise _Hold("No money changed hands (the amount is 0).")
    gift = _countable(
        Gift(
            campaign=campaign,
            provider=PROVIDER,
            transaction_id=session_id,
            payment_id=_id_of(session.get("payment_intent")) or _id_of(session.get("invoice")),
            event_id=event["id"],
            amount=record.amount,
            currency=record.currency,
            frequency=MONTHLY if session.get("mode") == "subscription" else ONE_TIME,
            given_at=_moment(event),
            source=Gift.Source.WEBHOOK,
        )
    )
    if click_reference:
        gift.click = DonateClick.objects.filter(reference=click_reference, campaign=campaign).first()
    try:
        with transaction.atomic():
            gift.save(force_insert=True)
            record.gift = gift
    except IntegrityError:
        # Another event about the same session (completed, then async_payment_succeeded) came first.
        record.gift = Gift.objects.get(provider=PROVIDER, transaction_id=session_id)
        record.outcome = ProviderEvent.Outcome.ALREADY
        record.reason = f"This payment was counted already (event {record.gift.event_id or 'from an import'})."
    else:
        record.outcome = ProviderEvent.Outcome.COUNTED


def _gift_paid_by(payment_id):
    """The gift a payment belongs to, locked until the transaction ends so that refunds of it queue."""
    if not payment_id:
        return None
    return Gift.objects.select_for_update().filter(provider=PROVIDER, payment_id=payment_id).first()


def _take_back(record, gift, amount, kind, reference, when):
    """Count money returned from `gift`, never more than is left of it."""
    returned = gift.refunds.aggregate(total=Sum("amount"))["total"] or ZERO
    amount = min(amount, gift.amount - returned)
    if amount <= 0:
        record.outcome = ProviderEvent.Outcome.ALREADY
        record.reason = "Everything it returns was counted already."
        return
    refund = _countable(
        Refund(gift=gift, provider=PROVIDER, reference=reference, kind=kind, amount=amount, refunded_at=when)
    )
    try:
        with transaction.atomic():
            refund.save(force_insert=True)
    except IntegrityError:
        record.outcome = ProviderEvent.Outcome.ALREADY
        record.reason = "This was counted already."
    else:
        record.outcome = ProviderEvent.Outcome.REFUNDED


def _attach(record, gift):
    """Tie money returned to its gift; hold it if there is none, or it is in another currency."""
    if gift is None:
        raise _Hold("It concerns a payment Ribbon counted no gift for.")
    _concerns(record, gift)
    if record.currency != gift.currency:
        raise _Hold(f"It is in {record.currency}; the gift was in {gift.currency}.")


def _charge_refunded(event, charge, record):
    """A full or partial refund. Stripe gives the total refunded so far, so a late or repeated event adds nothing."""
    gift = _gift_paid_by(_id_of(charge.get("payment_intent")))
    _concerns(record, gift)
    _note_amount(record, charge, "amount_refunded")
    _attach(record, gift)
    counted = gift.refunds.filter(kind=Refund.Kind.REFUND).aggregate(total=Sum("amount"))["total"] or ZERO
    _take_back(record, gift, record.amount - counted, Refund.Kind.REFUND, event["id"], _moment(event))


def _dispute_opened(event, dispute, record):
    gift = _gift_paid_by(_id_of(dispute.get("payment_intent")))
    _concerns(record, gift)
    _note_amount(record, dispute, "amount")
    record.outcome = ProviderEvent.Outcome.FLAGGED
    why = _text(dispute.get("reason"), 60).replace("_", " ") or "no reason given"
    record.reason = (
        f"The donor's bank disputes this payment ({why}). Answer it in Stripe's dashboard; "
        "the total changes only if the dispute is lost."
    )


def _dispute_closed(event, dispute, record):
    status = _text(dispute.get("status"), 40)
    gift = _gift_paid_by(_id_of(dispute.get("payment_intent")))
    _concerns(record, gift)
    _note_amount(record, dispute, "amount")
    if status != "lost":
        record.outcome = ProviderEvent.Outcome.FLAGGED
        record.reason = f"The dispute closed ({status.replace('_', ' ') or 'no status'}): nothing was taken back."
        return
    _attach(record, gift)
    dispute_id = _text(dispute.get("id")) or event["id"]
    _take_back(record, gift, record.amount, Refund.Kind.DISPUTE_LOST, dispute_id, _moment(event))


HANDLERS = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_paid,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_opened,
    "charge.dispute.closed": _dispute_closed,
}


def handle(event):
    """
    Act on a verified event, once. Returns what was done, in a few words
    (for Stripe's dashboard and the log), and the campaign whose figures it
    changed, if any; Refused if a field it needs is not what Stripe documents.
    """
    kind, obj = event["type"], event["data"]["object"]
    handler = HANDLERS.get(kind)
    if handler is None:
        return "ignored: Ribbon does not use this event", None
    if kind == "checkout.session.completed" and obj.get("payment_status") != "paid":
        # Bank debits complete unpaid; async_payment_succeeded follows when the money arrives.
        return "ignored: not paid yet", None
    try:
        with transaction.atomic():
            record = ProviderEvent.objects.create(
                provider=PROVIDER, event_id=event["id"], event_type=kind, outcome=ProviderEvent.Outcome.HELD
            )
            try:
                handler(event, obj, record)
            except _Hold as hold:
                record.outcome, record.reason = ProviderEvent.Outcome.HELD, str(hold)
            record.reason = record.reason[:REASON_LENGTH]  # a reason quotes ids, which may be long
            record.save()
    except IntegrityError:
        if ProviderEvent.objects.filter(provider=PROVIDER, event_id=event["id"]).exists():
            return "already received", None
        raise
    logger.info("Stripe event %s (%s): %s", event["id"], kind, record.get_outcome_display())
    counted = record.outcome in {ProviderEvent.Outcome.COUNTED, ProviderEvent.Outcome.REFUNDED}
    return record.get_outcome_display().lower(), record.campaign if counted else None
