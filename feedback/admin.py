from django.contrib import admin

from .models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """What readers said, newest first, with the counts for each page above the list. Read only."""

    list_display = ["created_at", "path_link", "answer", "comment"]
    list_filter = ["helpful", "created_at"]
    search_fields = ["path", "comment"]
    date_hierarchy = "created_at"
    change_list_template = "admin/feedback/feedback/change_list.html"
    PAGES_SHOWN = 30

    @admin.display(description="Page", ordering="path")
    def path_link(self, obj):
        from django.utils.html import format_html

        return format_html('<a href="{}">{}</a>', obj.path, obj.path)

    @admin.display(description="Helpful?", ordering="helpful", boolean=True)
    def answer(self, obj):
        return obj.helpful

    def changelist_view(self, request, extra_context=None):
        pages = Feedback.objects.per_page()[: self.PAGES_SHOWN]
        return super().changelist_view(request, {**(extra_context or {}), "pages": pages})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
