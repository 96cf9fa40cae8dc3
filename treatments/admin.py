from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from markdownx.admin import MarkdownxModelAdmin

from core.admin import (
    CHECKBOX_MANY_TO_MANY,
    URL_FIELDS_ASSUME_HTTPS,
    LabelledTabularInline,
    PublishActionsMixin,
    TranslatableAdmin,
    VersionedAdmin,
)
from core.markdown import render_markdown
from review.admin import MedicalContentAdmin
from review.reading import ReadingLevelAdmin

from .models import Reference, Tag, Treatment, TreatmentPoint


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Review overdue"), ("current", "Review up to date"), ("unset", "No review date")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.review_overdue(today)
        if self.value() == "current":
            return queryset.filter(next_review_due__gte=today)
        if self.value() == "unset":
            return queryset.filter(next_review_due__isnull=True)
        return queryset


class TreatmentChangeList(ChangeList):
    """The list of treatments reads every row's tags in one query (the change form needs none of that)."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))


class TreatmentPointInline(LabelledTabularInline):
    model = TreatmentPoint
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}
    fields = ["kind", "text", "order"]
    extra = 1
    ordering = ["kind", "order", "id"]
    verbose_name = "point"
    verbose_name_plural = (
        "Points: pros, cons, effects, cost notes and return on investment (grouped by kind, then order)"
    )


class ReferenceInline(LabelledTabularInline):
    model = Reference
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    fields = ["title", "url", "order"]
    extra = 1


class HardToReadFilter(admin.SimpleListFilter):
    title = "reading level"
    parameter_name = "reading"

    def lookups(self, request, model_admin):
        target = settings.RIBBON_READING_GRADE_TARGET
        return [("hard", f"Hard to read (SMOG above {target})"), ("ok", "Within the target"), ("none", "Not graded")]

    def queryset(self, request, queryset):
        target = settings.RIBBON_READING_GRADE_TARGET
        if self.value():  # SMOG grades English pages only: a Spanish page's is read on its form (INFLESZ)
            queryset = queryset.filter(language=settings.LANGUAGE_CODE)
        if self.value() == "hard":
            return queryset.filter(reading_grade__gt=target)
        if self.value() == "ok":
            return queryset.filter(reading_grade__lte=target)
        if self.value() == "none":
            return queryset.filter(reading_grade__isnull=True)
        return queryset


@admin.register(Treatment)
class TreatmentAdmin(
    TranslatableAdmin, ReadingLevelAdmin, MedicalContentAdmin, PublishActionsMixin, VersionedAdmin, MarkdownxModelAdmin
):
    formfield_overrides = {
        **MarkdownxModelAdmin.formfield_overrides,
        **URL_FIELDS_ASSUME_HTTPS,
        **CHECKBOX_MANY_TO_MANY,
    }
    list_display = ["title", "status", "tag_list", "updated_at", "next_review", "reading_level"]
    list_filter = ["status", "tags", ReviewOverdueFilter, HardToReadFilter]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [TreatmentPointInline, ReferenceInline]
    readonly_fields = ["hero_image_preview", "published_at", "updated_at", "related_questions", "reading_panel"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "suited_to", "status", "published_at", "updated_at"]}),
        ("Schedule", {"fields": ["go_live_at", "expires_at"]}),
        (
            "Picture",
            {
                "fields": [
                    "hero_image",
                    "hero_image_preview",
                    "hero_image_alt",
                    "hero_image_credit",
                    "hero_image_source_url",
                ]
            },
        ),
        ("What it is", {"fields": ["body"]}),
        ("Reading level", {"fields": ["reading_panel"]}),
        ("Cost", {"fields": ["cost_min", "cost_max", "cost_currency", "cost_period"]}),
        ("Medical review", {"fields": ["reviewed_by", "last_reviewed", "next_review_due", "review_interval_months"]}),
        ("Organisation", {"fields": ["tags", "source_id", "related_questions"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "summary":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80, "maxlength": 300})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_changelist(self, request, **kwargs):
        return TreatmentChangeList

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.published_at:
            fields.append("slug")  # links to a published page must keep working
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.published_at:
            return {}
        return super().get_prepopulated_fields(request, obj)

    @admin.display(description="Tags")
    def tag_list(self, obj):
        return ", ".join(tag.name for tag in obj.tags.all())

    @admin.display(description="Next review due", ordering="next_review_due")
    def next_review(self, obj):
        if obj.next_review_due is None:
            return "Not set"
        when = date_format(obj.next_review_due, "j M Y")
        if obj.next_review_due < timezone.localdate():
            return format_html("{} <strong>(overdue)</strong>", when)
        return when

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        points = next(formset for formset in formsets if formset.model is TreatmentPoint)
        kept = [
            row.instance.text
            for row in points.forms
            if row.instance.pk is not None and row not in points.deleted_forms and row.instance.text
        ]
        tags = [tag.name for tag in form.cleaned_data["tags"]] if "tags" in form.cleaned_data else None
        form.instance.refresh_from_rows(points=kept, tags=tags)  # the points and tags are saved by now

    @admin.display(description="Reading grade (SMOG)", ordering="reading_grade")
    def reading_level(self, obj):
        if obj.language != settings.LANGUAGE_CODE:
            return "INFLESZ: on its form"  # SMOG is an English grade: a Spanish page's is not stored
        if obj.reading_grade is None:
            return "Not graded"
        if obj.reading_grade > settings.RIBBON_READING_GRADE_TARGET:
            return format_html("{} <strong>(hard to read)</strong>", obj.reading_grade)
        return obj.reading_grade

    class Media:
        # The reading panel follows the text as it is typed (review.reading). Deferred: the admin puts its
        # media in the page's head, and the script needs the form and its panel, which come later.
        js = [forms.Script("js/admin-reading.js", defer=True)]

    graded_fields = ("summary", "suited_to", "body", "points-*-text")

    def draft_reading(self, data):
        points = self.graded_values(data, "points-*-text")
        draft = Treatment(
            summary=data.get("summary", ""),
            suited_to=data.get("suited_to", ""),
            body_html=render_markdown(data.get("body", "")),
            language=self.reading_language(data),
        )
        return draft.reading(points=points), draft.reading_text(points)

    def saved_reading(self, obj):
        points = list(obj.points.values_list("text", flat=True))
        return obj.reading(points), obj.reading_text(points)

    @admin.display(description="Related questions")
    def related_questions(self, obj):
        questions = obj.questions.order_by("question") if obj and obj.pk else []
        if not questions:
            return "No questions are linked to this treatment yet (link them from a question's page)."
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:faq_question_change", args=[question.pk]),
                    question.question,
                    question.get_status_display(),
                )
                for question in questions
            ),
        )

    @admin.display(description="Current picture")
    def hero_image_preview(self, obj):
        if not obj or not obj.hero_image:
            return "No picture uploaded."
        return format_html(
            '<img src="{}" alt="{}" width="240">',
            obj.hero_thumbnail_url or obj.hero_image.url,
            obj.hero_image_alt,
        )


@admin.register(Tag)
class TagAdmin(VersionedAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
