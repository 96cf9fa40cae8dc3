"""
What search engines and link previews read, on every public page of the demo
site (found as tests/test_site.py finds them): JSON-LD blocks of the shape
search engines document (checked here, without the network), each FAQ
question marked up on one page only, a BreadcrumbList wherever a breadcrumb
trail is shown, the organisation on the home page, and a description of its
own for each page.
"""

import json
from collections import defaultdict
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings
from django.utils import translation

from articles.models import ArticleQuestion
from faq.models import Question

from .helpers import html_pages, soup_of, visible

pytestmark = pytest.mark.django_db

SCHEMA_ORG = "https://schema.org"
# What each type needs to be read at all (the search engines' required properties, and what this site
# always gives). A type not listed here fails the test: add it with what it needs.
REQUIRED = {
    "FAQPage": {"mainEntity"},
    "Question": {"name", "acceptedAnswer"},
    "Answer": {"text"},
    "BreadcrumbList": {"itemListElement"},
    "ListItem": {"position", "name", "item"},
    "Organization": {"name", "url"},
    "MedicalWebPage": {"name", "url", "about"},
    "MedicalTherapy": {"name"},
    "MedicalCondition": {"name"},
    "Article": {"headline", "datePublished", "dateModified", "author", "publisher"},
    "Person": {"name"},
}
ADDRESSES = {"url", "item", "logo"}


def json_ld(response):
    """The page's JSON-LD blocks, parsed."""
    return [json.loads(script.string) for script in soup_of(response).find_all("script", type="application/ld+json")]


def blocks_of_type(response, kind):
    return [block for block in json_ld(response) if block.get("@type") == kind]


def shape_problems(value, where):
    """What a search engine could not read in a JSON-LD value: [problem, …]."""
    problems = []
    if isinstance(value, list):
        for index, item in enumerate(value):
            problems += shape_problems(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        kind = value.get("@type")
        if kind not in REQUIRED:
            return [f"{where}: type {kind!r} is not one this test knows"]
        for name in sorted(REQUIRED[kind]):
            if value.get(name) in (None, "", [], {}):
                problems.append(f"{where}: {kind} without {name}")
        for name in ADDRESSES & value.keys():
            if not str(value[name]).startswith(("https://", "http://")):
                problems.append(f"{where}: {kind}.{name} is not an absolute address: {value[name]!r}")
        if kind == "BreadcrumbList":
            positions = [item.get("position") for item in value.get("itemListElement", [])]
            if positions != list(range(1, len(positions) + 1)):
                problems.append(f"{where}: positions {positions}, not 1, 2, 3 …")
        for name, item in value.items():
            if isinstance(item, (dict, list)):
                problems += shape_problems(item, f"{where}.{name}")
    return problems


def test_every_json_ld_block_has_the_shape_search_engines_read(site_pages):
    seen, problems = set(), []
    for address, response in html_pages(site_pages).items():
        for number, block in enumerate(json_ld(response)):
            if block.get("@context") != SCHEMA_ORG:
                problems.append(f"{address} block {number}: @context is not {SCHEMA_ORG}")
            problems += shape_problems(block, f"{address} block {number}")
            seen.add(block.get("@type"))
    assert not problems, "\n".join(problems)
    assert seen == {"FAQPage", "BreadcrumbList", "Organization", "MedicalWebPage"}


def test_the_shape_check_finds_what_a_search_engine_could_not_read():
    """The check above can fail: a missing answer, a relative address, a gap in positions, an unknown type."""
    broken_faq = {"@type": "FAQPage", "mainEntity": [{"@type": "Question", "name": "Why?"}]}
    assert shape_problems(broken_faq, "page") == ["page.mainEntity[0]: Question without acceptedAnswer"]
    crumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": "/"},
            {"@type": "ListItem", "position": 3, "name": "Here", "item": "https://example.org/here/"},
        ],
    }
    assert shape_problems(crumbs, "page") == [
        "page: positions [1, 3], not 1, 2, 3 …",
        "page.itemListElement[0]: ListItem.item is not an absolute address: '/'",
    ]
    assert shape_problems({"@type": "Thing"}, "page") == ["page: type 'Thing' is not one this test knows"]


def test_each_published_question_is_marked_up_as_an_faq_once_on_its_topic_page(site_pages):
    """
    Search engines ask for a question to be marked up once across a site. Its
    place is its topic's page: every published question is there, on one page
    of the topic's list, its whole answer shown; the FAQ index shows only the
    first few of each topic, and a question's own page is not a list of
    questions. An article's questions are marked up on the article, which they
    are part of: a topic that lists one too does not mark it up again.
    """
    marked_on = defaultdict(list)
    for address, response in html_pages(site_pages).items():
        page = soup_of(response)
        for hidden in page.select(".term__tip, [popover]"):  # a glossary word's definition, shown on request
            hidden.decompose()
        shown = {
            details.summary.get_text(): visible(details.select_one(".prose").get_text())
            for details in page.select("details.faq-item")
        }
        for block in blocks_of_type(response, "FAQPage"):
            for entry in block["mainEntity"]:
                marked_on[entry["name"]].append(address)
                assert shown.get(entry["name"]) == entry["acceptedAnswer"]["text"], f"{address}: {entry['name']}"
    published = {question.question: question for question in Question.objects.published().select_related("topic")}
    assert len(published) >= 12
    where = {name: question.topic.get_absolute_url() for name, question in published.items()}
    for language, _name in settings.LANGUAGES:  # the questions of each language's articles
        with translation.override(language):
            in_articles = ArticleQuestion.objects.on_live_articles().select_related("article")
            where |= {question.question: question.article.get_absolute_url() for question in in_articles}
    assert len(where) > len(published), "the demo's articles have questions"
    assert set(marked_on) == set(where), "every published question is marked up, and nothing else"
    for name, addresses in marked_on.items():
        assert addresses == [where[name]], f"{name!r} is marked up on {addresses}"


def test_every_breadcrumb_trail_shown_is_given_as_a_breadcrumb_list_too(site_pages):
    """
    The same names and absolute addresses, in the same order, ending with the
    page itself: the trail's last item, or, where the trail stops at the
    page's parent (a question's topic), the page's heading.
    """
    with_trail = 0
    for address, response in html_pages(site_pages).items():
        page = soup_of(response)
        lists = blocks_of_type(response, "BreadcrumbList")
        trail = page.select_one("nav.breadcrumbs")
        if trail is None:
            assert not lists, f"{address} has a BreadcrumbList but shows no trail"
            continue
        with_trail += 1
        canonical = page.find("link", rel="canonical")["href"]
        expected = []
        for crumb in trail.select("li"):
            link = crumb.find("a", href=True)
            expected.append((crumb.get_text(strip=True), f"http://testserver{link['href']}" if link else canonical))
        if not trail.select_one("[aria-current=page]"):
            expected.append((visible(page.h1.get_text()), canonical))
        assert len(lists) == 1, f"{address}: {len(lists)} BreadcrumbList blocks"
        given = [(item["name"], item["item"]) for item in lists[0]["itemListElement"]]
        assert given == expected, address
    assert with_trail >= 20


def test_the_home_page_names_the_organisation_and_nothing_it_does_not_have(site_pages, client, settings):
    organisations = {
        address: blocks
        for address, response in html_pages(site_pages).items()
        if (blocks := blocks_of_type(response, "Organization"))
    }
    assert list(organisations) == ["/", "/es/"]  # the home page of each language, naming the one organisation
    for home in organisations.values():
        assert home == [
            {"@context": SCHEMA_ORG, "@type": "Organization", "name": settings.SITE_NAME, "url": "http://testserver/"}
        ]
    settings.SITE_URL = "https://ribbon.example.org"
    settings.SITE_NAME = "Pink Ribbon Trust"
    (organisation,) = blocks_of_type(client.get("/"), "Organization")
    assert (organisation["name"], organisation["url"]) == ("Pink Ribbon Trust", "https://ribbon.example.org/")


def _one_list(address):
    """
    The address without its page number, nor the page a donor came from: the pages of one list, and a
    donate page reached from different pages, are one page and may share their description.
    """
    parts = urlsplit(address)
    query = urlencode([(name, value) for name, value in parse_qsl(parts.query) if name not in {"page", "from"}])
    return parts.path + (f"?{query}" if query else "")


def test_every_page_has_a_description_of_its_own_for_previews_and_results(site_pages):
    pages_of = defaultdict(set)
    for address, response in html_pages(site_pages).items():
        page = soup_of(response)
        described = page.find("meta", attrs={"name": "description"})["content"].strip()
        previewed = page.find("meta", property="og:description")["content"].strip()
        assert described, address
        assert previewed == described, f"{address}: og:description {previewed!r}, description {described!r}"
        pages_of[described].add(_one_list(address))
    shared = {description: sorted(lists) for description, lists in pages_of.items() if len(lists) > 1}
    assert not shared, "pages sharing a description:\n" + "\n".join(f"{v}: {k!r}" for k, v in shared.items())


def test_a_list_filtered_by_a_tag_and_a_topic_page_say_what_they_list(site_pages):
    pages = html_pages(site_pages)
    descriptions = {
        address: soup_of(response).find("meta", property="og:description")["content"]
        for address, response in pages.items()
    }
    tags = [address for address in pages if address.startswith("/treatments/?tag=")]
    assert len(tags) >= 3
    for address in tags:
        name = soup_of(pages[address]).h1.get_text().removeprefix("Treatments: ")
        assert name in descriptions[address], address
    for question in Question.objects.published().select_related("topic"):
        topic = question.topic
        expected = topic.description or f"Questions and answers about {topic.name.lower()}."
        assert descriptions[topic.get_absolute_url()] == expected
