from django.contrib import admin

from core.admin import VersionedAdmin

from .models import Reviewer


@admin.register(Reviewer)
class ReviewerAdmin(VersionedAdmin):
    list_display = ["display_name", "credentials", "user"]
    search_fields = ["display_name", "credentials", "user__username"]
