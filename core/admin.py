from django.contrib import admin, messages
from django.db import models

# Editors paste addresses without a scheme ("www.cancer.gov/…"); the web is https.
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class PublishActionsMixin:
    """Publish / unpublish bulk actions for models with a draft/published `status`."""

    actions = ["publish", "unpublish"]

    @admin.action(description="Publish the selected items", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, self.model.Status.PUBLISHED, "published")

    @admin.action(description="Unpublish the selected items (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, self.model.Status.DRAFT, "moved back to draft")

    def _set_status(self, request, queryset, status, verb):
        changed = 0
        # Saved one by one so that save() runs (publishing stamps dates, renders
        # content) and the admin's history records who changed what.
        for item in queryset.exclude(status=status):
            item.status = status
            item.save()
            self.log_change(request, item, f"Status set to {item.get_status_display()} (bulk action).")
            changed += 1
        name = self.model._meta.verbose_name if changed == 1 else self.model._meta.verbose_name_plural
        self.message_user(request, f"{changed} {name} {verb}.", messages.SUCCESS)
