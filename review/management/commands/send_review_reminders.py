"""
E-mail each medical reviewer one digest of what awaits them: changes
submitted for review (oldest first) and published pages overdue for review.
Nothing is sent when there is nothing to do, and nobody gets more than one
a day, so it can run every hour (README: "Medical review" has the cron
line). Mail goes through Django's e-mail settings (README: "E-mail").
"""

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from review import worklists
from review.models import Reviewer, can_approve


def _lines(work_list):
    lines = [f"{work_list.title} ({work_list.total}):"]
    for entry in work_list.entries:
        when = timezone.localtime(entry.when) if entry.is_moment else entry.when
        lines.append(f"- {entry.item} ({entry.kind.lower()}, {when:%d %b %Y}): {settings.SITE_URL}{entry.url}")
    if work_list.more:
        lines.append(f"- and {work_list.more} more")
    return lines


class Command(BaseCommand):
    help = "E-mail each medical reviewer a daily digest of changes awaiting review and pages overdue for review."

    def handle(self, *args, **options):
        today = timezone.localdate()
        waiting, late = worklists.awaiting_review(), worklists.overdue(today)
        if not waiting.total and not late.total:
            self.stdout.write("Nothing awaits review and nothing is overdue: no e-mail sent.")
            return
        body = "\n".join(
            [
                "Medical review has work for you.",
                "",
                *(_lines(waiting) if waiting.total else []),
                *([""] if waiting.total and late.total else []),
                *(_lines(late) if late.total else []),
                "",
                "This digest is sent at most once a day.",
            ]
        )
        subject = f"{settings.SITE_NAME}: {waiting.total} awaiting review, {late.total} overdue"
        sent = failed = 0
        for reviewer in Reviewer.objects.select_related("user").exclude(user__email=""):
            if not can_approve(reviewer.user):
                continue
            try:
                with transaction.atomic():
                    # Claimed before sending, undone if sending fails: two runs at once send one e-mail.
                    claimed = (Reviewer.objects.filter(pk=reviewer.pk).exclude(last_reminded_on=today)).update(
                        last_reminded_on=today
                    )
                    if claimed:
                        send_mail(subject, body, None, [reviewer.user.email])
                        sent += 1
            except OSError as error:
                failed += 1
                self.stderr.write(f"Could not e-mail {reviewer.display_name}: {error}")
        self.stdout.write(f"Review reminders sent: {sent}.")
        if failed:
            raise CommandError(f"{failed} reminder(s) could not be sent; see above. They are tried again next run.")
