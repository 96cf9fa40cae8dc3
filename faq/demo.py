"""
The demo questions `load_demo` adds: only what is missing, never overwriting
edits, each approved by the demo reviewer (review.demo) as it is added.
"""

from pathlib import Path

import reversion
import yaml
from django.db import transaction
from django.utils.text import slugify

from review.demo import approve_as_demo_reviewer
from treatments.models import Treatment

from .models import Question, Topic

DEMO_FILE = Path(__file__).resolve().parent / "demo_content" / "questions.yaml"


def load_demo_questions():
    """Returns (created, kept) counts."""
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    treatments = {treatment.slug: treatment for treatment in Treatment.objects.all()}
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
                    topic = Topic.objects.create(
                        name=topic_data["name"], order=topic_order, description=topic_data.get("description", "")
                    )
                for order, item in enumerate(topic_data["questions"], start=1):
                    question = Question(
                        question=item["question"], answer=item["answer"].strip(), topic=topic, order=order
                    )
                    if Question.objects.filter(slug=slugify(question.question)[:120]).exists():
                        kept += 1
                        continue
                    question.save()  # a draft, until the demo reviewer approves it below
                    question.related_treatments.set(
                        [treatments[slug] for slug in item.get("treatments", []) if slug in treatments]
                    )
                    added.append(question)
        approve_as_demo_reviewer(added)
    return len(added), kept
