"""Articles: imported as the charity keeps them, reviewed like treatments, read as pages, lists and a feed."""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from articles.models import Article, ArticleQuestion, Tag
from faq.models import Topic
from faq.views import ARTICLE_QUESTIONS_ON_A_TOPIC
from review.models import SignOff

from .helpers import signed_off, soup_of, visible

SEED_ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_453772219cee588e.txt"

# An article as the charity's blog exports it (the words are this project's own): the title on the first
# line, plain headings, a section of questions, the appeal, the blog's navigation; damaged in two places.
BLOG_EXPORT = """Cold Caps Explained

Scalp cooling chills the scalp during chemotherapy so that less of the drug reaches the hair roots. \
Many people keep some of their hair.

It does not suit every kind of chemotherapy, and it adds time to each treatment day.

How It Works

A tight cap filled with cold gel is worn before, during and after each infusion. The cold narrows the blood \
vessels in the scalp, so the roots take up less medicine. Researchers are testing it with triple-negative regimens.

Your Questions About Cold Caps

Does scalp cooling hurt?

The first fifteen minutes feel very cold; most people find it bearable after that.

Will I keep all of my hair?

Most people lose some hair. Results differ with the drugs and the dose.

Is scalp cooling safe for everyone?

It is not offered for some blood cancers. Ask your team whether it suits your treatment.

What Comes Next

The patientâ€™s own team decides whether cold caps suit a regimen. Talk it over before your first cycle.

If this guide helped you, please consider supporting our work with a donation. Every gift funds guides like this one.

We fund research and run support groups for people in treatment. Donate today to help us do more.

Next
Next

Hair Loss and How to Prepare"""


def page_text(response):
    """The words of a page as a reader meets them."""
    return visible(soup_of(response).get_text(" "))


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err)
        failed = None
    except CommandError as exc:
        failed = exc
    return out.getvalue(), err.getvalue(), failed


def sentences(text):
    return [part.strip() for part in re.split(r"(?<=[.?!])\s+|\n+", text) if part.strip()]


# Importing ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_goes_to_review_and_the_public_sees_nothing_until_it_is_approved(client, tmp_path, reviewer):
    out, _err, failed = run_import(write(tmp_path, "cold-caps.txt", BLOG_EXPORT))
    assert failed is None
    assert "a draft, submitted for medical review" in out
    article = Article.objects.get()
    assert SignOff.of(article).state == SignOff.State.SUBMITTED
    assert client.get("/articles/cold-caps-explained/").status_code == 404
    assert "Cold Caps Explained" not in page_text(client.get("/articles/"))

    article.approve(reviewer)
    page = client.get("/articles/cold-caps-explained/")
    assert page.status_code == 200
    assert "Medically reviewed by Dr Amina Yusuf" in page_text(page)


@pytest.mark.django_db
def test_a_published_import_holds_every_sentence_but_the_navigation_and_a_second_import_changes_nothing(
    client, tmp_path
):
    path = write(tmp_path, "cold-caps.txt", BLOG_EXPORT)
    out, _err, failed = run_import(path, "--publish")
    assert failed is None, out
    text = page_text(client.get("/articles/cold-caps-explained/"))
    repaired = BLOG_EXPORT.replace("patientâ€™s", "patient’s")
    body = repaired.split("\nNext\n")[0]
    for sentence in sentences(body):
        assert sentence in text, f"lost: {sentence}"
    assert "Hair Loss and How to Prepare" not in text, "navigation is not body text"
    assert "â€" not in text

    out, _err, failed = run_import(path, "--publish")
    assert failed is None
    assert "unchanged" in out
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_the_import_sorts_questions_appeal_and_navigation_into_their_places(client, tmp_path):
    run_import(write(tmp_path, "cold-caps.txt", BLOG_EXPORT), "--publish")
    article = Article.objects.get()
    assert article.title == "Cold Caps Explained"
    assert article.questions_heading == "Your Questions About Cold Caps"
    assert [q.question for q in article.questions.all()] == [
        "Does scalp cooling hurt?",
        "Will I keep all of my hair?",
        "Is scalp cooling safe for everyone?",
    ]
    assert "## How It Works" in article.body
    assert "## What Comes Next" in article.body
    assert "Does scalp cooling hurt?" not in article.body
    assert article.appeal.startswith("If this guide helped you")
    assert "Donate today" in article.appeal
    assert "Donate today" not in article.body
    assert article.summary.startswith("Scalp cooling chills the scalp during chemotherapy")


@pytest.mark.django_db
def test_navigation_links_the_next_article_when_it_exists_whatever_order_the_files_come_in(client, tmp_path):
    write(tmp_path, "a-cold-caps.txt", BLOG_EXPORT)
    write(tmp_path, "b-hair-loss.txt", "Hair Loss and How to Prepare\n\nSome treatments make hair fall out.")
    out, _err, failed = run_import(tmp_path, "--publish")
    assert failed is None, out
    first = Article.objects.get(slug="cold-caps-explained")
    assert first.next_article.slug == "hair-loss-and-how-to-prepare"
    page = soup_of(client.get(first.get_absolute_url()))
    assert page.select_one("a[rel=next]")["href"] == "/articles/hair-loss-and-how-to-prepare/"


@pytest.mark.django_db
def test_a_next_article_not_on_the_site_is_reported_and_no_link_is_shown(client, tmp_path):
    out, _err, _failed = run_import(write(tmp_path, "cold-caps.txt", BLOG_EXPORT), "--publish")
    assert "“Hair Loss and How to Prepare”, is not on the site yet" in out
    assert soup_of(client.get("/articles/cold-caps-explained/")).select_one("a[rel=next]") is None


@pytest.mark.django_db
def test_questions_like_ones_the_site_has_are_reported_not_copied_into_the_faq(tmp_path, make_question):
    make_question("Does cold capping hurt?")
    make_question("Will I keep all of my hair?", topic="Hair")
    out, _err, failed = run_import(write(tmp_path, "cold-caps.txt", BLOG_EXPORT), "--publish")
    assert failed is None
    assert "“Does scalp cooling hurt?” asks nearly the same as" not in out, "different words, a different question"
    assert "“Will I keep all of my hair?” has the same address as “Will I keep all of my hair?”" in out
    assert "the FAQ lists it only if an editor gives it a topic" in out
    assert ArticleQuestion.objects.filter(topic__isnull=False).count() == 0


@pytest.mark.django_db
def test_nearly_the_same_words_are_reported(tmp_path, make_question):
    make_question("Is cold capping safe for everybody?")
    text = BLOG_EXPORT.replace("Is scalp cooling safe for everyone?", "Is cold capping safe for everyone?")
    out, _err, _failed = run_import(write(tmp_path, "cold-caps.txt", text), "--publish")
    assert "“Is cold capping safe for everyone?” asks nearly the same as “Is cold capping safe for everybody?”" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "the file has no title"),
        ("Title only", 1, "the article has no text besides its title"),
        ("---\ntitle: A\ndate: someday\n---\nText.", 3, "'date' should be a date written as YYYY-MM-DD"),
        ("---\ntitle: [a\n---\nText.", 2, "the front matter cannot be read"),
        ("A title\n\nText.\n\nQuestions\n\nIs this answered?\n\nOther heading", 7, "this question has no answer"),
        ("T" * 200 + "\n\nText.", 1, "the title is 200 characters long; at most 160 fit"),
        ("---\ndescription: " + "d" * 301 + "\n---\nA\n\nText.", 2, "the description is 301 characters long"),
    ],
)
def test_a_bad_file_names_its_line_writes_nothing_and_fails_the_command(tmp_path, text, line, reason):
    path = write(tmp_path, "bad.txt", text)
    _out, err, failed = run_import(path, "--publish")
    assert failed is not None
    assert f"{path}:{line}: {reason}" in err
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_one_bad_file_does_not_stop_the_others(tmp_path):
    write(tmp_path, "a-bad.txt", "")
    write(tmp_path, "b-good.txt", BLOG_EXPORT)
    _out, err, failed = run_import(tmp_path, "--publish")
    assert failed is not None
    assert "a-bad.txt:1:" in err
    assert Article.objects.filter(slug="cold-caps-explained").exists()


@pytest.mark.django_db
def test_front_matter_gives_the_id_date_tags_and_description(client, tmp_path):
    text = (
        "---\nid: cc-1\ntitle: Cold caps\ndescription: Keeping hair during chemotherapy.\n"
        "tags: Side effects, hair\ndate: 2024-03-01\n---\n# Cold caps\n\nScalp cooling keeps some hair."
    )
    run_import(write(tmp_path, "cc.md", text), "--publish")
    article = Article.objects.get(source_id="cc-1")
    assert (article.title, article.summary) == ("Cold caps", "Keeping hair during chemotherapy.")
    assert str(article.published_on) == "2024-03-01"
    assert sorted(article.tags.values_list("name", flat=True)) == ["Hair", "Side effects"]
    assert "# Cold caps" not in article.body, "the heading that repeats the title is the title"
    renamed = text.replace("Cold caps\ndescription", "Scalp cooling\ndescription")
    run_import(write(tmp_path, "cc.md", renamed), "--publish")
    assert Article.objects.get().title == "Scalp cooling", "the same id updates the same article"


@pytest.mark.skipif(not SEED_ARTICLE.exists(), reason="the organisation's seed files are not beside this checkout")
@pytest.mark.django_db
def test_the_charitys_own_article_is_imported_whole(client, tmp_path):
    _out, _err, failed = run_import(SEED_ARTICLE)
    assert failed is None
    assert client.get("/articles/what-is-immunotherapy/").status_code == 404, "waiting for review"
    run_import(SEED_ARTICLE, "--publish")
    text = page_text(client.get("/articles/what-is-immunotherapy/"))
    source = SEED_ARTICLE.read_bytes().decode("utf-8").replace("\r\n", "\n")
    body = source.split("\nNext\n")[0].split("\n", 1)[1]
    for sentence in sentences(body):
        assert sentence in text, f"lost: {sentence}"
    assert "Find Support for Breast Cancer Recurrence" not in text
    assert "triple-negative" in page_text(client.get("/search/?q=triple-negative")).lower()
    out, _err, _failed = run_import(SEED_ARTICLE, "--publish")
    assert "unchanged" in out
    assert Article.objects.count() == 1


# The pages ----------------------------------------------------------------------------------


def make_article(title, *, questions=0, tags=(), status="published", **fields):
    article = Article(title=title, summary=f"About {title}.", body=f"## A section\n\nWhat {title} covers.", **fields)
    if status == "published":
        signed_off(article)
    else:
        article.save()
    for number in range(questions):
        ArticleQuestion.objects.create(
            article=article, question=f"{title}: question {number}?", answer=f"Answer {number}.", order=number
        )
    for name in tags:
        article.tags.add(Tag.objects.get_or_create(name=name)[0])
    article.refresh_from_rows()
    return article


@pytest.mark.django_db
def test_the_article_page_shows_its_questions_as_expanders_with_faq_and_article_data(client):
    article = make_article("Cold caps", questions=2, tags=["Hair"])
    page = soup_of(client.get(article.get_absolute_url()))
    assert [d.summary.get_text() for d in page.select("details.faq-item")] == [
        "Cold caps: question 0?",
        "Cold caps: question 1?",
    ]
    data = [json.loads(script.string) for script in page.select("script[type='application/ld+json']")]
    kinds = {item["@type"]: item for item in data}
    assert kinds["FAQPage"]["mainEntity"][0]["acceptedAnswer"]["text"] == "Answer 0."
    main = kinds["MedicalWebPage"]["mainEntity"]
    assert (main["@type"], main["headline"], main["author"]["@type"]) == ("Article", "Cold caps", "Organization")
    assert main["datePublished"] == str(article.published_on)
    assert page.select_one("meta[property='og:type']")["content"] == "article"
    assert page.select_one("meta[property='article:tag']")["content"] == "Hair"
    assert len(page.select("h1")) == 1


@pytest.mark.django_db
def test_a_draft_article_is_not_public_and_staff_see_it_under_a_banner(client, admin_client):
    article = make_article("Draft news", status="draft")
    assert client.get(article.get_absolute_url()).status_code == 404
    response = admin_client.get(article.get_absolute_url())
    assert "Draft — not public" in page_text(response)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_appeal_leads_to_the_chosen_campaign_or_else_the_featured_one(client, make_campaign):
    featured = make_campaign(title="The appeal", is_featured=True)
    chosen = make_campaign(title="Research fund")
    article = make_article("Cold caps", appeal="Please support our work.")
    link = soup_of(client.get(article.get_absolute_url())).select_one(".donate-cta a.button")
    assert link["href"].startswith(featured.get_absolute_url())
    assert "Please support our work." in page_text(client.get(article.get_absolute_url()))
    article.appeal_campaign = chosen
    article.save()
    link = soup_of(client.get(article.get_absolute_url())).select_one(".donate-cta a.button")
    assert link["href"] == f"{chosen.get_absolute_url()}?from={article.get_absolute_url()}"
    assert link.get_text() == "Give to Research fund"


@pytest.mark.django_db
def test_the_list_is_newest_first_paged_and_filtered_by_tag(client):
    for number in range(12):
        article = make_article(f"Article {number:02}", tags=["Research"] if number % 2 else [])
        Article.objects.filter(pk=article.pk).update(published_on=f"2026-01-{number + 1:02}")
    first = soup_of(client.get("/articles/"))
    titles = [a.get_text() for a in first.select(".card__title a")]
    assert titles[:2] == ["Article 11", "Article 10"]
    assert len(titles) == 10
    assert client.get("/articles/?page=2").status_code == 200
    assert client.get("/articles/?page=3").status_code == 404
    tagged = [a.get_text() for a in soup_of(client.get("/articles/?tag=research")).select(".card__title a")]
    assert tagged == [f"Article {number:02}" for number in (11, 9, 7, 5, 3, 1)]
    assert client.get("/articles/?tag=nothing-here").status_code == 404


@pytest.mark.django_db
def test_the_feed_and_the_sitemap_list_published_articles_only(client):
    live = make_article("Cold caps")
    make_article("Secret draft", status="draft")
    feed = client.get(reverse("articles:feed"))
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert live.get_absolute_url() in feed.content.decode()
    assert "Secret draft" not in feed.content.decode()
    Article.objects.filter(pk=live.pk).update(published_on="2024-03-01")
    assert "<published>2024-03-01T00:00:00" in client.get(reverse("articles:feed")).content.decode(), "its first day"
    sitemap = client.get("/sitemap.xml").content.decode()
    assert live.get_absolute_url() in sitemap
    assert "/articles/secret-draft/" not in sitemap
    home = page_text(client.get("/"))
    assert "Latest articles" in home
    assert "Cold caps" in home


@pytest.mark.django_db
def test_search_finds_an_article_by_its_text_and_its_questions(client):
    make_article("Cold caps", questions=1)
    Article.objects.update(body="Scalp cooling for triple-negative regimens.")
    Article.objects.get().refresh_derived_fields()
    article = Article.objects.get()
    article.save()
    article.refresh_from_rows()
    assert "Cold caps" in page_text(client.get("/search/?q=triple-negative"))
    assert "Cold caps" in page_text(client.get("/search/?q=question"))


@pytest.mark.django_db
def test_the_faq_lists_an_articles_question_under_its_topic_from_the_one_text(client):
    topic = Topic.objects.create(name="Hair")
    article = make_article("Cold caps", questions=1)
    question = article.questions.get()
    question.topic = topic
    question.save()
    page = page_text(client.get(topic.get_absolute_url()))
    assert "Cold caps: question 0?" in page
    assert "Answer 0." in page
    question.answer = "A better answer."
    question.save()
    assert "A better answer." in page_text(client.get(topic.get_absolute_url()))
    Article.objects.filter(pk=article.pk).update(status="draft")
    assert client.get(topic.get_absolute_url()).status_code == 404, "nothing public is left under the topic"


# What a page costs --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 15])
def test_article_pages_cost_the_same_queries_however_much_there_is(client, django_assert_num_queries, count):
    """Rendered afresh (the page cache off): the queries a page makes, whatever the number of rows."""
    for number in range(count):
        make_article(f"Article {number}", questions=count, tags=[f"Tag {n}" for n in range(count)])
    article = Article.objects.first()
    client.get(article.get_absolute_url())
    client.get("/articles/")
    with override_settings(RIBBON_PAGE_CACHE_SECONDS=0), django_assert_num_queries(5):
        client.get(article.get_absolute_url())
    with override_settings(RIBBON_PAGE_CACHE_SECONDS=0), django_assert_num_queries(4):
        client.get("/articles/")
    with override_settings(RIBBON_PAGE_CACHE_SECONDS=0), django_assert_num_queries(5):
        client.get("/articles/?tag=tag-0")


@pytest.mark.django_db
def test_the_faq_importer_says_what_of_an_article_it_leaves_out_and_how_to_keep_it(tmp_path):
    out = StringIO()
    call_command("import_faqs", str(write(tmp_path, "cold-caps.txt", BLOG_EXPORT)), "--publish", stdout=out)
    assert "paragraph(s) that answer no question were left out (lines 3, 5, 9" in out.getvalue()
    assert "import it with import_articles instead" in out.getvalue()


# The admin --------------------------------------------------------------------------------


HARD_ANSWER = (
    "Immunomodulatory pharmacotherapeutic interventions necessitate comprehensive multidisciplinary "
    "consultation regarding individualised contraindications and physiological considerations."
)


@pytest.mark.django_db
def test_the_reading_panel_grades_the_summary_body_and_answers_as_typed_and_as_saved(admin_client, editor):
    url = "/admin/articles/article/reading-level/"
    typed = {"summary": "A cap.", "body": "It is cold.", "questions-0-answer": HARD_ANSWER, "questions-0-question": "?"}
    panel = soup_of(admin_client.post(url, typed)).select_one("#reading-panel")
    assert "Hard to read" in panel.get_text()
    assert panel.select("ol li")[0].get_text() == HARD_ANSWER, "an answer is read too"
    assert panel["data-graded"] == "summary body questions-*-answer"
    assert admin_client.get(url).status_code == 405

    article = make_article("Cold caps")
    ArticleQuestion.objects.create(article=article, question="Is it hard?", answer=HARD_ANSWER)
    article.refresh_from_rows()
    saved = soup_of(admin_client.get(f"/admin/articles/article/{article.pk}/change/")).select_one("#reading-panel")
    assert f"SMOG grade {Article.objects.get().reading_grade}" in saved.get_text()
    assert Article.objects.get().reading_grade > 9


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_a_topic_page_costs_the_same_queries_and_stays_short_however_many_articles_answer_under_it(
    client, django_assert_num_queries, count
):
    topic = Topic.objects.create(name="Hair")
    for number in range(count):
        make_article(f"Article {number:02}", questions=1).questions.update(topic=topic)
    # The topic, the questions articles answer under it, the count of its own (none, so no page of them).
    with override_settings(RIBBON_PAGE_CACHE_SECONDS=0), django_assert_num_queries(3):
        page = soup_of(client.get(topic.get_absolute_url()))
    listed = page.select("#from-articles ~ details")
    assert len(listed) == min(count, ARTICLE_QUESTIONS_ON_A_TOPIC)
    assert listed[0].summary.get_text() == f"Article {count - 1:02}: question 0?", "the newest article's first"


@pytest.mark.django_db
def test_an_article_page_shown_again_is_reused_at_one_query_until_an_edit(client, commit, django_assert_num_queries):
    """Rendered once per worker and edit (pagecache.kept), with the page cache off as well."""
    with override_settings(RIBBON_PAGE_CACHE_SECONDS=0):
        with commit():
            article = make_article("Cold caps", questions=2, tags=["Hair"])
        first = client.get(article.get_absolute_url()).content
        with django_assert_num_queries(1):  # the article: is it still public, and as it was?
            assert client.get(article.get_absolute_url()).content == first
        with commit():
            question = article.questions.first()
            question.answer = "A newer answer."
            question.save()
        assert "A newer answer." in page_text(client.get(article.get_absolute_url()))
