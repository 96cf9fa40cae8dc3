"""
One content pipeline with nothing that can go stale: markdown is rendered
once, on save, by the one renderer (and again by `rerender_content` when the
renderer changes); everything else on a page is rendered from the rows when
the page is built, and the page cache carries anonymous traffic.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import markdown
from donations.models import Campaign
from faq.models import Question
from treatments.models import Reference, Treatment, TreatmentPoint

from .helpers import form_values, soup_of

pytestmark = pytest.mark.django_db

Kind = TreatmentPoint.Kind
TABLE = "| Week | Dose |\n|---|---|\n| 1 | Full |\n"


@pytest.fixture
def eight_point_treatment(make_treatment):
    kinds = [*Kind, Kind.PRO]  # every kind, and eight in all
    points = [(kind, f"Point {number} of {kind.label}.") for number, kind in enumerate(kinds)]
    treatment = make_treatment("Chemotherapy", tags=["Systemic", "Early-stage"], points=points)
    for order in range(2):
        treatment.references.create(title=f"Source {order}", url=f"https://example.org/{order}", order=order)
    assert treatment.points.count() == 8
    return treatment


# Keeping a version of the whole page (django-reversion, issue 13) costs the same
# whatever the page holds: a savepoint and its release, reading back the tags,
# points and references to store them, checking each kind of row still exists,
# and inserting the revision and all its versions in one statement (10); and
# making sure nobody saved in between: lock the row, read its latest version (2).
VERSION_QUERIES = 12


def _save_queries(client, treatment, rows_changed):
    change = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = form_values(client.get(change).content)
    data["summary"] = f"A new summary ({rows_changed} rows changed)."
    for index in range(rows_changed):
        data[f"points-{index}-text"] = f"Reworded point {index} ({rows_changed})."
    data["references-0-title"] = f"A renamed source ({rows_changed})"
    with CaptureQueriesContext(connection) as queries:
        response = client.post(change, data)
    assert response.status_code == 302, soup_of(response).select(".errorlist")
    return queries.captured_queries


def test_an_admin_save_of_a_treatment_with_eight_points_makes_at_most_30_queries(client, editor, eight_point_treatment):
    """
    At most 30 for the save itself (issue 11), plus the constant cost of keeping its version. A draft: the save
    applies as it is (a published page's save becomes a pending change, measured in the next test).
    """
    from django.contrib.contenttypes.models import ContentType

    Treatment.objects.filter(pk=eight_point_treatment.pk).update(status="draft")
    ContentType.objects.get_for_models(Treatment, TreatmentPoint, Reference)  # cached in a running server
    client.force_login(editor)
    one_row = _save_queries(client, eight_point_treatment, 1)
    queries = _save_queries(client, eight_point_treatment, 8)  # every row changed: the most a save can write
    assert len(queries) <= 30 + VERSION_QUERIES, "\n".join(query["sql"][:150] for query in queries)
    assert len(queries) - len(one_row) == 7, "the version costs nothing per row: only the 7 extra updates differ"
    page = soup_of(client.get(eight_point_treatment.get_absolute_url()))
    assert page.select_one(".lead").get_text() == "A new summary (8 rows changed)."
    assert "Reworded point 7 (8)." in page.select_one("main").get_text()
    assert page.find("a", string="A renamed source (8)")


# A published page's save is kept as a pending change (review.admin.MedicalContentAdmin): on top of the save,
# find the approved version and the sign-off, lock the row, put the approved page back (its row, tags and each
# kind of row, a few queries each, whatever the page holds) and record the change for review.
PENDING_CHANGE_QUERIES = 35


def test_a_change_to_a_published_page_costs_the_same_however_many_rows_it_changes(
    client, editor, eight_point_treatment
):
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_models(Treatment, TreatmentPoint, Reference)  # cached in a running server
    client.force_login(editor)
    _save_queries(client, eight_point_treatment, 2)  # the first change; the next ones are made on top of it
    one_row = _save_queries(client, eight_point_treatment, 1)
    queries = _save_queries(client, eight_point_treatment, 8)
    assert len(queries) <= 30 + VERSION_QUERIES + PENDING_CHANGE_QUERIES, "\n".join(q["sql"][:150] for q in queries)
    assert len(queries) - len(one_row) == 7, "only the 7 extra row updates of the save itself differ"
    client.logout()
    page = soup_of(client.get(eight_point_treatment.get_absolute_url()))
    assert page.select_one(".lead").get_text() != "A new summary (8 rows changed).", "the public page waits"


def test_a_changed_template_reaches_pages_saved_before_it(client, eight_point_treatment, make_question, tmp_path):
    """After a deploy that changes how facts, tags or question links look, every page shows the new look."""
    make_question("Does it hurt?", treatments=[eight_point_treatment])
    templates = Path(settings.BASE_DIR) / "templates" / "treatments"
    changed = tmp_path / "treatments"
    (changed / "includes").mkdir(parents=True)
    facts = (templates / "includes" / "facts.html").read_text()
    (changed / "includes" / "facts.html").write_text('<p class="new-facts">changed</p>' + facts)
    lead = (templates / "includes" / "lead.html").read_text()
    lead = lead.replace('<ul class="tag-list"', '<p class="new-tags">changed</p><ul class="tag-list"')
    (changed / "includes" / "lead.html").write_text(lead)
    page = (templates / "includes" / "page.html").read_text()
    page = page.replace(
        '<section class="related-questions"', '<p class="new-questions">changed</p><section class="related-questions"'
    )
    (changed / "includes" / "page.html").write_text(page)
    deployed = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    with override_templates(deployed):
        page = soup_of(client.get(eight_point_treatment.get_absolute_url()))
    for marker in ("new-facts", "new-tags", "new-questions"):
        assert page.select_one(f".{marker}"), marker


def override_templates(templates):
    from django.test import override_settings

    return override_settings(TEMPLATES=templates)


def test_a_tightened_allowlist_reaches_every_stored_html_field(
    client, make_treatment, make_question, make_campaign, monkeypatch
):
    treatment = make_treatment("Radiotherapy", body=f"Schedule:\n\n{TABLE}")
    question = make_question("How often?", answer=f"Usually:\n\n{TABLE}")
    campaign = make_campaign("Spring", story=f"Plan:\n\n{TABLE}", thank_you_message=f"Spent on:\n\n{TABLE}")
    assert "<table>" in treatment.body_html

    # A security fix: tables are no longer allowed.
    monkeypatch.setattr(markdown, "ALLOWED_TAGS", markdown.ALLOWED_TAGS - {"table", "thead", "tbody", "tr", "th", "td"})
    out = StringIO()
    call_command("rerender_content", stdout=out)
    assert "4 row(s) rendered again" not in out.getvalue()  # 3 rows: the campaign has two fields in one row
    assert "3 row(s) rendered again" in out.getvalue()

    treatment.refresh_from_db()
    question.refresh_from_db()
    campaign.refresh_from_db()
    for html in (treatment.body_html, question.answer_html, campaign.story_html, campaign.thank_you_html):
        assert "<table" not in html
        assert "Full" in html  # the words stay, the markup goes
    assert "<table" not in client.get(treatment.get_absolute_url()).content.decode()
    assert "<table" not in client.get(question.get_absolute_url()).content.decode()

    again = StringIO()
    call_command("rerender_content", stdout=again)
    assert "nothing to do" in again.getvalue()


def test_rerender_content_reports_progress_and_leaves_edit_dates_alone(make_treatment):
    treatments = [make_treatment(f"Treatment {number}", body="**bold**") for number in range(3)]
    Treatment.objects.update(rendered_with="old", body_html="<p>stale</p>")
    before = list(Treatment.objects.order_by("pk").values_list("updated_at", flat=True))
    out = StringIO()
    call_command("rerender_content", stdout=out)
    assert "treatments: 3 of 3 rendered again" in out.getvalue()
    assert list(Treatment.objects.order_by("pk").values_list("updated_at", flat=True)) == before
    assert {t.body_html for t in Treatment.objects.all()} == {"<p><strong>bold</strong></p>"}
    assert len(treatments) == Treatment.objects.filter(rendered_with=markdown.renderer_version()).count()


def test_the_renderer_version_follows_its_allowlist(monkeypatch):
    before = markdown.renderer_version()
    monkeypatch.setattr(markdown, "ALLOWED_URL_SCHEMES", {"https"})
    assert markdown.renderer_version() != before


def test_question_search_text_comes_from_one_method_on_every_path(client, make_question):
    """save(), bulk creation (volume data) and rerender_content all fill in the same derived fields."""
    saved = make_question("Can I drive?", answer="Usually *yes*, after the first week.")
    built = Question(question=saved.question, answer=saved.answer, topic=saved.topic)
    built.refresh_derived_fields()
    for field in Question.derived_field_names():
        assert getattr(built, field) == getattr(saved, field), field
    Question.objects.update(answer_text="", rendered_with="")
    assert "Can I drive?" in client.get("/faq/", {"q": "drive"}).text, "the question is searched"
    assert "Can I drive?" not in client.get("/faq/", {"q": "first week"}).text
    call_command("rerender_content", stdout=StringIO())
    saved.refresh_from_db()
    assert saved.answer_text == built.answer_text
    assert "Can I drive?" in client.get("/faq/", {"q": "first week"}).text, "the answer is searched again"


def test_no_stored_copy_of_related_rows_is_kept():
    """Fragments made from other rows (facts, tags, question links) go stale: only a row's own text is stored."""
    for model in (Treatment, Question, Campaign):
        stored = {field.name for field in model._meta.get_fields() if field.name.endswith("_html")}
        assert stored == set(model.markdown_fields.values()), model


def test_an_inline_row_of_another_treatment_cannot_be_edited_through_this_one(
    client, editor, eight_point_treatment, make_treatment
):
    """Row ids are checked against the treatment's own rows (loaded once), never trusted."""
    other = make_treatment("Other", points=[(Kind.PRO, "Someone else's point.")])
    client.force_login(editor)
    change = f"/admin/treatments/treatment/{eight_point_treatment.pk}/change/"
    data = form_values(client.get(change).content)
    data["points-0-id"] = str(other.points.get().pk)
    data["points-0-text"] = "Overwritten from elsewhere."
    response = client.post(change, data)
    assert response.status_code == 200
    assert soup_of(response).select_one(".errornote"), "the form is refused, not saved"
    assert other.points.get().text == "Someone else's point."
