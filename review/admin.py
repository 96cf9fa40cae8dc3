import json

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.text import capfirst

from core.admin import VersionedAdmin
from core.models import PublishStatus
from core.versions import revert_page

from . import worklists
from .models import NOT_CONTENT, Reviewer, SignOff, can_approve, medical_models, refusals

SUBMIT = "_submit_for_review"


@admin.register(Reviewer)
class ReviewerAdmin(VersionedAdmin):
    """
    The name and credentials printed on every page a reviewer approves belong to
    that reviewer: only they (their own profile) or a superuser set them. Other
    staff may read them. A reviewer without a profile makes their own, for their
    own account only.
    """

    list_display = ["display_name", "credentials", "language_names", "user"]
    search_fields = ["display_name", "credentials", "user__username"]

    def _owns(self, request, obj):
        return request.user.is_superuser or (obj is not None and obj.user_id == request.user.pk)

    def has_add_permission(self, request):
        if request.user.is_superuser:
            return True
        # Their own account is the only one they can choose; a second profile breaks the one-to-one.
        return super().has_add_permission(request) and can_approve(request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self._owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("language_names")  # shown, not edited (get_exclude)
            if obj is not None:
                fields.append("user")  # a profile stays with its account
        return fields

    def get_exclude(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_exclude(request, obj)
        return [
            *(super().get_exclude(request, obj) or []),
            "languages",
        ]  # which pages they approve is not theirs to widen

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "languages":
            return forms.TypedMultipleChoiceField(
                choices=settings.LANGUAGES,
                widget=forms.CheckboxSelectMultiple,
                label="Languages",
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Languages")
    def language_names(self, obj):
        names = dict(settings.LANGUAGES)
        return ", ".join(names.get(code, code) for code in obj.languages)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model()._default_manager.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        return {"user": request.user.pk, **super().get_changeform_initial_data(request)}


class MedicalContentAdmin:
    """
    The admin of medical content (treatments, questions, glossary terms). Nobody publishes by
    editing the status, except a superuser in an emergency, which the history
    records as such (the bulk "Publish" action is that, and only that): a
    reviewer approves on the review page. The review dates are shown, never typed.
    """

    sign_off_fields = ["reviewed_by", "last_reviewed", "next_review_due"]
    # A diff shows what the page says; publication, sign-off and derived figures are not content.
    compare_exclude = [*NOT_CONTENT, "made_from", "updated_at", "reading_grade", "reading_grade_fk", "body_html",
                       "answer_html", "answer_text", "search_body", "search_rows", "rendered_with",
                       "hero_image_renditions"]  # fmt: skip
    change_form_template = "admin/review/change_form.html"

    # A published page never changes without sign-off. An edit of one (by anyone but a
    # superuser) is saved as a version, the pending change, and the page's rows are put
    # back as approved, all in one transaction: the public never sees the change until
    # a reviewer approves it (review.models.MedicalContent.approve). The editor's form
    # shows the pending change, and saving again works on top of it.

    def proposes_changes(self, request, item):
        """Whether a save of this item by this person becomes a pending change."""
        if item is None or request.user.is_superuser:
            return False
        kept = getattr(request, "ribbon_kept_publication", None)  # set when the rows hold another version
        return (kept or {"status": item.status})["status"] == PublishStatus.PUBLISHED

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, unquote(object_id))  # None for an id that is not one
        sign_off = item.sign_off() if item is not None else None
        request.ribbon_sign_off = sign_off  # as it stood before this save (_submit_if_asked)
        context = {"sign_off": sign_off, "submit_name": SUBMIT, **(extra_context or {})}
        if item is not None and item.behind_since:
            context["english_changes_url"] = item.english_changes_page()
        if not self.proposes_changes(request, item):
            return super().change_view(request, object_id, form_url, context)
        pending = sign_off.proposed if sign_off else None
        # A published page made without versions (volume data) gets one now, before its form is
        # shown: the version the editor's form is based on, and the approved page to keep.
        item.public_version(sign_off)
        if request.method != "POST":
            if pending is None:
                return super().change_view(request, object_id, form_url, context)
            # The form shows the pending change (django-reversion renders it in a transaction it rolls back).
            self.keep_publication(request, object_id)
            return self._reversion_revisionform_view(request, pending, self.change_form_template, context)
        return self._propose(
            request,
            item,
            pending,
            lambda: super(MedicalContentAdmin, self).change_view(request, object_id, form_url, context),
        )

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_english_changes"
        changes = path(
            "<path:object_id>/english-changes/", self.admin_site.admin_view(self.english_changes_view), name=name
        )
        return [changes, *super().get_urls()]

    def english_changes_view(self, request, object_id):
        """
        What changed in the English page since the version a translation was made from: the English
        page's comparison of that version with the one the public reads now (for the review dashboard
        and the translation's form, which cannot name that version without asking for it).
        """
        translation = self.get_object(request, unquote(object_id))
        if translation is None or translation.translation_of_id is None:
            raise Http404("No such translation.")
        english = translation.translation_of
        if not (self.has_view_permission(request, translation) and self.has_view_permission(request, english)):
            raise PermissionDenied
        if translation.behind_since is None and translation.made_from_id is not None:
            messages.info(request, f"“{translation}” is up to date with its English page: nothing changed since.")
            return redirect(translation.edit_page())
        now = english.version_to_translate()
        if translation.made_from_id is None or now is None:
            messages.warning(
                request,
                f"There is no approved English version to compare: this translation names none, or “{english}” "
                "is not public. Its history shows every version.",
            )
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", quote(english.pk))
        compare = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_compare", args=[quote(english.pk)])
        return redirect(f"{compare}?{urlencode({'version_id1': translation.made_from_id, 'version_id2': now.pk})}")

    def restore(self, request, version, template_name, extra_context=None):
        item = self.model._default_manager.filter(pk=version.object_id).first() if request.method == "POST" else None
        if self.proposes_changes(request, item):

            def save_in_a_revision():
                with self.create_revision(request):
                    return self.changeform_view(request, quote(version.object_id), request.path, extra_context)

            return self._propose(request, item, version, save_in_a_revision)  # a revert, proposed for review
        return super().restore(request, version, template_name, extra_context)

    def _propose(self, request, item, base, save):
        """
        Run `save` (the admin's save, which keeps its version) over `base` (the pending
        change, or a version reverted to; None: the approved page itself), then put the
        approved page back and keep the saved version as the pending change.
        """
        with transaction.atomic():
            item = self.model._default_manager.select_for_update().get(pk=item.pk)
            approved = item.approved_page()
            request.ribbon_kept_publication = approved.kept  # what the form's save must leave as it is
            was_submitted = approved.sign_off is not None and approved.sign_off.state == SignOff.State.SUBMITTED
            if base is not None:
                revert_page(base, delete=True, current=item)
            response = save()
            if response.status_code != 302:
                if hasattr(response, "render"):
                    response.render()  # while the rows still hold what the form was made from
                transaction.set_rollback(True)
                return response
            sign_off = item.keep_for_review(approved, by=request.user, submit=SUBMIT in request.POST)
        if sign_off.state == SignOff.State.SUBMITTED:
            told = " (submitted for review)."
        elif was_submitted:
            told = ". It is no longer awaiting review: press “Submit for review” again when it is ready."
        else:
            told = ". Press “Submit for review” when it is ready."
        messages.info(
            request, f"The public page is unchanged: your change waits for a medical reviewer's approval{told}"
        )
        return response

    def submits(self, request, item):
        """Whether this save sends the item to review: "Submit for review" on a draft, or on a proposed change."""
        return SUBMIT in request.POST and (not item.is_published or self.proposes_changes(request, item))

    def construct_change_message(self, request, form, formsets, add=False):
        """
        A save that sends the page to review says so first in its history (and in Recent changes),
        then what it changed, if anything: never a bare "No fields changed".
        """
        message = super().construct_change_message(request, form, formsets, add)
        if not self.submits(request, form.instance):
            return message
        changed = LogEntry(change_message=json.dumps(message)).get_change_message() if message else ""
        return f"Submitted for review. {changed}".strip()

    def response_add(self, request, obj, post_url_continue=None):
        self._submit_if_asked(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._submit_if_asked(request, obj)
        return super().response_change(request, obj)

    def _submit_if_asked(self, request, obj):
        """
        A draft is saved in place; "Submit for review" sends it to review as it now is.
        Saved without it, a draft that was awaiting review is taken back out: a reviewer
        approves only what its editor submitted.
        """
        if obj.is_published:
            return
        if SUBMIT in request.POST:
            obj.submit_for_review(request.user)
            messages.info(request, "Submitted for medical review: a reviewer will approve it or send it back.")
            return
        # As it stood before this save (change_view reads it first; a revert comes here without it).
        sign_off = request.ribbon_sign_off if hasattr(request, "ribbon_sign_off") else obj.sign_off()
        if sign_off is not None and sign_off.state == SignOff.State.SUBMITTED:
            sign_off.state = SignOff.State.DRAFT
            sign_off.save()
            messages.info(request, "It is no longer awaiting review: press “Submit for review” again when it is ready.")

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *self.sign_off_fields]
        if not request.user.is_superuser:
            fields.append("status")
        return fields

    def has_emergency_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def publish(self, request, queryset):
        """
        A superuser's emergency publication of the selected drafts, each recorded as such.
        Medical reviewers approve one page at a time, on its review page: an approval is
        of the version the reviewer read, which a list does not show.
        """
        changed = 0
        for item in queryset.exclude(status=PublishStatus.PUBLISHED):
            item.publish_in_emergency(request.user)
            changed += 1
        self.report_changed(request, changed, "published without medical review (emergency)")

    publish.allowed_permissions = ["emergency"]
    publish.short_description = "Publish the selected items without medical review (emergency)"

    @admin.action(description="Unpublish the selected items (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        """Taking a page down is safe; a change waiting for review of it goes back to its editor."""
        taken_down = list(queryset.filter(status=PublishStatus.PUBLISHED))
        super().unpublish(request, queryset)
        name = request.user.get_full_name() or request.user.get_username()
        for item in taken_down:
            item.changed_outside_review(request.user, f"unpublished by {name}")

    def save_model(self, request, obj, form, change):
        # Only a superuser gets here with a page going or staying public (everyone else's change to a
        # published page is kept for review): an emergency, and the history says so.
        if obj.status == PublishStatus.PUBLISHED:
            if getattr(obj, "_stored_status", None) != PublishStatus.PUBLISHED:
                obj.authorise_publication("Emergency")
                request.ribbon_emergency = "Published"
            elif request.user.is_superuser:
                request.ribbon_emergency = "Changed the public page"
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        done = getattr(request, "ribbon_emergency", None)
        if done and change:
            # Once its rows are saved too: the public page changed, and its translations are checked against it.
            name = request.user.get_full_name() or request.user.get_username()
            form.instance.changed_outside_review(request.user, f"{done.lower()} by {name} without medical review")

    def _record_emergency(self, request, entry):
        done = getattr(request, "ribbon_emergency", None)
        if done and reversion.is_active():
            name = request.user.get_full_name() or request.user.get_username()
            reversion.set_comment(f"{entry.get_change_message()} {done} by {name} without medical review (emergency).")

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record_emergency(request, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record_emergency(request, entry)
        return entry


def _translation_note(item, approved, proposed):
    """
    For a translation: its English page, and where to read what changed in English between the version the
    approved translation was made from and the one this change was made from (None if the same, or new).
    """
    if getattr(item, "translation_of_id", None) is None:
        return None
    english = item.translation_of
    before = approved.field_dict.get("made_from_id") if approved else None
    after = proposed.field_dict.get("made_from_id") if proposed else item.made_from_id
    note = {"english": english, "english_url": english.get_absolute_url(), "changes_url": ""}
    if before and after and before != after:
        opts = english._meta
        compare = reverse(f"admin:{opts.app_label}_{opts.model_name}_compare", args=[quote(english.pk)])
        note["changes_url"] = f"{compare}?{urlencode({'version_id1': before, 'version_id2': after})}"
    return note


def _approved(item):
    """What a reviewer is told on approving: when the page is public, which is not always now."""
    if item.is_live:
        return f"Approved: “{item}” is public as reviewed."
    if item.expires_at and item.expires_at <= timezone.now():
        return f"Approved, but “{item}” is not public: its expiry has passed. Change or clear its expiry to show it."
    when = date_format(timezone.localtime(item.go_live_at), "j F Y, H:i")
    return f"Approved: “{item}” goes live as reviewed on {when}, its go-live time."


class KindFilter(admin.RelatedFieldListFilter):
    """The queue by kind of page: only the kinds of medical content, named as the admin's menu names them."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = "kind"

    def field_choices(self, field, request, model_admin):
        kinds = ContentType.objects.get_for_models(*medical_models())
        choices = [(kind.pk, capfirst(model._meta.verbose_name_plural)) for model, kind in kinds.items()]
        return sorted(choices, key=lambda choice: choice[1])


@admin.register(SignOff)
class ReviewQueueAdmin(admin.ModelAdmin):
    """
    Medical review: every change on its way to the public, oldest first. A
    change opens on its review page: what changed since the approved page (a
    field-by-field diff), and, for a medical reviewer, Approve or Send back
    with a comment the editor sees.
    """

    list_display = ["page", "kind", "language", "state", "submitted_by", "submitted_at"]
    list_filter = ["state", ("content_type", KindFilter)]
    list_select_related = ["content_type", "submitted_by"]
    ordering = ["submitted_at", "pk"]
    review_template = "admin/review/review.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_change_permission(self, request, obj=None):
        return can_approve(request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("item")  # one query per kind, not per change

    def get_urls(self):
        dashboard = path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="review_dashboard")
        return [dashboard, *super().get_urls()]

    def dashboard_view(self, request):
        """The work of medical review at a glance (review.worklists), linked from the admin's home page."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Medical review dashboard",
            "lists": worklists.dashboard(),
        }
        return TemplateResponse(request, "admin/review/dashboard.html", context)

    @admin.display(description="Page")
    def page(self, sign_off):
        return sign_off.item

    @admin.display(description="Language")
    def language(self, sign_off):
        """The page's language: a reviewer decides only on pages in a language their profile lists."""
        item = sign_off.item
        return item.get_language_display() if item is not None and hasattr(item, "get_language_display") else ""

    @admin.display(description="Kind", ordering="content_type")
    def kind(self, sign_off):
        return capfirst(sign_off.content_type.name)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        sign_off = self.get_object(request, unquote(object_id))
        if sign_off is None or sign_off.item is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, sign_off):
            raise PermissionDenied
        item = sign_off.item
        error = None
        if request.method == "POST":
            if not can_approve(request.user):
                refusals.warning(
                    "Refused: %s, who is not a medical reviewer, tried to %s %s.",
                    request.user.get_username(), request.POST.get("decision", "decide on")[:20], item,
                )  # fmt: skip
                raise PermissionDenied
            try:
                if request.POST.get("decision") == "approve":
                    item.approve(request.user, shown=request.POST.get("version", ""))
                    self.message_user(request, _approved(item), messages.SUCCESS)
                    return redirect("admin:review_signoff_changelist")
                if request.POST.get("decision") == "send_back":
                    item.send_back(request.user, request.POST.get("comment", ""))
                    self.message_user(request, f"Sent back: the editor of “{item}” sees your comment.", messages.INFO)
                    return redirect("admin:review_signoff_changelist")
            except ValidationError as refusal:
                error = " ".join(refusal.messages)
            except PermissionDenied as refusal:
                error = str(refusal)
        item_admin = self.admin_site._registry[type(item)]
        # What is under review: a change to a published page, or all of a new page (its latest
        # version: what approval publishes; its rows if it has no version yet).
        proposed = item.version_under_review(sign_off)
        approved = sign_off.approved if item.is_published else None
        compare_data, has_unfollowed_fields, saves, proposed_page = [], [], [], ""
        if approved and proposed:
            compare_data, has_unfollowed_fields = item_admin.compare(item, approved, proposed)
            saves = item_admin.saves_between(item.pk, approved.pk, proposed.pk)
        elif approved is None:
            proposed_page = render_to_string(item.review_template, item.review_context(proposed), request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Review: {item}",
            "sign_off": sign_off,
            "item": item,
            "item_change_url": item.edit_page(),
            "new_page": approved is None,
            "compare_data": compare_data,
            "has_unfollowed_fields": has_unfollowed_fields,
            "saves": saves,
            "proposed_page": proposed_page,
            "version2": proposed,
            "may_decide": can_approve(request.user),
            "reads_its_language": item.may_be_reviewed_by(Reviewer.objects.filter(user=request.user).first()),
            "translation": _translation_note(item, approved, proposed),
            "wrote_it": request.user.pk in item.authors_of_change(sign_off),
            "error": error,
            "comment": request.POST.get("comment", "") if request.method == "POST" else "",
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.review_template, context, status=400 if error else 200)
