"""
python manage.py import_treatments PATH... [--publish] [--no-images]

Imports the organisation's treatment files (markdown with front matter).
What it imports goes to medical review: a new treatment is a draft submitted
for review, and a change to a published one waits for a reviewer's approval
while the public keeps the approved page. `--publish` publishes at once, as
the operator's own act, recorded with the file (a first load, an emergency).
Each file is imported on its own, in its own transaction: a file that cannot
be read is reported with its path and line and nothing of it is written,
while the others are still imported. The exit status is non-zero when any
file failed.
"""

from core.images import ImageRejected
from importing.commands import FileImportCommand, FileOutcome
from importing.downloads import download_image
from treatments.importing import find_existing, save_treatment
from treatments.parsing import TreatmentFileError, parse_treatment


class Command(FileImportCommand):
    help = "Import treatment pages from the organisation's markdown files (files or folders)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files or folders of .md/.txt treatment files.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish at once without medical review, recorded as the operator's act (a first load, an emergency).",
        )
        parser.add_argument(
            "--no-images", action="store_true", help="Do not try to download hero images; keep their addresses."
        )
        parser.add_argument(
            "--create-only",
            action="store_true",
            help="Leave treatments that already exist untouched (used by load_demo).",
        )

    count_names = ("created", "updated", "unchanged", "kept")

    def handle(self, *args, paths, publish, no_images, create_only, **options):
        self.publish, self.fetch_images, self.create_only = publish, not no_images, create_only
        self.import_files(paths)

    def import_file(self, path, decoded):
        parsed = parse_treatment(decoded.text)
        notes = []
        hero_image = None
        if parsed.hero_image_url:
            hero_image, note = self.fetch_hero_image(parsed)
            notes.append(note)
        result = save_treatment(parsed, publish=self.publish, create_only=self.create_only, hero_image=hero_image)
        treatment = result.treatment
        return FileOutcome(
            counts={result.action: 1},
            lines=[f"{path}: {result.action} “{treatment.title}” at {treatment.get_absolute_url()}{self.told(result)}"],
            notes=[note for note in notes if note] + result.warnings,
            after_revision=result.after_revision,
        )

    def fetch_hero_image(self, parsed):
        """
        (image or None, a note for the person running the import). A picture
        that cannot be fetched fails the file, like any other part of it that
        cannot be read: importing the page without it would publish a page the
        file did not describe.
        """
        existing = find_existing(parsed)
        already_have_it = existing is not None and (
            self.create_only or (existing.hero_image and existing.hero_image_source_url == parsed.hero_image_url)
        )
        if already_have_it:
            return None, None
        if not self.fetch_images:
            return None, "hero image not downloaded (--no-images); its address is kept as the image source"
        try:
            return download_image(parsed.hero_image_url), "hero image downloaded, checked and re-encoded"
        except ImageRejected as exc:
            raise TreatmentFileError(
                parsed.key_lines.get("hero_image_url", 1),
                f"the hero image was not imported: {exc} (import with --no-images to keep only its address)",
            ) from None
