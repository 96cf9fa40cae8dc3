from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from faq.importer import ArticleError, parse_article
from faq.models import Question, Topic

from .helpers import soup_of

pytestmark = pytest.mark.django_db

SEED_ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_453772219cee588e.txt"


# Admin ----------------------------------------------------------------------------------


def test_an_editor_can_write_a_question_with_the_live_preview_editor(client, editor, full_treatment):
    topic = Topic.objects.create(name="Immunotherapy")
    client.force_login(editor)
    form = client.get("/admin/faq/question/add/")
    assert form.status_code == 200
    assert b"markdownx" in form.content
    response = client.post(
        "/admin/faq/question/add/",
        {
            "question": "Does it hurt?",
            "slug": "does-it-hurt",
            "topic": topic.pk,
            "order": "3",
            "status": "published",
            "answer": "**No**, the drip itself does not hurt.",
            "related_treatments": [full_treatment.pk],
            "review_interval_months": "12",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert "<strong>No</strong>" in question.answer_html
    assert list(question.related_treatments.all()) == [full_treatment]


def test_order_is_editable_in_the_list_and_the_public_order_follows(client, editor, make_question):
    first = make_question("First?", order=1)
    second = make_question("Second?", order=2)
    client.force_login(editor)
    changelist = soup_of(client.get("/admin/faq/question/"))
    assert changelist.find("input", attrs={"name": "form-0-order"})
    response = client.post(
        "/admin/faq/question/",
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-id": str(first.pk),
            "form-0-order": "5",
            "form-1-id": str(second.pk),
            "form-1-order": "1",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    page = soup_of(client.get("/faq/"))
    assert [d.summary.get_text() for d in page.select("details")] == ["Second?", "First?"]


def test_question_list_filters_and_search(client, editor, make_question, full_treatment):
    make_question("About cover?", answer="Insurance details.", topic="Money", treatments=[full_treatment])
    make_question("About side effects?", answer="Tiredness.", topic="Health", status="draft")
    client.force_login(editor)

    def titles(query):
        page = soup_of(client.get(f"/admin/faq/question/{query}"))
        return [a.get_text() for a in page.select("#result_list th.field-question a")]

    money = Topic.objects.get(name="Money")
    assert titles(f"?topic__id__exact={money.pk}") == ["About cover?"]
    assert titles("?status__exact=draft") == ["About side effects?"]
    assert titles(f"?related_treatments__id__exact={full_treatment.pk}") == ["About cover?"]
    assert titles("?q=tiredness") == ["About side effects?"]


def test_topic_page_shows_its_questions_and_treatment_page_shows_related_questions(
    client, editor, make_question, full_treatment
):
    question = make_question("Linked?", topic="Immunotherapy", treatments=[full_treatment])
    client.force_login(editor)
    topic = soup_of(client.get(f"/admin/faq/topic/{question.topic.pk}/change/"))
    assert "Linked?" in topic.get_text()
    assert topic.find("a", href=f"/admin/faq/question/{question.pk}/change/")
    treatment = soup_of(client.get(f"/admin/treatments/treatment/{full_treatment.pk}/change/"))
    assert treatment.find("a", href=f"/admin/faq/question/{question.pk}/change/").get_text() == "Linked?"


def test_editors_cannot_delete_questions(client, editor, make_question):
    question = make_question()
    client.force_login(editor)
    assert client.get(f"/admin/faq/question/{question.pk}/delete/").status_code == 403


# Import ----------------------------------------------------------------------------------

# An article in the organisation's style, in our own words, with the usual damage.
ARTICLE = """Living Well During Treatment

Treatment can take months. This article collects what patients tell us helped.

Looking After Yourself

Can I keep working during chemotherapy?

Many people work reduced hours. Talk to your employer early about flexible days around each cycle.

Your care team can write a letter explaining what you need.

What should I eat?

A balanced diet is enough for most people; a dietitian can help if eating is hard. Itâ€™s fine to eat little and often.

Practical Matters

Who can help with travel costs?

Ask the hospital social worker about travel grants.

Is this a question without an answer?

Next
Next
"""


def test_article_questions_and_their_answers_are_found():
    article = parse_article(ARTICLE)
    assert [q.question for q in article.questions] == [
        "Can I keep working during chemotherapy?",
        "What should I eat?",
        "Who can help with travel costs?",
    ]
    first = article.questions[0]
    assert first.answer.split("\n\n") == [
        "Many people work reduced hours. Talk to your employer early about flexible days around each cycle.",
        "Your care team can write a letter explaining what you need.",
    ]
    assert "Practical Matters" not in article.questions[1].answer, "a heading ends the answer"
    assert any("has no answer" in warning and "line 23" in warning for warning in article.warnings)


def test_markdown_headings_and_bold_questions_count_too():
    article = parse_article("# Title\n\n## **Does it hurt?**\n\nNo.\n\n## Next part\n\nIgnored.\n")
    assert [(q.question, q.answer) for q in article.questions] == [("Does it hurt?", "No.")]


def test_an_article_without_questions_is_an_error_on_a_line():
    with pytest.raises(ArticleError) as error:
        parse_article("Just a heading\n\nAnd a paragraph of text.\n")
    assert error.value.line == 1
    assert "no questions" in error.value.message


def import_faqs(*args):
    """The operator's first load: published at once (the default, review, is in tests/test_sign_off.py)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_faqs", *map(str, args), "--publish", stdout=out, stderr=err)
        return out.getvalue(), err.getvalue(), None
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc


def test_import_creates_repairs_and_is_idempotent(tmp_path, full_treatment):
    path = tmp_path / "living-well.txt"
    path.write_bytes(ARTICLE.replace("\n", "\r\n").encode())
    out, err, failed = import_faqs(path, "--topic", "Living well", "--treatment", "immunotherapy")
    assert failed is None, err
    assert "3 created" in out
    assert "has no answer" in out
    assert Question.objects.count() == 3
    eat = Question.objects.get(slug="what-should-i-eat")
    assert "It’s fine" in eat.answer
    assert eat.topic.name == "Living well"
    assert eat.is_published
    assert list(eat.related_treatments.all()) == [full_treatment]

    out, _, _ = import_faqs(path, "--topic", "Living well", "--treatment", "immunotherapy")
    assert "0 created, 0 updated, 3 unchanged" in out
    path.write_text(ARTICLE.replace("Ask the hospital social worker", "Ask the hospital's social worker"))
    out, _, _ = import_faqs(path, "--topic", "Living well")
    assert "1 updated" in out
    assert Question.objects.count() == 3


def test_a_bad_file_is_reported_and_writes_nothing_while_others_import(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.txt").write_text("No questions here.\n\nOnly text.\n")
    out, err, failed = import_faqs(tmp_path)
    assert failed is not None
    assert f"{tmp_path / 'b.txt'}:1:" in err
    assert "3 created" in out
    assert "1 failed" in out
    assert Question.objects.count() == 3


def test_an_unknown_treatment_stops_the_import_before_anything_is_written(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    _, _, failed = import_faqs(tmp_path / "a.txt", "--treatment", "nope")
    assert failed is not None
    assert "/treatments/nope/" in str(failed)
    assert Question.objects.count() == 0
    assert Topic.objects.count() == 0


def test_imported_drafts_stay_hidden(tmp_path, client):
    (tmp_path / "a.txt").write_text(ARTICLE)
    call_command("import_faqs", str(tmp_path / "a.txt"), stdout=StringIO())
    assert set(Question.objects.values_list("status", flat=True)) == {"draft"}
    assert client.get("/faq/what-should-i-eat/").status_code == 404


@pytest.mark.skipif(not SEED_ARTICLE.exists(), reason="the organisation's seed files are not beside this checkout")
def test_the_organisations_own_article(client):
    _out, err, failed = import_faqs(SEED_ARTICLE, "--topic", "Immunotherapy")
    assert failed is None, err
    slugs = set(Question.objects.values_list("slug", flat=True))
    assert {
        "how-does-immunotherapy-differ-from-chemotherapy",
        "who-is-a-candidate-for-immunotherapy",
        "what-are-the-potential-side-effects",
        "is-immunotherapy-covered-by-insurance",
        "how-long-does-immunotherapy-treatment-last",
    } <= slugs
    count = Question.objects.count()
    import_faqs(SEED_ARTICLE, "--topic", "Immunotherapy")
    assert Question.objects.count() == count
    page = soup_of(client.get("/faq/?q=insurance"))
    assert page.find("details", id="is-immunotherapy-covered-by-insurance")
    assert "â€" not in client.get("/faq/").content.decode()
