"""The demo articles `load_demo` adds: imported for review as the organisation's files are, then approved."""

from pathlib import Path

import reversion
from django.db import transaction

from faq.models import Topic
from review.demo import approve_as_demo_reviewer
from review.models import SignOff

from .models import Article, ArticleQuestion

# A demo question the FAQ lists too, under this topic: an editor's choice a file cannot make.
LISTED_IN_THE_FAQ = ("Who do I call if I have a problem between visits?", "Treatment in general")

DEMO_DIR = Path(__file__).resolve().parent / "demo_content"


def approve_imported_demo_articles():
    """
    Approve, as the demo reviewer, the demo articles an import sent to review that nobody has reviewed
    yet. A change an editor submitted is theirs to have reviewed; an article already approved is left
    as it is. Returns how many were approved.
    """
    waiting = Article.objects.filter(
        source_id__startswith="ribbon-demo-",
        status=Article.Status.DRAFT,
        reviewed_by=None,
        sign_offs__state=SignOff.State.SUBMITTED,
        sign_offs__submitted_by=None,
    )
    with transaction.atomic():
        question, topic_name = LISTED_IN_THE_FAQ
        listed = ArticleQuestion.objects.filter(article__in=waiting, question=question, topic=None).first()
        topic = Topic.objects.filter(name=topic_name).first()
        if listed is not None and topic is not None:
            with reversion.create_revision():  # the version the demo reviewer approves holds the choice
                reversion.set_comment(f"Demo content: listed under “{topic_name}” in the FAQ")
                listed.topic = topic
                listed.save()
                reversion.add_to_revision(listed.article)
        return approve_as_demo_reviewer(waiting)
