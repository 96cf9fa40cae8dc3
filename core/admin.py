import logging
from difflib import SequenceMatcher
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from markdownx.models import MarkdownxField
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin
from reversion_compare.forms import SelectDiffForm

from core.fields import MarkdownFormField, TextFormField
from core.models import PublishStatus, RecentChange
from core.versions import followed_relations, revert_page, rows_in

# Refused attempts on medical sign-off and on versions: one line each, with who and what.
refusals = logging.getLogger("ribbon.review")

# Editors paste addresses without a scheme ("www.cancer.gov/…"); the web is https.
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class TranslatableAdmin:
    """
    The admin of content written in one language (core.models.TranslatableModel): its language and, for a
    translation, the English page it translates, chosen when the page is made and shown after that (they
    are its address and its family: changing them would move it under another language's address). Its
    list shows each row's language and filters by it.
    """

    language_fields = ["language", "translation_of"]

    def get_fieldsets(self, request, obj=None):
        others = [
            (name, {**options, "fields": [field for field in options["fields"] if field not in self.language_fields]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        return [("Language", {"fields": self.language_fields}), *others]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + self.language_fields if obj is not None else fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "language" and field is not None:
            # A form that leaves it out or empty (a script's) makes a page in the site's language.
            field.required, field.empty_value = False, settings.LANGUAGE_CODE
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "translation_of":
            # English pages the public reads, and only those with a language left to translate them into.
            others = len(settings.LANGUAGES) - 1
            pages = self.model._default_manager.in_language(settings.LANGUAGE_CODE).public()
            translated = models.Count("translations__language", distinct=True)
            kwargs["queryset"] = pages.alias(translated=translated).filter(translated__lt=others)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_display(self, request):
        return [*super().get_list_display(request), "language"]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), "language"]


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
        self.report_changed(request, changed, verb)

    def report_changed(self, request, changed, verb):
        name = self.model._meta.verbose_name if changed == 1 else self.model._meta.verbose_name_plural
        self.message_user(request, f"{changed} {name} {verb}.", messages.SUCCESS)


class ReadableFields:
    """
    Admin fields as people use them: text areas keep LF line ends whatever the
    browser sends (core.fields.TextFormField), and each box of a date-and-time
    pair has its own accessible name.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.TextField) and db_field.editable and "form_class" not in kwargs:
            kwargs["form_class"] = MarkdownFormField if isinstance(db_field, MarkdownxField) else TextFormField
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and formfield is not None:
            # Django's date-and-time pair has one label for two boxes: each box gets its own name.
            parts = getattr(formfield.widget, "widgets", None) or getattr(
                getattr(formfield.widget, "widget", None), "widgets", ()
            )
            label = capfirst(db_field.verbose_name)
            for part, what in zip(parts, ("date", "time"), strict=False):
                part.attrs.setdefault("aria-label", f"{label}: {what}")
        return formfield


class LoadedRowField(forms.ModelChoiceField):
    """
    The hidden id of an inline row, checked against the rows the formset has
    already loaded. Django's own field asks the database once per row, so a
    treatment with 8 points cost 8 queries more on every save; these rows are
    also only ever the parent's own.
    """

    def __init__(self, *args, loaded_row, **kwargs):
        super().__init__(*args, **kwargs)
        self.loaded_row = loaded_row

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            row = self.loaded_row(self.queryset.model._meta.pk.to_python(value))
        except ValidationError:
            row = None
        if row is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return row


class LabelledTabularInline(ReadableFields, admin.TabularInline):
    """
    A tabular inline whose inputs each have an accessible name. Django labels
    the columns with table headers only, which screen readers do not tie to
    the inputs (axe: "Form elements must have labels"). Row ids are checked
    without a query per row (LoadedRowField).
    """

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        item = self.model._meta.verbose_name

        class Labelled(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                pk_name = self._pk_field.name
                original = form.fields.get(pk_name)
                if type(original) is forms.ModelChoiceField:
                    form.fields[pk_name] = LoadedRowField(
                        original.queryset,
                        initial=original.initial,
                        required=False,
                        widget=original.widget,
                        loaded_row=self._existing_object,
                    )
                number = "new" if index is None else index + 1
                for name, field in form.fields.items():
                    label = "Delete" if name == "DELETE" else str(field.label or name).capitalize()
                    field.widget.attrs.setdefault("aria-label", f"{label}, {item} {number}")

        return Labelled


# Tags and related pages: a plain list of checkboxes, which every screen
# reader handles, instead of the two-box JavaScript picker.
CHECKBOX_MANY_TO_MANY = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}


class VersionedAdmin(ReadableFields, CompareVersionAdmin):
    """
    Every save through the admin is kept as a version (django-reversion) with
    its user and change message; the history page lists them newest first,
    compares any two (django-reversion-compare), reverts to one as a new
    version, and lists deleted rows at /recover/ to bring back whole. Which
    inline rows a version holds is declared on the model (reversion.register).
    """

    history_latest_first = True
    revision_form_template = "admin/core/revision_form.html"
    recover_form_template = "admin/core/recover_form.html"

    change_form_template = "admin/core/change_form.html"

    # No lost updates: the change form carries the version it was opened on; if
    # someone saved in between, nothing is saved and the editor is told who, when
    # and what, with their own input still in the form to merge and save again.

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            latest = Version.objects.get_for_object(obj).values_list("pk", flat=True).first()
            context["based_on_version"] = latest or ""
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        match = getattr(request, "resolver_match", None)
        on_change_page = match is not None and (match.url_name or "").endswith("_change")
        if obj is None or obj.pk is None or request.method != "POST" or not on_change_page:
            return form_class  # adding, or a revert/recovery (which starts from the version it shows)
        admin_ = self

        class SavedInBetweenCheck(form_class):
            def clean(self):
                cleaned = super().clean()
                # A form without the version it was opened on is treated as opened on none: refused if any exists.
                admin_.check_not_saved_since(obj, request.POST.get("based_on_version", ""))
                return cleaned

        return SavedInBetweenCheck

    def check_not_saved_since(self, obj, seen_version):
        """Raise a ValidationError naming who saved `obj` after version `seen_version`, and what they changed."""
        # The row stays locked until this save commits (PostgreSQL), so two saves cannot both pass.
        type(obj)._default_manager.select_for_update().filter(pk=obj.pk).exists()
        latest = Version.objects.get_for_object(obj).select_related("revision__user").first()
        if latest is None or str(latest.pk) == str(seen_version):
            return
        revision = latest.revision
        user = revision.user
        who = (user.get_full_name() or user.get_username()) if user else "An import"
        when = date_format(timezone.localtime(revision.date_created), "DATETIME_FORMAT")
        what = revision.get_comment() or "no description"
        raise ValidationError(
            f"{who} saved this {obj._meta.verbose_name} at {when}, after you opened it ({what}). Nothing of "
            "yours was saved, and your changes are still below: compare them with the page as it is now "
            "(History), keep what both of you meant, and save again."
        )

    def compare(self, obj, version1, version2):
        """
        What changed between two versions, field by field (django-reversion-compare), put right
        in two ways. The inline rows a version follows (a treatment's points and references) are
        compared as each version holds them, every row in page order with the changed ones among
        those that stay: the library finds the rows from the database as it is now, so it missed a
        row a pending change adds. And instead of the library's flag, the second value names the
        fields shown that are kept by reference (tags): empty when no such field is shown.
        """
        shown, _ = super().compare(obj, version1, version2)
        followed = followed_relations(self.model)
        shown = [entry for entry in shown if entry["field"] not in followed]
        before, after = rows_in(version1), rows_in(version2)
        for relation in followed:
            name = relation.get_accessor_name()
            old, new = ([str(row) for row in held.get(name, [])] for held in (before, after))
            if old != new:
                shown.append({"field": relation, "is_related": True, "follow": True, "diff": _rows_diff(old, new)})
        marked = [_label(entry["field"]) for entry in shown if entry["is_related"] and not entry["follow"]]
        return shown, marked

    def saves_between(self, object_id, earlier_pk, later_pk):
        """The saves that led from one version of the page to a later one: their versions, newest first."""
        versions = Version.objects.get_for_object_reference(self.model, object_id)
        return versions.filter(pk__gt=earlier_pk, pk__lte=later_pk).select_related("revision__user")

    def compare_view(self, request, object_id, extra_context=None):
        chosen = SelectDiffForm(request.GET)
        context = dict(extra_context or {})
        if chosen.is_valid():  # if not, the library answers 404
            earlier, later = sorted((chosen.cleaned_data["version_id1"], chosen.cleaned_data["version_id2"]))
            context["saves"] = self.saves_between(unquote(object_id), earlier, later)
        return super().compare_view(request, object_id, context)

    def _publication_fields(self):
        """
        What a revert or recovery leaves as it is: publication, and what a model adds
        (`kept_on_revert`: a medical page's sign-off). Column names, for update().
        """
        kept = getattr(self.model, "kept_on_revert", ("status", "published_at"))
        return [field.attname for field in self.model._meta.concrete_fields if field.name in kept]

    def keep_publication(self, request, object_id):
        """Remember, for this request, what a revert must leave as it is (see changeform_view); returns it."""
        fields = self._publication_fields()
        current = self.model._default_manager.filter(pk=unquote(object_id)).values(*fields).first() if fields else None
        request.ribbon_kept_publication = current
        return current

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Revert to a version, keeping whether (and since when) the page is published: not a revert's to change."""
        current = self.keep_publication(request, object_id)
        context = {"kept_status": current and current.get("status"), **(extra_context or {})}
        return super().revision_view(request, object_id, version_id, context)

    def recover_view(self, request, version_id, extra_context=None):
        """Bring back a deleted item whole, but as a draft: recovering never publishes a page."""
        fields = self._publication_fields()
        if "status" in fields:
            kept = dict.fromkeys(fields)
            kept["status"] = PublishStatus.DRAFT
            request.ribbon_kept_publication = kept
        return super().recover_view(request, version_id, extra_context)

    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        """
        Every revert and recovery comes here, from django-reversion's views, which look a
        version up by its id alone (any model's, any page's): so this is where a version
        that is not of this admin's model is refused, before anything is written.
        """
        recovering = bool((extra_context or {}).get("recover"))
        if not self.may_restore(version, recovering):
            user = request.user.get_username() or "an anonymous visitor"
            what = "recover" if recovering else "revert to"
            refusals.warning(
                "Refused: %s asked %s to %s version %s (%s %s), which is not %s.",
                user, request.path, what, version.pk, version.content_type.model, version.object_id,
                "a deleted one of its own" if recovering else "one of its own",
            )  # fmt: skip
            raise Http404("There is no such version of this page.")
        # django-reversion reverts the version's whole revision, which may hold other pages
        # (a bulk action, an FAQ file, the demo content, tags an import made): bring back
        # this page only (core.versions). The revision is this request's own object.
        version.revision.revert = lambda delete=False: revert_page(version, delete=delete)
        return self.restore(request, version, template_name, extra_context)

    def may_restore(self, version, recovering):
        """
        A version of this admin's own model: for a recovery, of a row that has been
        deleted; for a revert, of the row named in the address (django-reversion checks
        the id; here, that it is a row of this model that exists).
        """
        if version.content_type_id != ContentType.objects.get_for_model(self.model).pk:
            return False
        exists = self.model._default_manager.filter(pk=version.object_id).exists()
        return not exists if recovering else exists

    def restore(self, request, version, template_name, extra_context=None):
        """Show the version in the change form, and on POST save it as the page (a subclass may save it otherwise)."""
        return super()._reversion_revisionform_view(request, version, template_name, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Inside a revert or recovery the rows already hold the old version (django-reversion
        # reverts them, then shows this form); put the publication back before the form reads it.
        kept = getattr(request, "ribbon_kept_publication", None)
        if kept and object_id:
            self.model._default_manager.filter(pk=unquote(object_id)).update(**kept)
        return super().changeform_view(request, object_id, form_url, extra_context)


def _rows_diff(old, new):
    """
    Two versions' rows (each as its text), every row of the later one in order: a row
    that stays is plain; a row removed or added is whole, struck through or highlighted,
    and said in words, so that each old and new sentence can be read in full.
    """
    lines = []
    for change, old_from, old_to, new_from, new_to in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if change == "equal":
            lines += [format_html("<li>{}</li>", row) for row in new[new_from:new_to]]
            continue
        lines += [format_html("<li>Removed: <del>{}</del></li>", row) for row in old[old_from:old_to]]
        lines += [format_html("<li>Added: <ins>{}</ins></li>", row) for row in new[new_from:new_to]]
    return format_html('<ul class="row-diff">{}</ul>', mark_safe("".join(lines)))


def _label(field):
    """A field's name as the diff's headings give it (a reverse relation has no verbose name, only its own)."""
    return capfirst(getattr(field, "verbose_name", None) or field.get_accessor_name())


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records of what happened (clicks, versions): shown in the admin, never added, edited or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RecentChange)
class RecentChangesAdmin(ReadOnlyAdmin):
    """
    The audit trail: every version of every page across the site, newest
    first, filterable by person, kind of content and date, each linking to
    what it changed. Read-only for all staff; versions are never edited here.
    """

    list_display = ["saved_at", "saved_by", "kind", "page", "what_changed", "changes"]
    list_filter = ["revision__user", "content_type", ("revision__date_created", admin.DateFieldListFilter)]
    list_select_related = ["revision__user", "content_type"]
    list_per_page = 50
    ordering = ["-pk"]

    def versioned_content_types(self):
        """The kinds of content with pages of their own in the admin (not their inline rows)."""
        from django.contrib.contenttypes.models import ContentType

        models_ = [
            model for model, model_admin in self.admin_site._registry.items() if isinstance(model_admin, VersionedAdmin)
        ]
        return ContentType.objects.get_for_models(*models_).values()

    def get_queryset(self, request):
        earlier = Version.objects.filter(
            content_type=OuterRef("content_type"), object_id=OuterRef("object_id"), pk__lt=OuterRef("pk")
        ).order_by("-pk")
        return (
            super()
            .get_queryset(request)
            .filter(content_type__in=self.versioned_content_types())
            .annotate(previous_version=Subquery(earlier.values("pk")[:1]))
        )

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @admin.display(description="Saved", ordering="revision__date_created")
    def saved_at(self, version):
        return version.revision.date_created

    @admin.display(description="By", ordering="revision__user")
    def saved_by(self, version):
        user = version.revision.user
        return (user.get_full_name() or user.get_username()) if user else "an import or command"

    @admin.display(description="Kind", ordering="content_type")
    def kind(self, version):
        return capfirst(version.content_type.name)

    @admin.display(description="Page")
    def page(self, version):
        app, model = version.content_type.app_label, version.content_type.model
        try:
            url = reverse(f"admin:{app}_{model}_history", args=[version.object_id])
        except NoReverseMatch:
            return version.object_repr
        return format_html('<a href="{}">{}</a>', url, version.object_repr)

    @admin.display(description="What changed")
    def what_changed(self, version):
        return version.revision.get_comment()

    @admin.display(description="Changes")
    def changes(self, version):
        if version.previous_version is None:
            return "first version"
        app, model = version.content_type.app_label, version.content_type.model
        url = reverse(f"admin:{app}_{model}_compare", args=[version.object_id])
        query = urlencode({"version_id1": version.previous_version, "version_id2": version.pk})
        return format_html('<a href="{}?{}">Compare with the version before</a>', url, query)
