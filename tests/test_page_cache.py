"""
The anonymous full-page cache: hits cost no database work, edits show at
once, private and personal responses are never stored, and a cache outage
only makes pages slower.
"""

import gzip
import time

import brotli
import pytest
from django.test import Client, override_settings

from donations.models import DonateClick
from faq.models import Question
from treatments.models import Tag, Treatment

from .helpers import form_values, free_port

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/treatments/",
    "/treatments/?tag=chemotherapy",
    "/treatments/immunotherapy/",
    "/faq/",
    "/faq/topic/immunotherapy/",
    "/faq/what-is-immunotherapy/",
    "/donate/",
    "/donate/fund-research/",
]


@pytest.fixture
def site(full_treatment, make_question, make_campaign):
    full_treatment.tags.add(Tag.objects.create(name="Chemotherapy"))
    make_question("What is immunotherapy?", answer="A **treatment**.", treatments=[full_treatment])
    campaign = make_campaign(
        "Fund research", is_featured=True, amounts=[(25, "A test kit.", True), (50, "A day of care.")]
    )
    return {"treatment": full_treatment, "campaign": campaign}


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_second_anonymous_visit_is_served_from_the_cache_without_any_query(
    client, site, url, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    # The headers the skipped middleware would add are stored with the page.
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Type", "Cross-Origin-Opener-Policy"):
        assert second[header] == first[header], header


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_have_a_short_max_age_an_etag_and_answer_304(client, site, url, django_assert_num_queries):
    page = client.get(url)
    assert page["Cache-Control"] == "public, max-age=60"
    assert page["ETag"].startswith('W/"')
    assert {"Cookie", "Accept-Encoding"} <= {value.strip() for value in page["Vary"].split(",")}
    with django_assert_num_queries(0):
        again = client.get(url, HTTP_IF_NONE_MATCH=page["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == page["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH='W/"something-else"').status_code == 200


def test_an_unchanged_page_keeps_its_etag_across_an_unrelated_edit(client, site, make_treatment):
    """After any edit the page is rendered again, but a browser's copy is still good if nothing on it changed."""
    etag = client.get("/donate/")["ETag"]
    make_treatment("Something new")
    response = client.get("/donate/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


def test_pages_are_sent_compressed_to_clients_that_accept_it(client, site):
    plain = client.get("/treatments/immunotherapy/")
    assert not plain.has_header("Content-Encoding")
    as_brotli = client.get("/treatments/immunotherapy/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert as_brotli["Content-Encoding"] == "br"
    assert brotli.decompress(as_brotli.content) == plain.content
    assert int(as_brotli["Content-Length"]) == len(as_brotli.content) < len(plain.content) / 2
    as_gzip = client.get("/treatments/immunotherapy/", HTTP_ACCEPT_ENCODING="gzip")
    assert as_gzip["Content-Encoding"] == "gzip"
    assert gzip.decompress(as_gzip.content) == plain.content
    refused = client.get("/treatments/immunotherapy/", HTTP_ACCEPT_ENCODING="br;q=0, gzip;q=0")
    assert not refused.has_header("Content-Encoding")


def test_tracking_parameters_share_the_cached_page_and_unknown_ones_bypass_it(client, site, django_assert_num_queries):
    client.get("/treatments/")
    with django_assert_num_queries(0):
        shared = client.get("/treatments/?utm_source=newsletter&utm_campaign=october&fbclid=abc")
    assert shared["X-Page-Cache"] == "hit"
    assert client.get("/treatments/?anything=else")["X-Page-Cache"] == "bypass"
    assert client.get("/treatments/?page=1&page=2")["X-Page-Cache"] == "bypass"
    # Different pages of a list are different entries.
    assert client.get("/treatments/?tag=chemotherapy")["X-Page-Cache"] == "miss"


def test_an_edit_saved_by_staff_in_the_admin_shows_at_once(client, site, editor):
    treatment = site["treatment"]
    for url in ("/treatments/immunotherapy/", "/treatments/", "/"):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"

    staff = Client()
    staff.force_login(editor)
    change_url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = form_values(staff.get(change_url).content)
    data["summary"] = "A brand new summary written by the editor."
    data["body"] = "The body, *rewritten*."
    assert staff.post(change_url, data).status_code == 302

    detail = client.get("/treatments/immunotherapy/")
    assert detail["X-Page-Cache"] == "miss"
    assert b"The body, <em>rewritten</em>." in detail.content
    for url in ("/treatments/", "/"):
        assert b"A brand new summary written by the editor." in client.get(url).content


def test_deleting_unpublishing_and_retagging_all_show_at_once(client, site, make_question):
    treatment = site["treatment"]
    question = Question.objects.get()
    client.get("/faq/")
    client.get("/treatments/")
    client.get("/treatments/?tag=chemotherapy")

    question.delete()
    assert b"What is immunotherapy?" not in client.get("/faq/").content

    treatment.tags.clear()  # a many-to-many change only
    assert client.get("/treatments/?tag=chemotherapy").status_code == 200
    assert b"Immunotherapy" not in client.get("/treatments/?tag=chemotherapy").content

    treatment.status = Treatment.Status.DRAFT
    treatment.save()
    assert client.get("/treatments/immunotherapy/").status_code == 404
    assert b"Immunotherapy" not in client.get("/treatments/").content


def test_campaign_progress_edits_show_at_once_but_donate_clicks_keep_the_cache(client, site):
    campaign = site["campaign"]
    client.get("/donate/")
    client.get(
        f"/donate/{campaign.slug}/give/",
        {"amount": "25"},
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    )
    assert DonateClick.objects.count() == 1
    assert client.get("/donate/")["X-Page-Cache"] == "hit", "recording a click changes nothing people see"

    campaign.raised = 40_000
    campaign.save()
    assert "$40,000 raised" in client.get("/donate/").content.decode()


def test_staff_are_never_served_or_stored_from_the_cache(client, site, staff_user, django_assert_num_queries):
    client.get("/treatments/immunotherapy/")
    staff = Client()
    staff.force_login(staff_user)
    response = staff.get("/treatments/immunotherapy/")
    assert "X-Page-Cache" not in response
    assert response["Cache-Control"] == "private, no-cache", "a browser must not keep a staff view for others"
    with django_assert_num_queries(7):  # session and user, then the page's own five
        staff.get("/treatments/immunotherapy/")

    draft = Treatment.objects.create(title="Secret draft", summary="Not yet.", status=Treatment.Status.DRAFT)
    preview = staff.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"]
    # What staff saw was not stored for anybody else.
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_searches_redirects_and_errors_are_never_cached(client, site, django_assert_num_queries):
    campaign = site["campaign"]
    for _ in range(2):
        search = client.get("/faq/", {"q": "immunotherapy"})
        assert search["X-Page-Cache"] == "bypass"
        assert "max-age" not in search.get("Cache-Control", "")
    for _ in range(2):
        give = client.get(f"/donate/{campaign.slug}/give/", {"amount": "50"})
        assert give.status_code == 302
        assert "no-store" in give["Cache-Control"]
        assert give["X-Page-Cache"] == "bypass"
    for _ in range(2):
        assert client.get("/treatments/no-such-thing/").status_code == 404
        assert client.get("/treatments/no-such-thing/")["X-Page-Cache"] == "bypass"


def test_a_search_result_is_compressed_on_the_fly(client, site):
    response = client.get("/faq/", {"q": "immunotherapy"}, HTTP_ACCEPT_ENCODING="br")
    assert response["Content-Encoding"] == "br"
    assert "What is immunotherapy?" in brotli.decompress(response.content).decode()


def test_the_admin_is_never_cached_or_compressed(client, site):
    response = client.get("/admin/login/", HTTP_ACCEPT_ENCODING="br, gzip")
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    assert not response.has_header("Content-Encoding"), "a page with a CSRF token is never compressed (BREACH)"


def test_a_redis_outage_only_makes_pages_slower(client, site, staff_user):
    redis_down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=redis_down):
        started = time.monotonic()
        for _ in range(3):
            for url in PUBLIC_PAGES:
                response = client.get(url)
                assert response.status_code == 200, url
                assert response["X-Page-Cache"] == "bypass"
        # Edits still save (invalidation fails quietly) and show.
        treatment = site["treatment"]
        treatment.summary = "Edited while the cache is down."
        treatment.save()
        assert b"Edited while the cache is down." in client.get("/treatments/").content
        elapsed = time.monotonic() - started
    # 28 pages: after the first failure the cache is left alone for a while, so no page waits on it.
    assert elapsed < 10


def test_with_the_page_cache_switched_off_every_request_renders(client, site, settings):
    settings.RIBBON_PAGE_CACHE_SECONDS = 0
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "bypass"


def test_points_and_references_edited_on_their_own_show_at_once(client, site, editor):
    """Pros, cons and references are stored as HTML on save: each of their edits re-renders it."""
    treatment = site["treatment"]
    client.get("/treatments/immunotherapy/")
    point = treatment.points.first()
    point.text = "A freshly reworded point."
    point.save()
    assert b"A freshly reworded point." in client.get("/treatments/immunotherapy/").content
    reference = treatment.references.first()
    title = reference.title
    reference.delete()
    assert title.encode() not in client.get("/treatments/immunotherapy/").content

    staff = Client()
    staff.force_login(editor)
    change_url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = form_values(staff.get(change_url).content)
    data["points-0-text"] = "Rewritten through the admin's inline form."
    assert staff.post(change_url, data).status_code == 302
    assert b"Rewritten through the admin&#x27;s inline form." in client.get("/treatments/immunotherapy/").content


def test_topics_shown_on_a_treatment_follow_every_kind_of_tag_change(client, site):
    """The topic list is stored HTML: renames, deletions and links from either side all re-render it."""
    treatment = site["treatment"]
    page = "/treatments/immunotherapy/"

    def topics():
        from bs4 import BeautifulSoup

        links = BeautifulSoup(client.get(page).content, "html.parser").select(".treatment__header .tag-list a")
        return sorted(link.get_text() for link in links)

    treatment.tags.set([Tag.objects.get(name="Chemotherapy")])
    assert topics() == ["Chemotherapy"]
    tag = Tag.objects.get(name="Chemotherapy")
    tag.name = "Chemo"
    tag.save()
    assert topics() == ["Chemo"]
    other = Tag.objects.create(name="Side effects")
    other.treatments.add(treatment)
    assert topics() == ["Chemo", "Side effects"]
    other.treatments.clear()
    assert topics() == ["Chemo"]
    treatment.tags.add(other)
    tag.delete()
    assert topics() == ["Side effects"]


def test_common_question_links_follow_every_change_to_questions(client, site, make_question):
    """A treatment page's question links are stored HTML: each kind of question edit re-renders them."""
    treatment = site["treatment"]
    page = "/treatments/immunotherapy/"

    def links():
        from bs4 import BeautifulSoup

        return [
            a.get_text()
            for a in BeautifulSoup(client.get(page).content, "html.parser").select(".related-questions li a")
        ]

    assert links() == ["What is immunotherapy?"]
    question = Question.objects.get()
    question.question = "What is immunotherapy, simply put?"
    question.save()
    assert links() == ["What is immunotherapy, simply put?"]
    second = make_question("Does it hurt?", topic="Aftercare")
    second.related_treatments.add(treatment)
    assert links() == ["Does it hurt?", "What is immunotherapy, simply put?"]  # same topic order: by question
    aftercare = second.topic
    aftercare.order = 5  # its topic now comes after the other
    aftercare.save()
    assert links() == ["What is immunotherapy, simply put?", "Does it hurt?"]
    second.status = "draft"
    second.save()
    assert links() == ["What is immunotherapy, simply put?"]
    treatment.questions.remove(question)
    assert links() == []
    treatment.questions.add(question)
    question.related_treatments.clear()
    assert links() == []
    question.related_treatments.add(treatment)
    question.delete()
    assert links() == []
