"""Questions and answers: the FAQ page, search, topic and question pages, admin."""

import json

import pytest

from faq.models import Topic
from treatments.models import Treatment

from .helpers import soup_of, visible

pytestmark = pytest.mark.django_db


# Model ---------------------------------------------------------------------------


def test_answer_is_rendered_sanitised_and_kept_as_plain_text(make_question):
    question = make_question(
        "Is it safe?", answer="**Yes**, mostly. <script>alert(1)</script>\n\nSee [NCI](https://www.cancer.gov)."
    )
    assert "<strong>Yes</strong>" in question.answer_html
    assert "<script" not in question.answer_html
    assert question.answer_text == "Yes, mostly. See NCI."
    assert question.slug == "is-it-safe"


def test_search_ignores_case_accents_and_curly_quotes(client, make_question):
    make_question("Can I have chimiothérapie?", answer="You don’t need to fast.")
    for query in ("CHIMIOTHERAPIE", "chimiothérapie", "don't", "don’t fast"):
        page = soup_of(client.get("/faq/", {"q": query}))
        assert [d.summary.get_text() for d in page.select("details.faq-item")] == ["Can I have chimiothérapie?"], query


# The FAQ page ------------------------------------------------------------------------


def test_faq_page_groups_published_questions_by_topic_in_order(client, make_question):
    donating = Topic.objects.create(name="Donating", order=2)
    Topic.objects.create(name="Immunotherapy", order=1)
    make_question("Second immunotherapy question?", order=2)
    make_question("First immunotherapy question?", order=1)
    make_question("Where does my money go?", topic=donating.name)
    make_question("A draft question?", status="draft")
    page = soup_of(client.get("/faq/"))
    assert [a.get_text() for a in page.select(".contents a")] == ["Immunotherapy", "Donating"]
    assert page.select_one(".contents a")["href"] == "#topic-immunotherapy"
    sections = page.select("section.faq-topic")
    assert [s.h2.get_text() for s in sections] == ["Immunotherapy", "Donating"]
    assert [d.summary.get_text() for d in sections[0].select("details")] == [
        "First immunotherapy question?",
        "Second immunotherapy question?",
    ]
    assert "A draft question?" not in page.get_text()


def test_each_question_is_a_native_expander_with_a_stable_anchor(client, make_question):
    question = make_question("How long does treatment last?", answer="Usually a **year**.")
    page = soup_of(client.get("/faq/"))
    details = page.find("details", id="how-long-does-treatment-last")
    assert details.summary.get_text() == "How long does treatment last?"
    assert details.find("strong").get_text() == "year"
    assert details.find("a", href=question.get_absolute_url())
    assert not details.has_attr("open")
    assert page.find("script", src=lambda src: src and src.endswith("js/faq.js"))


def test_faq_json_ld_matches_the_visible_text(client, make_question):
    make_question(
        "Is it covered by insurance?",
        answer="Often, yes.\n\nAsk your **insurer** and [the hospital](https://example.org).",
    )
    make_question("Who can have it?", answer="People with *triple-negative* cancer.")
    # Marked up once, on the topic's page; the FAQ index, which shows the first few of each topic, is not marked up.
    assert not soup_of(client.get("/faq/")).find("script", type="application/ld+json")
    page = soup_of(client.get("/faq/topic/immunotherapy/"))
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["@type"] == "FAQPage"
    shown = {d.summary.get_text(): visible(d.select_one(".prose").get_text()) for d in page.select("details.faq-item")}
    assert {entry["name"]: entry["acceptedAnswer"]["text"] for entry in data["mainEntity"]} == shown
    assert all(entry["@type"] == "Question" for entry in data["mainEntity"])


# Search ------------------------------------------------------------------------------


@pytest.fixture
def searchable(make_question):
    make_question("Will insurance cover my treatment?", answer="Most plans cover standard treatment.")
    make_question("Can I give every month?", answer="Yes, choose monthly. You don’t need an account.", topic="Donating")
    make_question("Is chimiothérapie painful?", answer="The infusion itself does not hurt.")
    make_question("Hidden insurance draft?", answer="Secret.", status="draft")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("insurance", ["Will insurance cover my treatment?"]),
        ("INSURANCE cover", ["Will insurance cover my treatment?"]),
        ("insurance monthly", []),  # every word must match
        ("plans standard", ["Will insurance cover my treatment?"]),  # words from the answer
        ("chimiotherapie", ["Is chimiothérapie painful?"]),  # accents ignored
        ("Chimiothérapie", ["Is chimiothérapie painful?"]),
        ("don't", ["Can I give every month?"]),  # curly quotes ignored
        ("don’t", ["Can I give every month?"]),
        ("100%", []),
        ("_", []),
    ],
)
def test_search_finds_questions_containing_every_word(client, searchable, query, expected):
    page = soup_of(client.get("/faq/", {"q": query}))
    assert [d.summary.get_text() for d in page.select("details.faq-item")] == expected


def test_search_shows_the_count_and_keeps_the_query(client, searchable):
    page = soup_of(client.get("/faq/?q=insurance"))
    assert page.find("input", id="faq-search")["value"] == "insurance"
    assert visible(page.select_one(".result-count").get_text()) == "1 question matches “insurance”."
    assert page.find("details", id="will-insurance-cover-my-treatment").has_attr("open")
    assert len(page.find_all("h1")) == 1


def test_search_says_clearly_when_nothing_matched(client, searchable):
    page = soup_of(client.get("/faq/?q=zzzz"))
    assert "No questions matched “zzzz”." in page.get_text()
    assert page.find("a", href="/faq/", string="see all questions")
    assert page.find("input", id="faq-search")["value"] == "zzzz"


def test_a_blank_or_huge_query_is_handled(client, searchable):
    blank = client.get("/faq/?q=+++")
    assert blank.status_code == 301
    assert blank["Location"] == "/faq/"
    huge = client.get("/faq/", {"q": "insurance " * 500})
    assert huge.status_code == 301, "cut to the 200 characters the search box takes"
    assert len(huge["Location"]) < 300
    assert client.get(huge["Location"]).status_code == 200


def test_search_results_are_never_marked_up_as_an_faq_page(client, searchable):
    assert not soup_of(client.get("/faq/?q=insurance")).find("script", type="application/ld+json")


# Topic and question pages ---------------------------------------------------------------


def test_topic_page_lists_its_published_questions_with_json_ld(client, make_question):
    make_question("Where does my money go?", topic="Donating", order=1)
    make_question("Can I give monthly?", topic="Donating", order=2)
    make_question("Draft?", topic="Donating", status="draft")
    make_question("Other topic?", topic="Immunotherapy")
    page = soup_of(client.get("/faq/topic/donating/"))
    assert page.h1.get_text() == "Donating: questions and answers"
    assert [d.summary.get_text() for d in page.select("details")] == ["Where does my money go?", "Can I give monthly?"]
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert [entry["name"] for entry in data["mainEntity"]] == ["Where does my money go?", "Can I give monthly?"]


def test_unknown_or_empty_topics_are_not_found(client, make_question):
    make_question("Draft only?", topic="Empty", status="draft")
    assert client.get("/faq/topic/empty/").status_code == 404
    assert client.get("/faq/topic/nope/").status_code == 404


def test_question_page_shows_the_answer_and_published_related_treatments(client, make_question, make_treatment):
    live = make_treatment("Immunotherapy")
    hidden = make_treatment("Secret therapy", status=Treatment.Status.DRAFT)
    question = make_question("Who can have it?", answer="Some people.", treatments=[live, hidden])
    page = soup_of(client.get(question.get_absolute_url()))
    assert page.h1.get_text() == "Who can have it?"
    assert page.select_one(".prose").get_text(strip=True) == "Some people."
    assert [a.get_text() for a in page.select("#related-treatments + ul a")] == ["Immunotherapy"]


def test_a_draft_question_is_hidden_from_the_public_but_shown_to_staff(client, staff_user, make_question):
    draft = make_question("Not ready?", status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(staff_user)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert b"Draft \xe2\x80\x94 not public." in response.content
    assert "no-store" in response["Cache-Control"]


def test_treatment_page_lists_its_related_published_questions(client, make_question, full_treatment):
    make_question("How long does it last?", treatments=[full_treatment])
    make_question("Draft related?", treatments=[full_treatment], status="draft")
    make_question("Unrelated?")
    page = soup_of(client.get(full_treatment.get_absolute_url()))
    section = page.find("section", class_="related-questions")
    assert section.h2.get_text() == "Common questions about immunotherapy"
    assert [a.get_text() for a in section.select("ul a")] == ["How long does it last?"]
    assert section.find("a", string="How long does it last?")["href"] == "/faq/how-long-does-it-last/"


def test_home_page_and_header_lead_to_the_faq(client, make_question):
    make_question("Anything?", topic="Donating")
    page = soup_of(client.get("/"))
    assert page.select_one(".site-nav").find("a", href="/faq/").get_text() == "FAQ"
    assert page.find("main").find("a", href="/faq/")
    assert page.find("main").find("a", href="/faq/topic/donating/")


# Query counts -----------------------------------------------------------------------------


def _add_questions(make_question, make_treatment, start, count):
    treatment = Treatment.objects.first() or make_treatment("Immunotherapy")
    for number in range(start, start + count):
        make_question(
            f"Question {number:04} about cover?",
            answer=f"Answer {number} with **markdown**.",
            topic=f"Topic {number % 4}",
            treatments=[treatment],
        )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/faq/", 2),  # each topic's first questions, and the totals per topic
        ("/faq/?q=cover", 2),  # count, one page of matches
        ("/faq/topic/topic-1/", 4),  # topic, the questions articles answer under it, count, one page of its questions
        ("/faq/question-0001-about-cover/", 2),  # question with topic, related treatments
        ("/treatments/immunotherapy/", 5),  # the treatment, its tags, points, references and questions
    ],
)
def test_faq_queries_do_not_grow_with_the_number_of_questions(
    client, make_question, make_treatment, django_assert_num_queries, url, expected
):
    """The same number of SQL queries with 10 and with 200 questions."""
    _add_questions(make_question, make_treatment, 0, 10)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    _add_questions(make_question, make_treatment, 10, 190)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_faq_pages_stay_small_however_many_questions_there_are(client, make_question, make_treatment):
    """The FAQ page shows each topic's first five and links to the rest; long lists come in pages."""
    _add_questions(make_question, make_treatment, 0, 200)
    index = soup_of(client.get("/faq/"))
    assert len(index.select("details")) == 4 * 5
    assert [link.get_text(strip=True) for link in index.select(".faq-topic__more a")] == [
        f"All 50 questions about topic {number}" for number in range(4)
    ]
    assert "(50 questions)" in index.select_one(".contents").get_text()

    topic = soup_of(client.get("/faq/topic/topic-1/"))
    assert len(topic.select("details")) == 20
    assert "Questions 1 to 20 of 50." in topic.get_text()
    next_page = topic.select_one("a[rel=next]")["href"]
    assert next_page == "?page=2"
    last = soup_of(client.get("/faq/topic/topic-1/?page=3"))
    assert len(last.select("details")) == 10
    assert last.select_one("a[rel=next]") is None
    assert client.get("/faq/topic/topic-1/?page=4").status_code == 404
    assert client.get("/faq/topic/topic-1/?page=x").status_code == 404

    results = soup_of(client.get("/faq/", {"q": "cover"}))
    assert "200 questions match “cover”. Showing 1 to 20." in results.get_text()
    assert len(results.select("details")) == 20
    assert not results.select("details[open]")
    assert results.select_one("a[rel=next]")["href"] == "?q=cover&page=2"
    assert len(soup_of(client.get("/faq/", {"q": "cover", "page": 10})).select("details")) == 20

    related = soup_of(client.get("/treatments/immunotherapy/")).select(".related-questions li")
    assert len(related) == 8
