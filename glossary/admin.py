from django.contrib import admin

from core.admin import URL_FIELDS_ASSUME_HTTPS, PublishActionsMixin, TranslatableAdmin, VersionedAdmin
from review.admin import MedicalContentAdmin

from .models import Term


@admin.register(Term)
class TermAdmin(TranslatableAdmin, MedicalContentAdmin, PublishActionsMixin, VersionedAdmin):
    """
    Terms are medical content: an editor's new term is a draft they submit for review, and their change to
    a published term waits for a medical reviewer (review.admin.MedicalContentAdmin). No go-live or expiry:
    a definition lives in the stored HTML of the pages that use it, which nothing renders again when a
    moment passes, so a term is public from its approval until it is taken back to draft.
    """

    list_display = ["term", "other_forms", "definition", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["term", "other_forms", "definition"]
    prepopulated_fields = {"slug": ["term"]}
    readonly_fields = ["updated_at"]
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    fields = [
        "term",
        "slug",
        "status",
        "other_forms",
        "definition",
        "link",
        "reviewed_by",
        "last_reviewed",
        "next_review_due",
        "review_interval_months",
        "updated_at",
    ]

    def save_model(self, request, obj, form, change):
        # A change kept for review is saved, then the approved row is put back (MedicalContentAdmin._propose,
        # which renders the pages again from it): the pages are never rendered from the change in between.
        obj._kept_for_review = change and self.proposes_changes(request, obj)
        super().save_model(request, obj, form, change)
