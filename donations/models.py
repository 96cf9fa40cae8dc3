"""
Donation campaigns, their suggested amounts, and an anonymous count of
clicks on the donate button.

Ribbon never takes payments: a campaign stores the provider's page, and
`raised` / `donor_count` are entered by staff from the provider's dashboard
(plus offline gifts). A DonateClick records only what was asked for and
from which page, never who asked.
"""

import datetime
from decimal import ROUND_FLOOR, Decimal

import reversion
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from markdownx.models import MarkdownxField

from core.markdown import no_alt_text_placeholder, renders_quickly
from core.models import HeroImageModel, PublishableModel, PublishableQuerySet, RenderedContentModel, SlugFromTitle
from core.site import slug_url
from core.text import format_money

from .providers import MONTHLY, ONE_TIME, provider_for, validate_donate_url


class CampaignQuerySet(PublishableQuerySet):
    def active(self, today=None):
        """Published, started, and not yet ended: the campaigns taking gifts today."""
        today = today or timezone.localdate()
        return self.published().filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))

    def featured(self, today=None):
        return self.active(today).filter(is_featured=True)


# A version holds the whole campaign: its donate links are its own fields, its suggested amounts its rows.
@reversion.register(follow=("amounts",))
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
    raised = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Amount raised so far, from the provider's dashboard plus offline gifts.",
    )
    donor_count = models.PositiveIntegerField(default=0, help_text="Number of donors so far.")
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
            models.UniqueConstraint(
                fields=["is_featured"], condition=Q(is_featured=True), name="campaign_only_one_featured"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.is_featured:
                # One featured campaign at a time: featuring this one unfeatures the other.
                Campaign.objects.filter(is_featured=True).exclude(pk=self.pk).update(is_featured=False)
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("donations:campaign", self.slug)

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

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.campaign} · {self.get_frequency_display()} · {self.amount or 'any amount'}"


def clicks_per_day(campaign, days=30, today=None):
    """[(date, clicks)] for the last `days` days, oldest first, zero-filled."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    counts = dict(
        campaign.clicks.filter(created_at__date__gte=first)
        .order_by()
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Count("id"))
        .values_list("day", "total")
    )
    days_shown = [first + datetime.timedelta(days=offset) for offset in range(days)]
    return [(day, counts.get(day, 0)) for day in days_shown]


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
