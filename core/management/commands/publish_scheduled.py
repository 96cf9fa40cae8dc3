"""
Record scheduled go-lives and expiries.

The public already sees an item only between its go-live and its expiry
(`published()` and the page cache follow the clock), so nothing waits for
this command. It makes what happened visible to staff: an expired item goes
back to draft, and each go-live and expiry is kept in the item's history
(Recent changes). It does each once, so it is safe to run every minute
(README: "Scheduled publishing" has the cron and systemd lines).
"""

import logging

import reversion
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from core.models import PublishableModel, PublishStatus

logger = logging.getLogger("ribbon.schedule")


def _when(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class Command(BaseCommand):
    help = "Record scheduled go-lives and expiries in each item's history; expired items go back to draft."

    def handle(self, *args, **options):
        now = timezone.now()
        done = 0
        for model in apps.get_models():
            if not issubclass(model, PublishableModel):
                continue
            published = model._default_manager.filter(status=PublishStatus.PUBLISHED)
            with transaction.atomic():
                for item in published.select_for_update().filter(expires_at__lte=now):
                    with reversion.create_revision():
                        reversion.set_comment(f"Expired as scheduled at {_when(item.expires_at)}: back to draft.")
                        item.status = PublishStatus.DRAFT
                        item.save()
                    done += self._said(f"Expired: {model._meta.verbose_name} “{item}” ({_when(item.expires_at)}).")
                going_live = published.select_for_update().filter(go_live_at__lte=now)
                for item in going_live.exclude(recorded_go_live=F("go_live_at")):
                    with reversion.create_revision():
                        reversion.set_comment(f"Went live as scheduled at {_when(item.go_live_at)}.")
                        item.recorded_go_live = item.go_live_at
                        item.save()
                    done += self._said(f"Went live: {model._meta.verbose_name} “{item}” ({_when(item.go_live_at)}).")
        self.stdout.write(f"Scheduled changes recorded: {done}." if done else "Nothing scheduled was due.")

    def _said(self, line):
        logger.info(line)
        self.stdout.write(line)
        return 1
