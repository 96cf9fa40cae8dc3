"""
python manage.py import_gifts --provider givebutter --campaign spring-appeal export.csv

Imports a provider's CSV export of donations into one campaign: all of it or,
if any row is bad, nothing, with each bad row named as FILE:LINE. Safe to run
again on the same or an overlapping export: gifts already counted are kept.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from donations.gift_imports import FORMATS, MAX_BYTES, MAX_PROBLEMS_SHOWN, ExportError, import_export
from donations.models import Campaign
from importing.commands import for_terminal


class Command(BaseCommand):
    help = "Import a payment provider's CSV export of donations into a campaign. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file the provider exported.")
        parser.add_argument("--provider", required=True, choices=sorted(FORMATS), help="Whose export it is.")
        parser.add_argument("--campaign", required=True, help="The slug of the campaign the gifts count towards.")

    def handle(self, *args, file, provider, campaign, **options):
        found = Campaign.objects.filter(slug=campaign).first()
        if found is None:
            slugs = ", ".join(Campaign.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none yet"
            raise CommandError(f"No campaign has the slug “{campaign}”. Campaigns: {slugs}.")
        path = Path(file)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"{path}:1: it cannot be read ({error.strerror or error}).") from None
        try:
            report = import_export(found, provider, data)
        except ExportError as error:
            for line, message in error.problems[:MAX_PROBLEMS_SHOWN]:
                self.stderr.write(for_terminal(f"{path}:{line}: {message}."))
            if len(error.problems) > MAX_PROBLEMS_SHOWN:
                self.stderr.write(f"… and {len(error.problems) - MAX_PROBLEMS_SHOWN} more lines like these.")
            raise CommandError(f"{path}: nothing was imported; correct the lines above and run it again.") from None
        self.stdout.write(f"{path} → {found.title} ({FORMATS[provider].name}):")
        for line in report.lines(found):
            self.stdout.write(for_terminal(f"  {line}"))
