"""
Weighing options: treatments side by side (/treatments/compare/?t=…&t=…),
"who it is for", and questions to take to the appointment.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.helpers import COMPARISON_ROWS, soup_of, visible
from treatments.models import Treatment, TreatmentPoint

pytestmark = pytest.mark.django_db
Kind = TreatmentPoint.Kind


@pytest.fixture
def three(make_treatment):
    made = {}
    for title, pro, question in [
        ("Immunotherapy", "Responses can last.", "Is my tumour PD-L1 positive?"),
        ("Chemotherapy", "Works on most types.", "How many cycles will I have?"),
        ("Hormone therapy", "Tablets at home.", "How many years will I take it?"),
    ]:
        made[title] = make_treatment(
            title,
            suited_to=f"People for whom {title.lower()} suits.",
            points=[(Kind.PRO, pro), (Kind.CON, f"A con of {title.lower()}."), (Kind.QUESTION, question)],
            cost_min=1000,
            cost_max=2000,
            cost_period=Treatment.CostPeriod.PER_YEAR,
        )
    return made


def compare(client, *slugs):
    return client.get("/treatments/compare/", {"t": list(slugs)})


def test_two_treatments_side_by_side_in_a_real_table_and_a_stacked_layout(client, three):
    response = compare(client, "immunotherapy", "chemotherapy")
    assert response.status_code == 200
    page = soup_of(response)
    assert visible(page.h1.get_text()) == "Compare immunotherapy and chemotherapy"
    assert len(page.find_all("h1")) == 1
    table = page.select_one(".compare-table table")
    assert [visible(th.get_text()) for th in table.select("thead th[scope=col]")] == ["Immunotherapy", "Chemotherapy"]
    assert [visible(th.get_text()) for th in table.select("tbody th[scope=row]")] == COMPARISON_ROWS
    rows = {
        visible(tr.th.get_text()): [visible(td.get_text()) for td in tr.select("td")] for tr in table.select("tbody tr")
    }
    assert rows["Pros"] == ["Responses can last.", "Works on most types."]
    assert rows["Who it is for"] == ["People for whom immunotherapy suits.", "People for whom chemotherapy suits."]
    assert rows["Typical cost"] == ["$1,000–$2,000 per year"] * 2
    assert rows["Questions to ask your care team"] == ["Is my tumour PD-L1 positive?", "How many cycles will I have?"]
    assert rows["Medical review"][0].startswith("Page last reviewed: 10 January 2026")
    # On a phone: each row a section, each treatment named above its part, so nothing depends on position.
    stacked = page.select(".compare-stacked section")
    assert [visible(s.h2.get_text()) for s in stacked] == COMPARISON_ROWS
    assert [visible(h.get_text()) for h in stacked[2].select("h3")] == ["Immunotherapy", "Chemotherapy"]
    # Every checkbox has its own label, in both layouts.
    boxes = page.select(".compare input[type=checkbox]")
    assert len({box["id"] for box in boxes}) == len(boxes)
    for box in boxes:
        assert page.find("label", attrs={"for": box["id"]}), box


def test_the_columns_follow_the_address_even_from_the_page_cache(client, three, commit):
    with commit():
        pass  # the treatments count as committed: pages of them are stored
    first = soup_of(compare(client, "immunotherapy", "chemotherapy", "hormone-therapy"))
    assert compare(client, "immunotherapy", "chemotherapy", "hormone-therapy")["X-Page-Cache"] == "hit"
    swapped = soup_of(compare(client, "hormone-therapy", "immunotherapy", "chemotherapy"))
    assert [visible(th.get_text()) for th in swapped.select("thead th[scope=col]")] == [
        "Hormone therapy",
        "Immunotherapy",
        "Chemotherapy",
    ]
    assert visible(first.h1.get_text()) == "Compare immunotherapy, chemotherapy and hormone therapy"


@pytest.mark.parametrize(
    ("slugs", "status", "message"),
    [
        (["immunotherapy"], 400, "Choose at least one more treatment to compare with immunotherapy."),
        (["immunotherapy", "chemotherapy", "hormone-therapy", "radiotherapy"], 404, "We could not find “radiotherapy”"),
        (["no-such-thing", "chemotherapy"], 404, "We could not find “no-such-thing”"),
        (["draft-treatment", "chemotherapy"], 404, "We could not find “draft-treatment”"),
    ],
)
def test_a_wrong_choice_gets_a_page_that_helps_choose_again(client, three, make_treatment, slugs, status, message):
    make_treatment("Draft treatment", status="draft")
    response = compare(client, *slugs)
    assert response.status_code == status
    page = soup_of(response)
    assert message in visible(page.select_one("[role=alert]").get_text())
    form = page.select_one("form.compare-chooser")
    assert form["action"] == "/treatments/compare/"
    assert form["method"] == "get"
    ticked = [box["value"] for box in form.select("input[checked]")]
    assert ticked == [slug for slug in slugs if slug in {"immunotherapy", "chemotherapy", "hormone-therapy"}]
    assert "draft-treatment" not in [box["value"] for box in form.select("input")]


def test_more_than_three_is_a_400_asking_to_untick_some(client, three, make_treatment):
    make_treatment("Radiotherapy")
    response = compare(client, "immunotherapy", "chemotherapy", "hormone-therapy", "radiotherapy")
    assert response.status_code == 400
    assert "untick 1 of them" in visible(soup_of(response).select_one("[role=alert]").get_text())


def test_the_chooser_without_a_choice_and_tidy_addresses(client, three):
    page = soup_of(client.get("/treatments/compare/"))
    assert [box["value"] for box in page.select("form.compare-chooser input")] == [
        "chemotherapy",
        "hormone-therapy",
        "immunotherapy",
    ]
    repeated = compare(client, "chemotherapy", "chemotherapy", "immunotherapy")
    assert repeated.status_code == 301
    assert repeated["Location"] == "/treatments/compare/?t=chemotherapy&t=immunotherapy"
    assert compare(client, "<script>", "chemotherapy").status_code == 404
    assert compare(client, *[f"t{n}" for n in range(11)]).status_code == 404


def test_compare_is_reached_from_the_list_and_from_each_treatment(client, three):
    listing = soup_of(client.get("/treatments/"))
    form = listing.select_one("form[action='/treatments/compare/']")
    boxes = form.select("input[type=checkbox][name=t]")
    assert sorted(box["value"] for box in boxes) == ["chemotherapy", "hormone-therapy", "immunotherapy"]
    for box in boxes:
        assert "Compare" in visible(listing.find("label", attrs={"for": box["id"]}).get_text())
    assert form.select_one("button[type=submit]")
    page = soup_of(client.get("/treatments/immunotherapy/"))
    link = page.find("a", string="Compare immunotherapy with other treatments")
    assert link["href"] == "/treatments/compare/?with=immunotherapy"
    chooser = client.get(link["href"])
    assert chooser.status_code == 200
    chooser_page = soup_of(chooser)
    assert "Choose one or two treatments to compare with immunotherapy." in visible(chooser_page.get_text())
    assert [box["value"] for box in chooser_page.select("form.compare-chooser input[checked]")] == ["immunotherapy"]
    assert client.get("/treatments/compare/?with=no-such-thing").status_code == 404


def cost_notes(client, *slugs):
    """The note beside the costs, as the table (wide screens and paper) and the stacked layout (phones) show it."""
    page = soup_of(compare(client, *slugs))
    table = [visible(p.get_text()) for p in page.select(".compare-table tbody tr .compare-note")]
    stacked = [visible(p.get_text()) for p in page.select(".compare-stacked .compare-note")]
    return table, stacked, page


@pytest.fixture
def priced(make_treatment):
    """Treatments whose costs cover different lengths of time, or none."""
    for title, low, high, period in [
        ("By cycle", 500, 900, Treatment.CostPeriod.PER_CYCLE),
        ("By year", 1000, 2000, Treatment.CostPeriod.PER_YEAR),
        ("Once", 300, 300, Treatment.CostPeriod.ONE_OFF),
        ("Also by cycle", 700, 800, Treatment.CostPeriod.PER_CYCLE),
        ("Not priced", None, None, ""),
    ]:
        make_treatment(title, cost_min=low, cost_max=high, cost_period=period)


LIKE_WITH_LIKE = "Ask your care team what your whole treatment would cost, to compare like with like."


def test_costs_for_different_lengths_of_time_say_they_cannot_be_set_side_by_side(client, priced):
    note = (
        f"These costs are not for the same length of time: one cycle for By cycle, a year for By year. {LIKE_WITH_LIKE}"
    )
    table, stacked, page = cost_notes(client, "by-cycle", "by-year")
    assert table == stacked == [note]
    cost_row = page.select_one(".compare-table .compare-note").find_parent("tr")
    assert [visible(td.get_text()) for td in cost_row.select("td")] == ["$500–$900 per cycle", "$1,000–$2,000 per year"]
    assert page.select_one(".compare-stacked .compare-note").find_parent("section")["aria-labelledby"] == "row-cost"

    table, _, _ = cost_notes(client, "by-year", "by-cycle", "also-by-cycle")
    assert table == [
        f"These costs are not for the same length of time: a year for By year, one cycle for By cycle and Also by "
        f"cycle. {LIKE_WITH_LIKE}"
    ]
    table, _, _ = cost_notes(client, "once", "by-year", "not-priced")
    assert table == [
        f"These costs are not for the same length of time: the whole treatment for Once, a year for By year. "
        f"{LIKE_WITH_LIKE}"
    ]


def test_costs_for_the_same_length_of_time_or_not_given_have_no_note(client, three, priced):
    assert cost_notes(client, "immunotherapy", "chemotherapy", "hormone-therapy")[:2] == ([], [])
    assert cost_notes(client, "by-cycle", "also-by-cycle")[:2] == ([], [])
    assert cost_notes(client, "by-cycle", "not-priced")[:2] == ([], []), "a cost not given has nothing to set beside"


@pytest.mark.parametrize("count", [2, 3])
def test_a_comparison_costs_the_same_queries_however_much_it_shows(
    client, make_treatment, django_assert_num_queries, count
):
    """The treatments with their reviewers, all their points, and the chooser's list: three queries."""
    slugs = []
    for number in range(count):
        treatment = make_treatment(f"Option {number}", points=[(Kind.PRO, f"Pro {n}.") for n in range(number * 10)])
        slugs.append(treatment.slug)
    with django_assert_num_queries(3):
        assert compare(client, *slugs).status_code == 200


def test_questions_to_ask_are_a_checklist_with_room_for_answers_on_paper(client, three):
    page = soup_of(client.get("/treatments/immunotherapy/"))
    section = page.select_one("section.questions-to-ask")
    assert visible(section.h2.get_text()) == "Questions to ask your care team"
    item = section.select_one(".checklist li")
    assert item.select_one("input[type=checkbox]")
    assert visible(item.label.get_text()) == "Is my tumour PD-L1 positive?"
    assert item.select_one(".answer-space[aria-hidden=true]"), "the lines to write on, shown when printed"
    assert visible(page.select_one(".suited-to").get_text()) == "Who it is for: People for whom immunotherapy suits."


def test_the_importer_reads_questions_to_ask_and_who_it_is_for(tmp_path):
    path = tmp_path / "tamoxifen.md"
    path.write_text(
        "---\ntitle: Tamoxifen\ndescription: A hormone tablet.\n"
        "who it is for: People with hormone receptor-positive cancer.\n---\n\nA tablet.\n\n"
        "## Questions to ask your doctor\n\n- How long will I take it?\n- What about hot flushes?\n"
    )
    call_command("import_treatments", str(path), "--no-images", stdout=StringIO())
    treatment = Treatment.objects.get(title="Tamoxifen")
    assert treatment.suited_to == "People with hormone receptor-positive cancer."
    assert [(p.kind, p.text) for p in treatment.points.all()] == [
        (Kind.QUESTION, "How long will I take it?"),
        (Kind.QUESTION, "What about hot flushes?"),
    ]


def test_the_demo_treatments_each_have_questions_to_ask(client):
    call_command("load_demo", stdout=StringIO())
    for treatment in Treatment.objects.all():
        assert treatment.points.filter(kind=Kind.QUESTION).count() >= 3, treatment
        assert treatment.suited_to, treatment
