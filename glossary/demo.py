"""The demo glossary `load_demo` adds: only what is missing, never overwriting edits."""

from pathlib import Path

import reversion
import yaml
from django.db import transaction

from .models import Term

DEMO_FILE = Path(__file__).resolve().parent / "demo_content" / "terms.yaml"


def load_demo_terms():
    """Returns (created, kept) counts."""
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    existing = {name.casefold() for name in Term.objects.values_list("term", flat=True)}
    created = kept = 0
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment("Demo content loaded")
        for item in data["terms"]:
            if item["term"].casefold() in existing:
                kept += 1
                continue
            Term.objects.create(term=item["term"], other_forms=item.get("forms", ""), definition=item["definition"])
            created += 1
    return created, kept
