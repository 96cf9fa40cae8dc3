"""
python manage.py load_demo

Loads the demo content that `make run` shows. Idempotent: what already
exists is left exactly as it is (so staff edits to demo pages survive a
restart), and nothing is ever duplicated.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

import treatments
from donations.demo import load_demo_campaigns
from faq.demo import load_demo_questions
from glossary.demo import load_demo_terms

TREATMENT_DEMO_DIR = Path(treatments.__file__).resolve().parent / "demo_content"


class Command(BaseCommand):
    help = "Load the demo glossary, treatments, questions and campaigns. Safe to run again."

    def handle(self, *args, **options):
        # First: the pages below link the first use of each term as they are saved.
        created, kept = load_demo_terms()
        self.stdout.write(f"Demo glossary: {created} terms created, {kept} already present and left as they are.")
        self.stdout.write("Demo treatments:")
        call_command(
            "import_treatments",
            str(TREATMENT_DEMO_DIR),
            create_only=True,
            no_images=True,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        created, kept = load_demo_questions()
        self.stdout.write(f"Demo questions: {created} created, {kept} already present and left as they are.")
        created, kept = load_demo_campaigns()
        self.stdout.write(f"Demo campaigns: {created} created, {kept} already present and left as they are.")
