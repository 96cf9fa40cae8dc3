"""
python manage.py import_treatments PATH... [--draft] [--no-images]

Imports the organisation's treatment files (markdown with front matter).
Each file is imported on its own, in its own transaction: a file that cannot
be read is reported with its path and line and nothing of it is written,
while the others are still imported. The exit status is non-zero when any
file failed.
"""

from core.images import ImageRejected, download_image
from core.importing import FileImportCommand, FileOutcome
from treatments.importing import find_existing, save_treatment
from treatments.parsing import TreatmentFileError, parse_treatment


class Command(FileImportCommand):
    help = "Import treatment pages from the organisation's markdown files (files or folders)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files or folders of .md/.txt treatment files.")
        parser.add_argument("--draft", action="store_true", help="Import as drafts instead of publishing.")
        parser.add_argument(
            "--no-images", action="store_true", help="Do not try to download hero images; keep their addresses."
        )
        parser.add_argument(
            "--create-only",
            action="store_true",
            help="Leave treatments that already exist untouched (used by load_demo).",
        )

    count_names = ("created", "updated", "unchanged", "kept")

    def handle(self, *args, paths, draft, no_images, create_only, **options):
        self.publish, self.fetch_images, self.create_only = not draft, not no_images, create_only
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
            lines=[f"{path}: {result.action} “{treatment.title}” at {treatment.get_absolute_url()}"],
            notes=[note for note in notes if note] + result.warnings,
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
