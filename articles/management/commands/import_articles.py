"""
python manage.py import_articles PATH... [--publish] [--create-only]

Imports the organisation's articles, as its blog keeps them (articles.parsing).
What it imports goes to medical review: a new article is a draft submitted for
review, and a change to a published one waits for a reviewer's approval while
the public keeps the approved page. `--publish` publishes at once, as the
operator's own act, recorded with the file. Each file is imported on its own,
in its own transaction: a file that cannot be read is reported as
`path:line: reason` and nothing of it is written, while the others are still
imported. The exit status is non-zero when any file failed.
"""

from django.utils.text import slugify

from articles.importing import save_article
from articles.parsing import parse_article
from importing.commands import FileImportCommand, FileOutcome
from importing.decoding import UnreadableFileError


class Command(FileImportCommand):
    help = "Import articles from the organisation's text or markdown files (files or folders)."

    count_names = ("created", "updated", "unchanged", "kept")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files or folders of .md/.txt article files.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish at once without medical review, recorded as the operator's act (a first load, an emergency).",
        )
        parser.add_argument(
            "--create-only", action="store_true", help="Leave existing articles untouched (used by load_demo)."
        )

    def handle(self, *args, paths, publish, create_only, **options):
        self.publish, self.create_only = publish, create_only
        self.import_files(paths)

    def in_order(self, found):
        """
        The files of a series in reverse: an article whose navigation names another file's article comes
        after it, so that the link is made in the same run. Files that cannot be read keep their place;
        they are reported when their turn comes.
        """
        titles, following = {}, {}
        for item in found:
            if item.skipped:
                continue
            try:
                parsed = parse_article(self.read_text(item.path).text)
            except (UnreadableFileError, ValueError):
                continue
            titles[slugify(parsed.title)] = item.path
            following[item.path] = slugify(parsed.next_title)

        def hops_to_the_end(path):
            hops, seen = 0, {path}
            while (path := titles.get(following.get(path, ""))) is not None and path not in seen:
                seen.add(path)
                hops += 1
            return hops

        return sorted(found, key=lambda item: hops_to_the_end(item.path))

    def import_file(self, path, decoded):
        result = save_article(parse_article(decoded.text), publish=self.publish, create_only=self.create_only)
        article = result.article
        return FileOutcome(
            counts={result.action: 1},
            lines=[f"{path}: {result.action} “{article.title}” at {article.get_absolute_url()}{self.told(result)}"],
            notes=result.warnings,
            after_revision=result.after_revision,
        )
