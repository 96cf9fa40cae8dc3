"""
What every importer of the organisation's files shares: finding the files,
reading them, and reporting a failure as `path:line: reason`.

Importers are run by an operator on the server, but the files come from
elsewhere: a folder may hold links to files the operator never meant to
publish, and any file may be huge or hostile. So a folder yields only the
regular files that really live inside it, a file is read only up to a size
limit, and whatever goes wrong with one file (its text, its data, the
database) fails that file alone: nothing of it is written, the others are
still imported, and the command ends with a non-zero exit code.
"""

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import reversion
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from importing.decoding import UnreadableFileError, decode_text_file

CONTENT_SUFFIXES = {".md", ".markdown", ".txt"}
MAX_FILE_BYTES = 1024 * 1024  # the organisation's longest file is about 12 KB
MAX_NOTES_SHOWN = 20  # per file; a hostile file could otherwise print a note per line


@dataclass
class FoundFile:
    path: Path
    skipped: str = ""  # why the file is not read, for the person running the import


def _inside(path, root):
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a broken or looping link
        return False


def files_in(paths):
    """
    The content files to import, in a stable order. A folder gives the
    content files inside it (README files left out); anything in it that
    resolves outside the folder, such as a link to a private file elsewhere,
    is skipped with a note rather than followed.
    """
    for raw in paths:
        given = Path(raw)
        if not given.is_dir():
            yield FoundFile(given)  # named by the operator: read it (or report why it cannot be)
            continue
        root = given.resolve()
        found = []
        for folder, folders, names in os.walk(given, followlinks=False):
            for name in folders:
                if Path(folder, name).is_symlink() and not _inside(Path(folder, name), root):
                    found.append(FoundFile(Path(folder, name), "it is a link to a folder outside the folder given"))
            for name in names:
                path = Path(folder, name)
                if path.suffix.lower() not in CONTENT_SUFFIXES or name.lower().startswith("readme"):
                    continue
                if not _inside(path, root):
                    found.append(FoundFile(path, "it is a link to a file outside the folder given"))
                elif path.is_file():  # not a pipe, device or dangling link
                    found.append(FoundFile(path))
        yield from sorted(found, key=lambda item: str(item.path))


@dataclass
class FileOutcome:
    """What importing one file did: counts to add, and lines for the person running the import."""

    counts: dict
    lines: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    # What must run once the file's version is saved, in its transaction (keeping a change for review).
    after_revision: list = field(default_factory=list)


class FileImportCommand(BaseCommand):
    """Runs `import_file(path, decoded)` for each file, each on its own; see the module docstring."""

    count_names = ("created", "updated", "unchanged")
    publish = False  # --publish, where an importer offers it: the operator's own publication

    def import_file(self, path, decoded):  # pragma: no cover - every importer defines it
        raise NotImplementedError

    def import_files(self, paths):
        counts = dict.fromkeys((*self.count_names, "skipped", "failed"), 0)
        for found in self.in_order(list(files_in(paths))):
            if found.skipped:
                self.stderr.write(for_terminal(f"{found.path}: skipped: {found.skipped}."))
                counts["skipped"] += 1
                continue
            try:
                decoded = self.read_text(found.path)
                with transaction.atomic():  # the file, all of it or none
                    with reversion.create_revision():  # one version per file
                        reversion.set_comment(f"Imported from {found.path.name}")
                        outcome = self.import_file(found.path, decoded)
                    for step in outcome.after_revision:
                        step()
            except UnreadableFileError as exc:
                self.report_failure(found.path, exc.line, exc.message)
            except DatabaseError as exc:
                self.report_failure(
                    found.path, 1, f"the database refused this file ({type(exc).__name__}: {_first_line(exc)})"
                )
            except Exception as exc:  # noqa: BLE001 - one file's surprise must not stop the others
                self.report_failure(
                    found.path, 1, f"this file could not be imported ({type(exc).__name__}: {_first_line(exc)})"
                )
            else:
                for name, number in outcome.counts.items():
                    counts[name] += number
                for line in outcome.lines:
                    self.stdout.write(for_terminal(line))
                self.write_notes(decoded.notes + outcome.notes)
                continue
            counts["failed"] += 1
        self.finish(counts)

    def told(self, result):
        """
        What became of a written page (`result.action`, `result.after_revision`), for the operator: public
        now (--publish), or waiting for a medical reviewer.
        """
        if result.action not in {"created", "updated"}:
            return ""
        if self.publish:
            return " (published)"
        if result.after_revision:
            return " (the change waits for medical review; the public page is unchanged)"
        return " (a draft, submitted for medical review)"

    def in_order(self, found):
        """The order the files are imported in: as found, unless an importer needs some first."""
        return found

    def read_text(self, path):
        """The file's repaired text and notes; UnreadableFileError says why it cannot be read."""
        try:
            if not path.is_file():
                raise UnreadableFileError(1, "there is no such file (or it is not a regular file)")
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise UnreadableFileError(1, f"it cannot be read ({exc.strerror or exc})") from None
        if len(data) > MAX_FILE_BYTES:
            raise UnreadableFileError(
                1, f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, far beyond any real page"
            )
        return decode_text_file(data)

    def write_notes(self, notes):
        for message in notes[:MAX_NOTES_SHOWN]:
            self.stdout.write(for_terminal(f"  note: {message}"))
        if len(notes) > MAX_NOTES_SHOWN:
            self.stdout.write(f"  note: … and {len(notes) - MAX_NOTES_SHOWN} more notes like these")

    def report_failure(self, path, line, message):
        self.stderr.write(for_terminal(f"{path}:{line}: {message}. Nothing from this file was imported."))

    def finish(self, counts):
        summary = ", ".join(
            f"{number} {name}" for name, number in counts.items() if number or name not in {"kept", "skipped"}
        )
        self.stdout.write(f"Done: {summary}.")
        if counts.get("failed"):
            raise CommandError(f"{counts['failed']} file(s) could not be imported; see the messages above.")


def imported_at_once():
    """Why a published page changed without review, in the words of the import's version ("Imported from a.md")."""
    source = reversion.get_comment() if reversion.is_active() else ""
    return f"{source or 'Imported'}, published at once by the operator"


def for_terminal(text):
    """
    Text safe to print to the operator's terminal: control and format
    characters (a file name or YAML value can carry ESC sequences that
    recolour, retitle or clear the terminal) are shown as escapes instead.
    """
    return "".join(
        char if char == "\n" or unicodedata.category(char) not in {"Cc", "Cf"} else repr(char)[1:-1]
        for char in str(text)
    )


def _first_line(exc):
    return (str(exc).strip().splitlines() or [""])[0][:300]
