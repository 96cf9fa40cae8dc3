"""
python manage.py import_treatments PATH... [--draft] [--no-images]

Imports the organisation's treatment files (markdown with front matter).
Each file is imported on its own, in its own transaction: a file that cannot
be read is reported with its path and line and nothing of it is written,
while the others are still imported. The exit status is non-zero when any
file failed.
"""

from core.images import ImageRejected, download_image
from core.importing import FileImportCommand, files_in
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

    def handle(self, *args, paths, draft, no_images, create_only, **options):
        counts = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0, "failed": 0}
        for path in files_in(paths):
            action = self.import_file(path, publish=not draft, fetch_images=not no_images, create_only=create_only)
            counts[action] += 1
        self.finish(counts)

    def import_file(self, path, *, publish, fetch_images, create_only):
        decoded = self.read_text(path)
        if decoded is None:
            return "failed"
        try:
            parsed = parse_treatment(decoded.text)
        except TreatmentFileError as exc:
            self.report_failure(path, exc)
            return "failed"

        notes = list(decoded.notes)
        hero_image = None
        if parsed.hero_image_url:
            hero_image, note = self.fetch_hero_image(parsed, fetch_images, create_only)
            if note:
                notes.append(note)
        try:
            result = save_treatment(parsed, publish=publish, create_only=create_only, hero_image=hero_image)
        except TreatmentFileError as exc:
            self.report_failure(path, exc)
            return "failed"

        treatment = result.treatment
        self.stdout.write(f"{path}: {result.action} “{treatment.title}” at {treatment.get_absolute_url()}")
        for message in notes + result.warnings:
            self.stdout.write(f"  note: {message}")
        return result.action

    def fetch_hero_image(self, parsed, fetch_images, create_only):
        """Returns (image or None, a note for the person running the import)."""
        existing = find_existing(parsed)
        already_have_it = existing is not None and (
            create_only or (existing.hero_image and existing.hero_image_source_url == parsed.hero_image_url)
        )
        if already_have_it:
            return None, None
        if not fetch_images:
            return None, "hero image not downloaded (--no-images); its address is kept as the image source"
        try:
            return download_image(parsed.hero_image_url), "hero image downloaded, checked and re-encoded"
        except ImageRejected as exc:
            return None, (
                f"hero image not imported: {exc}. The rest was imported; its address is kept as the "
                "image source and no picture is shown until one is uploaded"
            )
