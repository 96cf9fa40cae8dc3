"""
Donation campaigns, their suggested amounts, an anonymous count of clicks on
the donate button, and the gifts the payment providers confirmed.

Ribbon never takes payments: a campaign stores the provider's page. What a
campaign has raised is worked out, never typed: the gifts the provider
confirmed (its signed webhook or its export), less what was refunded, plus
the offline gifts staff enter. A DonateClick records only what was asked
for and from which page; a Gift only the provider's ids, the amount and
when. Nothing about a donor is stored.
"""

import datetime
import decimal
import secrets
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from markdownx.models import MarkdownxField

from core.markdown import no_alt_text_placeholder, renders_quickly
from core.models import HeroImageModel, PublishableModel, PublishableQuerySet, RenderedContentModel, SlugFromTitle
from core.text import format_money

from .providers import MONTHLY, ONE_TIME, PROVIDERS, PROVIDERS_BY_KEY, provider_for, validate_donate_url

# Amounts of money: up to 3 decimal places, for the currencies that have them (KWD, BHD …).
MONEY = {"max_digits": 14, "decimal_places": 3}
ZERO = Decimal("0")
# The database's rule that one campaign at most is featured (Campaign.save() keeps it).
ONE_FEATURED = "campaign_only_one_featured"
# A provider's clock, or a date-only export read at midnight UTC, may run up to a day ahead of ours.
CLOCKS_AHEAD = datetime.timedelta(days=1)


class MoneyField(models.DecimalField):
    """
    An amount of money, checked on its way in by its validators like any
    DecimalField, and read back whatever the database holds. SQLite does not
    enforce max_digits, and Django's SQLite reader rounds each value within
    max_digits, raising InvalidOperation for a wider one: a single such row
    (written by an older release, or by hand) made every page that lists it,
    and the deletion of anything that protects it, a server error. This
    field reads such a value whole, and one beyond any number (an infinity
    SQLite kept) as NaN, so that staff can see it and correct it.
    """

    @cached_property
    def context(self):
        # Wide enough for the largest number SQLite stores (about 1.8e308, to 3 places); no trap raises.
        return decimal.Context(prec=400, traps=[])

    def to_python(self, value):
        if isinstance(value, float):  # as DecimalField reads a float: to max_digits, not to 400 digits
            value = decimal.Context(prec=self.max_digits).create_decimal_from_float(value)
        return super().to_python(value)


def validate_gift_amount(value):
    """No more than one payment can believably bring (RIBBON_MAX_GIFT): a larger one is a mistake or a forgery."""
    limit = settings.RIBBON_MAX_GIFT
    if value is not None and value > limit:
        raise ValidationError(
            "One payment of more than %(limit)s is not believable as a gift (RIBBON_MAX_GIFT); "
            "count a larger gift as an offline gift.",
            code="max_gift",
            params={"limit": f"{limit:,}"},
        )


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


class CampaignQuerySet(PublishableQuerySet):
    def active(self, today=None):
        """Published, started, and not yet ended: the campaigns taking gifts today."""
        today = today or timezone.localdate()
        return self.published().filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))

    def featured(self, today=None):
        return self.active(today).filter(is_featured=True)

    def with_totals(self):
        """
        Each campaign with the sums its progress is made of, in the same query
        (one subquery per sum), so a list of campaigns costs one query
        whatever the number of gifts.
        """
        raised = F("total_offline") + F("total_gifts") - F("total_refunds")
        return self.annotate(**total_expressions()).annotate(total_raised=raised)


def _per_campaign(model, campaign_path, aggregate, default=None, output_field=None):
    """`aggregate` over the rows of `model` that belong to the outer campaign, as a subquery."""
    rows = model.objects.filter(**{campaign_path: OuterRef("pk")}).order_by().values(campaign_path)
    subquery = Subquery(rows.annotate(result=aggregate).values("result")[:1])
    return subquery if default is None else Coalesce(subquery, default, output_field=output_field)


def total_expressions():
    """What a campaign's progress is made of (the models are defined below; this runs at query time)."""
    money, count = MoneyField(**MONEY), IntegerField()
    return {
        "total_gifts": _per_campaign(Gift, "campaign", Sum("amount"), ZERO, money),
        "total_refunds": _per_campaign(Refund, "gift__campaign", Sum("amount"), ZERO, money),
        "total_offline": _per_campaign(OfflineGift, "campaign", Sum("amount"), ZERO, money),
        "count_gifts": _per_campaign(Gift, "campaign", Count("pk"), 0, count),
        "count_offline_donors": _per_campaign(OfflineGift, "campaign", Sum("donors"), 0, count),
        "latest_gift_at": _per_campaign(Gift, "campaign", Max("recorded_at")),
        "latest_refund_at": _per_campaign(Refund, "gift__campaign", Max("recorded_at")),
        "latest_offline_at": _per_campaign(OfflineGift, "campaign", Max("recorded_at")),
    }


def total_names():
    """The names `with_totals()` gives its sums, the last the amount raised (which can be sorted on)."""
    return [*total_expressions(), "total_raised"]


# A version holds the whole campaign: its donate links are its own fields, its suggested amounts and
# offline gifts its rows. Confirmed gifts are facts from the provider, not edits, and are not versioned.
@reversion.register(follow=("amounts", "offline_gifts"))
class Campaign(PublishableModel, HeroImageModel, RenderedContentModel, SlugFromTitle):
    hero_image_folder = "campaigns"
    markdown_fields = {"story": "story_html", "thank_you_message": "thank_you_html"}
    reserved_slugs = frozenset({"thanks"})  # /donate/thanks/ is the generic thank-you page

    title = models.CharField(max_length=120, help_text="What the campaign is for, in a few words.")
    slug = models.SlugField(
        max_length=120,
        unique=True,
        help_text="The campaign's address: /donate/this-slug/. Filled in from the title.",
    )
    summary = models.TextField(
        max_length=300,
        help_text="One or two plain sentences (at most 300 characters) shown in lists and to search engines.",
    )
    story = MarkdownxField(
        validators=[no_alt_text_placeholder, renders_quickly],
        help_text="Why this matters and what the money will do, in markdown.",
    )
    story_html = models.TextField(editable=False, blank=True)
    goal = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="The amount the campaign aims to raise. 0 means no goal is shown.",
    )
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter currency code (ISO 4217) such as USD.")],
        help_text="Three-letter currency code (ISO 4217), e.g. USD, GBP, EUR.",
    )
    starts_on = models.DateField(help_text="First day the campaign takes gifts.")
    ends_on = models.DateField(
        null=True, blank=True, help_text="Last day the campaign takes gifts. Leave empty for no end date."
    )
    is_featured = models.BooleanField(
        "featured",
        default=False,
        help_text=(
            "The campaign the header's Donate button and the home page lead to. Only one campaign is "
            "featured at a time: featuring this one unfeatures the other."
        ),
    )
    donate_url = models.URLField(
        "donation page",
        max_length=500,
        validators=[validate_donate_url],
        help_text="The provider's page for a one-time gift, e.g. https://buy.stripe.com/… or https://www.every.org/….",
    )
    monthly_donate_url = models.URLField(
        "monthly donation page",
        max_length=500,
        blank=True,
        validators=[validate_donate_url],
        help_text="Optional: the provider's page for monthly gifts, if it is a different link.",
    )
    thank_you_message = MarkdownxField(
        blank=True,
        help_text="Shown on the thank-you page donors come back to, in markdown.",
    )
    thank_you_html = models.TextField(editable=False, blank=True)
    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-is_featured", "-starts_on", "title"]
        constraints = [
            models.UniqueConstraint(fields=["is_featured"], condition=Q(is_featured=True), name=ONE_FEATURED),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.is_featured:
                # One featured campaign at a time: featuring this one unfeatures the other.
                Campaign.objects.filter(is_featured=True).exclude(pk=self.pk).update(is_featured=False)
            super().save(*args, **kwargs)

    def get_constraints(self):
        """
        What a form checks before saving: not the one-featured rule, which save() keeps by unfeaturing the
        other campaign (a form that refused it would make staff unfeature one campaign to feature another).
        """
        return [
            (model, [constraint for constraint in constraints if constraint.name != ONE_FEATURED])
            for model, constraints in super().get_constraints()
        ]

    def get_absolute_url(self):
        return reverse("donations:campaign", kwargs={"slug": self.slug})

    def get_give_url(self):
        return reverse("donations:give", kwargs={"slug": self.slug})

    def get_thanks_url(self):
        return reverse("donations:campaign_thanks", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The campaign cannot end before it starts."
        if self.slug in self.reserved_slugs:
            errors["slug"] = f"“{self.slug}” is used by the site itself; choose another address."
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    # Behaviour the pages show ------------------------------------------------

    @property
    def provider(self):
        return provider_for(self.donate_url)

    @property
    def accepts_monthly(self):
        """Whether a monthly gift can be asked for: a monthly link, or a provider that reads the frequency."""
        return bool(self.monthly_donate_url) or bool(self.provider and self.provider.takes_frequency)

    def is_active(self, today=None):
        today = today or timezone.localdate()
        return self.is_live and self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)

    def has_ended(self, today=None):
        return self.ends_on is not None and self.ends_on < (today or timezone.localdate())

    # What it has raised: worked out from the gifts, never typed --------------

    def load_totals(self):
        """The sums `with_totals()` annotates, or (one query) the same sums for this campaign alone."""
        if not hasattr(self, "total_gifts"):
            names = total_names()
            found = None
            if self.pk is not None:
                found = Campaign.objects.with_totals().filter(pk=self.pk).values(*names).first()
            for name in names:
                setattr(self, name, (found or {}).get(name))
        return self

    @property
    def raised(self):
        """
        Offline gifts plus confirmed gifts, less refunds: never below zero. A
        sum that is no number (an infinite amount SQLite kept) shows as zero;
        the campaign's admin page lists the amount that made it.
        """
        total = self.load_totals().total_raised or ZERO
        return max(total, ZERO) if total.is_finite() else ZERO

    @property
    def donor_count(self):
        """Confirmed gifts plus the donors of offline gifts."""
        totals = self.load_totals()
        return (totals.count_gifts or 0) + (totals.count_offline_donors or 0)

    @property
    def totals_updated_at(self):
        """When the last gift, refund or offline entry was recorded, or None if there is none yet."""
        totals = self.load_totals()
        times = [totals.latest_gift_at, totals.latest_refund_at, totals.latest_offline_at]
        return max((time for time in times if time is not None), default=None)

    def forget_totals(self):
        """Read the sums again on next use (after this campaign's gifts changed)."""
        for name in total_names():
            self.__dict__.pop(name, None)

    @property
    def percent_raised(self):
        """Whole percent of the goal raised (rounded down), or None when there is no goal."""
        if not self.goal or self.goal <= 0:
            return None
        return int((self.raised * 100 / self.goal).to_integral_value(rounding=ROUND_FLOOR))

    @property
    def progress_value(self):
        """The bar's value: never past full."""
        percent = self.percent_raised
        return None if percent is None else min(percent, 100)

    @property
    def goal_reached(self):
        return self.percent_raised is not None and self.percent_raised >= 100

    def days_left(self, today=None):
        if self.ends_on is None:
            return None
        return (self.ends_on - (today or timezone.localdate())).days

    def progress_summary(self, today=None):
        """The facts a donor scans for, e.g. "$12,500 raised of $50,000 · 25% · 130 donors · 18 days left"."""
        raised = format_money(self.raised, self.currency)
        if self.percent_raised is None:
            parts = [f"{raised} raised"]
        else:
            parts = [f"{raised} raised of {format_money(self.goal, self.currency)}"]
        if self.goal_reached:
            parts.append(f"goal reached ({self.percent_raised}%)")
        elif self.percent_raised is not None:
            parts.append(f"{self.percent_raised}%")
        parts.append(f"{self.donor_count:,} donor{'s' if self.donor_count != 1 else ''}")
        days = self.days_left(today)
        if days is not None:
            if days < 0:
                parts.append(f"ended on {date_format(self.ends_on, 'j F Y')}")
            elif days == 0:
                parts.append("last day")
            else:
                parts.append(f"{days} day{'s' if days != 1 else ''} left")
        return " · ".join(parts)

    def amounts_in_order(self):
        return list(self.amounts.all())  # prefetched on pages; ordered by the model's Meta

    def default_amount(self):
        amounts = self.amounts_in_order()
        return next((amount for amount in amounts if amount.is_default), amounts[0] if amounts else None)


@reversion.register()
class SuggestedAmount(models.Model):
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="amounts",
        help_text="The campaign whose donate form offers it.",
    )
    amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1"))],
        help_text="A whole amount donors can pick with one tap, e.g. 50.",
    )
    impact = models.CharField(
        "what it pays for",
        max_length=200,
        help_text="What this gift does, e.g. “pays for a support nurse's phone call with a newly diagnosed patient”.",
    )
    order = models.PositiveIntegerField(default=0, help_text="Position in the list; lower numbers come first.")
    is_default = models.BooleanField(
        "selected by default", default=False, help_text="Pre-select this amount. At most one per campaign."
    )

    class Meta:
        ordering = ["order", "amount"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(is_default=True), name="suggested_amount_one_default"
            ),
        ]

    def __str__(self):
        return format_money(self.amount, self.campaign.currency)

    @property
    def label(self):
        return format_money(self.amount, self.campaign.currency)


@reversion.register()
class OfflineGift(models.Model):
    """
    Money staff count by hand: cheques, cash at an event, a bank transfer, or
    a correction. Part of the campaign's versions, so a mistaken entry is
    undone like any other edit.
    """

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="offline_gifts",
        help_text="The campaign this money counts towards.",
    )
    received_on = models.DateField(
        default=timezone.localdate, help_text="The day the money arrived (or the day of the correction)."
    )
    amount = MoneyField(
        **MONEY,
        help_text=(
            "In the campaign's currency. A negative amount corrects the total downwards, e.g. a gift counted twice."
        ),
    )
    donors = models.PositiveIntegerField(default=0, help_text="How many people gave this money; 0 for a correction.")
    description = models.CharField(
        max_length=200,
        help_text="Where the money came from, e.g. “Cheques from the spring fun run”. Never a donor's name.",
    )
    recorded_at = models.DateTimeField(auto_now=True, help_text="When this entry was last saved.")

    class Meta:
        ordering = ["received_on", "pk"]
        verbose_name = "offline gift"

    def __str__(self):
        return f"{format_money(self.amount, self.campaign.currency)} on {date_format(self.received_on, 'j F Y')}"

    def clean(self):
        if self.amount is not None and self.amount == 0:
            raise ValidationError({"amount": "An offline gift of nothing changes nothing; enter an amount."})


def new_click_reference():
    """An unguessable reference for a click, carried to the provider and back with the gift."""
    return secrets.token_hex(12)


class DonateClick(models.Model):
    """One press of a donate button. Deliberately nothing that identifies a person."""

    # Written by visitors, never shown to them: a click must not empty the page cache.
    shown_on_pages = False

    class Frequency(models.TextChoices):
        ONE_TIME = ONE_TIME, "One-time"
        MONTHLY = MONTHLY, "Monthly"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="clicks", help_text="The campaign the button was for."
    )
    amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The amount chosen; empty when left to the provider.",
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, help_text="One-time or monthly.")
    source_path = models.CharField(
        "from page", max_length=200, blank=True, help_text="The page of this site the button was pressed on."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, help_text="When the button was pressed.")
    reference = models.CharField(
        max_length=24,
        unique=True,
        null=True,
        blank=True,
        default=new_click_reference,
        editable=False,
        help_text="A random reference sent to the provider, which sends it back with the gift it led to.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.campaign} · {self.get_frequency_display()} · {self.amount or 'any amount'}"


PROVIDER_CHOICES = [(provider.key, provider.name) for provider in PROVIDERS]


class Gift(models.Model):
    """
    A gift the payment provider confirmed: by its signed webhook or in an
    export staff imported. Only the provider's ids, the amount and when;
    never the donor's name, e-mail, address or card.
    """

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

    def clean(self):
        problem = provider_moment_problem(self.given_at, self.provider)
        if problem:
            raise ValidationError({"given_at": problem})


class Refund(models.Model):
    """Money a provider gave back to the donor (a refund, or a dispute the charity lost)."""

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

    def clean(self):
        problem = provider_moment_problem(self.refunded_at, self.provider)
        if problem:
            raise ValidationError({"refunded_at": problem})


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


def notify_superusers_of_link_change(user, campaign, described):
    """E-mail every superuser when a campaign's donate link changes: where the money goes is everyone's business."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    recipients = list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    who = user.get_full_name() or user.get_username()
    send_mail(
        subject=f"Donate link changed on “{campaign.title}”",
        message=(
            f"{who} changed where the donate button of “{campaign.title}” sends donors.\n\n{described}\n\n"
            "If this was not expected, open the campaign's history in the admin and revert it."
        ),
        from_email=None,
        recipient_list=recipients,
    )
