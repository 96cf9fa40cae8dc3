"""
The interface's translations: every string the public site marks for translation, gathered from the
project's templates and code into locale/<language>/LC_MESSAGES/django.po, and compiled to the
django.mo Django reads.

Django's makemessages and compilemessages do the same with GNU gettext, which a new machine may not
have; this uses Babel (a test and tool requirement) and Django's own reading of templates
(templatize), so it runs wherever the tests run. Both files are committed, as Django commits its own:
the site needs nothing built to speak Spanish.

Each language of LANGUAGES and each folder of locale/ has a catalogue (a language's interface is
translated before its pages are opened to the public).

  manage.py update_translations          gather new strings, keep every translation, compile
  manage.py update_translations --check  change nothing; fail if a string is missing, untranslated
                                         or fuzzy, or if django.mo is not django.po compiled
"""

import io
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
# Folders inside an app that hold no public string.
SKIPPED = {"tests", "migrations", "management", "static"}
KEYWORDS = {
    "gettext": None,
    "gettext_lazy": None,
    "_": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def source_files():
    """
    The templates and Python modules of the site's own folders (its templates and each of its apps), in
    a fixed order: never what is installed beside them (.venv, .venv-audit), tests or tools.
    """
    project = Path(settings.BASE_DIR)
    configs = apps.get_app_configs()
    apps_here = sorted(Path(config.path).name for config in configs if Path(config.path).parent == project)
    for folder in [ROOT / "templates", *(ROOT / name for name in apps_here)]:
        for path in sorted(folder.rglob("*")):
            parts = set(path.relative_to(ROOT).parts)
            if parts & SKIPPED or not path.is_file():
                continue
            if path.suffix == ".py" or (path.suffix in {".html", ".txt", ".xml"} and "templates" in parts):
                yield path


def marked_strings():
    """A catalogue of every string marked for translation, each with where it is marked."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract

    catalog = Catalog(project=settings.SITE_NAME, charset="utf-8", fuzzy=False)
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            if "{% load i18n" not in text and " i18n " not in text:
                continue
            # Django's reading of the template, as Python-like lines, without the indentation that
            # would make Python's tokenizer stop (line numbers are kept).
            text = "\n".join(line.lstrip() for line in templatize(text, origin=str(path)).split("\n"))
        elif "gettext" not in text:
            continue
        for line, message, comments, context in extract("python", io.BytesIO(text.encode()), keywords=KEYWORDS):
            catalog.add(
                message, locations=[(str(path.relative_to(ROOT)), line)], auto_comments=comments, context=context
            )
    return catalog


def compiled(catalog):
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def written(catalog):
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalog, width=100, sort_output=True, omit_header=False, include_previous=False)
    return out.getvalue()


class Command(BaseCommand):
    help = "Gather the public site's strings into each language's catalogue and compile it (or --check them)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="change nothing; fail if anything is missing")

    def handle(self, *args, check=False, **options):
        try:
            from babel.messages.catalog import Catalog
            from babel.messages.pofile import read_po
        except ImportError:
            raise CommandError("update_translations needs Babel, a tool requirement: make install-dev") from None
        template = marked_strings()
        problems = []
        languages = {code for code, _name in settings.LANGUAGES} | {path.name for path in (ROOT / "locale").glob("*")}
        for code in sorted(languages - {settings.LANGUAGE_CODE}):
            folder = ROOT / "locale" / code / "LC_MESSAGES"
            po_path, mo_path = folder / "django.po", folder / "django.mo"
            if po_path.exists():
                with po_path.open("rb") as po:
                    catalog = read_po(po, locale=code)
            else:
                catalog = Catalog(
                    locale=code,
                    project=settings.SITE_NAME,
                    fuzzy=False,
                    header_comment=f"# The site's interface in {code}: manage.py update_translations gathers it.",
                )
            before, created = written(catalog), catalog.creation_date
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            # The same file for the same strings: no dates that change with each run.
            catalog.creation_date = catalog.revision_date = created
            untranslated = [message.id for message in catalog if message.id and (not message.string or message.fuzzy)]
            if check:
                if written(catalog) != before:
                    problems.append(f"{po_path.relative_to(ROOT)} is not up to date: run manage.py update_translations")
                if not mo_path.exists() or mo_path.read_bytes() != compiled(catalog):
                    problems.append(f"{mo_path.relative_to(ROOT)} is not {po_path.name} compiled")
                problems += [f"{po_path.relative_to(ROOT)}: no translation of “{message}”" for message in untranslated]
                continue
            folder.mkdir(parents=True, exist_ok=True)
            po_path.write_bytes(written(catalog))
            mo_path.write_bytes(compiled(catalog))
            self.stdout.write(
                f"{po_path.relative_to(ROOT)}: {len(catalog)} strings, {len(untranslated)} still to translate"
            )
        if problems:
            raise CommandError("\n".join(problems))
