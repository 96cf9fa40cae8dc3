"""
The gift ledger: what the payment providers confirmed (gifts, refunds) and
what they told us that could not be counted (provider events), each checked
by its model's own rules on every path that writes one.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.text import format_money
from donations.models.campaigns import Campaign
from donations.models.clicks import DonateClick
from donations.models.money import MONEY, MoneyField, validate_gift_amount
from donations.providers import PROVIDERS, PROVIDERS_BY_KEY

# A provider's clock, or a date-only export read at midnight UTC, may run up to a day ahead of ours.
CLOCKS_AHEAD = datetime.timedelta(days=1)


def provider_moment_problem(moment, provider):
    """
    Why `provider` cannot have reported a payment at `moment`, or "": before
    the provider existed or after tomorrow. This also keeps out moments that
    a database or Python cannot hold (the year 1 at +14:00 is the year 0 in
    UTC), which are centuries from either bound.
    """
    found = PROVIDERS_BY_KEY.get(provider)
    if not isinstance(moment, datetime.datetime) or found is None:
        return ""  # no moment, or no provider: the fields' own checks say so
    if timezone.is_naive(moment):
        return "It has no time zone"
    if moment < datetime.datetime(found.founded, 1, 1, tzinfo=datetime.UTC):
        return f"{found.name} took no payment before {found.founded}"
    if moment > timezone.now() + CLOCKS_AHEAD:
        return "It is in the future"
    return ""


def record_problems(record, fields=None):
    """
    (field name, message) for each value of a gift, refund or provider event
    about to be written that its model refuses, by the model's own checks
    (Model.full_clean): every path that writes one asks here. Relations,
    uniqueness and constraints are left to the database, which enforces
    them anyway, where checking them here would cost a query a row. `fields`,
    if given, are the only ones checked (those whose values came from outside:
    an import checks hundreds of thousands of rows).
    """
    exclude = [
        field.name
        for field in record._meta.concrete_fields
        if field.is_relation or (fields is not None and field.name not in fields)
    ]
    try:
        record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [(name, messages[0]) for name, messages in error.message_dict.items()]
    return []


PROVIDER_CHOICES = [(provider.key, provider.name) for provider in PROVIDERS]


class ProviderRecord(models.Model):
    """Money a provider reported: when it says it moved must be a moment it could have reported."""

    moment_field = ""  # each model names its own

    class Meta:
        abstract = True

    def clean(self):
        problem = provider_moment_problem(getattr(self, self.moment_field), self.provider)
        if problem:
            raise ValidationError({self.moment_field: problem})


class Gift(ProviderRecord):
    """
    A gift the payment provider confirmed: by its signed webhook or in an
    export staff imported. Only the provider's ids, the amount and when;
    never the donor's name, e-mail, address or card.
    """

    # Shown only as part of its campaign's pages: a change to it makes those stale (pagecache.tags).
    page_parent = "campaign"

    moment_field = "given_at"

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "Provider's webhook"
        IMPORT = "import", "Imported export"

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,  # money received is never deleted with a campaign
        related_name="gifts",
        help_text="The campaign the gift counts towards.",
    )
    provider = models.CharField(max_length=20, choices=PROVIDER_CHOICES, help_text="Who took the payment.")
    transaction_id = models.CharField(
        max_length=255,
        help_text="The provider's id for this gift (Stripe: the Checkout Session). A gift is counted once per id.",
    )
    payment_id = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        help_text="The provider's id for the payment (Stripe: the PaymentIntent), which its refunds name.",
    )
    event_id = models.CharField(
        max_length=255, blank=True, help_text="The provider's id for the notification that reported the gift."
    )
    amount = MoneyField(
        **MONEY, validators=[validate_gift_amount], help_text="The amount given, in the currency below."
    )
    currency = models.CharField(max_length=3, help_text="Three-letter currency code (ISO 4217).")
    frequency = models.CharField(
        max_length=10, choices=DonateClick.Frequency.choices, help_text="One-time, or the first of a monthly gift."
    )
    given_at = models.DateTimeField(help_text="When the provider says the gift was made.")
    recorded_at = models.DateTimeField(default=timezone.now, help_text="When Ribbon counted it.")
    source = models.CharField(max_length=10, choices=Source.choices, help_text="How Ribbon learned of the gift.")
    click = models.ForeignKey(
        DonateClick,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gifts",
        help_text="The donate button press that led to the gift, where the provider sent its reference back.",
    )

    class Meta:
        ordering = ["-given_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "transaction_id"], name="gift_counted_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="gift_amount_positive"),
        ]
        indexes = [models.Index(fields=["campaign", "given_at"], name="gift_campaign_given")]

    def __str__(self):
        return f"{format_money(self.amount, self.currency)} via {self.get_provider_display()}"


class Refund(ProviderRecord):
    """Money a provider gave back to the donor (a refund, or a dispute the charity lost)."""

    # Shown only in its gift's campaign's figures: a change to it makes those pages stale (pagecache.tags).
    page_parent = "gift"

    moment_field = "refunded_at"

    class Kind(models.TextChoices):
        REFUND = "refund", "Refund"
        DISPUTE_LOST = "dispute", "Dispute lost"

    gift = models.ForeignKey(
        Gift, on_delete=models.PROTECT, related_name="refunds", help_text="The gift the money was taken from."
    )
    provider = models.CharField(max_length=20, choices=PROVIDER_CHOICES, help_text="Who returned the money.")
    reference = models.CharField(
        max_length=255,
        help_text="The provider's id for this refund (Stripe: the event or dispute). Counted once per id.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REFUND, help_text="Why it was returned.")
    amount = MoneyField(
        **MONEY, validators=[validate_gift_amount], help_text="The amount returned, in the gift's currency."
    )
    refunded_at = models.DateTimeField(help_text="When the provider returned it.")
    recorded_at = models.DateTimeField(default=timezone.now, help_text="When Ribbon counted it.")

    class Meta:
        ordering = ["-refunded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="refund_counted_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {format_money(self.amount, self.gift.currency)}"


class ProviderEvent(models.Model):
    """
    A signed notification from a payment provider that Ribbon acted on, or
    kept for staff: the record that makes a second delivery count once, and
    the list of what needs a person (a dispute, a gift for no campaign, a
    value no gift can have). A refund row of an imported export that returns
    another campaign's gift is kept here too, under the campaign it was
    imported into. Only ids, amounts and reasons; never the event's body,
    which names the donor.
    """

    # Not shown on public pages: recording one must not empty the page cache (the gift it counts does).
    shown_on_pages = False

    class Outcome(models.TextChoices):
        COUNTED = "counted", "Gift counted"
        REFUNDED = "refunded", "Refund counted"
        ALREADY = "already", "Already counted"
        FLAGGED = "flagged", "Flagged for staff"
        HELD = "held", "Held: not counted"

    provider = models.CharField(max_length=20, choices=PROVIDER_CHOICES, help_text="Who sent it.")
    event_id = models.CharField(max_length=255, help_text="The provider's id for the notification.")
    event_type = models.CharField(max_length=100, help_text="What the provider says happened.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, help_text="What Ribbon did with it.")
    reason = models.CharField(max_length=300, blank=True, help_text="Why, in a sentence, where it was not counted.")
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provider_events",
        help_text="The campaign it names, where Ribbon knows it.",
    )
    gift = models.ForeignKey(
        Gift,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        help_text="The gift it counted or concerns.",
    )
    reference = models.CharField(
        max_length=255, blank=True, help_text="The reference the provider sent back (client_reference_id), if any."
    )
    amount = MoneyField(
        **MONEY, null=True, blank=True, validators=[validate_gift_amount], help_text="The amount it names."
    )
    currency = models.CharField(max_length=3, blank=True, help_text="The currency it names.")
    received_at = models.DateTimeField(default=timezone.now, db_index=True, help_text="When Ribbon received it.")
    dealt_with = models.BooleanField(
        default=False, help_text="Tick once a person has looked into it; it then leaves the list of things to do."
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")]
        verbose_name = "payment provider event"

    def __str__(self):
        return f"{self.event_type} ({self.get_outcome_display()})"
