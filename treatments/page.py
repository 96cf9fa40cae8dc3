"""
A treatment's page, assembled: the treatment a page address names, the rows
its page shows beside it (PageParts), and when the rendered content of the
page may be reused instead of rendered again.
"""

from dataclasses import dataclass

from django.http import Http404
from django.utils.functional import SimpleLazyObject

from core.models import sees_drafts
from pagecache.generations import content_state, has_uncommitted_changes, lifetime
from pagecache.tags import is_collecting

from .models import Treatment, TreatmentPoint

# A few common questions are enough on a treatment page; the FAQ holds them all.
RELATED_QUESTIONS_SHOWN = 8
# The longest a worker keeps a live page's rendered content (CACHES["fragments"]); any edit of content
# replaces it sooner, and so does the next go-live or expiry of anything published.
CONTENT_KEPT_SECONDS = 3600


def treatment_for_page(slug, user):
    """
    The treatment a page address names, as this person may see it (staff
    also see drafts), or Http404; with its reviewer, whom the page names.
    Whether the public may see it now is asked of the row (is_live), not
    of the database: the same rule as PublishableQuerySet.published().
    """
    try:
        treatment = Treatment.objects.select_related("reviewed_by").get(slug=slug)
    except Treatment.DoesNotExist:
        raise Http404("No such treatment.") from None
    if not (treatment.is_live or sees_drafts(user)):
        raise Http404("No such treatment.")
    return treatment


def page_parts(treatment):
    """
    The rows the treatment's page shows beside the treatment: its tags,
    points, references and first few common questions, one query each.
    Lazy: neither built nor read when the page's content is reused.
    """
    return SimpleLazyObject(lambda: _parts_of(treatment))


def _parts_of(treatment):
    # The FAQ's questions link to treatments; the links show no answers, so those are not read. The
    # treatment's links are found first (a subquery): with the schedule's conditions beside it, SQLite
    # would otherwise read every published question to find them.
    questions = Treatment.questions.rel.related_model.objects.published().filter(
        pk__in=Treatment.questions.through.objects.filter(treatment=treatment).values("question_id")
    )
    return PageParts(
        tags=list(treatment.tags.all()),
        points=list(treatment.points.all()),
        references=list(treatment.references.all()),
        common_questions=list(questions.only("slug", "question")[:RELATED_QUESTIONS_SHOWN]),
    )


def kept_page(request, slug):
    """
    What the rendered parts of this treatment's page are kept under ({"key":
    …, "seconds": …}, for the template's {% cache %}), or None when the page
    must be rendered afresh. Only the row's version is read here (its
    update time and whether it is live); the whole row and its parts only
    if the page is rendered. Kept as long as the page cache would keep the
    whole page, whether or not the page cache is on: until content is next
    changed anywhere (the content's state, pagecache.generations, is part of
    the key), something goes live or expires, or midnight passes. Never for
    staff (they may see drafts), a page the public cannot see, while this
    request's own changes are not committed, nor for a page the page cache
    will store: it must read every row it shows, to record them
    (pagecache.tags).
    """
    if sees_drafts(request.user) or has_uncommitted_changes() or is_collecting():
        return None
    generation = content_state()
    if generation is None:
        return None  # the shared cache is out of reach: nobody could tell this worker of an edit
    version = Treatment.objects.only("updated_at", "status", "go_live_at", "expires_at").filter(slug=slug).first()
    if version is None:
        raise Http404("No such treatment.")
    if not version.is_live:
        return None
    key = f"{generation} {request.build_absolute_uri('/')} {version.pk} {version.updated_at.isoformat()}"
    return {"key": key, "seconds": lifetime(generation, CONTENT_KEPT_SECONDS)}


@dataclass(frozen=True)
class PageParts:
    """What a treatment's page shows beside the treatment (page_parts), grouped as the page groups it."""

    tags: list
    points: list
    references: list
    common_questions: list

    def points_of(self, kind):
        return [point for point in self.points if point.kind == kind]

    @property
    def pros(self):
        return self.points_of(TreatmentPoint.Kind.PRO)

    @property
    def cons(self):
        return self.points_of(TreatmentPoint.Kind.CON)

    @property
    def short_term_effects(self):
        return self.points_of(TreatmentPoint.Kind.SHORT_TERM)

    @property
    def long_term_effects(self):
        return self.points_of(TreatmentPoint.Kind.LONG_TERM)

    @property
    def cost_notes(self):
        return self.points_of(TreatmentPoint.Kind.COST)

    @property
    def return_on_investment(self):
        return self.points_of(TreatmentPoint.Kind.RETURN)

    @property
    def questions_to_ask(self):
        return self.points_of(TreatmentPoint.Kind.QUESTION)
