"""
Whole-site invariants, on every public page of the demo site.

The pages come from the URL configuration and the content, never from a
list kept here: every route outside the admin, the editor's endpoints and
media is requested (its slug, if it has one, taken from the rows that have
one), and every same-site link found on a page is followed. A new route, or
a new link, is covered without editing this file, and a route that no
content reaches fails the test.
"""

import json
from io import StringIO
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from core.languages import language_of
from donations.providers import PROVIDERS, PROVIDERS_BY_HOST
from faq.models import Question, Topic
from pagecache.parameters import declared_parameters
from pages.context_processors import SECTIONS

from .helpers import public_routes, resolved, same_site_links, soup_of

pytestmark = pytest.mark.django_db


def test_every_public_route_is_reached_from_the_content(site_pages):
    assert len(site_pages["responses"]) > 30
    missing = [route for route, reached in site_pages["covered"].items() if not reached]
    assert not missing, f"routes no content reaches: {missing}"


def test_every_public_view_declares_the_query_parameters_it_reads():
    """pagecache.parameters: a page is built only from the parameters it uses, and the page cache keys it by those."""
    for text, pattern in public_routes():
        assert hasattr(pattern.callback, "query_parameters"), f"/{text}: decorate its view with @query_parameters(...)"


def test_every_link_on_every_page_leads_somewhere_and_carries_only_what_its_page_reads(site_pages):
    for address, response in site_pages["responses"].items():
        assert response.status_code in (200, 301, 302), f"{address} answered {response.status_code}"
        if response.status_code != 200:
            location = urlsplit(response["Location"])
            assert not location.netloc or location.netloc in PROVIDERS_BY_HOST, f"{address} sends people to {location}"
            continue
        for link in same_site_links(response):
            path, _, query = link.partition("?")
            declared = declared_parameters(resolved(path).func)
            extra = {name for name, _ in parse_qsl(query)} - declared
            assert not extra, f"{address} links to {link}, whose page does not read {extra}"


def test_every_public_page_keeps_the_site_promises(site_pages):
    # The promises are a web page's; the only other documents are for crawlers and feed readers.
    documents = {
        url
        for url, response in site_pages["responses"].items()
        if response.status_code == 200 and not response["Content-Type"].startswith("text/html")
    }
    feeds = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            feeds.add(reverse("articles:feed"))  # the articles of each language
    assert documents == {"/robots.txt", "/sitemap.xml", *feeds}
    for url, response in site_pages["responses"].items():
        if response.status_code != 200 or url in documents:
            continue
        assert_keeps_the_site_promises(url, response)


@pytest.mark.parametrize("address", ["/search/?q=fatigue", "/faq/?q=hair"])
def test_the_page_asking_a_searcher_to_wait_keeps_the_site_promises_too(client, demo_site, settings, address):
    """No link leads to it, so the crawl never meets it: it is asked for here, as a visitor over the limit gets it."""
    settings.RIBBON_SEARCHES_PER_MINUTE = 1
    assert client.get("/search/?q=zzzz").status_code == 200
    response = client.get(address)
    assert response.status_code == 429
    assert_keeps_the_site_promises(address, response)
    for link in same_site_links(response):
        path, _, query = link.partition("?")
        assert not {name for name, _ in parse_qsl(query)} - declared_parameters(resolved(path).func), link


def assert_keeps_the_site_promises(url, response):
    """What every web page of the site promises, whatever its content."""
    language = language_of(urlsplit(url).path)
    with translation.override(language):  # the page's sections and its Donate button, in its language
        sections = {name: reverse(viewname) for name, viewname in SECTIONS.items()}
        donate_label = gettext("Donate")
    page = soup_of(response)
    assert len(page.find_all("h1")) == 1, url
    assert page.html["lang"] == language, url
    assert page.find("a", class_="skip-link")["href"] == "#main", url
    assert page.find("main", id="main"), url
    assert page.find("meta", attrs={"name": "description"})["content"].strip(), url
    assert page.find("link", rel="canonical")["href"].endswith(url.split("?")[0]), url
    assert page.title.get_text().strip(), url
    nav = page.select_one(".site-nav")
    for section in ("treatments", "faq"):
        assert nav.find("a", href=sections[section]), url
    # Donate names the page it was pressed on, so that a gift is credited to where the journey began;
    # on the donate pages, the page the visitor came from.
    donate = urlsplit(nav.find("a", string=donate_label)["href"])
    assert donate.path == sections["donate"], url
    here = urlsplit(url)
    began = dict(parse_qsl(here.query)).get("from") if resolved(here.path).app_name == "donations" else here.path
    assert dict(parse_qsl(donate.query)).get("from") == began, url
    for image in page.find_all("img"):
        assert image.get("alt", "").strip(), url
    # Content is in the HTML; scripts are only deferred enhancements from /static/, or JSON-LD data.
    for script in page.find_all("script"):
        if script.get("type") == "application/ld+json":
            continue
        assert script.get("src", "").startswith("/static/"), url
        assert script.has_attr("defer"), url
        assert not script.string, url
    # The Content-Security-Policy allows no inline style or script: nothing may rely on one.
    assert not page.find("style"), url
    assert not page.find(style=True), url
    for element in page.find_all(True):
        assert not any(name.startswith("on") for name in element.attrs), url
    ids = [element["id"] for element in page.find_all(id=True)]
    assert len(ids) == len(set(ids)), f"duplicate id on {url}"
    # A template's own syntax never reaches a reader (Django's {# #} comment ends at the end of its line).
    shown = page.get_text()
    assert not any(mark in shown for mark in ("{#", "#}", "{%", "%}", "{{", "}}")), f"template syntax shown on {url}"


def test_only_the_donate_pages_may_send_a_form_to_the_payment_providers(site_pages):
    """
    Browsers apply the Content-Security-Policy's form-action to the redirects that follow a form: a
    donate form needs every provider's origins (donations.providers); pages outside the donate
    pages may send forms to this site only.
    """
    providers = {origin for provider in PROVIDERS for origin in provider.origins()}
    with_form = 0
    for url, response in site_pages["responses"].items():
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        policy = response["Content-Security-Policy"]
        directives = {part.split()[0]: set(part.split()[1:]) for part in policy.split(";")}
        if soup_of(response).select("form.donate-form"):
            with_form += 1
            assert directives["form-action"] == {"'self'", *providers}, url
        elif resolved(urlsplit(url).path).app_name != "donations":
            assert directives["form-action"] == {"'self'"}, url
    assert with_form >= 3


def test_a_missing_page_keeps_the_site_promises_too(client, demo_site):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = soup_of(response)
    assert len(page.find_all("h1")) == 1
    assert page.find("main", id="main")


def test_demo_faq_has_enough_questions_and_is_idempotent(demo_site, django_user_model):
    from review.models import Reviewer

    assert Question.objects.published().count() >= 12
    assert Topic.objects.filter(questions__status="published").distinct().count() >= 3
    before = list(Question.objects.order_by("pk").values_list("pk", "updated_at", "reviewed_by", "last_reviewed"))
    people = list(django_user_model.objects.values_list("pk", "username", "password", "last_login"))
    reviewers = list(Reviewer.objects.values_list("pk", "display_name", "credentials"))
    out = StringIO()
    call_command("load_demo", stdout=out)
    after = list(Question.objects.order_by("pk").values_list("pk", "updated_at", "reviewed_by", "last_reviewed"))
    assert after == before
    assert list(django_user_model.objects.values_list("pk", "username", "password", "last_login")) == people
    assert list(Reviewer.objects.values_list("pk", "display_name", "credentials")) == reviewers
    assert "Demo questions: 0 created" in out.getvalue()


# Demo content is signed off as a real site's is, by a reviewer whose public name says it is a demo.
DEMO_REVIEWER = "Demo Reviewer (sample content, not a clinician)"


def _values_of(data, key):
    """Every value of `key` anywhere in JSON-LD data (a page may nest its items)."""
    if isinstance(data, dict):
        return ([data[key]] if key in data else []) + [v for value in data.values() for v in _values_of(value, key)]
    if isinstance(data, list):
        return [v for value in data for v in _values_of(value, key)]
    return []


# How a page says who reviewed it and when, in each language: its start, then the date and what follows it.
REVIEW_LINE = {
    "en": ("Medically reviewed by {reviewer}, ", " on {day} · Next review due "),
    "es": ("Revisado por un profesional médico: {reviewer}, ", ", el {day} · Próxima revisión prevista: "),
}


def test_every_demo_treatment_and_question_names_the_demo_reviewer_and_the_review_date(client, demo_site):
    import json

    from django.utils import timezone

    from treatments.models import Treatment

    today = timezone.localdate()
    items = [item for model in (Treatment, Question) for item in model.objects.all()]
    assert len(items) >= 5 + 12
    for item in items:
        address = item.get_absolute_url()
        page = soup_of(client.get(address))
        review = " ".join(page.select_one(".review-dates").get_text().split())
        with translation.override(item.language):
            day = date_format(today)
        before, after = REVIEW_LINE[item.language]
        assert review.startswith(before.format(reviewer=DEMO_REVIEWER)), (address, review)
        assert after.format(day=day) in review, (address, review)
        data = [json.loads(script.string) for script in page.select("script[type='application/ld+json']")]
        names = [person["name"] for person in _values_of(data, "reviewedBy")]
        if isinstance(item, Treatment):  # a treatment's data says who reviewed it; any other page's may
            assert names == [DEMO_REVIEWER], address
            assert _values_of(data, "lastReviewed") == [today.isoformat()], address
        assert set(names) <= {DEMO_REVIEWER}, address


def test_no_demo_page_says_it_was_not_medically_reviewed(site_pages):
    for address, response in site_pages["responses"].items():
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            text = " ".join(soup_of(response).get_text().split())
            assert "Not yet medically reviewed" not in text, address
            assert "Page last reviewed" not in text, f"{address} shows a review date with nobody named"


def test_the_home_page_promise_of_medical_review_holds_for_the_demo(client, demo_site):
    from treatments.models import Treatment

    assert "Every page is checked by medical reviewers." in soup_of(client.get("/")).get_text()
    for model in (Treatment, Question):
        items = list(model.objects.select_related("reviewed_by"))
        assert items
        assert {(item.status, item.reviewed_by.display_name) for item in items} == {("published", DEMO_REVIEWER)}
        assert all(item.last_reviewed and item.next_review_due > item.last_reviewed for item in items)


def test_nobody_can_log_in_as_the_demo_reviewer(client, demo_site):
    from review.models import Reviewer

    user = Reviewer.objects.get(display_name=DEMO_REVIEWER).user
    assert not user.has_usable_password()
    for password in ("", "demo", user.username):
        response = client.post("/admin/login/", {"username": user.username, "password": password})
        assert response.status_code == 200, "the login form again, not a redirect into the admin"
        assert "_auth_user_id" not in client.session


def test_demo_faq_answers_the_done_checks(client, demo_site):
    faq = soup_of(client.get("/faq/"))
    assert len(faq.select("section.faq-topic")) >= 3
    topic = soup_of(client.get(faq.select_one(".faq-topic__more a")["href"]))
    assert json.loads(topic.find("script", type="application/ld+json").string)["@type"] == "FAQPage"
    insurance = soup_of(client.get("/faq/?q=insurance"))
    assert "Will insurance cover my treatment?" in [d.summary.get_text() for d in insurance.select("details")]
    assert "No questions matched “zzzz”." in client.get("/faq/?q=zzzz").content.decode()
    immunotherapy = soup_of(client.get("/treatments/immunotherapy/"))
    related = immunotherapy.find("section", class_="related-questions")
    assert related.h2.get_text() == "Common questions about immunotherapy"
    assert len(related.select("ul a")) >= 4
