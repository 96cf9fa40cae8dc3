from django.contrib import admin

from core.admin import URL_FIELDS_ASSUME_HTTPS, VersionedAdmin

from .models import Term


@admin.register(Term)
class TermAdmin(VersionedAdmin):
    list_display = ["term", "other_forms", "definition", "updated_at"]
    search_fields = ["term", "other_forms", "definition"]
    prepopulated_fields = {"slug": ["term"]}
    readonly_fields = ["updated_at"]
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    fields = ["term", "slug", "other_forms", "definition", "link", "updated_at"]
