"""What every importer of the organisation's files shares: finding the files,
decoding them, and reporting a failure as `path:line: reason`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.textfiles import UnreadableFileError, decode_text_file

CONTENT_SUFFIXES = {".md", ".markdown", ".txt"}


def files_in(paths):
    """Expand folders into the content files inside them, in a stable order; README files are skipped."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and child.suffix.lower() in CONTENT_SUFFIXES
                    and not child.name.lower().startswith("readme")
                ):
                    yield child
        else:
            yield path


class FileImportCommand(BaseCommand):
    def read_text(self, path):
        """The file's repaired text and notes, or None after reporting why it cannot be read."""
        try:
            return decode_text_file(path.read_bytes())
        except OSError as exc:
            self.stderr.write(f"{path}: cannot be read: {exc.strerror or exc}")
        except UnreadableFileError as exc:
            self.report_failure(path, exc)
        return None

    def report_failure(self, path, error):
        self.stderr.write(f"{path}:{error.line}: {error.message}. Nothing from this file was imported.")

    def finish(self, counts):
        summary = ", ".join(f"{number} {name}" for name, number in counts.items() if number or name != "kept")
        self.stdout.write(f"Done: {summary}.")
        if counts.get("failed"):
            raise CommandError(f"{counts['failed']} file(s) could not be imported; see the messages above.")
