"""Whole-site invariants, checked on every public page of the demo site."""

from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from donations.models import Campaign
from faq.models import Question, Topic
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


def public_urls():
    urls = ["/", "/treatments/", "/faq/", "/faq/?q=insurance", "/faq/?q=zzzz"]
    urls += [f"/treatments/?tag={slug}" for slug in Treatment.objects.values_list("tags__slug", flat=True).distinct()]
    urls += [treatment.get_absolute_url() for treatment in Treatment.objects.published()]
    urls += [topic.get_absolute_url() for topic in Topic.objects.all()]
    urls += [question.get_absolute_url() for question in Question.objects.published()]
    urls += ["/donate/", "/donate/thanks/"]
    urls += [campaign.get_absolute_url() for campaign in Campaign.objects.published()]
    urls += [campaign.get_thanks_url() for campaign in Campaign.objects.published()]
    return urls


def test_every_public_page_keeps_the_site_promises(client, demo_site):
    urls = public_urls()
    assert len(urls) > 30
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = BeautifulSoup(response.content, "html.parser")
        assert len(page.find_all("h1")) == 1, url
        assert page.html["lang"] == "en"
        assert page.find("a", class_="skip-link")["href"] == "#main"
        assert page.find("main", id="main"), url
        assert page.find("meta", attrs={"name": "description"})["content"].strip(), url
        assert page.find("link", rel="canonical")["href"].endswith(url.split("?")[0]), url
        assert page.title.get_text().strip(), url
        nav = page.select_one(".site-nav")
        assert nav.find("a", href="/treatments/"), url
        assert nav.find("a", href="/faq/"), url
        assert nav.find("a", href="/donate/").get_text() == "Donate", url
        for image in page.find_all("img"):
            assert image.get("alt", "").strip(), url
        # The content is in the HTML: scripts are only deferred enhancements or JSON-LD data.
        for script in page.find_all("script"):
            if script.get("type") == "application/ld+json":
                continue
            assert script.get("src", "").startswith("/static/"), url
            assert script.has_attr("defer"), url
        ids = [element["id"] for element in page.find_all(id=True)]
        assert len(ids) == len(set(ids)), f"duplicate id on {url}"


def test_demo_faq_has_enough_questions_and_is_idempotent(db, demo_site):
    assert Question.objects.published().count() >= 12
    assert Topic.objects.filter(questions__status="published").distinct().count() >= 3
    before = list(Question.objects.order_by("pk").values_list("pk", "updated_at"))
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert list(Question.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert "Demo questions: 0 created" in out.getvalue()


def test_demo_faq_answers_the_done_checks(client, demo_site):
    faq = BeautifulSoup(client.get("/faq/").content, "html.parser")
    assert len(faq.select("section.faq-topic")) >= 3
    assert faq.find("script", type="application/ld+json")
    insurance = BeautifulSoup(client.get("/faq/?q=insurance").content, "html.parser")
    assert "Will insurance cover my treatment?" in [d.summary.get_text() for d in insurance.select("details")]
    assert "No questions matched “zzzz”." in client.get("/faq/?q=zzzz").content.decode()
    immunotherapy = BeautifulSoup(client.get("/treatments/immunotherapy/").content, "html.parser")
    related = immunotherapy.find("section", class_="related-questions")
    assert related.h2.get_text() == "Common questions about immunotherapy"
    assert len(related.select("ul a")) >= 4
