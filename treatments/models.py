"""
Treatments: the pages patients read to understand an option they have been
offered. Content is structured (points of each kind, a cost range, review
dates) rather than one long text, so that every page answers the same
questions in the same place and treatments can be compared.
"""

from dataclasses import dataclass
from decimal import Decimal

import reversion
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, pre_delete
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone
from markdownx.models import MarkdownxField

from core.fields import validate_web_url
from core.markdown import no_alt_text_placeholder, renders_quickly
from core.models import (
    HeroImageModel,
    PublishableModel,
    PublishableQuerySet,
    RenderedContentModel,
    SlugFromTitle,
    raise_with,
    sees_drafts,
)
from core.queries import NOW, TEXT_MARKER, Precompiled
from core.readability import reading_of, text_of_html
from core.site import fixed_url, slug_url
from core.text import format_money
from core.versions import rows_in
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


# A few common questions are enough on a treatment page; the FAQ holds them all.
RELATED_QUESTIONS_SHOWN = 8


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
class Treatment(MedicalContent, PublishableModel, HeroImageModel, RenderedContentModel, SlugFromTitle, SearchableModel):
    hero_image_folder = "treatments"
    markdown_fields = {"body": "body_html"}
    glossary_fields = ("body_html",)

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
            "Re-importing that file updates this treatment."
        ),
    )

    objects = TreatmentQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        # Lists are in title order: the index lets a page of them be read without sorting them all, and
        # counted (with the schedule, which published() checks) without reading whole rows.
        indexes = [
            models.Index(fields=["status", "title", "go_live_at", "expires_at"], name="treatment_status_title_live")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_id"],
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
    search_label = "Treatment"
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
        return slug_url("treatments:detail", self.slug)

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
        """How hard the page is to read: its summary, body and points together (core.readability)."""
        return reading_of(self.reading_text(points))

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
        self.reading_grade, self.reading_grade_fk = reading.smog, reading.flesch_kincaid
        self.search_body = text_of_html(self.body_html)
        self.search_rows = _rows_text(tags, points)
        names = {"reading_grade", "reading_grade_fk", "search_body", "search_rows", *also}
        type(self)._base_manager.filter(pk=self.pk).update(**{name: getattr(self, name) for name in names})

    @classmethod
    def page_for(cls, slug, user):
        """
        The treatment a page address names, as this person may see it (staff
        also see drafts), or Http404. Built once per process, like the parts.
        """
        query = _PAGE_ANY_STATUS if sees_drafts(user) else _PAGE_PUBLISHED
        found = query(slug)
        if not found:
            raise Http404("No such treatment.")
        return found[0]

    review_template = "treatments/includes/proposed_page.html"

    def review_context(self, version):
        """The treatment and the parts of its page as `version` holds them (None: as they are now)."""
        if version is None:
            return {"treatment": self, "parts": self.page_parts()}
        held = version._object_version
        rows = rows_in(version)
        tags = Tag.objects.filter(pk__in=held.m2m_data.get("tags", [])).order_by("name")
        parts = PageParts(tags=list(tags), points=rows["points"], references=rows["references"], common_questions=[])
        return {"treatment": held.object, "parts": parts}

    def page_parts(self):
        """
        The rows this treatment's page shows beside the treatment itself, one
        plain query each however many there are: its tags, points, references
        and first few common questions. They run on every uncached treatment
        page, so they are built once per process (core.queries; 0.5 ms instead
        of 1.25 ms for the four). Measured against the alternatives:
        prefetch_related costs 0.5 ms more for one treatment, and a sliced
        prefetch of the questions (a window over all of them) 1.5 ms more.
        """
        return PageParts(
            tags=_PAGE_TAGS(self.pk),
            points=_PAGE_POINTS(self.pk),
            references=_PAGE_REFERENCES(self.pk),
            common_questions=_PAGE_QUESTIONS(self.pk),
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        treatment = super().from_db(db, field_names, values)
        loaded = dict(zip(field_names, values, strict=True))
        if "slug" in loaded and "published_at" in loaded:
            # Remembered as loaded, so that clean() can refuse a new address without asking the database.
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
            amount = f"from {format_money(low, currency)}"
        else:
            amount = f"up to {format_money(high, currency)}"
        period = self.get_cost_period_display()
        if self.cost_period == self.CostPeriod.ONE_OFF:
            return f"{amount} in total (one-off)"
        return f"{amount} {period}".strip()

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


@dataclass(frozen=True)
class Comparison:
    """Treatments side by side: each row of the comparison lines up what each treatment says (comparison_of)."""

    treatments: list
    rows: list  # [Row, …]


@dataclass(frozen=True)
class Row:
    label: str
    id: str
    kind: str  # how a cell shows: "text", "list" (of points), "checklist" (questions) or "review"
    cells: list  # [(treatment, what it shows), …] in the treatments' order
    note: str = ""  # what a reader must know to read the row across (ROW_NOTES), shown beside its label


# The rows of a comparison: (label, id, kind, what each treatment shows there).
COMPARED = [
    ("Summary", "summary", "text", lambda t, p: t.summary),
    ("Who it is for", "who", "text", lambda t, p: t.suited_to),
    ("Pros", "pros", "list", lambda t, p: p.pros),
    ("Cons", "cons", "list", lambda t, p: p.cons),
    ("Short-term effects", "short-term", "list", lambda t, p: p.short_term_effects),
    ("Long-term effects", "long-term", "list", lambda t, p: p.long_term_effects),
    ("Typical cost", "cost", "text", lambda t, p: t.cost_range_display),
    ("Questions to ask your care team", "questions", "checklist", lambda t, p: p.questions_to_ask),
    ("Medical review", "review", "review", lambda t, p: t),
]


# A cost's period as a length of time in a sentence: "a year for Immunotherapy".
COST_PERIOD_IN_WORDS = {
    Treatment.CostPeriod.PER_YEAR: "a year",
    Treatment.CostPeriod.PER_MONTH: "a month",
    Treatment.CostPeriod.PER_CYCLE: "one cycle",
    Treatment.CostPeriod.ONE_OFF: "the whole treatment",
}


def unlike_cost_periods(treatments):
    """
    "$100,000–$200,000 per year" beside "$1,000–$12,000 per cycle" looks
    like a choice between a dear and a cheap treatment; it is not one. When
    the costs given cover different lengths of time, a plain note says which
    is which and how to compare like with like; "" when they can be read
    across (one period, or a single cost).
    """
    periods = {}
    for treatment in treatments:
        if treatment.cost_range_display:
            in_words = COST_PERIOD_IN_WORDS.get(treatment.cost_period, "a length of time not given")
            periods.setdefault(in_words, []).append(treatment.title)
    if len(periods) < 2:
        return ""
    which = ", ".join(f"{period} for {_and_list(titles)}" for period, titles in periods.items())
    return (
        f"These costs are not for the same length of time: {which}. "
        "Ask your care team what your whole treatment would cost, to compare like with like."
    )


def _and_list(words):
    return " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"


# The notes some rows need to be read across: (row id → what works the note out from the treatments).
ROW_NOTES = {"cost": unlike_cost_periods}


def comparison_of(treatments):
    """
    What the comparison page shows, for treatments already read (with their
    reviewers): their points in one query however many there are.
    """
    points = {}
    for point in TreatmentPoint.objects.filter(treatment__in=treatments):
        points.setdefault(point.treatment_id, []).append(point)
    parts = {
        t.pk: PageParts(tags=[], points=points.get(t.pk, []), references=[], common_questions=[]) for t in treatments
    }
    rows = [
        Row(
            label,
            row_id,
            kind,
            [(t, show(t, parts[t.pk])) for t in treatments],
            note=ROW_NOTES[row_id](treatments) if row_id in ROW_NOTES else "",
        )
        for label, row_id, kind, show in COMPARED
    ]
    return Comparison(treatments=list(treatments), rows=rows)


@dataclass(frozen=True)
class PageParts:
    """What a treatment's page shows beside the treatment (Treatment.page_parts), grouped as the page groups it."""

    tags: list
    points: list
    references: list
    common_questions: list

    def points_of(self, kind):
        return [point for point in self.points if point.kind == kind]

    @property
    def pros(self):
        return self.points_of(TreatmentPoint.Kind.PRO)

    @property
    def cons(self):
        return self.points_of(TreatmentPoint.Kind.CON)

    @property
    def short_term_effects(self):
        return self.points_of(TreatmentPoint.Kind.SHORT_TERM)

    @property
    def long_term_effects(self):
        return self.points_of(TreatmentPoint.Kind.LONG_TERM)

    @property
    def cost_notes(self):
        return self.points_of(TreatmentPoint.Kind.COST)

    @property
    def return_on_investment(self):
        return self.points_of(TreatmentPoint.Kind.RETURN)

    @property
    def questions_to_ask(self):
        return self.points_of(TreatmentPoint.Kind.QUESTION)


@reversion.register()
class TreatmentPoint(models.Model):
    """One bullet of a structured list: a pro, a con, an effect, a cost note…"""

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


# The queries of a treatment page (Treatment.page_for and .page_parts), as ordinary querysets; core.queries runs them.
# The reviewer is read with the treatment: the page names them.
_PAGE_PUBLISHED = Precompiled(
    lambda slug: Treatment.objects.published(now=NOW).select_related("reviewed_by").filter(slug=slug),
    marker=TEXT_MARKER,
)
_PAGE_ANY_STATUS = Precompiled(
    lambda slug: Treatment.objects.select_related("reviewed_by").filter(slug=slug), marker=TEXT_MARKER
)
_PAGE_TAGS = Precompiled(lambda treatment: Tag.objects.filter(treatments=treatment))
_PAGE_POINTS = Precompiled(lambda treatment: TreatmentPoint.objects.filter(treatment=treatment))
_PAGE_REFERENCES = Precompiled(lambda treatment: Reference.objects.filter(treatment=treatment))
_PAGE_QUESTIONS = Precompiled(
    # The FAQ's questions link to treatments; the links show no answers, so those are not read. The
    # treatment's links are found first (a subquery): with the schedule's conditions beside it, SQLite
    # would otherwise read every published question to find them (22 ms instead of 1 at 10,000).
    lambda treatment: (
        Treatment.questions.rel.related_model.objects.published(now=NOW)
        .filter(pk__in=Treatment.questions.through.objects.filter(treatment=treatment).values("question_id"))
        .only("slug", "question")[:RELATED_QUESTIONS_SHOWN]
    )
)


@reversion.register()
class Reference(models.Model):
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


# A tag's name is in the search text of its treatments. A treatment's own paths refresh it
# (Treatment.refresh_from_rows), but tags also change from the other side and by cascade,
# which no save of a treatment sees: these receivers cover those.


@receiver(m2m_changed, sender=Treatment.tags.through, dispatch_uid="treatment-tags-search")
def _tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:
        instance._tagged = list(instance.treatments.values_list("pk", flat=True))
    if action in ("post_add", "post_remove", "post_clear"):
        if not reverse:
            refresh_search_rows([instance.pk])
        elif action == "post_clear":
            refresh_search_rows(getattr(instance, "_tagged", []))
        else:
            refresh_search_rows(pk_set or [])


@receiver(pre_delete, sender=Tag, dispatch_uid="tag-deleted-search-before")
def _tag_going(sender, instance, **kwargs):
    instance._tagged = list(instance.treatments.values_list("pk", flat=True))


@receiver(post_delete, sender=Tag, dispatch_uid="tag-deleted-search")
def _tag_gone(sender, instance, **kwargs):
    refresh_search_rows(getattr(instance, "_tagged", []))
