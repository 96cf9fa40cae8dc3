from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models import Prefetch
from django.utils.text import slugify
from markdownx.admin import MarkdownxModelAdmin

from core.admin import (
    CHECKBOX_MANY_TO_MANY,
    LabelledTabularInline,
    PublishActionsMixin,
    TranslatableAdmin,
    VersionedAdmin,
)
from core.markdown import render_markdown
from readability.grades import text_of_html
from review.admin import MedicalContentAdmin
from review.reading import ReadingLevelAdmin

from .models import Article, ArticleQuestion, Tag


class ArticleQuestionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        asked = set()
        for form in self.forms:
            question = form.cleaned_data.get("question") if form.cleaned_data else None
            if not question or form in self.deleted_forms:
                continue
            key = slugify(question)
            if key in asked:
                raise forms.ValidationError(f"“{question}” is asked twice: each question appears once in an article.")
            asked.add(key)


class ArticleQuestionInline(LabelledTabularInline):
    model = ArticleQuestion
    formset = ArticleQuestionFormSet
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})},
        models.CharField: {"widget": forms.TextInput(attrs={"size": 40})},
    }
    fields = ["question", "answer", "topic", "order"]
    extra = 1
    verbose_name_plural = "Common questions (expanders at the end of the article; a topic lists one in the FAQ too)"


@admin.register(Article)
class ArticleAdmin(
    TranslatableAdmin, ReadingLevelAdmin, MedicalContentAdmin, PublishActionsMixin, VersionedAdmin, MarkdownxModelAdmin
):
    formfield_overrides = {**MarkdownxModelAdmin.formfield_overrides, **CHECKBOX_MANY_TO_MANY}
    list_display = ["title", "status", "published_on", "updated_at", "next_review_due", "reading_level"]
    list_filter = ["status", "tags"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ArticleQuestionInline]
    readonly_fields = ["published_on", "published_at", "updated_at", "reading_panel"]
    raw_id_fields = ["next_article"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "status", "published_on", "updated_at"]}),
        ("Schedule", {"fields": ["go_live_at", "expires_at"]}),
        ("Picture", {"fields": ["hero_image", "hero_image_alt", "hero_image_credit"]}),
        ("The article", {"fields": ["body", "questions_heading"]}),
        ("Reading level", {"fields": ["reading_panel"]}),
        ("The appeal to give", {"fields": ["appeal", "appeal_campaign"]}),
        ("Medical review", {"fields": ["reviewed_by", "last_reviewed", "next_review_due", "review_interval_months"]}),
        ("Organisation", {"fields": ["tags", "related_treatments", "next_article", "source_id"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "summary":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80, "maxlength": 300})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.published_at:
            fields.append("slug")  # links to a published page must keep working
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.published_at:
            return {}
        return super().get_prepopulated_fields(request, obj)

    @admin.display(description="Reading grade (SMOG)", ordering="reading_grade")
    def reading_level(self, obj):
        if obj.language != settings.LANGUAGE_CODE:
            return "INFLESZ: on its form"  # SMOG is an English grade: a Spanish page's is not stored
        return obj.reading_grade

    class Media:
        # The reading panel follows the text as it is typed (review.reading); deferred, as the treatments' is.
        js = [forms.Script("js/admin-reading.js", defer=True)]

    graded_fields = ("summary", "body", "questions-*-answer")

    def draft_reading(self, data):
        answers = [text_of_html(render_markdown(answer)) for answer in self.graded_values(data, "questions-*-answer")]
        draft = Article(
            summary=data.get("summary", ""),
            body_html=render_markdown(data.get("body", "")),
            language=self.reading_language(data),
        )
        return draft.reading(answers), draft.reading_text(answers)

    def saved_reading(self, obj):
        return obj.reading(), obj.reading_text()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_from_rows()  # its questions and tags are saved by now


@admin.register(Tag)
class TagAdmin(VersionedAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
