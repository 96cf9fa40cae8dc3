"""
python manage.py import_faqs PATH... [--topic NAME] [--treatment SLUG] [--publish]

Creates questions from the organisation's articles: every heading or line of
its own ending with "?" starts a question, the paragraphs after it are the
answer. Re-importing updates questions in place (matched by their address);
nothing is duplicated. Each file is imported in one transaction.

Answers go to medical review: a new question is a draft submitted for
review, and a changed answer that is published waits for a reviewer's
approval while the public keeps the approved one. `--publish` publishes at
once, as the operator's own act, recorded with the file.
"""

from django.core.management.base import CommandError

from faq.importer import parse_article, save_questions
from faq.models import Topic
from importing.commands import FileImportCommand, FileOutcome
from treatments.models import Treatment

DEFAULT_TOPIC = "General questions"
TOPIC_MAX = Topic._meta.get_field("name").max_length


class Command(FileImportCommand):
    help = "Import questions and answers from the organisation's articles (files or folders)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Article files (.txt/.md) or folders of them.")
        parser.add_argument(
            "--topic", default=DEFAULT_TOPIC, help=f"Topic to file the questions under (default: {DEFAULT_TOPIC!r})."
        )
        parser.add_argument("--treatment", help="Slug of a treatment the questions relate to, e.g. immunotherapy.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish at once without medical review, recorded as the operator's act (a first load, an emergency).",
        )

    def handle(self, *args, paths, topic, treatment, publish, **options):
        topic = " ".join(topic.split())
        if not topic:
            raise CommandError("--topic needs a name.")
        if len(topic) > TOPIC_MAX:
            raise CommandError(f"--topic is {len(topic)} characters long; a topic's name holds at most {TOPIC_MAX}.")
        related = None
        if treatment:
            related = Treatment.objects.filter(slug=treatment).first()
            if related is None:
                raise CommandError(
                    f"There is no treatment with the address /treatments/{treatment}/; nothing was imported."
                )

        self.topic, self.related, self.publish = topic, related, publish
        self.import_files(paths)

    def import_file(self, path, decoded):
        article = parse_article(decoded.text)
        saved = save_questions(article, topic_name=self.topic, treatment=self.related, publish=self.publish)
        return FileOutcome(
            counts={"created": saved.created, "updated": saved.updated, "unchanged": saved.unchanged},
            lines=[
                f"{path}: {len(article.questions)} question(s) under “{self.topic}”: "
                f"{saved.created} created, {saved.updated} updated, {saved.unchanged} unchanged"
                + ("" if self.publish or not (saved.created or saved.updated) else "; submitted for medical review")
            ],
            notes=article.warnings,
            after_revision=saved.after_revision,
        )
