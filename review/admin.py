import reversion
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from core.admin import VersionedAdmin
from core.models import PublishStatus

from .models import Reviewer, can_approve


@admin.register(Reviewer)
class ReviewerAdmin(VersionedAdmin):
    list_display = ["display_name", "credentials", "user"]
    search_fields = ["display_name", "credentials", "user__username"]


class MedicalContentAdmin:
    """
    The admin of medical content (treatments, questions). Nobody publishes by
    editing the status, except a superuser in an emergency, which the history
    records as such; the bulk "Publish" action is an approval, offered only to
    those who may approve. The review dates are shown, never typed.
    """

    sign_off_fields = ["reviewed_by", "last_reviewed", "next_review_due"]

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), *self.sign_off_fields]
        if not request.user.is_superuser:
            fields.append("status")
        return fields

    def has_approve_permission(self, request):
        return can_approve(request.user)

    def publish(self, request, queryset):
        """Each item is approved by the reviewer (or, for a superuser who is not one, published in an emergency)."""
        is_reviewer = Reviewer.objects.filter(user=request.user).exists()
        changed = 0
        for item in queryset.exclude(status=PublishStatus.PUBLISHED):
            try:
                item.approve(request.user) if is_reviewer else item.publish_in_emergency(request.user)
            except PermissionDenied as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return
            changed += 1
        name = self.model._meta.verbose_name if changed == 1 else self.model._meta.verbose_name_plural
        self.message_user(request, f"{changed} {name} published.", messages.SUCCESS)

    publish.allowed_permissions = ["approve"]
    publish.short_description = "Approve and publish the selected items (medical sign-off)"

    def save_model(self, request, obj, form, change):
        if obj.status == PublishStatus.PUBLISHED and getattr(obj, "_stored_status", None) != PublishStatus.PUBLISHED:
            # Only a superuser has the status field; anyone else's form cannot get here.
            obj.authorise_publication("Emergency")
            request.ribbon_published_in_emergency = True
        super().save_model(request, obj, form, change)

    def _record_emergency(self, request, entry):
        if getattr(request, "ribbon_published_in_emergency", False) and reversion.is_active():
            name = request.user.get_full_name() or request.user.get_username()
            reversion.set_comment(
                f"{entry.get_change_message()} Published by {name} without medical review (emergency)."
            )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record_emergency(request, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record_emergency(request, entry)
        return entry
