"""
Treatments: the pages patients read to understand an option they have been
offered. Content is structured (points of each kind, a cost range, review
dates) rather than one long text, so that every page answers the same
questions in the same place and treatments can be compared.
"""

from decimal import Decimal

import reversion
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markdownx.models import MarkdownxField

from core.fields import validate_web_url
from core.markdown import no_alt_text_placeholder, renders_quickly
from core.models import (
    HeroImageModel,
    PublishableModel,
    PublishableQuerySet,
    RenderedContentModel,
    SlugFromTitle,
    TranslatableModel,
    raise_with,
)
from core.site import fixed_url
from core.text import format_money
from core.versions import rows_in
from readability.grades import reading_in, stored_grades, text_of_html
from review.models import NOT_CONTENT, MedicalContent
from search.models import SearchableModel


@reversion.register()
class Tag(SlugFromTitle):
    name = models.CharField(
        max_length=60,
        unique=True,
        help_text="A short label patients can filter by, e.g. “HER2-positive” or “Surgery”.",
    )
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Used in the filter address /treatments/?tag=…; filled in from the name.",
    )

    slug_source = "name"

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{fixed_url('treatments:list')}?tag={self.slug}"

    def save(self, *args, **kwargs):
        renamed = self.pk is not None and not Tag.objects.filter(pk=self.pk, name=self.name).exists()
        super().save(*args, **kwargs)
        if renamed:  # search finds treatments by their tags' names
            refresh_search_rows(self.treatments.values_list("pk", flat=True))


class TreatmentQuerySet(PublishableQuerySet):
    def review_overdue(self, today=None):
        return self.filter(next_review_due__lt=today or timezone.localdate())


# A version holds the whole page: the treatment (its tags are part of its own row's data) and its rows.
# Versions hold the content; publication and sign-off are not theirs to bring back (MedicalContent), and
# the reading grades are worked out again from the text on every save.
# The search text is left out too: it is worked out again (refresh_from_rows) wherever rows are restored.
@reversion.register(
    follow=("points", "references"),
    exclude=(*NOT_CONTENT, "reading_grade", "reading_grade_fk", "search_body", "search_rows"),
)
class Treatment(
    MedicalContent,
    TranslatableModel,
    PublishableModel,
    HeroImageModel,
    RenderedContentModel,
    SlugFromTitle,
    SearchableModel,
):
    page_view = "treatments:detail"
    hero_image_folder = "treatments"
    markdown_fields = {"body": "body_html"}
    glossary_fields = ("body_html",)
    page_content_fields = (
        *("summary", "suited_to", "body", "body_html", "search_body", "search_rows"),
        *("reading_grade", "reading_grade_fk", "hero_image_credit", "hero_image_source_url"),
        *("cost_min", "cost_max", "cost_currency", "cost_period"),
        "created_at",  # no list is in order of it; a version put back holds it to the millisecond only
    )

    class CostPeriod(models.TextChoices):
        PER_YEAR = "year", "per year"
        PER_MONTH = "month", "per month"
        PER_CYCLE = "cycle", "per cycle"
        ONE_OFF = "one-off", "one-off"

    title = models.CharField(
        max_length=120,
        help_text="The treatment's everyday name, as patients would search for it.",
    )
    slug = models.SlugField(
        max_length=120,
        unique=True,
        help_text=(
            "The page address: /treatments/this-slug/. Filled in from the title; "
            "it cannot change once the page has been published, so links keep working."
        ),
    )
    summary = models.TextField(
        max_length=300,
        help_text=(
            "One or two plain sentences (at most 300 characters) saying what the "
            "treatment is. Shown in lists and to search engines. No markdown."
        ),
    )
    suited_to = models.CharField(
        "who it is for",
        max_length=200,
        blank=True,
        help_text=(
            "One plain sentence on who is usually offered this treatment, e.g. “People with HER2-positive "
            "breast cancer, before or after surgery.” Shown on the page and in comparisons."
        ),
    )
    tags = models.ManyToManyField(
        Tag,
        blank=True,
        related_name="treatments",
        help_text="Labels patients can filter the treatment list by.",
    )
    hero_image_credit = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional photographer or source credit shown under the picture.",
    )
    hero_image_source_url = models.URLField(
        max_length=1000,
        blank=True,
        help_text=(
            "Where an imported picture came from. Kept for reference only: the site "
            "never shows images from other websites."
        ),
    )
    body = MarkdownxField(
        validators=[no_alt_text_placeholder, renders_quickly],
        blank=True,
        help_text=(
            "What the treatment is and how it works, in markdown. Pros and cons, "
            "effects, costs and references have their own fields below."
        ),
    )
    body_html = models.TextField(editable=False, blank=True)
    search_body = models.TextField(
        editable=False, blank=True, help_text="The body as plain text, for search (worked out on every save)."
    )
    search_rows = models.TextField(
        editable=False,
        blank=True,
        help_text="The tags' names and the points' text, for search (worked out whenever they change).",
    )
    cost_min = models.DecimalField(
        "lowest typical cost",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Lower end of the usual cost, e.g. 100000. Leave empty if unknown.",
    )
    cost_max = models.DecimalField(
        "highest typical cost",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Upper end of the usual cost, e.g. 200000. Leave empty if unknown.",
    )
    cost_currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter currency code such as USD.")],
        help_text="Three-letter currency code (ISO 4217), e.g. USD, GBP, EUR.",
    )
    cost_period = models.CharField(
        max_length=10,
        choices=CostPeriod.choices,
        blank=True,
        help_text="What the cost range covers. Required when a cost is given.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reading_grade = models.FloatField(
        "reading grade (SMOG)",
        null=True,
        blank=True,
        editable=False,
        help_text="How hard the summary, body and points are to read, as a school grade; worked out on every save.",
    )
    reading_grade_fk = models.FloatField(
        "reading grade (Flesch–Kincaid)",
        null=True,
        blank=True,
        editable=False,
        help_text="The same text's Flesch–Kincaid grade, a second opinion.",
    )
    source_id = models.CharField(
        max_length=100,
        blank=True,
        help_text=(
            "The id from the organisation's file this treatment was imported from. "
            "Re-importing that file updates this treatment; a file in another language with the same id "
            "is its translation."
        ),
    )

    objects = TreatmentQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        # Lists are of one language, in title order: the index lets a page of them be read without sorting
        # them all or passing over another language's, and counted (with the schedule, which published()
        # checks) without reading whole rows.
        indexes = [
            models.Index(
                fields=["language", "status", "title", "go_live_at", "expires_at"], name="treatment_language_title_live"
            )
        ]
        constraints = [
            # A file's id names one page in each language: the English page and its translations.
            models.UniqueConstraint(
                fields=["source_id", "language"],
                condition=~models.Q(source_id=""),
                name="treatment_unique_source_id",
            ),
            models.CheckConstraint(
                condition=models.Q(cost_min__isnull=True)
                | models.Q(cost_max__isnull=True)
                | models.Q(cost_min__lte=models.F("cost_max")),
                name="treatment_cost_min_not_above_max",
            ),
        ]

    # What search reads (search.results): the title first, then the text; the database indexes them.
    search_columns = ("title", "summary", "suited_to", "search_body", "search_rows")
    search_label = gettext_lazy("Treatment")  # shown beside a result, in the page's language
    search_related = ()
    search_only = ("title", "slug")  # what a result shows

    def __str__(self):
        return self.title

    @classmethod
    def derived_field_names(cls):
        return [*super().derived_field_names(), "search_body"]

    def refresh_derived_fields(self):
        super().refresh_derived_fields()
        self.search_body = text_of_html(self.body_html)

    @classmethod
    def after_rerender(cls, pks):
        """rerender_content (which every deploy runs): the search text of the rows is worked out again too."""
        refresh_search_rows(pks)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._published_address = self.slug if self.published_at else ""

    def validate_constraints(self, exclude=None):
        # clean() checks the cost order already, naming the field; asking the database too costs a query per save.
        super().validate_constraints(exclude={*(exclude or ()), "cost_min"})

    def get_absolute_url(self):
        return self.reverse_in_its_language(self.page_view, slug=self.slug)

    def _rows_texts(self):
        """(points' texts, tags' names) in one query: a restore reads them on every save of a published page."""
        points = self.points.order_by().annotate(part=models.Value(1))
        names = self.tags.order_by().annotate(part=models.Value(0), kind=models.Value(0), order=models.Value(0))
        rows = (
            points.values_list("part", "text", "kind", "order", "pk")
            .union(names.values_list("part", "name", "kind", "order", "pk"), all=True)
            .order_by("part", "kind", "order", "pk")
        )
        found = list(rows)
        return [text for part, text, *_ in found if part == 1], [text for part, text, *_ in found if part == 0]

    def reading_text(self, points=None):
        """The text a reader reads on the page: summary, who it is for, body and points."""
        texts = [self.summary, self.suited_to, text_of_html(self.body_html)]
        texts += points if points is not None else list(self.points.values_list("text", flat=True))
        return "\n".join(texts)

    def reading(self, points=None):
        """How hard the page is to read, in its language: its summary, body and points together (readability)."""
        return reading_in(self.reading_text(points), self.language)

    def after_rows_restored(self):
        # The stored HTML as rendered now (MedicalContent.after_rows_restored), and what is left
        # out of versions, worked out again for the text now in place: written in one update.
        self.refresh_derived_fields()
        self.refresh_from_rows(also=self.derived_field_names())

    def refresh_from_rows(self, points=None, tags=None, also=()):
        """
        What is worked out from the points and tags too, stored once they are
        saved (after the treatment, as rows of their own): the reading grades
        and the text search reads. Every path that writes points or tags comes
        here (the admin, imports, reverts; a tag's rename or deletion through
        refresh_search_rows). `points` and `tags`, their texts, if at hand;
        `also`, other fields to write in the same update.
        """
        if points is None or tags is None:
            read_points, read_tags = self._rows_texts()
            points = read_points if points is None else points
            tags = read_tags if tags is None else tags
        reading = self.reading(points)
        self.reading_grade, self.reading_grade_fk = stored_grades(reading)  # English grades: none for Spanish
        self.search_body = text_of_html(self.body_html)
        self.search_rows = _rows_text(tags, points)
        names = {"reading_grade", "reading_grade_fk", "search_body", "search_rows", *also}
        type(self)._base_manager.filter(pk=self.pk).update(**{name: getattr(self, name) for name in names})

    review_template = "treatments/includes/proposed_page.html"

    def review_context(self, version):
        """The treatment and the parts of its page as `version` holds them (None: as they are now)."""
        from .page import PageParts, page_parts

        if version is None:
            return {"treatment": self, "parts": page_parts(self)}
        held = version._object_version
        rows = rows_in(version)
        tags = Tag.objects.filter(pk__in=held.m2m_data.get("tags", [])).order_by("name")
        parts = PageParts(tags=list(tags), points=rows["points"], references=rows["references"], common_questions=[])
        return {"treatment": held.object, "parts": parts}

    @classmethod
    def from_db(cls, db, field_names, values):
        treatment = super().from_db(db, field_names, values)
        loaded = treatment.__dict__  # the fields read, as read: those deferred are not there
        if "slug" in loaded and "published_at" in loaded:
            # Remembered as loaded (Django's way to know a row's values from the database), so that clean()
            # can refuse a new address without asking the database again.
            treatment._published_address = loaded["slug"] if loaded["published_at"] else ""
        return treatment

    def published_address(self):
        """The slug this treatment was published at ("" if never published): it may not change."""
        if self.pk is None:
            return ""
        if not hasattr(self, "_published_address"):
            stored = Treatment.objects.filter(pk=self.pk).values("slug", "published_at").first()
            self._published_address = stored["slug"] if stored and stored["published_at"] else ""
        return self._published_address

    def clean(self):
        errors = {}
        if self.cost_min is not None and self.cost_max is not None and self.cost_min > self.cost_max:
            errors["cost_max"] = "The highest cost cannot be lower than the lowest cost."
        if (self.cost_min is not None or self.cost_max is not None) and not self.cost_period:
            errors["cost_period"] = "Say what the cost covers (per year, per month, per cycle or one-off)."
        published_address = self.published_address()
        if published_address and published_address != self.slug:
            errors["slug"] = (
                f"This page has been published at /treatments/{published_address}/; "
                "its address cannot change, so that links to it keep working."
            )
        raise_with(errors, super().clean)

    # Presentation helpers: templates stay free of logic.

    @property
    def cost_range_display(self):
        """The cost as people write it: "$100,000–$200,000 per year"."""
        low, high = self.cost_min, self.cost_max
        if low is None and high is None:
            return ""
        currency = self.cost_currency
        if low is not None and high is not None and low != high:
            amount = f"{format_money(low, currency)}–{format_money(high, currency)}"
        elif low is not None and high is not None:
            amount = format_money(low, currency)
        elif low is not None:
            # Translators: the lowest typical cost, e.g. "from $49.50".
            amount = _("from %(amount)s") % {"amount": format_money(low, currency)}
        else:
            # Translators: the highest typical cost, e.g. "up to $300".
            amount = _("up to %(amount)s") % {"amount": format_money(high, currency)}
        if self.cost_period in COST_WITH_PERIOD:
            return COST_WITH_PERIOD[self.cost_period] % {"amount": amount}
        return f"{amount} {self.get_cost_period_display()}".strip()

    def structured_data(self, page_url):
        """schema.org MedicalWebPage about a MedicalTherapy, for search engines."""
        data = {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "name": self.title,
            "description": self.summary,
            "url": page_url,
            "about": {"@type": "MedicalTherapy", "name": self.title},
            "dateModified": self.updated_at.isoformat() if self.updated_at else None,
        }
        data.update(self.review_structured_data())
        return {key: value for key, value in data.items() if value is not None}


# A cost with what it covers, as a page shows it (Treatment.cost_range_display): "$100,000–$200,000 per year".
COST_WITH_PERIOD = {
    Treatment.CostPeriod.PER_YEAR: gettext_lazy("%(amount)s per year"),
    Treatment.CostPeriod.PER_MONTH: gettext_lazy("%(amount)s per month"),
    Treatment.CostPeriod.PER_CYCLE: gettext_lazy("%(amount)s per cycle"),
    Treatment.CostPeriod.ONE_OFF: gettext_lazy("%(amount)s in total (one-off)"),
}


def _rows_text(tags, points):
    """
    The tags' and points' text a search reads, in one order whichever path wrote them (a form gives
    its own order, the database another): the same page always has the same search text.
    """
    return "\n".join([*sorted(tags, key=str.casefold), *sorted(points, key=str.casefold)])


def refresh_search_rows(treatment_pks):
    """The search text of these treatments' tags and points, worked out again (two queries and an update)."""
    pks = list(treatment_pks)
    if not pks:
        return
    tags, points = {}, {}
    for pk, name in Treatment.tags.through.objects.filter(treatment__in=pks).values_list("treatment", "tag__name"):
        tags.setdefault(pk, []).append(name)
    for pk, text in TreatmentPoint.objects.filter(treatment__in=pks).values_list("treatment", "text"):
        points.setdefault(pk, []).append(text)
    rows = [Treatment(pk=pk, search_rows=_rows_text(tags.get(pk, []), points.get(pk, []))) for pk in pks]
    Treatment._base_manager.bulk_update(rows, ["search_rows"])


@reversion.register()
class TreatmentPoint(models.Model):
    """One bullet of a structured list: a pro, a con, an effect, a cost note…"""

    # Shown only as part of its treatment's pages: a change to it makes those stale (pagecache.tags).
    page_parent = "treatment"

    class Kind(models.IntegerChoices):
        # The numbers give the order in which the groups appear everywhere.
        PRO = 10, "Pro"
        CON = 20, "Con"
        SHORT_TERM = 30, "Short-term effect"
        LONG_TERM = 40, "Long-term effect"
        COST = 50, "Cost note"
        RETURN = 60, "Return on investment"
        QUESTION = 70, "Question to ask your care team"

    treatment = models.ForeignKey(
        Treatment,
        on_delete=models.CASCADE,
        related_name="points",
        help_text="The treatment whose page lists this point.",
    )
    kind = models.PositiveSmallIntegerField(
        choices=Kind.choices,
        help_text="Which list this point belongs to on the page.",
    )
    text = models.TextField(
        max_length=500,
        help_text="One plain-language sentence. No markdown.",
    )
    order = models.PositiveIntegerField(
        default=0,
        help_text="Position within its list; lower numbers come first.",
    )

    class Meta:
        ordering = ["kind", "order", "id"]

    def __str__(self):
        # Whole: a version's diff names changed rows by this, and a reviewer must read every word.
        return f"{self.get_kind_display()}: {self.text}"


@reversion.register()
class Reference(models.Model):
    # Shown only as part of its treatment's pages: a change to it makes those stale (pagecache.tags).
    page_parent = "treatment"

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="references", help_text="The treatment whose page cites it."
    )
    title = models.CharField(
        max_length=300,
        help_text="The source's title, e.g. “Immunotherapy to Treat Cancer — National Cancer Institute”.",
    )
    url = models.URLField(
        "address",
        max_length=1000,
        validators=[validate_web_url],
        help_text="The public web address of the source (https://…).",
    )
    order = models.PositiveIntegerField(default=0, help_text="Position in the list; lower numbers come first.")

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.title
