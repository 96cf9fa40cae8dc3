from django.contrib import admin
from django.db.models import Count, Q
from markdownx.admin import MarkdownxModelAdmin

from core.admin import CHECKBOX_MANY_TO_MANY, PublishActionsMixin, TranslatableAdmin, VersionedAdmin
from review.admin import MedicalContentAdmin

from .models import Question, Topic


class QuestionInline(admin.TabularInline):
    """The topic's questions at a glance; each opens in full with its link."""

    model = Question
    fields = ["question", "status", "order"]
    readonly_fields = ["question", "status"]
    ordering = ["order", "question"]
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # a question needs an answer: add it on the question form


@admin.register(Topic)
class TopicAdmin(TranslatableAdmin, VersionedAdmin):
    list_display = ["name", "order", "published_questions"]
    list_editable = ["order"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [QuestionInline]

    def get_queryset(self, request):
        published = Q(questions__status=Question.Status.PUBLISHED)
        return super().get_queryset(request).annotate(published_count=Count("questions", filter=published))

    @admin.display(description="Published questions", ordering="published_count")
    def published_questions(self, obj):
        return obj.published_count


@admin.register(Question)
class QuestionAdmin(TranslatableAdmin, MedicalContentAdmin, PublishActionsMixin, VersionedAdmin, MarkdownxModelAdmin):
    list_display = ["question", "topic", "order", "status", "updated_at"]
    list_display_links = ["question"]
    list_editable = ["order"]
    list_filter = ["topic", "status", "related_treatments"]
    list_select_related = ["topic"]
    search_fields = ["question", "answer"]
    ordering = ["topic__order", "topic__name", "order", "question"]
    prepopulated_fields = {"slug": ["question"]}
    formfield_overrides = {**MarkdownxModelAdmin.formfield_overrides, **CHECKBOX_MANY_TO_MANY}
    readonly_fields = ["updated_at"]
    fields = [
        "question",
        "slug",
        "topic",
        "order",
        "status",
        "go_live_at",
        "expires_at",
        "answer",
        "related_treatments",
        "reviewed_by",
        "last_reviewed",
        "next_review_due",
        "review_interval_months",
        "updated_at",
    ]
