"""
Medical sign-off. Treatments and FAQ answers are medical content: editors
write them, and only a medical reviewer (a member of the "Medical reviewers"
group, or a user given the `review.approve_medical_content` permission) can
approve them for the public. A reviewer's name and credentials are printed
on every page they approve, so they live here, editable by staff.
"""

import reversion
from django.conf import settings
from django.db import models

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
