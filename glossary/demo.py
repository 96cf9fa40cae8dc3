"""
The demo glossary `load_demo` adds: only what is missing, never overwriting
edits. A definition is medical content, so each is approved by the demo
reviewer (review.demo) as it is added, as the demo's treatments and answers are.
The English file first; then each translation's file (`language`, and for each
term the English one it translates), made from the English terms as approved.
"""

from pathlib import Path

import reversion
import yaml
from django.conf import settings
from django.db import transaction

from review.demo import approve_as_demo_reviewer

from .models import Term

DEMO_DIR = Path(__file__).resolve().parent / "demo_content"
DEMO_FILES = [DEMO_DIR / "terms.yaml", *sorted(DEMO_DIR.glob("terms-*.yaml"))]


def load_demo_terms():
    """Returns (created, kept) counts."""
    created = kept = 0
    for path in DEMO_FILES:
        added, left = _load(yaml.safe_load(path.read_text(encoding="utf-8")))
        created, kept = created + added, kept + left
    return created, kept


def _load(data):
    language = data.get("language", settings.LANGUAGE_CODE)
    if language not in dict(settings.LANGUAGES):
        return 0, 0  # a translation of a language the site does not publish yet
    names = [item["term"] for item in data["terms"]]
    existing = {name.casefold() for name in Term.objects.in_language(language).values_list("term", flat=True)}
    added = []
    with transaction.atomic():
        # One version for the demo content, then each term's approval, as a reviewer's is: together, or not at all.
        with reversion.create_revision():
            reversion.set_comment("Demo content loaded")
            for item in data["terms"]:
                if item["term"].casefold() in existing:
                    continue
                term = Term(term=item["term"], other_forms=item.get("forms", ""), definition=item["definition"])
                term.language = language
                if "translation_of" in item:
                    original = Term.objects.get(term=item["translation_of"], language=settings.LANGUAGE_CODE)
                    term.translation_of, term.made_from = original, original.version_to_translate()
                term.save()  # a draft, until the demo reviewer approves it below
                added.append(term)
        approve_as_demo_reviewer([*added, *_published_before_review(names)])
    return len(added), len(names) - len(added)


def _published_before_review(names):
    """
    Demo terms public since before definitions were reviewed (the migration that made terms medical
    content kept them published): never approved, no change on its way to review. A term staff took
    back to draft, or one with a change an editor wrote, is theirs and left as it is.
    """
    unreviewed = Term.objects.filter(term__in=names, status=Term.Status.PUBLISHED, reviewed_by=None)
    return unreviewed.filter(sign_offs=None).order_by("pk")
