"""
The demo glossary `load_demo` adds: only what is missing, never overwriting
edits. A definition is medical content, so each is approved by the demo
reviewer (review.demo) as it is added, as the demo's treatments and answers are.
"""

from pathlib import Path

import reversion
import yaml
from django.db import transaction

from review.demo import approve_as_demo_reviewer

from .models import Term

DEMO_FILE = Path(__file__).resolve().parent / "demo_content" / "terms.yaml"


def load_demo_terms():
    """Returns (created, kept) counts."""
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    names = [item["term"] for item in data["terms"]]
    existing = {name.casefold() for name in Term.objects.values_list("term", flat=True)}
    added = []
    with transaction.atomic():
        # One version for the demo content, then each term's approval, as a reviewer's is: together, or not at all.
        with reversion.create_revision():
            reversion.set_comment("Demo content loaded")
            for item in data["terms"]:
                if item["term"].casefold() in existing:
                    continue
                added.append(
                    Term.objects.create(
                        term=item["term"], other_forms=item.get("forms", ""), definition=item["definition"]
                    )  # a draft, until the demo reviewer approves it below
                )
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
