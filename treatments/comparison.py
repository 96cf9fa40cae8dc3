"""
Treatments side by side (/treatments/compare/): what each says in each row
of the comparison, lined up, and the notes a reader needs to read a row
across.
"""

from dataclasses import dataclass

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Treatment, TreatmentPoint
from .page import PageParts


@dataclass(frozen=True)
class Comparison:
    """Treatments side by side: each row of the comparison lines up what each treatment says (comparison_of)."""

    treatments: list
    rows: list  # [Row, …]

    @property
    def names(self):
        """The treatments' titles as a sentence names them: "A, B and C"."""
        return and_list([treatment.title for treatment in self.treatments])


@dataclass(frozen=True)
class Row:
    label: str  # lazily translated: shown in the page's language
    id: str
    kind: str  # how a cell shows: "text", "list" (of points), "checklist" (questions) or "review"
    cells: list  # [(treatment, what it shows), …] in the treatments' order
    note: str = ""  # what a reader must know to read the row across (ROW_NOTES), shown beside its label


# The rows of a comparison: (label, id, kind, what each treatment shows there).
COMPARED = [
    (gettext_lazy("Summary"), "summary", "text", lambda t, p: t.summary),
    (gettext_lazy("Who it is for"), "who", "text", lambda t, p: t.suited_to),
    (gettext_lazy("Pros"), "pros", "list", lambda t, p: p.pros),
    (gettext_lazy("Cons"), "cons", "list", lambda t, p: p.cons),
    (gettext_lazy("Short-term effects"), "short-term", "list", lambda t, p: p.short_term_effects),
    (gettext_lazy("Long-term effects"), "long-term", "list", lambda t, p: p.long_term_effects),
    (gettext_lazy("Typical cost"), "cost", "text", lambda t, p: t.cost_range_display),
    (gettext_lazy("Questions to ask your care team"), "questions", "checklist", lambda t, p: p.questions_to_ask),
    (gettext_lazy("Medical review"), "review", "review", lambda t, p: t),
]


# A cost's period as a length of time in a sentence: "a year for Immunotherapy".
COST_PERIOD_IN_WORDS = {
    Treatment.CostPeriod.PER_YEAR: gettext_lazy("a year"),
    Treatment.CostPeriod.PER_MONTH: gettext_lazy("a month"),
    Treatment.CostPeriod.PER_CYCLE: gettext_lazy("one cycle"),
    Treatment.CostPeriod.ONE_OFF: gettext_lazy("the whole treatment"),
}


def unlike_cost_periods(treatments):
    """
    "$100,000–$200,000 per year" beside "$1,000–$12,000 per cycle" looks
    like a choice between a dear and a cheap treatment; it is not one. When
    the costs given cover different lengths of time, a plain note says which
    is which and how to compare like with like; "" when they can be read
    across (one period, or a single cost).
    """
    periods = {}
    for treatment in treatments:
        if treatment.cost_range_display:
            in_words = str(COST_PERIOD_IN_WORDS.get(treatment.cost_period, _("a length of time not given")))
            periods.setdefault(in_words, []).append(treatment.title)
    if len(periods) < 2:
        return ""
    which = ", ".join(
        # Translators: a cost's period and the treatments whose cost covers it, e.g. "a year for Immunotherapy".
        _("%(period)s for %(treatments)s") % {"period": period, "treatments": and_list(titles)}
        for period, titles in periods.items()
    )
    return _(
        "These costs are not for the same length of time: %(which)s. "
        "Ask your care team what your whole treatment would cost, to compare like with like."
    ) % {"which": which}


def and_list(words):
    """Words as a sentence lists them, in the page's language: "A and B", "A, B and C"."""
    return get_text_list(list(words), _("and"))


# The notes some rows need to be read across: (row id → what works the note out from the treatments).
ROW_NOTES = {"cost": unlike_cost_periods}


def comparison_of(treatments):
    """
    What the comparison page shows, for treatments already read (with their
    reviewers): their points in one query however many there are.
    """
    points = {}
    for point in TreatmentPoint.objects.filter(treatment__in=treatments):
        points.setdefault(point.treatment_id, []).append(point)
    parts = {
        t.pk: PageParts(tags=[], points=points.get(t.pk, []), references=[], common_questions=[]) for t in treatments
    }
    rows = [
        Row(
            label,
            row_id,
            kind,
            [(t, show(t, parts[t.pk])) for t in treatments],
            note=ROW_NOTES[row_id](treatments) if row_id in ROW_NOTES else "",
        )
        for label, row_id, kind, show in COMPARED
    ]
    return Comparison(treatments=list(treatments), rows=rows)
