"""
python manage.py import_faqs PATH... [--topic NAME] [--treatment SLUG] [--publish]

Creates questions from the organisation's articles: every heading or line of
its own ending with "?" starts a question, the paragraphs after it are the
answer. Re-importing updates questions in place (matched by their address);
nothing is duplicated. Each file is imported in one transaction.

A file with `lang: es` and `translates: <the English file>` in its front
matter holds the Spanish of that file's questions, one for one and in the
same order; each becomes the translation of its English question, made from
the version the public reads. English files are imported before the
translations given in the same run, so that one run can load a folder of both.

Answers go to medical review: a new question is a draft submitted for
review, and a changed answer that is published waits for a reviewer's
approval while the public keeps the approved one. `--publish` publishes at
once, as the operator's own act, recorded with the file.
"""

from django.conf import settings
from django.core.management.base import CommandError

from faq.importer import ArticleError, language_name, pair_with_english, parse_article, save_questions
from faq.models import Topic
from importing.commands import CONTENT_SUFFIXES, FileImportCommand, FileOutcome
from importing.decoding import UnreadableFileError
from treatments.models import Treatment

DEFAULT_TOPIC = "General questions"
TOPIC_MAX = Topic._meta.get_field("name").max_length


class Command(FileImportCommand):
    help = "Import questions and answers from the organisation's articles (files or folders)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Article files (.txt/.md) or folders of them.")
        parser.add_argument(
            "--topic",
            help=f"Topic to file the questions under (default: {DEFAULT_TOPIC!r}; a file's 'topic:' comes first).",
        )
        parser.add_argument("--treatment", help="Slug of a treatment the questions relate to, e.g. immunotherapy.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish at once without medical review, recorded as the operator's act (a first load, an emergency).",
        )

    def handle(self, *args, paths, topic, treatment, publish, **options):
        if topic is not None:
            topic = " ".join(topic.split())
            if not topic:
                raise CommandError("--topic needs a name.")
            if len(topic) > TOPIC_MAX:
                raise CommandError(
                    f"--topic is {len(topic)} characters long; a topic's name holds at most {TOPIC_MAX}."
                )
        related = None
        if treatment:
            related = Treatment.objects.filter(slug=treatment).first()
            if related is None:
                raise CommandError(
                    f"There is no treatment with the address /treatments/{treatment}/; nothing was imported."
                )

        self.topic, self.related, self.publish = topic, related, publish
        self.import_files(paths)

    def in_order(self, found):
        """
        English files first: a translation is made from its English questions, which may be in the same
        run. Files that cannot be read keep their place; they are reported when their turn comes.
        """

        def is_translation(item):
            if item.skipped:
                return False
            try:
                return bool(parse_article(self.read_text(item.path).text).language)
            except (UnreadableFileError, ValueError):
                return False

        return sorted(found, key=is_translation)

    def import_file(self, path, decoded):
        article = parse_article(decoded.text)
        topic_line = article.key_lines.get("topic", 1)
        originals = made_from = None
        notes = list(article.warnings)
        if article.language:
            english_path, english = self.english_file_of(path, article)
            originals, made_from, paired = pair_with_english(article, english, english_path.name)
            notes += paired
            topic_name = article.topic or self.topic  # else its English topic's translation
        else:
            topic_name = article.topic or self.topic or DEFAULT_TOPIC
        treatment, treatment_note = self.treatment_in(article.language_code)
        saved = save_questions(
            article,
            topic_name=topic_name,
            treatment=treatment,
            publish=self.publish,
            topic_line=topic_line,
            originals=originals,
            made_from=made_from,
        )
        return FileOutcome(
            counts={"created": saved.created, "updated": saved.updated, "unchanged": saved.unchanged},
            lines=[
                f"{path}: {len(article.questions)} question(s) under “{saved.topic}”"
                + (f", translating {english_path.name}" if article.language else "")
                + f": {saved.created} created, {saved.updated} updated, {saved.unchanged} unchanged"
                + ("" if self.publish or not (saved.created or saved.updated) else "; submitted for medical review")
            ],
            notes=notes + saved.notes + treatment_note,
            after_revision=saved.after_revision,
        )

    def english_file_of(self, path, article):
        """(path, parsed questions) of the English file a translation names with `translates:`."""
        line = article.key_lines.get("translates", article.key_lines.get("language", 1))
        if not article.translates:
            raise ArticleError(
                line,
                f"a file in {language_name(article.language)} names the English file it translates: add "
                "'translates: <its file name>' to the front matter (beside this file, or a path from its folder)",
            )
        english_path = path.parent / article.translates
        if english_path.suffix.lower() not in CONTENT_SUFFIXES:
            raise ArticleError(
                line, f"'translates' should name an article file ({', '.join(sorted(CONTENT_SUFFIXES))})"
            )
        if english_path.resolve() == path.resolve():
            raise ArticleError(line, "'translates' names this file itself; name the English file it translates")
        try:
            english = parse_article(self.read_text(english_path).text)
        except UnreadableFileError as exc:
            raise ArticleError(
                line, f"the English file {english_path} cannot be used (its line {exc.line}: {exc.message})"
            ) from None
        if english.language:
            raise ArticleError(
                line, f"{english_path.name} is in {language_name(english.language)}, not English: name the English file"
            )
        return english_path, english

    def treatment_in(self, language):
        """
        (The page of --treatment in the file's language, notes): questions are listed on the treatment's
        page in their own language, whichever language's address was given.
        """
        if self.related is None:
            return None, []
        english = self.related.translation_of or self.related
        if language == settings.LANGUAGE_CODE:
            return english, []
        found = english.translations.filter(language=language).first()
        if found is None:
            return None, [
                f"“{english}” has no {language_name(language)} page yet, so these questions are not listed on it: "
                "import this file again once it has one"
            ]
        return found, []
