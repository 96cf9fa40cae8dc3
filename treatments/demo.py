"""The demo treatments `load_demo` adds: imported for review as an organisation's files are, then approved."""

from pathlib import Path

from reversion.models import Version

from review.demo import approve_as_demo_reviewer
from review.models import SignOff

from .models import Treatment
from .parsing import parse_treatment

DEMO_DIR = Path(__file__).resolve().parent / "demo_content"
# Changes to English demo pages made after their translations, so that the demo shows a translation behind
# its English page: the Spanish page's notice, the review dashboard's list.
UPDATES_DIR = DEMO_DIR / "updates"


def approve_imported_demo_treatments():
    """
    Approve, as the demo reviewer, the demo treatments an import sent to review and nobody has reviewed
    yet (those just imported, or left so by a run that stopped). A change an editor submitted is theirs to
    have reviewed, and a treatment already approved is left as it is. Returns how many were approved.
    """
    ids = [parse_treatment(path.read_text(encoding="utf-8")).source_id for path in sorted(DEMO_DIR.glob("*.md"))]
    waiting = Treatment.objects.filter(
        source_id__in=ids,
        status=Treatment.Status.DRAFT,
        reviewed_by=None,
        sign_offs__state=SignOff.State.SUBMITTED,
        sign_offs__submitted_by=None,
    )
    return approve_as_demo_reviewer(waiting)


def demo_updates_to_import():
    """
    The files of UPDATES_DIR not imported yet. Each is imported once (its page's history names the file),
    so that staff's later edits of the page survive `load_demo` running again.
    """
    return [
        path
        for path in sorted(UPDATES_DIR.glob("*.md"))
        if not Version.objects.filter(revision__comment=f"Imported from {path.name}").exists()
    ]


def approve_demo_updates():
    """Approve, as the demo reviewer, the changes an update file sent to review (an editor's are theirs)."""
    ids = [parse_treatment(path.read_text(encoding="utf-8")).source_id for path in sorted(UPDATES_DIR.glob("*.md"))]
    waiting = Treatment.objects.filter(
        source_id__in=ids,
        status=Treatment.Status.PUBLISHED,
        sign_offs__state=SignOff.State.SUBMITTED,
        sign_offs__submitted_by=None,
    )
    return approve_as_demo_reviewer(waiting)
