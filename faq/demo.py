"""
The demo questions `load_demo` adds: only what is missing, never overwriting
edits, each approved by the demo reviewer (review.demo) as it is added. The
English file first; then each translation's file (`language`, and for each
topic and question the English one it translates), made from the English
questions as approved.
"""

from pathlib import Path

import reversion
import yaml
from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from review.demo import approve_as_demo_reviewer
from treatments.models import Treatment

from .models import Question, Topic

DEMO_DIR = Path(__file__).resolve().parent / "demo_content"
DEMO_FILES = [DEMO_DIR / "questions.yaml", *sorted(DEMO_DIR.glob("questions-*.yaml"))]


def load_demo_questions():
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
    english = settings.LANGUAGE_CODE
    # The treatments a question links, by the English page's address, in the question's language.
    treatments = {
        (treatment.translation_of or treatment).slug: treatment
        for treatment in Treatment.objects.in_language(language).select_related("translation_of")
    }
    added = []
    kept = 0
    with transaction.atomic():
        # One version for the demo content, as an editor opening its history would expect; then each
        # question's approval, as a reviewer's is. Added and approved together, or not at all.
        with reversion.create_revision():
            reversion.set_comment("Demo content loaded")
            for topic_order, topic_data in enumerate(data["topics"], start=1):
                topic = Topic.objects.filter(name=topic_data["name"]).first()
                if topic is None:
                    original = None
                    if "translation_of" in topic_data:
                        original = Topic.objects.get(name=topic_data["translation_of"], language=english)
                    topic = Topic.objects.create(
                        name=topic_data["name"],
                        order=topic_order,
                        description=topic_data.get("description", ""),
                        language=language,
                        translation_of=original,
                    )
                for order, item in enumerate(topic_data["questions"], start=1):
                    question = Question(
                        question=item["question"],
                        answer=item["answer"].strip(),
                        topic=topic,
                        order=order,
                        language=language,
                    )
                    if Question.objects.filter(slug=slugify(question.question)[:120]).exists():
                        kept += 1
                        continue
                    if "translation_of" in item:
                        original = Question.objects.get(question=item["translation_of"], language=english)
                        question.translation_of, question.made_from = original, original.version_to_translate()
                    question.save()  # a draft, until the demo reviewer approves it below
                    question.related_treatments.set(
                        [treatments[slug] for slug in item.get("treatments", []) if slug in treatments]
                    )
                    added.append(question)
        approve_as_demo_reviewer(added)
    return len(added), kept
