"""
A treatment's page, assembled: the treatment a page address names, the rows
its page shows beside it (PageParts), and when the rendered content of the
page may be reused instead of rendered again.
"""

from dataclasses import dataclass

from django.http import Http404
from django.utils.functional import SimpleLazyObject

from core.models import sees_drafts
from pagecache.kept import kept_content

from .models import Treatment, TreatmentPoint

# A few common questions are enough on a treatment page; the FAQ holds them all.
RELATED_QUESTIONS_SHOWN = 8


def treatment_for_page(slug, user):
    """
    The treatment a page address names, in the page's language, as this person may see it (staff
    also see drafts), or Http404; with its reviewer, whom the page names, and its translations' addresses.
    Whether the public may see it now is asked of the row (is_live), not
    of the database: the same rule as PublishableQuerySet.published().
    """
    try:
        treatment = Treatment.objects.in_language().with_translations().select_related("reviewed_by").get(slug=slug)
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
    """The treatment page's kept parts (pagecache.kept), or None when it must be rendered afresh."""
    try:
        return kept_content(request, Treatment, slug)
    except Treatment.DoesNotExist:
        raise Http404("No such treatment.") from None


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
