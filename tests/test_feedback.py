"""
"Was this page helpful?" on every treatment, question and glossary page:
works on pages served from the page cache (no per-visitor token), accepts
only answers sent from this site's own pages about pages that ask, limits
repeats without storing who asked, and keeps nothing personal.
"""

import pytest

from feedback import views
from feedback.models import Feedback
from glossary.models import Term
from tests.helpers import signed_off, soup_of, visible

pytestmark = pytest.mark.django_db
SITE = "http://testserver"


@pytest.fixture
def pages(make_treatment, make_question, commit):
    with commit():
        treatment = make_treatment("Immunotherapy")
        question = make_question("Does it hurt?")
        signed_off(Term(term="Infusion", definition="A drip."))
        draft = make_treatment("Draft one", status="draft")
    return {"treatment": treatment.get_absolute_url(), "question": question.get_absolute_url(), "draft": draft}


def send(client, path, helpful="no", comment="", origin=SITE, **headers):
    if origin:
        headers["HTTP_ORIGIN"] = origin
    return client.post("/feedback/", {"path": path, "helpful": helpful, "comment": comment}, **headers)


def test_every_treatment_question_and_glossary_page_asks_without_a_token_and_stays_cached(client, pages):
    for path in (pages["treatment"], pages["question"], "/glossary/"):
        first = client.get(path)
        form = soup_of(first).select_one("form[action='/feedback/']")
        assert form["method"] == "post", path
        assert form.find("input", attrs={"name": "path"})["value"] == path
        assert not form.find("input", attrs={"name": "csrfmiddlewaretoken"}), "a stored page carries no token"
        box = form.find("textarea", attrs={"name": "comment"})
        assert form.find("label", attrs={"for": box["id"]})
        assert client.get(path)["X-Page-Cache"] == "hit", path


def test_the_form_asks_in_the_order_it_is_answered(client, pages):
    """The question first, then the optional note, then one button that sends both."""
    form = soup_of(client.get(pages["treatment"])).select_one("form[action='/feedback/']")
    question = form.find("fieldset")
    assert visible(question.legend.get_text()) == "Was this page helpful?"
    answers = question.select("input[type=radio][name=helpful]")
    assert [(a["value"], visible(a.find_parent("label").get_text())) for a in answers] == [
        ("yes", "Yes, it helped"),
        ("no", "No"),
    ]
    assert answers[0].has_attr("required"), "the browser asks for an answer before sending"
    in_order = [field.get("name") or field.get("type") for field in form.find_all(["input", "textarea", "button"])]
    assert in_order == ["path", "helpful", "helpful", "comment", "submit"]
    assert visible(form.find("button", type="submit").get_text()) == "Send"


def test_an_answer_is_kept_without_anything_about_the_reader(client, pages):
    response = send(client, pages["treatment"], "no", "  Nothing about   costs in the UK. ")
    assert response.status_code == 303
    assert response["Location"] == f"/feedback/thanks/?page={pages['treatment'].replace('/', '%2F')}"
    thanks = soup_of(client.get(response["Location"]))
    assert thanks.find("a", string="go back to the page you were reading")["href"] == pages["treatment"]
    kept = Feedback.objects.get()
    assert (kept.path, kept.helpful, kept.comment) == (pages["treatment"], False, "Nothing about costs in the UK.")
    assert {field.name for field in Feedback._meta.get_fields()} == {"id", "path", "helpful", "comment", "created_at"}


def test_contact_details_typed_into_a_note_are_removed(client, pages):
    send(client, pages["question"], "no", "Call me on +44 7700 900123 or mail ann.lee@example.org please")
    assert Feedback.objects.get().comment == "Call me on [number removed] or mail [e-mail removed] please"


@pytest.mark.parametrize(
    ("origin", "referer", "status"),
    [
        (None, None, 403),  # neither: not from one of our pages
        ("https://evil.example", None, 403),
        ("null", None, 403),
        (None, "https://evil.example/page", 403),
        (None, f"{SITE}/treatments/immunotherapy/", 303),  # browsers that send only the Referer
        (SITE, None, 303),
    ],
)
def test_only_answers_sent_from_this_sites_pages_are_kept(client, pages, origin, referer, status):
    headers = {"HTTP_REFERER": referer} if referer else {}
    response = send(client, pages["treatment"], origin=origin, **headers)
    assert response.status_code == status
    assert Feedback.objects.count() == (1 if status == 303 else 0)


@pytest.mark.parametrize("path", ["/faq/", "/admin/", "/treatments/draft-one/", "/treatments/nope/", "x", "/" * 400])
def test_an_answer_about_a_page_that_does_not_ask_is_a_400(client, pages, path):
    response = send(client, path)
    assert response.status_code == 400
    assert "We could not tell which page" in visible(soup_of(response).select_one("[role=alert]").get_text())
    assert not Feedback.objects.exists()


def test_a_missing_answer_or_an_overlong_note_is_a_400(client, pages):
    assert send(client, pages["treatment"], helpful="maybe").status_code == 400
    assert send(client, pages["treatment"], comment="x" * 501).status_code == 400
    assert client.get("/feedback/").status_code == 405
    assert not Feedback.objects.exists()


def test_repeats_are_limited_without_storing_who_sent_them(client, pages):
    assert send(client, pages["treatment"]).status_code == 303
    again = send(client, pages["treatment"], "yes")
    assert again.status_code == 429
    assert "We already have your answer about this page" in visible(soup_of(again).get_text())
    assert send(client, pages["question"]).status_code == 303, "another page may be answered"
    assert Feedback.objects.count() == 2


def test_a_second_answer_is_thanked_kindly_with_the_way_back_to_the_page(client, pages):
    send(client, pages["question"], "yes")
    page = soup_of(send(client, pages["question"], "no", "Second thoughts."))
    assert visible(page.h1.get_text()) == "Thank you"
    assert visible(page.select_one(".lead").get_text()) == (
        "We already have your answer about this page, so this one was not counted twice."
    )
    assert page.find("a", string="go back to the page you were reading")["href"] == pages["question"]
    assert not page.select("[role=alert]"), "nothing went wrong"
    assert Feedback.objects.count() == 1


def test_many_answers_from_one_connection_are_refused_with_the_way_back(client, pages, monkeypatch):
    monkeypatch.setattr(views, "PER_HOUR", 1)  # as if a whole ward shared one address
    send(client, pages["question"])
    refused = send(client, pages["treatment"])
    assert refused.status_code == 429
    page = soup_of(refused)
    assert "many answers from your connection" in visible(page.select_one("[role=alert]").get_text())
    assert page.find("a", string="Go back to the page you were reading")["href"] == pages["treatment"]


@pytest.mark.parametrize(
    "path",
    ["//evil.example/treatments/immunotherapy/", "https://evil.example/", "/\\evil.example/", "/treatments/nope/"],
)
def test_a_refusal_never_leads_off_the_site_or_to_a_page_that_does_not_ask(client, pages, path):
    send(client, pages["treatment"])
    page = soup_of(send(client, path))
    assert [a["href"] for a in page.select("main a")] == ["/"]


def test_staff_see_counts_per_page_and_the_notes_newest_first(client, editor, pages):
    send(client, pages["treatment"], "no", "First note.")
    send(client, pages["question"], "yes", "Second note.", REMOTE_ADDR="10.0.0.2")
    send(client, pages["treatment"], "yes", "", REMOTE_ADDR="10.0.0.3")
    client.force_login(editor)
    page = soup_of(client.get("/admin/feedback/feedback/"))
    rows = [[visible(c.get_text()) for c in tr.select("th, td")] for tr in page.select(".feedback-summary tbody tr")]
    assert [row[:4] for row in rows] == [[pages["treatment"], "1", "1", "1"], [pages["question"], "1", "0", "1"]]
    notes = [visible(td.get_text()) for td in page.select("#result_list td.field-comment")]
    assert notes == ["-", "Second note.", "First note."]  # the admin shows an empty note as "-"
    assert client.get("/admin/feedback/feedback/add/").status_code == 403


def test_sending_an_answer_costs_the_same_queries_however_much_feedback_there_is(
    client, pages, django_assert_num_queries
):
    Feedback.objects.bulk_create(Feedback(path=pages["treatment"], helpful=True) for _ in range(50))
    with django_assert_num_queries(2):  # is the page public, then the insert
        assert send(client, pages["question"]).status_code == 303
