"""
One search for the whole site (/search/, search.results): treatments and
questions together, ranked, highlighted, in pages; drafts and scheduled
pages never found; slips forgiven; the database's index kept in step with
every kind of change. The same corpus and the same assertions run on SQLite
(`make test`) and on PostgreSQL (.ci/run's second pass): both give the same
top results.
"""

import datetime
import itertools
from io import StringIO

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from core.versions import latest_version
from faq.models import Question
from pages.views import SEARCHED
from search.index import ensure_search_indexes
from search.results import query_words, search
from tests.helpers import form_values, soup_of, visible
from treatments.models import Tag, Treatment, TreatmentPoint

pytestmark = pytest.mark.django_db
Kind = TreatmentPoint.Kind


@pytest.fixture
def corpus(make_treatment, make_question):
    """A small site: what a patient would search it for is in the tests below."""
    immunotherapy = make_treatment(
        "Immunotherapy",
        summary="Medicines that help your immune system find and attack cancer cells.",
        body="Immunotherapy releases a brake on the immune system. Tiredness is common.",
        tags=["Triple-negative"],
        points=[(Kind.SHORT_TERM, "Fatigue that eases between infusions."), (Kind.CON, "Can inflame the thyroid.")],
    )
    chemotherapy = make_treatment(
        "Chemotherapy",
        summary="Medicines that kill fast-growing cells, before or after surgery.",
        body="Given in cycles every two or three weeks. Hair loss is likely.",
        points=[(Kind.SHORT_TERM, "Fatigue, feeling sick and hair loss.")],
    )
    make_question(
        "Why am I so tired, and will the fatigue pass?",
        answer="Fatigue is the most common effect of treatment. It eases in the months after treatment ends.",
        topic="Living with treatment",
    )
    make_question(
        "How is immunotherapy different from chemotherapy?",
        answer="Chemotherapy attacks fast-growing cells; immunotherapy helps the immune system.",
    )
    make_question("Will insurance cover my treatment?", answer="Most plans cover standard care.", topic="Money")
    make_question("A draft about fatigue?", answer="Not ready: fatigue.", status="draft")
    make_treatment("Cooling caps", summary="Keeping hair during fatigue-free chemotherapy.", status="draft")
    future = timezone.now() + datetime.timedelta(days=3)
    make_question("Scheduled fatigue answer?", answer="Fatigue, later.", go_live_at=future)
    make_question(
        "Expired fatigue answer?", answer="Fatigue, gone.", expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    return {"immunotherapy": immunotherapy, "chemotherapy": chemotherapy}


def titles(client, query, **params):
    page = soup_of(client.get("/search/", {"q": query, **params}))
    return [visible(link.get_text()) for link in page.select(".search-result__title a")]


def test_one_search_finds_treatments_and_answers_ranked_title_matches_first(client, corpus):
    assert titles(client, "fatigue") == [
        "Why am I so tired, and will the fatigue pass?",  # in the question itself
        "Chemotherapy",  # in a point: after every title match
        "Immunotherapy",
    ]
    assert titles(client, "immunotherapy")[:2] == ["Immunotherapy", "How is immunotherapy different from chemotherapy?"]
    assert titles(client, "what is immunotherapy")[0] == "Immunotherapy", "common words are not needed"
    assert titles(client, "hair loss") == ["Chemotherapy"]
    assert titles(client, "triple-negative") == ["Immunotherapy"], "a tag's name finds its treatments"
    assert titles(client, "insurance fatigue") == [], "every word must match"


def test_results_are_labelled_by_kind_with_a_highlighted_snippet(client, corpus):
    page = soup_of(client.get("/search/", {"q": "fatigue"}))
    results = page.select(".search-result")
    assert [visible(r.select_one(".search-result__kind").get_text()) for r in results] == [
        "Question · Living with treatment",
        "Treatment",
        "Treatment",
    ]
    question_snippet = results[0].select_one(".search-result__snippet")
    assert [mark.get_text() for mark in question_snippet.select("mark")][:1] == ["Fatigue"]
    assert "most common effect" in question_snippet.get_text()
    assert [m.get_text().lower() for m in results[1].select("mark")][:1] == ["fatigue"]
    assert visible(page.select_one(".result-count").get_text()) == "3 pages match “fatigue”."
    assert len(page.find_all("h1")) == 1
    assert page.select_one("header form[role=search] input[name=q]")["value"] == "fatigue"


def test_drafts_scheduled_and_expired_pages_are_never_found(client, corpus):
    for query in ("draft", "scheduled", "expired", "cooling caps", "ready"):
        assert titles(client, query) == [], query
    assert "draft" not in client.get("/faq/", {"q": "fatigue"}).text.lower()


def test_slips_in_spelling_still_find_the_page(client, corpus):
    assert titles(client, "fatige")[0] == "Why am I so tired, and will the fatigue pass?"
    assert titles(client, "imunotherapy")[0] == "Immunotherapy"
    page = soup_of(client.get("/search/", {"q": "fatige"}))
    assert "allowing for a spelling slip" in page.select_one(".result-count").get_text()
    assert titles(client, "zqxwv") == []


def test_the_faq_search_is_the_same_engine_over_questions_only(client, corpus):
    page = soup_of(client.get("/faq/", {"q": "fatige"}))
    assert [d.summary.get_text() for d in page.select("details.faq-item")] == [
        "Why am I so tired, and will the fatigue pass?"
    ]


@pytest.mark.parametrize(
    "query",
    ['"', "*", 'fatigue"', "fatigue*", "NEAR(fatigue hair)", "fatigue AND", "title:fatigue", "(", "^fatigue", "-", "'"],
)
def test_search_syntax_typed_by_anyone_is_just_text(client, corpus, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_snippets_are_escaped_text_with_only_the_marks_as_markup(client, make_question):
    make_question("Does fatigue last?", answer="Fatigue: 2 < 3 & <b>rest</b> helps. <i>Sleep</i>")
    page = soup_of(client.get("/search/", {"q": "fatigue"}))
    snippet = page.select_one(".search-result__snippet")
    assert [child.name for child in snippet.find_all(True)] == ["mark"]
    assert "2 < 3 & rest helps." in snippet.get_text()


def test_results_come_in_pages_of_twenty(client, make_question):
    for number in range(25):
        make_question(f"Question {number:02} about scans?", answer="Scans.")
    first = soup_of(client.get("/search/", {"q": "scans"}))
    assert len(first.select(".search-result")) == 20
    assert first.select_one("a[rel=next]")["href"] == "?q=scans&page=2"
    assert len(titles(client, "scans", page=2)) == 5
    assert client.get("/search/", {"q": "scans", "page": 3}).status_code == 404


def test_an_empty_search_page_asks_for_words_and_is_cacheable(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert "Cache-Control" not in response or "no-store" not in response["Cache-Control"]
    stored = client.get("/search/", {"q": "fatigue"})
    assert "no-store" in stored["Cache-Control"], "a search is never stored"
    assert soup_of(stored).find("meta", attrs={"name": "robots", "content": "noindex"})
    only_common = soup_of(client.get("/search/", {"q": "what is the"}))
    assert "Nothing matched" in only_common.get_text()


@pytest.mark.parametrize("words", ["fatigue", "zqxwv", ""], ids=["found", "nothing found", "no words yet"])
def test_the_search_page_has_one_search_box_the_headers_holding_the_words(client, corpus, words):
    page = soup_of(client.get("/search/", {"q": words} if words else {}))
    [form] = page.select("form[role=search]")
    [box] = page.select("input[name=q]")
    assert form.find_parent("header")
    assert box.find_parent("form") is form
    assert box.get("value", "") == words
    if not words:
        # The page says where to type, and its link moves the focus there.
        assert page.select_one(f"main a[href='#{box['id']}']")


def test_every_page_has_the_search_box_in_its_header(client, corpus):
    for url in ("/", "/treatments/", "/treatments/immunotherapy/", "/faq/", "/donate/"):
        form = soup_of(client.get(url)).select_one("header form[role=search]")
        assert form["action"] == "/search/", url
        assert form["method"] == "get", url
        box = form.find("input", attrs={"name": "q"})
        assert form.find("label", attrs={"for": box["id"]}), url


@pytest.mark.parametrize("count", [5, 40])
def test_search_queries_do_not_grow_with_content(
    client, make_question, make_treatment, django_assert_num_queries, django_assert_max_num_queries, count
):
    """A page of results: one query ranks and counts, one reads the snippets, one reads the results of every kind."""
    from articles.models import Article

    from .helpers import signed_off

    for number in range(count):
        make_question(f"Question {number} about fatigue?", answer="Fatigue.")
        make_treatment(f"Treatment {number}", summary="It may bring fatigue.")
        signed_off(Article(title=f"Article {number}", summary="Living with fatigue.", body="Rest helps."))
    with django_assert_num_queries(3):
        page = soup_of(client.get("/search/", {"q": "fatigue"}))
    kinds = {kind.get_text(strip=True).split(" · ")[0] for kind in page.select(".search-result__kind")}
    assert kinds == {"Treatment", "Article", "Question"} or count > 5, "every kind shown, read in one query"
    with django_assert_num_queries(5):  # nothing has the word: is it anywhere, which words are like it, again
        assert client.get("/search/", {"q": "fatige"}).status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/faq/", {"q": "fatigue"}).status_code == 200


def test_query_words_drop_common_words_and_operators():
    assert query_words("What is the -best “treatment” OR chemo?") == ["best", "treatment", "chemo"]
    assert query_words("the of and") == []


# The index follows every change --------------------------------------------------------------------


def found(query):
    results = search(SEARCHED, query)
    return [str(hit.item) for hit in results.page] if results else []


def test_an_edit_in_the_admin_is_found_at_once_and_the_old_words_are_not(admin_client, corpus):
    """A superuser's change to a published page applies at once (an editor's waits for review: test_review)."""
    url = f"/admin/treatments/treatment/{corpus['chemotherapy'].pk}/change/"
    data = form_values(admin_client.get(url).content)
    data.update({"summary": "Medicines given through a drip.", "points-0-text": "Nausea for a day or two."})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:3000]
    assert found("drip") == ["Chemotherapy"]
    assert found("nausea") == ["Chemotherapy"], "a point's new text"
    assert found("sick") == [], "the old point's words are gone"
    assert found("surgery") == [], "and the old summary's"


def test_renaming_or_deleting_a_tag_is_followed(corpus):
    tag = Tag.objects.get(name="Triple-negative")
    tag.name = "TNBC"
    tag.save()
    assert found("tnbc") == ["Immunotherapy"]
    assert found("triple-negative") == []
    tag.delete()
    assert found("tnbc") == []
    corpus["chemotherapy"].tags.add(Tag.objects.create(name="Given in hospital"))
    assert found("hospital") == ["Chemotherapy"]
    Tag.objects.get(name="Given in hospital").treatments.clear()
    assert found("hospital") == []


def test_a_revert_in_the_admin_brings_its_words_back_and_deleting_removes_them(admin_client, corpus):
    url = f"/admin/treatments/treatment/{corpus['chemotherapy'].pk}/change/"
    data = form_values(admin_client.get(url).content)
    admin_client.post(url, data)  # a version of the page as it is
    first = latest_version(corpus["chemotherapy"])
    data = form_values(admin_client.get(url).content)  # opened again, on the version just made
    data.update({"body": "Given as a drip.", "points-0-text": "Nausea."})
    assert admin_client.post(url, data).status_code == 302
    assert found("hair") == []
    revert_url = f"/admin/treatments/treatment/{corpus['chemotherapy'].pk}/history/{first.pk}/"
    assert admin_client.post(revert_url, form_values(admin_client.get(revert_url).content)).status_code == 302
    assert found("hair") == ["Chemotherapy"]
    assert found("nausea") == []
    Treatment.objects.filter(pk=corpus["chemotherapy"].pk).delete()
    assert found("hair") == []
    Question.objects.filter(question__startswith="Why am I so tired").delete()
    assert "Why am I so tired, and will the fatigue pass?" not in found("fatigue")


def test_a_deploy_brings_every_row_into_the_index(corpus):
    """rerender_content --all works the text out again; a dropped index is made again and filled."""
    Treatment.objects.update(search_rows="")
    assert found("thyroid") == []
    call_command("rerender_content", "--all", stdout=StringIO())
    # (search_rows comes from the rows: a revert, an import or the admin refresh it; so does a deploy)
    assert found("thyroid") == ["Immunotherapy"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER treatments_treatment_fts_update")  # as rebuilding a table for a migration does
    else:
        with connection.cursor() as cursor:
            cursor.execute("COMMENT ON FUNCTION treatments_treatment_search_vector() IS 'old'")
    Treatment.objects.filter(title="Chemotherapy").update(summary="Changed while the index was gone: zebra.")
    ensure_search_indexes()
    assert found("zebra") == ["Chemotherapy"]


def test_a_table_a_migration_made_again_gets_its_index_back(corpus):
    """
    Moving another app's migrations back and forth drops and makes again the tables that depend on it (an
    article names a campaign): on PostgreSQL the index's function outlives the table, its column does not.
    """
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's index is a table of its own, remade with its triggers (the test above)")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the rows just written: checked now, or no ALTER TABLE
        cursor.execute("ALTER TABLE treatments_treatment DROP COLUMN search_vector")  # as a table made again has
    ensure_search_indexes()
    assert found("thyroid") == ["Immunotherapy"]


def test_points_change_only_through_their_treatment():
    """A point saved on its own would not refresh the search text: the admin offers no way to."""
    assert TreatmentPoint not in admin.site._registry


def test_on_postgresql_the_stored_vector_and_the_titles_are_indexed(corpus):
    """
    The indexes the searches use exist and fit their conditions. (Whether the
    planner picks one for a given query depends on the data: at 8,000 rows it
    chose each way in two runs, so the planner is only asked what it can use.)
    """
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's indexes: .ci/run checks them in its PostgreSQL pass")
    for model in SEARCHED:
        table, title = model._meta.db_table, model.search_columns[0]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                f"EXPLAIN SELECT id FROM {table} WHERE search_vector @@ websearch_to_tsquery('ribbon_search', %s)",
                ["fatigue"],
            )
            words = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute(f"EXPLAIN SELECT id FROM {table} WHERE %s <%% {title}", ["fatige"])
            slips = "\n".join(row[0] for row in cursor.fetchall())
        assert f"{table}_search " in words, words
        assert f"{table}_search_title_trgm" in slips, slips


def test_a_page_of_results_is_kept_until_the_next_edit(client, make_question, commit, django_assert_num_queries):
    """Searches everybody makes are worked out once per edit; the cache never holds the words (a keyed hash)."""
    with commit():
        question = make_question("Will the fatigue pass?", answer="Usually, within months.")
    assert titles(client, "fatigue") == ["Will the fatigue pass?"]
    with django_assert_num_queries(0):  # the ranking, the snippets and the question shown were kept
        assert titles(client, "fatigue") == ["Will the fatigue pass?"]
    with commit():
        question.question = "Will the tiredness pass?"
        question.authorise_publication("test")
        question.save()
    assert titles(client, "fatigue") == [], "an edit makes kept results stale at once"
    assert titles(client, "tiredness") == ["Will the tiredness pass?"]
    from search.results import _results_key

    key = _results_key(SEARCHED, ["fatigue"], 1, 20, True, False)
    assert "fatigue" not in key
    assert key != _results_key(SEARCHED, ["fatigue"], 2, 20, True, False)


# No input makes a search fail --------------------------------------------------------------------------

SEARCH_VIEWS = ["/search/", "/faq/"]
# Code points at the edges of Unicode: the last one, either side of the surrogates (which no address can
# carry: Django reads a percent-encoded one as U+FFFD), non-characters, controls, joiners, a combining mark.
# A NUL is answered 400 before any view (operations.request_guard): the examples below send one, and generated
# text rarely does, so that most examples reach the search.
EDGES = ["\U0010ffff", "\ud7ff", "\ue000", "\ufffd", "\uffff", "\ufffe", "\x01", "\x1b", "\x7f", "\x85",
         "\u2028", "\u200b", "\u0301", "\ufeff", "ǅ", "ß", "İ", "ﬁ", "½", "٣"]  # fmt: skip
# What the databases' search syntaxes read (FTS5, tsquery, LIKE), as a visitor might type it.
SYNTAX = ['"', "'", "*", "-", "+", "(", ")", ":", "^", "{", "}", "\\", "%", "_", "&", "|", "!", "<->", ":*",
          "NEAR", "AND", "OR", "NOT"]  # fmt: skip
# Any character an address can carry: every code point but the surrogates (and NUL, above).
LETTERS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
TEXT = st.text(LETTERS, max_size=12)
WORD = st.one_of(
    TEXT,
    st.lists(st.sampled_from(EDGES + SYNTAX), max_size=8).map("".join),
    st.builds(lambda edge, rest: edge + rest, st.sampled_from(EDGES), TEXT),  # a word from an edge
    st.text(LETTERS, min_size=150, max_size=400),  # longer than the box takes
    st.sampled_from(["fatigue", "fatige", "immunotherapy", "chemotherapy", "the", "what"]),
)
QUERY = st.one_of(st.lists(WORD, max_size=30).map(" ".join), st.lists(WORD, max_size=12).map("".join))
PAGE = st.one_of(st.none(), st.sampled_from(["1", "2", "999999", "0", "-1", "01", "x", " 2", "١"]), TEXT)
_visitors = itertools.count(1)


def _new_visitor():
    """An address of its own for each example, so that the per-visitor limit never answers instead of search."""
    number = next(_visitors)
    return f"10.{number // 62500 % 250}.{number // 250 % 250}.{number % 250 + 1}"


@pytest.mark.parametrize("view", SEARCH_VIEWS)
@pytest.mark.parametrize(
    "raw",
    ["%F4%8F%BF%BFabc", "%ED%9F%BFabc", "%ED%9F%BF%ED%9F%BF", "%EE%80%80abc", "%ED%A0%80abc", "%EF%BF%BFabc"],
    ids=["U+10FFFF", "U+D7FF", "U+D7FF twice", "U+E000", "an encoded surrogate", "U+FFFF"],
)
def test_a_word_starting_at_an_edge_of_unicode_is_searched_like_any_other(client, corpus, view, raw):
    """Found nowhere, such a word is compared with the index's words that start like it: that must not fail."""
    response = client.get(f"{view}?q={raw}")
    assert response.status_code == 200
    page = soup_of(response)
    assert len(page.find_all("h1")) == 1
    assert "matched" in visible(page.select_one(".result-count").get_text())


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERY, page=PAGE)
@example(query="\U0010ffffabc", page=None)
@example(query="\ud7ffabc fatigue", page=None)
@example(query="fatige \U0010ffff\U0010ffff\U0010ffff\U0010ffff", page="2")
@example(query="x" * 400 + " " + "y" * 400, page=None)
@example(query=" ".join(f"nonsense{n}" for n in range(40)), page=None)
@example(query="fatigue\x00", page=None)
@example(query="fatigue", page="\x002")
def test_no_text_typed_into_any_search_makes_it_fail(client, corpus, query, page):
    """
    Any text, in either search and beside any page number: the results, a page saying nothing matched, a
    canonical redirect to one of those, a 404 for a page that is not there, or a 400 for a NUL.
    """
    params = {"q": query} if page is None else {"q": query, "page": page}
    for view in SEARCH_VIEWS:
        response = client.get(view, params, follow=True, REMOTE_ADDR=_new_visitor())
        event(f"{view} answered {response.status_code}")
        if "\x00" in query or "\x00" in (page or ""):
            assert response.status_code == 400, (view, params)
            continue
        if page is not None and response.status_code == 404:
            continue  # not a page number, or past the last page of results
        assert response.status_code == 200, (view, params)
        page_shown = soup_of(response)
        assert len(page_shown.find_all("h1")) == 1, (view, params)
        counted = page_shown.select_one(".result-count")
        event(f"{view}: {'words searched' if counted else 'no word to search'}")


# Kept results: only what was found, in a store of their own ---------------------------------------------


def test_a_search_that_found_nothing_is_not_kept_and_cannot_push_out_one_that_did(
    client, make_question, commit, settings, django_assert_num_queries
):
    """Nonsense is different every time: keeping it would only push out the results people ask for again."""
    settings.CACHES = {
        **settings.CACHES,
        "search": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "few-results",
                   "OPTIONS": {"MAX_ENTRIES": 10}},
    }  # fmt: skip
    settings.RIBBON_SEARCHES_PER_MINUTE = 0  # this visitor is the whole crowd
    with commit():
        make_question("Will the fatigue pass?", answer="Usually, within months.")
    assert titles(client, "fatigue") == ["Will the fatigue pass?"]
    for number in range(40):
        assert titles(client, f"zqxwv{number}") == []
    with CaptureQueriesContext(connection) as worked_out_again:
        assert titles(client, "zqxwv39") == []
    assert worked_out_again.captured_queries, "the last search that found nothing was not kept"
    with django_assert_num_queries(0):
        assert titles(client, "fatigue") == ["Will the fatigue pass?"], "the one that found something still is"


def test_kept_results_are_bounded_the_least_recently_used_making_way(
    client, make_question, commit, settings, django_assert_num_queries
):
    settings.CACHES = {
        **settings.CACHES,
        "search": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "few-results",
                   "OPTIONS": {"MAX_ENTRIES": 10}},
    }  # fmt: skip
    settings.RIBBON_SEARCHES_PER_MINUTE = 0
    with commit():
        make_question("Which words find this question?", answer=" ".join(f"word{n:03}" for n in range(30)))
        make_question("Will the fatigue pass?", answer="Usually, within months.")
    assert titles(client, "fatigue") == ["Will the fatigue pass?"]
    for number in range(30):
        assert titles(client, f"word{number:03}") == ["Which words find this question?"]
        with django_assert_num_queries(0):
            assert titles(client, "fatigue") == ["Will the fatigue pass?"], "asked for often: kept"
    with CaptureQueriesContext(connection) as worked_out_again:
        assert titles(client, "word000") == ["Which words find this question?"]
    assert worked_out_again.captured_queries, "the oldest made way"
    with django_assert_num_queries(0):
        assert titles(client, "word029") == ["Which words find this question?"]


# The per-visitor limit of new searches --------------------------------------------------------------------


@pytest.mark.parametrize("view", SEARCH_VIEWS)
def test_a_visitor_making_many_new_searches_is_asked_kindly_to_wait_a_minute(client, corpus, settings, view):
    settings.RIBBON_SEARCHES_PER_MINUTE = 3
    started = timezone.now()
    with time_machine.travel(started, tick=False):
        for number in range(3):
            assert client.get(view, {"q": f"zqxwv{number}"}).status_code == 200
        response = client.get(view, {"q": "fatigue"})
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        assert "no-store" in response["Cache-Control"]
        assert response["X-Page-Cache"] == "bypass"
        page = soup_of(response)
        assert [visible(h1.get_text()) for h1 in page.find_all("h1")] == ["Please wait a minute"]
        said = visible(page.select_one("main").get_text())
        assert "wait a minute" in said
        assert page.select_one("header form[role=search]"), "the site's own layout, with its search box"
        links = {visible(link.get_text()): link["href"] for link in page.select("main a")}
        assert links["Read about treatments"] == "/treatments/"
        assert links["Questions and answers"] == "/faq/"
        assert links["Search for “fatigue” again"] == f"{view}?q=fatigue"
        for other in SEARCH_VIEWS:
            assert client.get(other, {"q": "zqxwv"}).status_code == 429, "one limit for both searches"
        elsewhere = client.get(view, {"q": "fatigue"}, REMOTE_ADDR="203.0.113.5")
        assert elsewhere.status_code == 200, "another visitor is not affected"
    with time_machine.travel(started + datetime.timedelta(seconds=61), tick=False):
        assert client.get(view, {"q": "fatigue"}).status_code == 200, "a minute later"


def test_results_already_worked_out_are_never_limited(client, make_question, commit, settings):
    settings.RIBBON_SEARCHES_PER_MINUTE = 2
    with commit():
        make_question("Will the fatigue pass?", answer="Usually, within months.")
    assert titles(client, "fatigue") == ["Will the fatigue pass?"]
    assert client.get("/faq/", {"q": "fatigue"}).status_code == 200
    assert client.get("/search/", {"q": "zqxwv"}).status_code == 429
    for _ in range(10):
        assert titles(client, "fatigue") == ["Will the fatigue pass?"]
        found = soup_of(client.get("/faq/", {"q": "fatigue"}))
        assert [d.summary.get_text() for d in found.select("details.faq-item")] == ["Will the fatigue pass?"]


def test_a_limit_of_zero_turns_the_limit_off(client, corpus, settings):
    settings.RIBBON_SEARCHES_PER_MINUTE = 0
    for number in range(30):
        assert client.get("/search/", {"q": f"zqxwv{number}"}).status_code == 200
