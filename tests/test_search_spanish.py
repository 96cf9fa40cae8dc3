"""
Search in Spanish (/es/search/, the FAQ's box under /es/faq/): Spanish pages are matched by Spanish
stems with accents ignored, Spanish common words are left out of the question, and each language's
search finds its own pages only. The same assertions run on SQLite (`make test`) and on PostgreSQL
(.ci/run's second pass).
"""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings

from faq.models import Question, Topic
from search.index import ensure_search_indexes
from search.languages import ENGLISH, SPANISH
from search.results import query_words
from tests.helpers import soup_of, visible
from tests.test_languages import english_and_spanish
from tests.test_search import PAGE, QUERY, _new_visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilingual(tmp_path, make_question):
    """A treatment and its Spanish translation, imported as the organisation imports them, and a few questions."""
    english, spanish = english_and_spanish(tmp_path)
    spanish_topic = Topic.objects.create(name="Vivir con el tratamiento", language="es")
    questions = {
        "fever": make_question(
            "Fiebre durante el tratamiento",
            answer="Llame a su médico si tiene fiebre alta o escalofríos.",
            topic=spanish_topic.name,
            language="es",
        ),
        "unaccented": make_question(
            "Cansancio despues de cada sesion",
            answer="Hable con su medico de cabecera: hay formas de sobrellevarlo.",
            topic=spanish_topic.name,
            language="es",
        ),
        "medicines": make_question(
            "Medicamentos para las náuseas",
            answer="Los medicamentos antieméticos ayudan a comer.",
            topic=spanish_topic.name,
            language="es",
        ),
        # An English page with the Spanish words: found by English searches only.
        "english": make_question(
            "How do I say immunotherapy to my Spanish-speaking mother?",
            answer="Inmunoterapia. Her médico can explain how inmunoterapias work.",
        ),
    }
    return {"english": english, "spanish": spanish, **questions}


def results(client, query, path=None):
    """(title, address) of each result of a search, in order."""
    path = path or reverse("search")
    page = soup_of(client.get(path, {"q": query}))
    return [(visible(a.get_text()), a["href"]) for a in page.select(".search-result__title a")]


def titles(client, query, path=None):
    return [title for title, _ in results(client, query, path)]


def spanish_search_path():
    with translation.override("es"):
        return reverse("search")


# The acceptance: the Spanish search page ------------------------------------------------------------


def test_the_spanish_search_page_finds_a_spanish_treatment_from_its_plural(client, bilingual):
    path = spanish_search_path()
    assert path == "/es/search/"
    assert ("Inmunoterapia", "/es/treatments/inmunoterapia/") in results(client, "inmunoterapias", path)
    assert titles(client, "inmunoterapias", path)[0] == "Inmunoterapia", "its title matches: first"


def test_a_spanish_word_finds_its_plural_and_its_plural_the_word(client, bilingual):
    path = spanish_search_path()
    # "inmunoterapias" is written only in the English question; the Spanish page has the singular.
    assert "Inmunoterapia" in titles(client, "inmunoterapia", path)
    assert "Medicamentos para las náuseas" in titles(client, "medicamento", path)
    assert "Medicamentos para las náuseas" in titles(client, "antiemético", path)


def test_a_word_finds_its_other_genders_and_a_verb_its_other_forms(client, bilingual):
    """Spanish endings, which English stemming leaves alone: "médica" is "médico", "ayudar" is "ayudan"."""
    path = spanish_search_path()
    assert "Fiebre durante el tratamiento" in titles(client, "médica", path)
    assert "Fiebre durante el tratamiento" in titles(client, "llamar", path)
    assert "Medicamentos para las náuseas" in titles(client, "ayudar", path)


def test_accents_are_ignored_in_the_search_and_in_the_page(client, bilingual):
    path = spanish_search_path()
    for query in ("medico", "médico", "MÉDICO", "médicos"):
        found = titles(client, query, path)
        assert "Fiebre durante el tratamiento" in found, f"“médico” in the answer, searched as {query}"
        assert "Cansancio despues de cada sesion" in found, f"“medico” in the answer, searched as {query}"
    assert titles(client, "sesión", path) == ["Cansancio despues de cada sesion"]


def test_words_are_matched_by_their_stem_not_by_how_they_start(client, bilingual):
    """“Médico” and “medicamentos” begin alike but are different words: neither finds the other."""
    path = spanish_search_path()
    assert "Medicamentos para las náuseas" not in titles(client, "médico", path)
    assert "Fiebre durante el tratamiento" not in titles(client, "medicamentos", path)


def test_the_matched_spanish_word_is_marked_in_the_snippet(client, bilingual):
    page = soup_of(client.get(spanish_search_path(), {"q": "medico fiebre"}))
    result = next(r for r in page.select(".search-result") if "Fiebre" in r.select_one("h2, h3").get_text())
    marked = [mark.get_text().lower() for mark in result.select(".search-result__snippet mark")]
    assert "médico" in marked
    assert "fiebre" in marked


def test_spanish_common_words_are_left_out_of_the_question(client, bilingual):
    path = spanish_search_path()
    # None of "qué", "es", "la" is in the page: they must not be needed to find it.
    assert titles(client, "¿Qué es la fiebre?", path) == ["Fiebre durante el tratamiento"]
    assert titles(client, "¿Cuáles son los medicamentos para las náuseas?", path) == ["Medicamentos para las náuseas"]
    assert visible(soup_of(client.get(path, {"q": "¿qué es la?"})).get_text()).count("Inmunoterapia") == 0


def test_common_words_are_those_of_the_language_searched():
    assert query_words("¿Qué es la inmunoterapia?", SPANISH) == ["inmunoterapia"]
    assert query_words("¿Cuánto cuesta un tratamiento con él?", SPANISH) == ["cuesta", "tratamiento"]
    assert query_words("What is la inmunoterapia?", ENGLISH) == ["la", "inmunoterapia"]
    assert SPANISH.stop_words.isdisjoint(["inmunoterapia", "dolor", "mama", "cancer", "fiebre", "medico"])


def test_a_slip_in_a_spanish_word_still_finds_the_page(client, bilingual):
    path = spanish_search_path()
    assert titles(client, "imunoterapia", path)[0] == "Inmunoterapia"
    assert "allowing for a spelling slip" not in soup_of(client.get(path, {"q": "inmunoterapia"})).get_text()


# Each language's search finds its own pages -------------------------------------------------------


def test_the_spanish_search_never_shows_an_english_page(client, bilingual):
    path = spanish_search_path()
    for query in ("inmunoterapias", "inmunoterapia", "medico", "immunotherapy"):
        assert "How do I say immunotherapy to my Spanish-speaking mother?" not in titles(client, query, path), query
    faq_page = soup_of(client.get("/es/faq/", {"q": "médico"}))
    faq = [visible(item.summary.get_text()) for item in faq_page.select("details.faq-item")]
    assert "Fiebre durante el tratamiento" in faq
    assert "How do I say immunotherapy to my Spanish-speaking mother?" not in faq


def test_the_english_search_never_shows_a_spanish_page(client, bilingual):
    for query in ("inmunoterapia", "inmunoterapias", "medico", "médico"):
        found = results(client, query)
        assert found, query
        assert [title for title, _ in found] == ["How do I say immunotherapy to my Spanish-speaking mother?"], query
    assert titles(client, "immunotherapy")[0] == "Immunotherapy"
    assert titles(client, "fiebre") == []


def test_a_page_whose_language_is_corrected_is_searched_in_its_new_language(client, bilingual):
    """A page written in Spanish but saved as English: corrected, it leaves English search and joins Spanish."""
    stray = Question.objects.get(pk=bilingual["english"].pk)
    Question.objects.filter(pk=stray.pk).update(language="es")
    assert "How do I say immunotherapy to my Spanish-speaking mother?" in titles(
        client, "inmunoterapias", spanish_search_path()
    )
    assert "How do I say immunotherapy to my Spanish-speaking mother?" not in titles(client, "inmunoterapia")


def test_a_spanish_search_costs_as_many_queries_as_an_english_one(client, bilingual, django_assert_num_queries):
    path = spanish_search_path()
    with django_assert_num_queries(3):  # ranks and counts, snippets, the results
        assert client.get(path, {"q": "médicos fiebre"}).status_code == 200
    with django_assert_num_queries(5):  # nothing has the word: is it anywhere, which words are like it, again
        assert client.get(path, {"q": "imunoterapia"}).status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/es/faq/", {"q": "fiebre"}).status_code == 200


def test_a_dropped_spanish_index_is_made_again_with_the_spanish_rows_only(client, bilingual):
    """As after a migration rebuilt the table: the next migrate makes and fills the Spanish index again."""
    path = spanish_search_path()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER faq_question_fts_es_update")  # as rebuilding a table for a migration does
        else:
            cursor.execute("COMMENT ON FUNCTION faq_question_search_vector() IS 'old'")
    changed = "Llame enseguida si tiene escalofríos."
    Question.objects.filter(pk=bilingual["fever"].pk).update(answer=changed, answer_text=changed)
    ensure_search_indexes()
    assert titles(client, "escalofrío", path) == ["Fiebre durante el tratamiento"]
    assert "Fiebre durante el tratamiento" not in titles(client, "medico", path), "its old words are gone"
    assert titles(client, "¿qué es la fiebre?", path) == ["Fiebre durante el tratamiento"]
    assert titles(client, "inmunoterapias") == ["How do I say immunotherapy to my Spanish-speaking mother?"]


def test_on_postgresql_spanish_is_stemmed_without_accents_nor_postgresqls_own_common_words(bilingual):
    """Only the common words of search.languages are left out, on PostgreSQL as on SQLite."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's configuration: .ci/run checks it in its PostgreSQL pass")
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('ribbon_search_es', 'Médicos, médica: inmunoterapias y su estado')")
        (vector,) = cursor.fetchone()
        cursor.execute("SELECT numnode(plainto_tsquery('ribbon_search_es', 'estado'))")
        (kept,) = cursor.fetchone()
    assert vector == "'estad':6 'inmunoterapi':3 'medic':1,2 'su':5 'y':4"
    assert kept == 1, "“estado” (one's state of health) is one of PostgreSQL's Spanish stop words, not one of ours"
    assert "estado" not in SPANISH.stop_words


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=100)
@given(query=QUERY, page=PAGE)
@example(query='"medico" OR inmuno* NEAR(a b) {question} : x', page=None)
@example(query="\U0010ffff \U0010ffffabc médico", page=None)
@example(query="ñ" * 300, page=None)
def test_no_text_typed_into_a_spanish_search_makes_it_fail(client, bilingual, query, page):
    params = {"q": query} if page is None else {"q": query, "page": page}
    for view in (spanish_search_path(), "/es/faq/"):
        response = client.get(view, params, follow=True, REMOTE_ADDR=_new_visitor())
        if "\x00" in query or "\x00" in (page or ""):
            assert response.status_code == 400, (view, params)
        elif not (page is not None and response.status_code == 404):
            assert response.status_code == 200, (view, params)


# The demo site (last: its rows stay until the end of the module) ------------------------------------


def test_the_demo_site_in_spanish_is_searched_in_spanish(client, demo_site):
    path = spanish_search_path()
    found = results(client, "inmunoterapias", path)
    assert found[0] == ("Inmunoterapia", "/es/treatments/inmunoterapia/")
    assert "¿Mi seguro médico cubrirá el tratamiento?" in titles(client, "medico", path)
    for query in ("inmunoterapias", "medico", "quimioterapia", "cáncer de mama"):
        addresses = [address for _, address in results(client, query, path)]
        assert addresses, query
        assert all(address.startswith("/es/") for address in addresses), (query, addresses)
    for query in ("immunotherapy", "chemotherapy", "insurance"):
        addresses = [address for _, address in results(client, query)]
        assert addresses, query
        assert not any(address.startswith("/es/") for address in addresses), (query, addresses)
