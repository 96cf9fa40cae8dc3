"""
Articles: the charity's longer writing (what a treatment is like to live with,
what research is finding), as medical content like the treatments: written by
editors, approved by a medical reviewer, reviewed again when due.

An article may end in common questions (`ArticleQuestion`, part of the
article: reviewed and versioned with it). The FAQ lists them under a topic
from the same rows, so there is one text to keep right. Its closing appeal is
the site's call to give, placed in the article, to the featured campaign or
one the editor chooses.
"""

import html

import reversion
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext_lazy
from markdownx.models import MarkdownxField

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
from core.terms import without_definitions
from core.versions import rows_in
from readability.grades import reading_in, stored_grades, text_of_html
from review.models import NOT_CONTENT, MedicalContent
from search.models import SearchableModel


@reversion.register()
class Tag(SlugFromTitle):
    name = models.CharField(
        max_length=60,
        unique=True,
        help_text="A short label readers can filter articles by, e.g. “Research” or “Living with cancer”.",
    )
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Used in the filter address /articles/?tag=…; filled in from the name.",
    )

    slug_source = "name"

    class Meta:
        ordering = ["name"]
        verbose_name = "article tag"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{fixed_url('articles:list')}?tag={self.slug}"

    def save(self, *args, **kwargs):
        renamed = self.pk is not None and not Tag.objects.filter(pk=self.pk, name=self.name).exists()
        super().save(*args, **kwargs)
        if renamed:  # search finds articles by their tags' names
            refresh_search_rows(self.articles.values_list("pk", flat=True))


class ArticleQuerySet(PublishableQuerySet):
    def newest_first(self):
        return self.order_by("-published_on", "-pk")


# Not content a version brings back: when the article first appeared is a fact of its publication.
NOT_ARTICLE_CONTENT = (*NOT_CONTENT, "published_on")


@reversion.register(
    follow=("questions",),
    exclude=(*NOT_ARTICLE_CONTENT, "reading_grade", "reading_grade_fk", "search_body", "search_rows"),
)
class Article(
    MedicalContent,
    TranslatableModel,
    PublishableModel,
    HeroImageModel,
    RenderedContentModel,
    SlugFromTitle,
    SearchableModel,
):
    page_view = "articles:detail"
    hero_image_folder = "articles"
    markdown_fields = {"body": "body_html", "appeal": "appeal_html"}
    glossary_fields = ("body_html",)
    reserved_slugs = frozenset({"feed"})
    kept_on_revert = NOT_ARTICLE_CONTENT
    page_content_fields = (
        *("summary", "body", "body_html", "questions_heading", "appeal", "appeal_html", "search_body", "search_rows"),
        *("reading_grade", "reading_grade_fk", "hero_image_credit", "appeal_campaign", "source_id"),
    )

    title = models.CharField(max_length=160, help_text="The article's headline, in plain words.")
    slug = models.SlugField(
        max_length=120,
        unique=True,
        help_text=(
            "The page address: /articles/this-slug/. Filled in from the title; "
            "it cannot change once the article has been published, so links keep working."
        ),
    )
    summary = models.TextField(
        max_length=300,
        help_text=(
            "One or two plain sentences (at most 300 characters) saying what the article is about. "
            "Shown in lists, in the feed and to search engines. No markdown."
        ),
    )
    body = MarkdownxField(
        validators=[no_alt_text_placeholder, renders_quickly],
        help_text=(
            "The article in markdown, with ## headings for its sections. Its common questions, and "
            "its closing appeal to give, have their own fields below."
        ),
    )
    body_html = models.TextField(editable=False, blank=True)
    questions_heading = models.CharField(
        max_length=120,
        blank=True,
        help_text="The heading over the article's common questions. Empty: “Common questions”.",
    )
    appeal = MarkdownxField(
        "appeal to give",
        validators=[renders_quickly],
        blank=True,
        help_text=(
            "Optional: the article's closing words asking readers to support the charity. Shown with the "
            "Donate button at the end of the article, which leads to the campaign below."
        ),
    )
    appeal_html = models.TextField(editable=False, blank=True)
    appeal_campaign = models.ForeignKey(
        "donations.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The campaign the article's Donate button leads to. Empty: the featured campaign.",
    )
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="articles", help_text="Labels readers can filter the articles by."
    )
    related_treatments = models.ManyToManyField(
        "treatments.Treatment",
        blank=True,
        related_name="articles",
        help_text="Treatment pages the article is about: it links to them at its end.",
    )
    next_article = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="previous_articles",
        help_text="Optional: the article to read next, for a series. Shown only while that article is public.",
    )
    published_on = models.DateField(
        "first published",
        null=True,
        blank=True,
        editable=False,
        help_text="The date the article first appeared: its first publication here, or the date its file gives.",
    )
    hero_image_credit = models.CharField(
        max_length=200, blank=True, help_text="Optional photographer or source credit shown under the picture."
    )
    search_body = models.TextField(
        editable=False, blank=True, help_text="The body as plain text, for search (worked out on every save)."
    )
    search_rows = models.TextField(
        editable=False,
        blank=True,
        help_text="The tags' names and the questions and answers, for search (worked out whenever they change).",
    )
    reading_grade = models.FloatField(
        "reading grade (SMOG)",
        null=True,
        blank=True,
        editable=False,
        help_text="How hard the summary, body and answers are to read, as a school grade; worked out on every save.",
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
        help_text="The id of the organisation's file this article was imported from; re-importing it updates this.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-pk"]
        # The list is of one language, newest first: a page of it is read from the index, with the schedule
        # published() checks.
        indexes = [
            models.Index(
                fields=["language", "status", "-published_on", "-id", "go_live_at", "expires_at"],
                name="article_language_newest",
            )
        ]
        constraints = [
            # A file's id names one page in each language: the English page and its translations.
            models.UniqueConstraint(
                fields=["source_id", "language"], condition=~models.Q(source_id=""), name="article_unique_source_id"
            ),
        ]

    # What search reads (search.results): the title first, then the text; the database indexes them.
    search_columns = ("title", "summary", "search_body", "search_rows")
    search_label = gettext_lazy("Article")  # shown beside a result, in the page's language
    search_related = ()
    search_only = ("title", "slug")

    review_template = "articles/includes/proposed_page.html"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.reverse_in_its_language(self.page_view, slug=self.slug)

    def save(self, *args, update_fields=None, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_on is None:
            self.published_on = timezone.localdate()
            if update_fields is not None:
                update_fields = {*update_fields, "published_on"}
        super().save(*args, update_fields=update_fields, **kwargs)

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

    def after_rows_restored(self):
        self.refresh_derived_fields()
        self.refresh_from_rows(also=self.derived_field_names())

    def clean(self):
        errors = {}
        if self.pk is not None and self.next_article_id == self.pk:
            errors["next_article"] = "An article cannot be the next one after itself."
        published = self.published_address()
        if published and published != self.slug:
            errors["slug"] = (
                f"This article has been published at /articles/{published}/; "
                "its address cannot change, so that links to it keep working."
            )
        raise_with(errors, super().clean)

    def published_address(self):
        """The slug this article was published at ("" if never published): it may not change."""
        if self.pk is None:
            return ""
        stored = Article.objects.filter(pk=self.pk).values("slug", "published_at").first()
        return stored["slug"] if stored and stored["published_at"] else ""

    # What is worked out from the rows beside the article --------------------------------

    def reading_text(self, answers=None):
        """The text a reader reads: summary, body and the answers to its questions."""
        if answers is None:
            answers = [text_of_html(html) for html in self.questions.values_list("answer_html", flat=True)]
        return "\n".join([self.summary, text_of_html(self.body_html), *answers])

    def reading(self, answers=None):
        return reading_in(self.reading_text(answers), self.language)

    def refresh_from_rows(self, also=()):
        """
        The reading grades and the search text, worked out from the article, its questions and its tags
        once they are all saved (the questions and tags are rows of their own). Every path that writes
        them comes here: the admin, the importer, reverts, and a tag's rename through refresh_search_rows.
        """
        questions = list(self.questions.values_list("question", "answer_text"))
        reading = self.reading([answer for _, answer in questions])
        self.reading_grade, self.reading_grade_fk = stored_grades(reading)  # English grades: none for Spanish
        self.search_body = text_of_html(self.body_html)
        self.search_rows = _rows_text(list(self.tags.values_list("name", flat=True)), questions)
        names = {"reading_grade", "reading_grade_fk", "search_body", "search_rows", *also}
        type(self)._base_manager.filter(pk=self.pk).update(**{name: getattr(self, name) for name in names})

    # The page ---------------------------------------------------------------------------------

    def review_context(self, version):
        """The article and its questions as `version` holds them (None: as they are now)."""
        if version is None:
            return {"article": self, "questions": list(self.questions.all()), "tags": list(self.tags.all())}
        held = version._object_version
        tags = Tag.objects.filter(pk__in=held.m2m_data.get("tags", [])).order_by("name")
        return {"article": held.object, "questions": rows_in(version)["questions"], "tags": list(tags)}

    def structured_data(self, page_url, organisation, treatments=(), image_url=""):
        """
        schema.org: a MedicalWebPage (it names its medical reviewer) about breast cancer and the treatments
        the article covers, whose main entity is the Article, with its dates and the charity as author and
        publisher.
        """
        article = {
            "@type": "Article",
            "headline": self.title,
            "description": self.summary,
            "datePublished": self.published_on.isoformat() if self.published_on else None,
            "dateModified": self.updated_at.isoformat() if self.updated_at else None,
            "author": organisation,
            "publisher": organisation,
            "image": image_url or None,
            "mainEntityOfPage": page_url,
        }
        data = {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "name": self.title,
            "url": page_url,
            "about": [
                {"@type": "MedicalCondition", "name": "Breast cancer"},
                *({"@type": "MedicalTherapy", "name": treatment.title} for treatment in treatments),
            ],
            "mainEntity": {key: value for key, value in article.items() if value is not None},
            **self.review_structured_data(),
        }
        return data


def _rows_text(tags, questions):
    """The tags' names and the questions with their answers, in one order whichever path wrote them."""
    lines = sorted(tags, key=str.casefold)
    for question, answer in sorted(questions, key=lambda pair: pair[0].casefold()):
        lines += [question, answer]
    return "\n".join(lines)


def refresh_search_rows(article_pks):
    """The search text of these articles' tags and questions, worked out again (two queries and an update)."""
    pks = list(article_pks)
    if not pks:
        return
    tags, questions = {}, {}
    for pk, name in Article.tags.through.objects.filter(article__in=pks).values_list("article", "tag__name"):
        tags.setdefault(pk, []).append(name)
    for pk, question, answer in ArticleQuestion.objects.filter(article__in=pks).values_list(
        "article", "question", "answer_text"
    ):
        questions.setdefault(pk, []).append((question, answer))
    rows = [Article(pk=pk, search_rows=_rows_text(tags.get(pk, []), questions.get(pk, []))) for pk in pks]
    Article._base_manager.bulk_update(rows, ["search_rows"])


class ArticleQuestionQuerySet(models.QuerySet):
    def on_live_articles(self):
        """Questions whose article the public can read now, in the page's language: what the FAQ may list."""
        return self.filter(article__in=Article.objects.published().in_language().values("pk"))

    def for_listing(self):
        """What a list of them shows: the question, its answer and its article's address; newest articles first."""
        fields = ("question", "answer_html", "order", "topic", "article__slug", "article__title")
        return self.select_related("article").only(*fields).order_by("-article__published_on", "-article_id", "order")


@reversion.register()
class ArticleQuestion(RenderedContentModel):
    """
    One of an article's common questions, answered. Part of the article (reviewed, versioned and
    published with it); the FAQ lists it under its topic from this same row.
    """

    # Not only part of its article's pages: the FAQ lists it too, so it has its own tag (pagecache.tags). Its
    # words change only what pages show; a new topic, order or article moves it between lists.
    page_content_fields = ("question", "answer", "answer_html", "answer_text", "rendered_with")
    markdown_fields = {"answer": "answer_html"}
    glossary_fields = ("answer_html",)

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="questions", help_text="The article that answers it."
    )
    question = models.CharField(
        max_length=300, help_text="The question as a reader would ask it, ending with a question mark."
    )
    answer = MarkdownxField(
        validators=[no_alt_text_placeholder, renders_quickly],
        help_text="A short, plain-language answer in markdown.",
    )
    answer_html = models.TextField(editable=False, blank=True)
    answer_text = models.TextField(editable=False, blank=True)
    topic = models.ForeignKey(
        "faq.Topic",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="article_questions",
        help_text="Optional: the FAQ topic that also lists this question (with a link to the article).",
    )
    order = models.PositiveIntegerField(default=0, help_text="Position among the article's questions.")

    objects = ArticleQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "common question"

    def __str__(self):
        # Whole: a version's diff names changed rows by this, and a reviewer must read every word.
        return f"{self.question} {self.answer}"

    @property
    def anchor(self):
        """Its id on the article's page: made from its words, so that links to it survive a re-import."""
        return f"q-{slugify(self.question)[:80]}"

    def written_in(self):
        return self.article.language

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    def clean(self):
        super().clean()
        if self.question and not self.question.rstrip().endswith("?"):
            raise ValidationError({"question": "Write it as a question, ending with a question mark."})

    @classmethod
    def derived_field_names(cls):
        return [*super().derived_field_names(), "answer_text"]

    def refresh_derived_fields(self):
        super().refresh_derived_fields()
        self.answer_text = " ".join(html.unescape(strip_tags(without_definitions(self.answer_html))).split())
