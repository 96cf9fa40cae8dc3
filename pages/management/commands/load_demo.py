"""
python manage.py load_demo

Loads the demo content that `make run` shows. Idempotent: what already
exists is left exactly as it is (so staff edits to demo pages survive a
restart), and nothing is ever duplicated. The demo's treatments and answers
are medical content: they go public as a real site's do, approved by a
medical reviewer, here the demo reviewer (review.demo), whose name on every
page says it is a stand-in.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles.demo import DEMO_DIR as ARTICLE_DEMO_DIR
from articles.demo import approve_imported_demo_articles
from donations.demo import load_demo_campaigns
from faq.demo import load_demo_questions
from glossary.demo import load_demo_terms
from review.demo import DEMO_REVIEWER_USERNAME
from treatments.demo import DEMO_DIR as TREATMENT_DEMO_DIR
from treatments.demo import approve_demo_updates, approve_imported_demo_treatments, demo_updates_to_import


def translation_folders(folder):
    """The folders of a demo folder holding its translations (es/), of the languages the site publishes."""
    return [folder / code for code, _name in settings.LANGUAGES if (folder / code).is_dir()]


class Command(BaseCommand):
    help = "Load the demo glossary, treatments, questions, campaigns and articles. Safe to run again."

    def handle(self, *args, **options):
        try:
            self.load()
        except PermissionDenied as refused:
            raise CommandError(
                f"The demo pages could not be approved: {refused} The account “{DEMO_REVIEWER_USERNAME}” "
                "signs them off: give it back the permission to approve medical content (Users, in the admin)."
            ) from None

    def load(self):
        # First: the pages below link the first use of each term as they are saved.
        created, kept = load_demo_terms()
        self.stdout.write(f"Demo glossary: {created} terms created, {kept} already present and left as they are.")
        self.stdout.write("Demo treatments:")
        call_command(
            "import_treatments",
            *[str(path) for path in sorted(TREATMENT_DEMO_DIR.glob("*.md"))],
            create_only=True,
            no_images=True,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        approved = approve_imported_demo_treatments()
        self.stdout.write(f"Demo treatments approved by the demo reviewer: {approved}.")
        # Translations are made from the English pages as approved: imported once those are.
        for folder in translation_folders(TREATMENT_DEMO_DIR):
            self.stdout.write(f"Demo treatments in {folder.name}:")
            call_command(
                "import_treatments",
                str(folder),
                create_only=True,
                no_images=True,
                stdout=self.stdout,
                stderr=self.stderr,
            )
        approved = approve_imported_demo_treatments()
        self.stdout.write(f"Demo translations approved by the demo reviewer: {approved}.")
        # An English page changed after its translation: its Spanish page says so until it is updated.
        updates = demo_updates_to_import()
        if updates:
            self.stdout.write("Demo changes to English pages made after their translations:")
            call_command(
                "import_treatments", *map(str, updates), no_images=True, stdout=self.stdout, stderr=self.stderr
            )
        approved = approve_demo_updates()
        self.stdout.write(f"Demo changes to English pages approved by the demo reviewer: {approved}.")
        created, kept = load_demo_questions()
        self.stdout.write(
            f"Demo questions: {created} created and approved by the demo reviewer, "
            f"{kept} already present and left as they are."
        )
        created, kept = load_demo_campaigns()
        self.stdout.write(f"Demo campaigns: {created} created, {kept} already present and left as they are.")
        self.stdout.write("Demo articles:")
        articles = [str(path) for path in sorted(ARTICLE_DEMO_DIR.glob("*.md"))]
        call_command("import_articles", *articles, create_only=True, stdout=self.stdout, stderr=self.stderr)
        approved = approve_imported_demo_articles()
        self.stdout.write(f"Demo articles approved by the demo reviewer: {approved}.")
        for folder in translation_folders(ARTICLE_DEMO_DIR):
            self.stdout.write(f"Demo articles in {folder.name}:")
            call_command("import_articles", str(folder), create_only=True, stdout=self.stdout, stderr=self.stderr)
        approved = approve_imported_demo_articles()
        self.stdout.write(f"Demo translations approved by the demo reviewer: {approved}.")
