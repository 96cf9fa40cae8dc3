"""
Questions patients ask, with answers staff have written and reviewed.

Answers are markdown rendered once on save through the one sanitising
renderer, and kept as plain text too, for JSON-LD and for search (the
database indexes the question and that text: search.results).
"""

import html

import reversion
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy
from markdownx.models import MarkdownxField

from core.markdown import no_alt_text_placeholder, renders_quickly
from core.models import (
    PublishableModel,
    PublishableQuerySet,
    RenderedContentModel,
    SlugFromTitle,
    TranslatableModel,
    TranslatableQuerySet,
)
from core.terms import without_definitions
from review.models import NOT_CONTENT, MedicalContent
from search.models import SearchableModel


class TopicQuerySet(TranslatableQuerySet):
    def public(self):
        """Topics the public may read: those with a published question (in the topic's language)."""
        return self.filter(Exists(Question.objects.published().filter(topic=OuterRef("pk"))))

    def with_published_questions(self):
        """
        Topics that have at least one published question in the page's language (an index probe each,
        not a join over all questions).
        """
        published = Question.objects.published().in_language().filter(topic=OuterRef("pk"))
        return self.filter(Exists(published))


@reversion.register()
class Topic(TranslatableModel, SlugFromTitle):
    page_view = "faq:topic"
    name = models.CharField(
        max_length=100,
        unique=True,
        help_text="A heading patients scan for, e.g. “Immunotherapy” or “Donating”.",
    )
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The topic's address: /faq/topic/this-slug/. Filled in from the name.",
    )
    order = models.PositiveIntegerField(default=0, help_text="Position on the FAQ page; lower numbers come first.")
    description = models.CharField(
        max_length=300,
        blank=True,
        help_text="One plain sentence shown under the topic's heading. Optional.",
    )

    slug_source = "name"

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.reverse_in_its_language(self.page_view, slug=self.slug)

    @property
    def anchor(self):
        return f"topic-{self.slug}"


class QuestionQuerySet(PublishableQuerySet):
    def in_page_order(self):
        return self.select_related("topic").order_by("topic__order", "topic__name", "order", "question")

    def first_per_topic(self, count):
        """
        Each topic's first `count` questions, in page order, in one query
        however many questions there are: the ranking runs over narrow rows
        (id, topic, order, question) and only the chosen rows are read whole.
        """
        ranked = (
            self.annotate(
                position=Window(
                    RowNumber(), partition_by=F("topic_id"), order_by=[F("order").asc(), F("question").asc()]
                )
            )
            .filter(position__lte=count)
            .values("pk")
        )
        return self.model.objects.filter(pk__in=ranked).in_page_order()

    def totals_per_topic(self):
        """{topic id: number of these questions}, counted from the index alone."""
        counts = self.order_by().values("topic").annotate(total=Count("pk"))
        return {row["topic"]: row["total"] for row in counts}


@reversion.register(exclude=NOT_CONTENT)  # publication and sign-off are not a version's to bring back
class Question(
    MedicalContent,
    TranslatableModel,
    PublishableModel,
    RenderedContentModel,
    SlugFromTitle,
    SearchableModel,
):
    page_view = "faq:question"
    slug_source = "question"
    markdown_fields = {"answer": "answer_html"}
    glossary_fields = ("answer_html",)
    page_content_fields = ("answer", "answer_html", "answer_text")

    question = models.CharField(
        max_length=300,
        help_text="The question as a patient would ask it, ending with a question mark.",
    )
    slug = models.SlugField(
        max_length=120,
        unique=True,
        help_text=(
            "The question's address: /faq/this-slug/ and its #anchor on the FAQ page. Filled in from the question."
        ),
    )
    answer = MarkdownxField(
        validators=[no_alt_text_placeholder, renders_quickly],
        help_text="A short, plain-language answer in markdown. Link to treatment pages where they help.",
    )
    answer_html = models.TextField(editable=False, blank=True)
    answer_text = models.TextField(editable=False, blank=True)
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        related_name="questions",
        help_text="The group this question appears under on the FAQ page.",
    )
    related_treatments = models.ManyToManyField(
        "treatments.Treatment",
        blank=True,
        related_name="questions",
        help_text="Treatment pages that should list this question under “Common questions”.",
    )
    order = models.PositiveIntegerField(default=0, help_text="Position within its topic; lower numbers come first.")

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["topic__order", "order", "question"]
        # Covers the FAQ page's ranking and counting, so neither reads whole answers.
        # (With the schedule, which published() checks.)
        indexes = [
            models.Index(
                fields=["status", "topic", "order", "question", "go_live_at", "expires_at"],
                name="question_page_order_live",
            )
        ]

    def clean(self):
        super().clean()
        topic = self.topic if self.topic_id is not None else None
        if topic is not None and topic.language != self.language:
            raise ValidationError(
                {
                    "topic": f"“{topic}” is a topic of the {topic.get_language_display()} pages: choose one in "
                    "the question's language."
                }
            )

    # What search reads (search.results): the question first, then the answer; the database indexes them.
    search_columns = ("question", "answer_text")
    search_label = gettext_lazy("Question")  # shown beside a result, in the page's language
    search_related = ("topic",)
    search_only = ("question", "slug", "topic__name")  # what a result shows

    def search_context(self):
        """Where the question sits, shown beside it in results (read with the result, or from the whole row)."""
        return getattr(self, "shown_context", None) or self.topic.name

    def __str__(self):
        return self.question

    review_template = "faq/includes/proposed_page.html"

    def review_context(self, version):
        """The question, its answer and the published treatments it links to, as `version` holds them."""
        question = self if version is None else version._object_version.object
        treatments = self._meta.get_field("related_treatments").related_model.objects.published()
        if version is None:
            linked = treatments.filter(questions=self)
        else:
            linked = treatments.filter(pk__in=version._object_version.m2m_data.get("related_treatments", []))
        return {"question": question, "related_treatments": linked.order_by("title")}

    @classmethod
    def source_field_names(cls):
        return [*super().source_field_names(), "question"]

    @classmethod
    def derived_field_names(cls):
        return [*super().derived_field_names(), "answer_text"]

    def refresh_derived_fields(self):
        """The answer as HTML, and as plain text for JSON-LD and for search."""
        super().refresh_derived_fields()
        self.answer_text = " ".join(html.unescape(strip_tags(without_definitions(self.answer_html))).split())

    def get_absolute_url(self):
        return self.reverse_in_its_language(self.page_view, slug=self.slug)


def topic_has_public_questions(slug):
    """
    Whether a topic's page exists for the public in the page's language: it lists a published question,
    or one a live article answers.
    """
    from articles.models import ArticleQuestion

    return (
        Question.objects.published().in_language().filter(topic__slug=slug).exists()
        or ArticleQuestion.objects.on_live_articles().filter(topic__slug=slug).exists()
    )


def faq_page_data(questions):
    """
    schema.org FAQPage for a page of a topic's questions, with the text shown on the page. Search engines
    ask for each question to be marked up once across a site: the topic's pages are that place (they
    hold every published question, each on one page), so no other page uses this.
    """
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": question.question,
                "acceptedAnswer": {"@type": "Answer", "text": question.answer_text},
            }
            for question in questions
        ],
    }
