"""
Medical sign-off. Treatments and FAQ answers are medical content: editors
write them, and only a medical reviewer (a member of the "Medical reviewers"
group, or a user given the `review.approve_medical_content` permission) can
approve them for the public. A reviewer's name and credentials are printed
on every page they approve, so they live here, editable by staff.
"""

import calendar
import datetime

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from core.models import PublishStatus

MEDICAL_REVIEWERS = "Medical reviewers"
APPROVE_PERMISSION = "review.approve_medical_content"


def can_approve(user):
    """Whether this person may sign off medical content (superusers may, in an emergency, and it is recorded)."""
    return bool(user and user.is_active and user.is_staff and user.has_perm(APPROVE_PERMISSION))


@reversion.register()
class Reviewer(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviewer",
        help_text="The staff account this reviewer signs in with. Only members of “Medical reviewers” can approve.",
    )
    display_name = models.CharField(
        max_length=120,
        help_text="The name printed on the pages they approve, as patients should read it: “Dr Amina Yusuf”.",
    )
    credentials = models.CharField(
        max_length=160,
        help_text="What qualifies them, after their name: “consultant breast oncologist”.",
    )

    class Meta:
        ordering = ["display_name"]
        permissions = [("approve_medical_content", "Can approve medical content for the public")]

    def __str__(self):
        return f"{self.display_name}, {self.credentials}"


def months_after(day, months):
    """The same day `months` later, or the month's last day if it has no such day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# What a version of medical content leaves out: whether and since when it is public, and its sign-off.
# A revert or recovery never brings these back (core.admin.VersionedAdmin keeps them as they are).
NOT_CONTENT = ("status", "published_at", "reviewed_by", "last_reviewed", "next_review_due")


class PublicationRefused(PermissionDenied):
    """Medical content was about to become public without a sign-off."""


class MedicalContent(models.Model):
    """
    Content patients may act on (treatments, FAQ answers). It becomes public
    only through a recorded sign-off: a medical reviewer's approval, a
    superuser's emergency publication, or an import run by an operator on
    the server. save() refuses anything else, whichever route it came by
    (a form, a bulk action, the shell), so no admin screen can forget it.
    The review dates are set by approval, never typed.
    """

    reviewed_by = models.ForeignKey(
        Reviewer,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The medical reviewer who last approved this, named on the page.",
    )
    last_reviewed = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a medical reviewer last approved this (set by the approval).",
    )
    next_review_due = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When it must be reviewed again (set by the approval, from the review interval).",
    )
    review_interval_months = models.PositiveSmallIntegerField(
        "review interval (months)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="How long an approval lasts: the next review falls due this many months after it (1 to 36).",
    )

    kept_on_revert = NOT_CONTENT

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        becoming_public = self.status == PublishStatus.PUBLISHED and (
            getattr(self, "_stored_status", None) != PublishStatus.PUBLISHED
        )
        if becoming_public and not getattr(self, "_publication", None):
            raise PublicationRefused(
                f"This {self._meta.verbose_name} is medical content: it is published when a medical reviewer "
                "approves it, not by saving it."
            )
        super().save(*args, **kwargs)
        self._stored_status = self.status
        self._publication = None

    @classmethod
    def from_db(cls, db, field_names, values):
        item = super().from_db(db, field_names, values)
        if "status" in field_names:
            item._stored_status = values[field_names.index("status")]
        return item

    def authorise_publication(self, how):
        """
        Let the next save publish, recording `how` ("Imported from a.md"). For code an
        operator runs on the server (imports, demo content, tests); people use approve().
        """
        self._publication = how

    def approve(self, by):
        """A medical reviewer signs this off: it is published, and the review dates start again from today."""
        if not can_approve(by):
            raise PermissionDenied("Only a medical reviewer can approve medical content.")
        reviewer = Reviewer.objects.filter(user=by).first()
        if reviewer is None:
            raise PermissionDenied(
                "Add your name and credentials (Medical review › Reviewers) before approving: "
                "they are printed on every page you approve."
            )
        today = timezone.localdate()
        self.reviewed_by = reviewer
        self.last_reviewed = today
        self.next_review_due = months_after(today, self.review_interval_months)
        self.status = PublishStatus.PUBLISHED
        self._save_recorded(by, f"Approved by {reviewer}.", f"Approved by {reviewer}")

    def publish_in_emergency(self, by):
        """A superuser publishes without a medical review: the history says so; the review dates stay as they were."""
        if not (by and by.is_active and by.is_superuser):
            raise PermissionDenied("Only a superuser can publish medical content without a medical review.")
        self.status = PublishStatus.PUBLISHED
        name = by.get_full_name() or by.get_username()
        self._save_recorded(by, f"Published by {name} without medical review (emergency).", "Emergency")

    def _save_recorded(self, by, comment, how):
        self.authorise_publication(how)
        with reversion.create_revision():
            reversion.set_user(by)
            reversion.set_comment(comment)
            self.save()
