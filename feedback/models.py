"""
"Was this page helpful?": a yes or no and an optional note of what was
missing, about one public page. Nothing about the person is kept: no name,
e-mail, address, account or IP address (repeats are limited with a keyed
hash in the cache for a few minutes: core.clients.within_limit), and e-mail
addresses or phone numbers typed into a note are removed before it is saved.
"""

import re

from django.db import models
from django.db.models import Count, Max, Q

COMMENT_MAX = 500
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ().-]{7,}\d(?!\w)")


def without_contact_details(text):
    """A note with any e-mail address or phone number replaced: we never want to hold them."""
    return _PHONE.sub("[number removed]", _EMAIL.sub("[e-mail removed]", text))


class FeedbackQuerySet(models.QuerySet):
    def per_page(self):
        """One row per page: yes and no counts, notes, and the latest answer; most answered first."""
        return (
            self.values("path")
            .annotate(
                yes=Count("pk", filter=Q(helpful=True)),
                no=Count("pk", filter=Q(helpful=False)),
                notes=Count("pk", filter=~Q(comment="")),
                latest=Max("created_at"),
            )
            .order_by("-no", "-yes", "path")
        )


class Feedback(models.Model):
    path = models.CharField(max_length=300, db_index=True, help_text="The page the answer is about.")
    helpful = models.BooleanField(help_text="Whether the reader found the page helpful.")
    comment = models.TextField(
        "what was missing", max_length=COMMENT_MAX, blank=True, help_text="The reader's note, if any."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "page feedback"
        verbose_name_plural = "page feedback"

    def __str__(self):
        return f"{'Yes' if self.helpful else 'No'} on {self.path}"
