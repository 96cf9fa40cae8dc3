"""
Donation campaigns: what staff write (the page, its donate links, its suggested
amounts and offline gifts) and what each has raised.
"""

import functools
from decimal import ROUND_FLOOR, Decimal

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from markdownx.models import MarkdownxField

from core.markdown import no_alt_text_placeholder, renders_quickly
from core.models import (
    HeroImageModel,
    PublishableModel,
    PublishableQuerySet,
    RenderedContentModel,
    SlugFromTitle,
    raise_with,
)
from core.text import format_money
from donations.formats import count_text, money_text, percent_text
from donations.models.money import MONEY, ZERO, MoneyField
from donations.providers import provider_for, validate_donate_url

# The database's rule that one campaign at most is featured (Campaign.save() keeps it).
ONE_FEATURED = "campaign_only_one_featured"


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
        whatever the number of gifts. The amount raised is worked out from
        them in Python (Campaign.raised).
        """
        return self.annotate(**total_expressions())

    def sortable_by_amount_raised(self):
        """
        With its totals and the amount raised as a column, to sort by (the
        admin's list). In SQL the amount repeats three of the sums'
        subqueries, which pages that only show it need not build or run.
        """
        raised = F("total_offline") + F("total_gifts") - F("total_refunds")
        return self.with_totals().annotate(total_raised=raised)

    def with_text_in(self, language):
        """
        Each campaign with its words in `language` (CampaignText) and its address in every language,
        read in the same query as the campaign (one subquery per field), so that a page in another
        language costs the queries its English page does, however many campaigns it lists.
        """
        return self.annotate(**text_in(language))

    def at_address(self, slug, language):
        """
        The campaigns whose page in `language` `slug` may name: by their slug in that language, or by
        their English slug (which, for a campaign with a slug in that language, only redirects there).
        Read with `with_text_in()`, whose annotation the slug in that language is.
        """
        if language == settings.LANGUAGE_CODE or language not in dict(OTHER_LANGUAGES):
            return self.filter(slug=slug)
        return self.filter(Q(slug=slug) | Q(**{f"slug_in_{language}": slug}))

    def published_at(self, slug, language):
        """Whether a published campaign's page in `language` is at `slug` (not a redirect): `page_exists`."""
        campaigns = self.published().with_text_in(language).at_address(slug, language)
        if language == settings.LANGUAGE_CODE or language not in dict(OTHER_LANGUAGES):
            return campaigns.exists()
        own_slug = f"slug_in_{language}"
        return campaigns.filter(Q(**{own_slug: slug}) | Q(**{f"{own_slug}__isnull": True})).exists()


def text_in(language, campaign="pk", prefix=""):
    """
    The subqueries that read, beside a campaign (`campaign`: the path to it from the row read, for a
    campaign read through another row, such as an article's appeal), its slug in every other language
    (`slug_in_es`: its addresses there) and its words in `language` (`text_title` …, and
    `text_language` where it has them). The site's own language has no words apart.
    """
    found = {}
    for code, _name in OTHER_LANGUAGES:
        texts = CampaignText.objects.filter(campaign=OuterRef(campaign), language=code)
        found[f"{prefix}slug_in_{code}"] = Subquery(texts.values("slug")[:1])
        if code == language:
            found |= {f"{prefix}text_{name}": Subquery(texts.values(name)[:1]) for name in CampaignText.SHOWN_FIELDS}
            found[f"{prefix}text_language"] = Subquery(texts.values("language")[:1])
    return found


def _per_campaign(model, campaign_path, aggregate, default=None, output_field=None):
    """`aggregate` over the rows of `model` that belong to the outer campaign, as a subquery."""
    rows = model.objects.filter(**{campaign_path: OuterRef("pk")}).order_by().values(campaign_path)
    subquery = Subquery(rows.annotate(result=aggregate).values("result")[:1])
    return subquery if default is None else Coalesce(subquery, default, output_field=output_field)


@functools.cache
def total_expressions():
    """
    What a campaign's progress is made of. Built once per process (the
    ledger's models are imported here, at the first query): building eight
    subqueries took longer than the rest of the query, and an annotation
    copies the expression it is given, so one set serves every query.
    """
    from donations.models.ledger import Gift, Refund

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
    """The names `with_totals()` gives its sums."""
    return list(total_expressions())


# A version holds the whole campaign: its donate links are its own fields, its suggested amounts,
# offline gifts and words in other languages its rows. Confirmed gifts are facts from the provider, not
# edits, and are not versioned.
@reversion.register(follow=("amounts", "offline_gifts", "texts"))
class Campaign(PublishableModel, HeroImageModel, RenderedContentModel, SlugFromTitle):
    page_view = "donations:campaign"
    # A campaign is written in the site's own language; its words in another are a CampaignText.
    language = settings.LANGUAGE_CODE
    hero_image_folder = "campaigns"
    markdown_fields = {"story": "story_html", "thank_you_message": "thank_you_html"}
    reserved_slugs = frozenset({"thanks"})  # /donate/thanks/ is the generic thank-you page
    page_content_fields = (
        *("summary", "story", "story_html", "goal", "currency"),
        *("donate_url", "monthly_donate_url", "thank_you_message", "thank_you_html"),
    )

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

    # Its addresses, in the language active: /donate/<slug>/ in English, /es/donate/<its Spanish slug>/
    # where it has Spanish words, else /es/donate/<slug>/ (its English words, marked as English).

    def get_absolute_url(self):
        return self.address_in(get_language(), self.page_view)

    def get_give_url(self):
        return self.address_in(get_language(), "donations:give")

    def get_thanks_url(self):
        return self.address_in(get_language(), "donations:campaign_thanks")

    def pages_with_figures(self):
        """
        The addresses, in every language, of the public pages that show its figures and that readers
        ask for most: its own page, its thank-you page, the donate page, and the home page while it is
        the appeal there. A gift makes them stale; the provider's notification renders them again
        (pagecache.refresh).
        """
        views = ["donations:campaign", "donations:campaign_thanks"]
        paths = []
        for code, _name in settings.LANGUAGES:
            paths += [self.address_in(code, view) for view in views]
            with translation.override(code):
                paths.append(reverse("donations:index"))
                if self.is_featured:
                    paths.append(reverse("home"))
        return paths

    def address_in(self, language, view_name=None):
        """The address of its page (`view_name`) in `language`, whichever language is active."""
        with translation.override(language):
            return reverse(view_name or self.page_view, kwargs={"slug": self.slug_in(language)})

    def slug_in(self, language):
        """
        The slug of its pages in `language`: that of its words there, where it has some, else its own.
        Pages read it with the campaign (`with_text_in`); anywhere else it costs a query.
        """
        if language not in dict(OTHER_LANGUAGES):
            return self.slug
        name = f"slug_in_{language}"
        if name not in self.__dict__:
            texts = self.texts.filter(language=language) if self.pk else CampaignText.objects.none()
            self.__dict__[name] = texts.values_list("slug", flat=True).first()
        return self.__dict__[name] or self.slug

    def take_text_from(self, row, prefix):
        """Its words and addresses as `text_in(…, prefix=prefix)` read them beside another row (`row`)."""
        for name, value in vars(row).items():
            if name.startswith(prefix):
                setattr(self, name.removeprefix(prefix), value)
        return self

    def clean(self):
        errors = {}
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The campaign cannot end before it starts."
        if self.slug in self.reserved_slugs:
            errors["slug"] = f"“{self.slug}” is used by the site itself; choose another address."
        elif self.slug and CampaignText.objects.filter(slug=self.slug).exclude(campaign_id=self.pk).exists():
            # /es/donate/<slug>/ would name two campaigns.
            errors["slug"] = f"“{self.slug}” is another campaign's address in another language; choose another."
        raise_with(errors, super().clean)

    # Its words in the page's language -----------------------------------------
    # Read with CampaignQuerySet.with_text_in(): the text in that language where there is one, else the
    # campaign's own, which a page in another language marks with its language (`written_in`).

    def _shown(self, name):
        translated = getattr(self, "text_language", None)
        return getattr(self, f"text_{name}") if translated else getattr(self, name)

    @property
    def shown_language(self):
        return getattr(self, "text_language", None) or self.language

    @property
    def shown_title(self):
        return self._shown("title")

    @property
    def shown_summary(self):
        return self._shown("summary")

    @property
    def shown_story_html(self):
        return self._shown("story_html")

    @property
    def shown_thank_you_html(self):
        return self._shown("thank_you_html")

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
        totals = self.load_totals()
        total = (totals.total_offline or ZERO) + (totals.total_gifts or ZERO) - (totals.total_refunds or ZERO)
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
        raised = money_text(self.raised, self.currency)
        if self.percent_raised is None:
            parts = [_("%(raised)s raised") % {"raised": raised}]
        else:
            goal = money_text(self.goal, self.currency)
            parts = [_("%(raised)s raised of %(goal)s") % {"raised": raised, "goal": goal}]
        if self.goal_reached:
            parts.append(_("goal reached (%(percent)s)") % {"percent": percent_text(self.percent_raised)})
        elif self.percent_raised is not None:
            parts.append(percent_text(self.percent_raised))
        donors = self.donor_count
        parts.append(ngettext("%(count)s donor", "%(count)s donors", donors) % {"count": count_text(donors)})
        days = self.days_left(today)
        if days is not None:
            if days < 0:
                parts.append(_("ended on %(date)s") % {"date": date_format(self.ends_on, "DATE_FORMAT")})
            elif days == 0:
                parts.append(_("last day"))
            else:
                parts.append(ngettext("%(count)s day left", "%(count)s days left", days) % {"count": days})
        return " · ".join(parts)

    def amounts_in_order(self):
        return list(self.amounts.all())  # prefetched on pages; ordered by the model's Meta

    def default_amount(self):
        amounts = self.amounts_in_order()
        return next((amount for amount in amounts if amount.is_default), amounts[0] if amounts else None)


@reversion.register()
class SuggestedAmount(models.Model):
    # Shown only as part of its campaign's pages: a change to it makes those stale (pagecache.tags).
    page_parent = "campaign"

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
    impact_translations = models.JSONField(
        "what it pays for, in other languages",
        default=dict,
        blank=True,
        help_text=(
            "What this gift does, in each other language of the site ({language code: words}); the campaign's "
            "page in a language without them shows the English words, marked as English."
        ),
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
    def impact_language(self):
        """The language its words are shown in on the page being built: the page's own where it has them."""
        language = get_language()
        return language if self.impact_translations.get(language) else settings.LANGUAGE_CODE

    @property
    def impact_shown(self):
        """What it pays for, in impact_language."""
        return self.impact_translations.get(self.impact_language) or self.impact

    @property
    def label(self):
        """The amount as the page's language writes it."""
        return money_text(self.amount, self.campaign.currency)


@reversion.register()
class OfflineGift(models.Model):
    """
    Money staff count by hand: cheques, cash at an event, a bank transfer, or
    a correction. Part of the campaign's versions, so a mistaken entry is
    undone like any other edit.
    """

    # Shown only as part of its campaign's pages: a change to it makes those stale (pagecache.tags).
    page_parent = "campaign"

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


# Languages a campaign's words can be written in besides the site's own.
OTHER_LANGUAGES = [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


@reversion.register()
class CampaignText(RenderedContentModel):
    """
    A campaign's words in another language: the same campaign (one goal, one set of gifts, one total,
    one address), read in that language. Saved and versioned with the campaign.
    """

    # Shown only as part of its campaign's pages: a change to it makes those stale (pagecache.tags).
    page_parent = "campaign"
    markdown_fields = {"story": "story_html", "thank_you_message": "thank_you_html"}
    # What the campaign's pages show of it (CampaignQuerySet.with_text_in).
    SHOWN_FIELDS = ("title", "summary", "story_html", "thank_you_html")

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="texts",
        help_text="The campaign these words are for.",
    )
    language = models.CharField(
        max_length=8,
        choices=OTHER_LANGUAGES,
        help_text="The language these words are written in. The campaign's pages in it show them.",
    )
    title = models.CharField(max_length=120, help_text="The campaign's title in this language.")
    slug = models.SlugField(
        max_length=120,
        blank=True,
        help_text=(
            "The campaign's address in this language: /es/donate/this-slug/. Leave empty to make it from "
            "the title. Its English address there then leads here."
        ),
    )
    summary = models.TextField(
        max_length=300,
        help_text="One or two plain sentences (at most 300 characters) in this language, for lists and search engines.",
    )
    story = MarkdownxField(
        validators=[no_alt_text_placeholder, renders_quickly],
        help_text="Why this matters and what the money will do, in this language, in markdown.",
    )
    story_html = models.TextField(editable=False, blank=True)
    thank_you_message = MarkdownxField(
        blank=True,
        help_text=(
            "Shown on the thank-you page in this language, in markdown. Leave empty for the site's own "
            "thank-you in this language."
        ),
    )
    thank_you_html = models.TextField(editable=False, blank=True)

    class Meta:
        ordering = ["language"]
        verbose_name = "text in another language"
        verbose_name_plural = "texts in other languages"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "language"], name="campaign_text_one_per_language"),
            # One campaign per address in each language.
            models.UniqueConstraint(fields=["language", "slug"], name="campaign_text_one_per_slug"),
        ]

    def __str__(self):
        return f"{self.title} ({self.get_language_display()})"

    def clean(self):
        """
        An address no other campaign has under /es/donate/: not another campaign's English slug (a
        campaign without Spanish words is at /es/donate/<its English slug>/), nor one the site uses.
        """
        errors = {}
        if self.slug in Campaign.reserved_slugs:
            errors["slug"] = f"“{self.slug}” is used by the site itself; choose another address."
        elif self.slug and self._other_campaigns().filter(slug=self.slug).exists():
            errors["slug"] = f"“{self.slug}” is another campaign's address; choose another."
        elif self.slug and self._other_texts().filter(slug=self.slug).exists():
            # As the constraint would, on the field (which the form then leaves the constraint out for).
            errors["slug"] = f"“{self.slug}” is another campaign's address in this language; choose another."
        raise_with(errors, super().clean)

    def save(self, *args, update_fields=None, **kwargs):
        if not self.slug:
            self.slug = self._slug_from_title()
            update_fields = None if update_fields is None else {*update_fields, "slug"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def _other_campaigns(self):
        return Campaign.objects.exclude(pk=self.campaign_id)

    def _other_texts(self):
        """The other campaigns' texts in this language."""
        return CampaignText.objects.filter(language=self.language).exclude(pk=self.pk)

    def _slug_from_title(self):
        """A slug from the title (-2, -3 … added) that no other campaign's address in this language uses."""
        max_length = self._meta.get_field("slug").max_length
        base = slugify(self.title)[:max_length].strip("-") or "campaign"
        candidate, counter = base, 2
        while (
            candidate in Campaign.reserved_slugs
            or self._other_texts().filter(slug=candidate).exists()
            or self._other_campaigns().filter(slug=candidate).exists()
        ):
            suffix = f"-{counter}"
            candidate, counter = f"{base[: max_length - len(suffix)]}{suffix}", counter + 1
        return candidate
