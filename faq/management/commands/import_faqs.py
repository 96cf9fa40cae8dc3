"""
python manage.py import_faqs PATH... [--topic NAME] [--treatment SLUG] [--draft]

Creates questions from the organisation's articles: every heading or line of
its own ending with "?" starts a question, the paragraphs after it are the
answer. Re-importing updates questions in place (matched by their address);
nothing is duplicated. Each file is imported in one transaction.
"""

from django.core.management.base import CommandError

from core.importing import FileImportCommand, files_in
from faq.importer import ArticleError, parse_article, save_questions
from treatments.models import Treatment

DEFAULT_TOPIC = "General questions"


class Command(FileImportCommand):
    help = "Import questions and answers from the organisation's articles (files or folders)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Article files (.txt/.md) or folders of them.")
        parser.add_argument(
            "--topic", default=DEFAULT_TOPIC, help=f"Topic to file the questions under (default: {DEFAULT_TOPIC!r})."
        )
        parser.add_argument("--treatment", help="Slug of a treatment the questions relate to, e.g. immunotherapy.")
        parser.add_argument("--draft", action="store_true", help="Import as drafts instead of publishing.")

    def handle(self, *args, paths, topic, treatment, draft, **options):
        topic = " ".join(topic.split())
        if not topic:
            raise CommandError("--topic needs a name.")
        related = None
        if treatment:
            related = Treatment.objects.filter(slug=treatment).first()
            if related is None:
                raise CommandError(
                    f"There is no treatment with the address /treatments/{treatment}/; nothing was imported."
                )

        counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        for path in files_in(paths):
            decoded = self.read_text(path)
            if decoded is None:
                counts["failed"] += 1
                continue
            try:
                article = parse_article(decoded.text)
            except ArticleError as exc:
                self.report_failure(path, exc)
                counts["failed"] += 1
                continue
            saved = save_questions(article, topic_name=topic, treatment=related, publish=not draft)
            self.stdout.write(
                f"{path}: {len(article.questions)} question(s) under “{topic}”: "
                f"{saved.created} created, {saved.updated} updated, {saved.unchanged} unchanged"
            )
            for message in decoded.notes + article.warnings:
                self.stdout.write(f"  note: {message}")
            counts["created"] += saved.created
            counts["updated"] += saved.updated
            counts["unchanged"] += saved.unchanged
        self.finish(counts)
