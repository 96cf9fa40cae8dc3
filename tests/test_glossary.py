"""
The glossary: staff write plain definitions; /glossary/ lists them A–Z; the
first use of each term on treatment pages and answers links to its entry,
in the stored HTML, and every page follows a change to a term.
"""

import pytest

from glossary.models import Term
from tests.helpers import form_values, soup_of, visible
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms(db):
    return {
        "node": Term.objects.create(
            term="Lymph node",
            other_forms="lymph nodes, lymph glands",
            definition="A small gland that filters fluid from the body's tissues.",
        ),
        "her2": Term.objects.create(term="HER2-positive", definition="Cancer with too much of the HER2 protein."),
        "tnbc": Term.objects.create(term="Triple-negative breast cancer", definition="Cancer without three targets."),
        "cancer": Term.objects.create(term="Breast cancer", definition="Cancer that starts in the breast."),
    }


def linked_terms(html_or_response):
    page = soup_of(html_or_response)
    return [(visible(a.get_text()), a["href"]) for a in page.select("a.term")]


def test_the_glossary_lists_terms_a_to_z_with_anchors(client, terms):
    response = client.get("/glossary/")
    page = soup_of(response)
    assert len(page.find_all("h1")) == 1
    assert [visible(a.get_text()) for a in page.select(".glossary__letters a")] == ["B", "H", "L", "T"]
    assert [visible(dt.get_text()) for dt in page.select("dt")] == [
        "Breast cancer",
        "HER2-positive",
        "Lymph node",
        "Triple-negative breast cancer",
    ]
    entry = page.find("dt", id="lymph-node")
    assert "filters fluid" in entry.find_next("dd").get_text()
    assert "Also written: lymph nodes, lymph glands" in visible(entry.find_next("dd").get_text())
    for link in page.select(".glossary__letters a"):
        assert page.find(id=link["href"][1:]), link


def test_the_first_use_of_each_term_links_to_its_entry_when_the_page_is_rendered(client, terms, make_treatment):
    treatment = make_treatment(
        "Surgery",
        body=(
            "## Lymph nodes\n\nSome lymph nodes are removed. Lymph nodes again.\n\n"
            "For triple-negative breast cancer, and for breast cancer in general, and `lymph glands` in code.\n\n"
            "[A link about HER2-positive cancer](https://example.org/) and HER2-POSITIVE."
        ),
    )
    stored = Treatment.objects.get(pk=treatment.pk).body_html
    assert linked_terms(stored) == [
        ("lymph nodes", "/glossary/#lymph-node"),  # not the heading's; once only
        ("triple-negative breast cancer", "/glossary/#triple-negative-breast-cancer"),  # the longest form wins
        ("breast cancer", "/glossary/#breast-cancer"),
        ("HER2-POSITIVE", "/glossary/#her2-positive"),  # not inside another link
    ]
    page = soup_of(client.get(treatment.get_absolute_url()))
    first = page.select_one("a.term")
    button = first.find_next_sibling("button")
    assert button["popovertarget"] == button.find_next_sibling("span")["id"]
    assert button["aria-label"] == "What “Lymph node” means"
    popover = page.find(id=button["popovertarget"])
    assert popover.has_attr("popover")
    assert "filters fluid" in popover.get_text()
    ids = [element["id"] for element in page.select("[id]")]
    assert len(ids) == len(set(ids)), "every id once on the page"


def test_answers_link_terms_and_their_text_leaves_definitions_out(client, terms, make_question):
    question = make_question("Will my lymph nodes be removed?", answer="Some lymph nodes may be removed.")
    assert linked_terms(question.answer_html) == [("lymph nodes", "/glossary/#lymph-node")]
    assert question.answer_text == "Some lymph nodes may be removed.", "JSON-LD and search read the answer alone"
    assert client.get("/search/", {"q": "filters fluid"}).content.count(b"search-result__title") == 0


def test_a_new_changed_or_removed_term_reaches_every_page_that_uses_it(client, admin_client, make_treatment):
    treatment = make_treatment("Chemotherapy", body="It can cause neuropathy in the hands.")
    other = make_treatment("Surgery", body="An operation.")
    assert linked_terms(treatment.body_html) == []
    add = admin_client.post(
        "/admin/glossary/term/add/",
        {"term": "Neuropathy", "slug": "neuropathy", "other_forms": "", "definition": "Nerve damage.", "link": ""},
    )
    assert add.status_code == 302, add.content[:2000]
    assert linked_terms(client.get(treatment.get_absolute_url())) == [("neuropathy", "/glossary/#neuropathy")]
    untouched = Treatment.objects.get(pk=other.pk)
    assert untouched.rendered_with == other.rendered_with
    assert untouched.updated_at == other.updated_at, "pages that do not use the term are not rendered again"

    term = Term.objects.get(term="Neuropathy")
    url = f"/admin/glossary/term/{term.pk}/change/"
    data = form_values(admin_client.get(url).content)
    data["definition"] = "Damage to nerves, felt as tingling or numbness."
    assert admin_client.post(url, data).status_code == 302
    assert "tingling" in soup_of(client.get(treatment.get_absolute_url())).select_one(".term__popover").get_text()

    Term.objects.filter(pk=term.pk).delete()  # as the admin's bulk delete does
    assert linked_terms(client.get(treatment.get_absolute_url())) == []


def test_a_renamed_form_unlinks_the_old_word(terms, make_question):
    question = make_question("Glands?", answer="Swollen lymph glands.")
    assert linked_terms(question.answer_html) == [("lymph glands", "/glossary/#lymph-node")]
    node = terms["node"]
    node.other_forms = "lymph nodes"
    node.save()
    question.refresh_from_db()
    assert linked_terms(question.answer_html) == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"definition": "word " * 41}, "definition", "Keep a definition to 40 words or fewer"),
        ({"other_forms": "lymph nodes"}, "other_forms", "“lymph nodes” is already a form of “Lymph node”"),
        ({"link": "javascript:alert(1)"}, "link", "Enter a valid URL."),
    ],
)
def test_a_bad_term_gets_a_clear_message_in_the_admin(admin_client, terms, fields, field, message):
    data = {"term": "Node", "slug": "node", "other_forms": "", "definition": "A gland.", "link": "", **fields}
    response = admin_client.post("/admin/glossary/term/add/", data)
    assert response.status_code == 200
    assert message in visible(soup_of(response).select_one(f".field-{field} .errorlist").get_text())
    assert not Term.objects.filter(term="Node").exists()


def test_editors_may_write_terms(client, editor):
    client.force_login(editor)
    assert client.get("/admin/glossary/term/add/").status_code == 200


def test_the_reading_panel_lists_words_the_glossary_does_not_explain_yet(admin_client, terms, make_treatment):
    treatment = make_treatment(
        "Targeted", body="Pembrolizumab and trastuzumab help. Lymph nodes are checked. Pembrolizumab again."
    )
    panel = soup_of(admin_client.get(f"/admin/treatments/treatment/{treatment.pk}/change/")).select_one(
        "#reading-panel"
    )
    assert [li.get_text() for li in panel.select(".unfamiliar-words li")][:2] == ["pembrolizumab", "trastuzumab"]
    assert "lymph" not in panel.get_text().lower().split("glossary does not explain")[1]
    live = admin_client.post(
        "/admin/treatments/treatment/reading-level/", {"summary": "Neutropenia is common.", "body": ""}
    )
    assert [li.get_text() for li in soup_of(live).select(".unfamiliar-words li")] == ["neutropenia"]


def test_the_glossary_page_costs_one_query_however_many_terms(client, django_assert_num_queries):
    for number in range(30):
        Term.objects.create(term=f"Term {number}", definition="A word.")
    with django_assert_num_queries(1):
        assert client.get("/glossary/").status_code == 200


def test_the_sitemap_names_the_glossary(client, terms):
    assert b"http://testserver/glossary/" in client.get("/sitemap.xml").content
