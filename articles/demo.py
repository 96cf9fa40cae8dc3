"""The demo articles `load_demo` adds: imported for review as the organisation's files are, then approved."""

from pathlib import Path

from review.demo import approve_as_demo_reviewer
from review.models import SignOff

from .models import Article

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
    return approve_as_demo_reviewer(waiting)
