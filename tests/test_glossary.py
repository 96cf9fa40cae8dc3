"""
The glossary: staff write plain definitions; /glossary/ lists them A–Z; the
first use of each term on treatment pages and answers links to its entry,
in the stored HTML, and every page follows a change to a term. A definition
is medical content: the public reads it only as a medical reviewer approved it.
"""

import pytest
from django.test import Client
from django.utils.text import slugify

from glossary.models import Term
from tests.helpers import form_values, signed_off, soup_of, visible
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


def published_term(**fields):
    """A term the public reads, as an approval (or an import) leaves it."""
    return signed_off(Term(**fields))


@pytest.fixture
def terms(db):
    return {
        "node": published_term(
            term="Lymph node",
            other_forms="lymph nodes, lymph glands",
            definition="A small gland that filters fluid from the body's tissues.",
        ),
        "her2": published_term(term="HER2-positive", definition="Cancer with too much of the HER2 protein."),
        "tnbc": published_term(term="Triple-negative breast cancer", definition="Cancer without three targets."),
        "cancer": published_term(term="Breast cancer", definition="Cancer that starts in the breast."),
    }


def term_form(**overrides):
    """The term's add form as a browser posts it (a superuser's has a status; an editor's has none)."""
    term = overrides.get("term", "Neuropathy")
    data = {"term": term, "slug": slugify(term), "other_forms": "", "definition": "Nerve damage.", "link": ""}
    return {**data, "status": "draft", "review_interval_months": "12", **overrides}


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
    add = admin_client.post(  # a superuser publishes at once (an emergency, and the history says so)
        "/admin/glossary/term/add/", term_form(term="Neuropathy", definition="Nerve damage.", status="published")
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
    data = term_form(**{"term": "Node", "definition": "A gland.", **fields})
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
        published_term(term=f"Term {number}", definition="A word.")
    with django_assert_num_queries(1):
        assert client.get("/glossary/").status_code == 200


def test_the_sitemap_names_the_glossary(client, terms):
    assert b"http://testserver/glossary/" in client.get("/sitemap.xml").content


# A definition is medical content: the public reads it as a medical reviewer approved it -------------

FALSE_CLAIM = "Lymph nodes grow back within a month of surgery, so removing them has no lasting effect."
NEW_DEFINITION = "A small bean-shaped gland that filters lymph fluid; some may be removed in breast surgery."


def _editing(user):
    staff = Client()
    staff.force_login(user)
    return staff


def _public(url):
    """The page as a visitor (no session) reads it."""
    return soup_of(Client().get(url))


def _glossary_entry(slug):
    entry = _public("/glossary/").find("dt", id=slug)
    return entry and visible(entry.find_next("dd").get_text())


def _popover_of(page_url, name):
    """The definition the first use of a term shows in place on a public page."""
    page = _public(page_url)
    button = page.find("button", attrs={"aria-label": f"What “{name}” means"})
    return button and visible(page.find(id=button["popovertarget"]).get_text())


def _stored_html():
    """Every stored page HTML that links glossary terms: treatments' bodies and answers."""
    from faq.models import Question

    answers = Question.objects.values_list("answer_html", flat=True)
    return [*Treatment.objects.values_list("body_html", flat=True), *answers]


@pytest.fixture
def mentioned(terms, make_treatment, make_question):
    """Published pages that use the lymph node's forms, one of them a form an editor is about to add."""
    return {
        "treatment": make_treatment("Surgery", body="Some lymph nodes are removed and checked."),
        "glands": make_question("Why are my glands swollen?", answer="Swollen lymph glands are common."),
        "nodes": make_question("Are nodes checked?", answer="The nodes under the arm are checked."),
    }


def _propose(editor, item, **changes):
    """An editor changes a published term in the admin and submits the change for review."""
    staff = _editing(editor)
    url = f"/admin/glossary/term/{item.pk}/change/"
    data = {**form_values(staff.get(url).content), **changes, "_submit_for_review": "Submit for review"}
    response = staff.post(url, data)
    assert response.status_code == 302, soup_of(response).select_one(".errornote, .errorlist")
    return staff


def test_an_editors_change_to_a_published_definition_waits_for_review(editor, terms, mentioned, commit):
    from review.models import SignOff

    node = terms["node"]
    surgery = mentioned["treatment"].get_absolute_url()
    approved = "A small gland that filters fluid from the body's tissues."
    assert approved in _popover_of(surgery, "Lymph node")
    with commit():
        staff = _propose(editor, node, definition=FALSE_CLAIM, other_forms="lymph nodes, nodes")

    assert approved in _glossary_entry("lymph-node")
    assert "grow back" not in _public("/glossary/").get_text()
    assert approved in _popover_of(surgery, "Lymph node")
    assert "grow back" not in _public(surgery).get_text()
    for html in _stored_html():
        assert "grow back" not in html, "no stored page carries the proposed definition"
    assert b"search-result__title" not in Client().get("/search/", {"q": "grow back within a month"}).content
    assert linked_terms(Treatment.objects.get(pk=mentioned["treatment"].pk).body_html) == [
        ("lymph nodes", "/glossary/#lymph-node")
    ]
    nodes, glands = (type(mentioned[name]).objects.get(pk=mentioned[name].pk) for name in ("nodes", "glands"))
    assert linked_terms(nodes.answer_html) == [], "a proposed new form links nothing yet"
    assert linked_terms(glands.answer_html) == [("lymph glands", "/glossary/#lymph-node")], "nor is an old one lost"
    node.refresh_from_db()
    assert (node.definition, node.status) == (approved, "published")

    sign_off = SignOff.of(node)
    assert (sign_off.state, sign_off.submitted_by) == (SignOff.State.SUBMITTED, editor)
    queue = soup_of(staff.get("/admin/review/signoff/"))
    rows = [visible(row.get_text(" ")) for row in queue.select("#result_list tbody tr")]
    assert len(rows) == 1
    assert "Lymph node" in rows[0]
    assert "Awaiting review" in rows[0]
    form = soup_of(staff.get(f"/admin/glossary/term/{node.pk}/change/"))
    assert form.select_one("#id_definition").get_text().strip() == FALSE_CLAIM, "the editor's form shows the change"


def test_a_reviewers_approval_publishes_the_definition_and_renders_every_page_again(
    client, editor, reviewer, terms, mentioned, commit
):
    from review.models import SignOff

    node = terms["node"]
    surgery = mentioned["treatment"].get_absolute_url()
    with commit():
        pass  # the pages as set up are public: served from the page cache from now on
    for url in (surgery, "/glossary/", mentioned["nodes"].get_absolute_url()):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    with commit():
        _propose(editor, node, definition=NEW_DEFINITION, other_forms="lymph nodes, nodes")

    reviewing = _editing(reviewer)
    review = f"/admin/review/signoff/{SignOff.of(node).pk}/change/"
    opened = reviewing.get(review)
    page = soup_of(opened).select_one("#content-main")
    assert "What changed" in page.get_text(), "a change is read as a diff against the approved term"
    assert [ins.get_text() for ins in page.select("ins")] == [
        "node",
        "bean-shaped ",
        "lymph fluid; some may be removed in breast surgery",
    ]
    assert [deleted.get_text() for deleted in page.select("del")] == ["lymph gland", "fluid from the body's tissues"]
    with commit():
        shown = form_values(opened.content, ".review-decision")  # the version the page shows
        assert reviewing.post(review, {**shown, "decision": "approve"}).status_code == 302

    assert NEW_DEFINITION in _glossary_entry("lymph-node")
    assert NEW_DEFINITION in _popover_of(surgery, "Lymph node")
    for url in (surgery, "/glossary/"):
        assert NEW_DEFINITION in visible(soup_of(client.get(url)).get_text()), "no stale copy from the page cache"
    assert NEW_DEFINITION in visible(soup_of(client.get(mentioned["nodes"].get_absolute_url())).get_text())
    nodes, glands = (type(mentioned[name]).objects.get(pk=mentioned[name].pk) for name in ("nodes", "glands"))
    assert linked_terms(nodes.answer_html) == [("nodes", "/glossary/#lymph-node")], "the new form links"
    assert linked_terms(glands.answer_html) == [], "the form the change removed links no more"
    assert not any("from the body's tissues" in html for html in _stored_html()), "no page keeps the old definition"
    node.refresh_from_db()
    assert (node.definition, node.status, node.reviewed_by) == (NEW_DEFINITION, "published", reviewer.reviewer)
    assert SignOff.of(node) is None


def test_an_editors_new_term_is_nowhere_public_until_a_reviewer_approves_it(
    client, editor, reviewer, terms, make_treatment, commit
):
    from review.models import SignOff

    chemotherapy = make_treatment("Chemotherapy", body="It can cause neuropathy in the hands.")
    staff = _editing(editor)
    add = soup_of(staff.get("/admin/glossary/term/add/"))
    assert add.select_one("[name=status]") is None, "no status for an editor to set"
    with commit():
        response = staff.post("/admin/glossary/term/add/", {**term_form(), "_submit_for_review": "Submit for review"})
    assert response.status_code == 302
    term = Term.objects.get(term="Neuropathy")
    assert term.status == "draft"
    assert SignOff.of(term).state == SignOff.State.SUBMITTED

    assert _glossary_entry("neuropathy") is None
    assert "Nerve damage" not in _public("/glossary/").get_text()
    assert linked_terms(client.get(chemotherapy.get_absolute_url())) == []
    assert not any("Nerve damage" in html for html in _stored_html())

    reviewing = _editing(reviewer)
    review = soup_of(reviewing.get(f"/admin/review/signoff/{SignOff.of(term).pk}/change/"))
    preview = review.select_one(".review-preview")
    assert visible(preview.select_one("h2").get_text()) == "Neuropathy", "the new term whole, as the public reads it"
    assert "Nerve damage." in preview.get_text()
    links = [a.get_text() for a in review.select("#content-main a")]
    assert "Read the draft as patients will see it" not in links, "the glossary has no draft to read"
    with commit():
        term.approve(reviewer)
    assert _glossary_entry("neuropathy") == "Nerve damage."
    assert linked_terms(client.get(chemotherapy.get_absolute_url())) == [("neuropathy", "/glossary/#neuropathy")]


def test_an_editor_cannot_publish_a_term_by_posting_its_status(editor, terms):
    staff = _editing(editor)
    response = staff.post("/admin/glossary/term/add/", term_form(status="published"))
    assert response.status_code == 302
    term = Term.objects.get(term="Neuropathy")
    assert term.status == "draft"
    url = f"/admin/glossary/term/{term.pk}/change/"
    assert staff.post(url, {**form_values(staff.get(url).content), "status": "published"}).status_code == 302
    term.refresh_from_db()
    assert term.status == "draft"
    staff.post("/admin/glossary/term/", {"action": "publish", "_selected_action": [str(term.pk)]})
    term.refresh_from_db()
    assert term.status == "draft", "the bulk Publish is an approval, offered to reviewers only"
    assert _glossary_entry("neuropathy") is None


def test_reviewers_may_read_terms_and_editors_keep_writing_them(reviewer, editor, terms):
    node = terms["node"]
    reviewing = _editing(reviewer)
    url = f"/admin/glossary/term/{node.pk}/change/"
    assert reviewing.get(url).status_code == 200
    assert reviewing.post(url, form_values(_editing(editor).get(url).content)).status_code == 403
    assert reviewer.has_perm("glossary.view_term")
    assert {perm for perm in ("add_term", "change_term", "view_term") if editor.has_perm(f"glossary.{perm}")} == {
        "add_term",
        "change_term",
        "view_term",
    }


def test_demo_terms_are_approved_by_the_demo_reviewer_and_loading_again_changes_nothing():
    from io import StringIO

    import yaml
    from django.core.management import call_command
    from django.utils import timezone
    from reversion.models import Version

    from glossary.demo import DEMO_FILES

    call_command("load_demo", stdout=StringIO())
    names = [item["term"] for path in DEMO_FILES for item in yaml.safe_load(path.read_text(encoding="utf-8"))["terms"]]
    terms = list(Term.objects.select_related("reviewed_by").order_by("pk"))
    assert sorted(term.term for term in terms) == sorted(names)
    approved = "Approved by Demo Reviewer (sample content, not a clinician), stand-in for a medical reviewer."
    for term in terms:
        assert term.status == "published", term
        assert term.reviewed_by.display_name == "Demo Reviewer (sample content, not a clinician)", term
        assert term.last_reviewed == timezone.localdate(), term
        assert term.next_review_due > term.last_reviewed, term
        comments = [version.revision.get_comment() for version in Version.objects.get_for_object(term)]
        assert comments == [approved, "Demo content loaded"], term
    assert len(_public("/glossary/").select("dt")) == Term.objects.filter(language="en").count()
    assert len(_public("/es/glossary/").select("dt")) == Term.objects.filter(language="es").count()

    before = list(Term.objects.order_by("pk").values_list("pk", "updated_at", "reviewed_by", "last_reviewed"))
    versions = Version.objects.count()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert list(Term.objects.order_by("pk").values_list("pk", "updated_at", "reviewed_by", "last_reviewed")) == before
    assert Version.objects.count() == versions
    assert "Demo glossary: 0 terms created" in out.getvalue()


def test_an_approved_rename_moves_every_link_to_the_new_entry(editor, reviewer, terms, mentioned, commit):
    """The pages that linked the old name link it no more, whichever words they used; the new forms link."""
    node = terms["node"]
    with commit():
        _propose(editor, node, term="Lymph gland", slug="lymph-gland", other_forms="lymph glands")
    surgery = Treatment.objects.get(pk=mentioned["treatment"].pk)
    assert linked_terms(surgery.body_html) == [("lymph nodes", "/glossary/#lymph-node")], "until it is approved"

    with commit():
        Term.objects.get(pk=node.pk).approve(reviewer)
    surgery.refresh_from_db()
    glands = type(mentioned["glands"]).objects.get(pk=mentioned["glands"].pk)
    assert linked_terms(surgery.body_html) == [], "“lymph nodes” is no form of the term any more"
    assert linked_terms(glands.answer_html) == [("lymph glands", "/glossary/#lymph-gland")]
    assert not any("#lymph-node" in html for html in _stored_html())
    assert _glossary_entry("lymph-node") is None
    assert _glossary_entry("lymph-gland").startswith("A small gland")


@pytest.mark.django_db(transaction=True)
def test_upgrading_keeps_every_term_public_and_unreviewed_and_can_be_undone():
    """The deploy of this change: the terms there were public, so they stay so; nobody reviewed them yet."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("glossary", "0002_editors_permissions")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    OldTerm = executor.loader.project_state(before).apps.get_model("glossary", "Term")
    OldTerm.objects.create(term="Lymph node", slug="lymph-node", definition="A small gland.")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    term = Term.objects.get(slug="lymph-node")
    assert (term.status, term.published_at) == ("published", term.updated_at)
    assert (term.reviewed_by, term.last_reviewed, term.next_review_due) == (None, None, None)
    assert _glossary_entry("lymph-node") == "A small gland."
    reviewers = Group.objects.get(name="Medical reviewers")
    assert reviewers.permissions.filter(content_type__app_label="glossary", codename="view_term").exists()

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    assert not reviewers.permissions.filter(content_type__app_label="glossary").exists()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Term.objects.get(slug="lymph-node").status == "published"


def test_load_demo_approves_the_demo_terms_published_before_review_and_leaves_staff_work_alone(editor):
    """A site upgraded with the demo glossary in it: its terms were published unreviewed (the migration)."""
    from io import StringIO

    from django.core.management import call_command

    from review.demo import DEMO_REVIEWER_NAME
    from review.models import SignOff

    call_command("load_demo", stdout=StringIO())
    unreviewed = {"reviewed_by": None, "last_reviewed": None, "next_review_due": None}
    Term.objects.filter(term__in=["Fatigue", "Infusion", "Neuropathy"]).update(**unreviewed)
    Term.objects.filter(term="Infusion").update(status="draft")  # taken back to draft by staff: theirs
    neuropathy = Term.objects.get(term="Neuropathy")
    neuropathy.submit_for_review(editor)  # a change on its way to review: the reviewer's, not the demo's
    call_command("load_demo", stdout=StringIO())
    fatigue, infusion = Term.objects.get(term="Fatigue"), Term.objects.get(term="Infusion")
    assert fatigue.status == "published"
    assert fatigue.reviewed_by.display_name == DEMO_REVIEWER_NAME
    assert (infusion.status, infusion.reviewed_by) == ("draft", None)
    neuropathy.refresh_from_db()
    assert neuropathy.reviewed_by is None
    assert SignOff.of(neuropathy).state == SignOff.State.SUBMITTED
