from django import forms
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


class LabelledTabularInline(admin.TabularInline):
    """
    A tabular inline whose inputs each have an accessible name. Django labels
    the columns with table headers only, which screen readers do not tie to
    the inputs (axe: "Form elements must have labels").
    """

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        item = self.model._meta.verbose_name

        class Labelled(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                number = "new" if index is None else index + 1
                for name, field in form.fields.items():
                    label = "Delete" if name == "DELETE" else str(field.label or name).capitalize()
                    field.widget.attrs.setdefault("aria-label", f"{label}, {item} {number}")

        return Labelled


# Tags and related pages: a plain list of checkboxes, which every screen
# reader handles, instead of the two-box JavaScript picker.
CHECKBOX_MANY_TO_MANY = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
