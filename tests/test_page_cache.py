"""
The anonymous full-page cache: hits cost no database work, committed edits
show at once, private and personal responses are never stored, an outage
only makes pages slower and never loses an edit, and nothing in an address
but the parameters a page uses can change it or make a new cache entry.

Each test runs in a transaction that never commits; `with commit():` runs
what a commit would run (pagecache.generations invalidates on commit).
"""

import datetime
import gzip
import time
import uuid

import brotli
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from core.models import publishable_models
from donations.models import DonateClick, OfflineGift
from faq.models import Question
from pagecache import generations, outage
from pagecache.outage import health
from pagecache.release import release
from pagecache.versions import SharedTagVersions
from treatments.models import Tag, Treatment

from .helpers import SwitchableCache, cache_entries, form_values, free_port, soup_of

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
def site(full_treatment, make_question, make_campaign, commit):
    with commit():
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


def test_an_unchanged_page_keeps_its_etag_across_an_unrelated_edit(client, site, make_treatment, commit):
    """After any edit the page is rendered again, but a browser's copy is still good if nothing on it changed."""
    etag = client.get("/donate/")["ETag"]
    with commit():
        make_treatment("Something new")
    response = client.get("/donate/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


def test_pages_are_sent_compressed_to_clients_that_accept_it(client, site):
    as_brotli = client.get("/treatments/immunotherapy/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert as_brotli["Content-Encoding"] == "br"
    plain = client.get("/treatments/immunotherapy/")
    assert plain["X-Page-Cache"] == "hit"
    assert not plain.has_header("Content-Encoding")
    assert brotli.decompress(as_brotli.content) == plain.content
    assert int(as_brotli["Content-Length"]) == len(as_brotli.content) < len(plain.content) / 2
    as_gzip = client.get("/treatments/immunotherapy/", HTTP_ACCEPT_ENCODING="gzip")
    assert as_gzip["Content-Encoding"] == "gzip"
    assert gzip.decompress(as_gzip.content) == plain.content
    refused = client.get("/treatments/immunotherapy/", HTTP_ACCEPT_ENCODING="br;q=0, gzip;q=0")
    assert not refused.has_header("Content-Encoding")
    assert refused.content == plain.content


def test_parameters_a_page_does_not_use_share_its_cached_page(client, site, django_assert_num_queries):
    client.get("/treatments/")
    for junk in ("utm_source=newsletter&utm_campaign=october&fbclid=abc", "anything=else", "q=chemo", "page_size=99"):
        with django_assert_num_queries(0):
            shared = client.get(f"/treatments/?{junk}")
        assert shared["X-Page-Cache"] == "hit", junk
    # The parameters a page reads pick another page: another entry.
    assert client.get("/treatments/?tag=chemotherapy")["X-Page-Cache"] == "miss"


def test_an_edit_saved_by_staff_in_the_admin_shows_at_once(client, site, editor, reviewer, commit):
    """Once approved: an editor's change to a published page waits for a medical reviewer (tests/test_review.py)."""
    with commit():
        pass  # the reviewer's profile (a fixture) is shown on pages: committed before the pages are stored
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
    data["_submit_for_review"] = "Submit for review"  # a reviewer approves only what was submitted
    with commit():
        assert staff.post(change_url, data).status_code == 302
        treatment.approve(reviewer)

    detail = client.get("/treatments/immunotherapy/")
    assert detail["X-Page-Cache"] == "miss"
    assert b"The body, <em>rewritten</em>." in detail.content
    for url in ("/treatments/", "/"):
        assert b"A brand new summary written by the editor." in client.get(url).content


def test_an_admin_save_marks_what_it_changed_once_however_many_rows_it_saves(client, site, editor, commit, monkeypatch):
    treatment = site["treatment"]
    started, marked = [], []
    original_generation, original_mark = generations.new_generation, generations.mark_changed
    monkeypatch.setattr(generations, "new_generation", lambda: started.append(1) or original_generation())
    monkeypatch.setattr(generations, "mark_changed", lambda tags: marked.append(tags) or original_mark(tags))
    staff = Client()
    staff.force_login(editor)
    change_url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = form_values(staff.get(change_url).content)
    data["summary"] = "Rewritten."
    for index in range(treatment.points.count()):
        data[f"points-{index}-text"] = f"Point {index}, rewritten."
    data["tags"] = []
    with commit():
        assert staff.post(change_url, data).status_code == 302
    assert started == []  # not every page: what the save changed
    assert len(marked) == 1
    # The treatment (its points are part of it), and the tags it no longer has.
    assert {f"treatments.treatment:{treatment.pk}", "treatments.tag"} <= marked[0]


def test_pages_built_from_uncommitted_changes_are_neither_stored_nor_served(client, site):
    treatment = site["treatment"]
    page = treatment.get_absolute_url()
    client.get(page)
    with transaction.atomic():
        treatment.summary = "A change that will be rolled back."
        treatment.save()
        during = client.get(page)
        assert during["X-Page-Cache"] == "bypass"
        assert b"A change that will be rolled back." in during.content
        transaction.set_rollback(True)
    after = client.get(page)
    assert after["X-Page-Cache"] == "hit"
    assert b"A change that will be rolled back." not in after.content


def test_deleting_unpublishing_and_retagging_all_show_at_once(client, site, commit):
    treatment = site["treatment"]
    question = Question.objects.get()
    for url in ("/faq/", "/treatments/", "/treatments/?tag=chemotherapy"):
        client.get(url)

    with commit():
        question.delete()
    assert b"What is immunotherapy?" not in client.get("/faq/").content

    with commit():
        treatment.tags.clear()  # a many-to-many change only
    # The tag now leads to no published treatment, so its page is gone (not a stale copy listing it).
    assert client.get("/treatments/?tag=chemotherapy").status_code == 404

    with commit():
        treatment.status = Treatment.Status.DRAFT
        treatment.save()
    assert client.get("/treatments/immunotherapy/").status_code == 404
    assert b"Immunotherapy" not in client.get("/treatments/").content


def test_campaign_progress_edits_show_at_once_but_donate_clicks_keep_the_cache(client, site, commit):
    campaign = site["campaign"]
    client.get("/donate/")
    with commit():
        client.get(
            f"/donate/{campaign.slug}/give/",
            {"amount": "25"},
            HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        )
    assert DonateClick.objects.count() == 1
    assert client.get("/donate/")["X-Page-Cache"] == "hit", "recording a click changes nothing people see"

    with commit():
        OfflineGift.objects.create(campaign=campaign, amount=27_500, donors=1, description="Gala dinner")
    assert "$40,000 raised" in client.get("/donate/").content.decode()


def test_a_gift_makes_its_pages_render_again_with_their_own_queries_only(
    client, site, commit, django_assert_num_queries
):
    """
    When the next go-live or expiry is due is worked out again only after a
    change that can move it (here a treatment's go-live), not after a gift:
    on appeal night those queries would come with every page a gift makes stale.
    """
    campaign = site["campaign"]
    assert client.get("/donate/")["X-Page-Cache"] == "miss"
    with commit():
        OfflineGift.objects.create(campaign=campaign, amount=100, donors=1, description="A raffle")
    with django_assert_num_queries(2):  # the featured campaign with its totals, and its amounts
        assert client.get("/donate/")["X-Page-Cache"] == "miss"

    with commit():
        campaign.expires_at = timezone.now() + datetime.timedelta(days=3)
        campaign.save()
    with django_assert_num_queries(2 + len(publishable_models())):  # and one per kind of content with a go-live
        assert client.get("/donate/")["X-Page-Cache"] == "miss"


def test_staff_are_never_served_or_stored_from_the_cache(client, site, staff_user, django_assert_num_queries, commit):
    client.get("/treatments/immunotherapy/")
    staff = Client()
    staff.force_login(staff_user)
    response = staff.get("/treatments/immunotherapy/")
    assert "X-Page-Cache" not in response
    assert response["Cache-Control"] == "private, no-cache", "a browser must not keep a staff view for others"
    with django_assert_num_queries(7):  # session and user, then the page's own five
        staff.get("/treatments/immunotherapy/")

    with commit():
        draft = Treatment.objects.create(title="Secret draft", summary="Not yet.", status=Treatment.Status.DRAFT)
    preview = staff.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"]
    # What staff saw was not stored for anybody else.
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_searches_redirects_and_errors_are_never_cached(client, site):
    campaign = site["campaign"]
    for _ in range(2):
        search = client.get("/faq/", {"q": "immunotherapy"})
        assert search["X-Page-Cache"] == "bypass"
        assert "max-age" not in search.get("Cache-Control", "")
        assert "no-store" in search["Cache-Control"]
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


def test_a_redis_outage_only_makes_pages_slower(client, site, commit):
    redis_down = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        },
    }
    with override_settings(CACHES=redis_down):
        started = time.monotonic()
        for _ in range(3):
            for url in PUBLIC_PAGES:
                response = client.get(url)
                assert response.status_code == 200, url
                assert response["X-Page-Cache"] == "bypass"
        # Edits still save (the new generation is owed) and show.
        treatment = site["treatment"]
        with commit():
            treatment.summary = "Edited while the cache is down."
            treatment.save()
        assert b"Edited while the cache is down." in client.get("/treatments/").content
        elapsed = time.monotonic() - started
    # 28 pages: after the first failure the cache is left alone for a while, so no page waits on it.
    assert elapsed < 10


@pytest.fixture
def flaky_cache(tmp_path, monkeypatch):
    """A cache that can stop answering and come back with everything it held."""
    switchable = {
        **settings.CACHES,
        "default": {"BACKEND": "tests.helpers.SwitchableCache", "LOCATION": str(tmp_path / "cache")},
    }
    monkeypatch.setattr(outage, "RETRY_FIRST_SECONDS", 0.05)
    health.reset()
    with override_settings(CACHES=switchable):
        yield SwitchableCache
    SwitchableCache.down = False


def test_an_edit_saved_while_the_cache_is_away_shows_when_it_comes_back(client, site, commit, flaky_cache):
    """Measured before: after one cache error the new generation was skipped, and the old page served on."""
    page = "/treatments/immunotherapy/"
    client.get(page)
    assert client.get(page)["X-Page-Cache"] == "hit"

    flaky_cache.down = True
    with commit():
        treatment = site["treatment"]
        treatment.summary = "Written while the cache was away."
        treatment.save()
    assert health.owed, "the new generation is owed, not forgotten"
    assert client.get(page)["X-Page-Cache"] == "bypass"

    flaky_cache.down = False
    health.retry_at = 0  # the few seconds of leaving the cache alone are over
    response = client.get(page)
    assert response["X-Page-Cache"] == "miss"
    assert b"Written while the cache was away." in response.content
    assert not health.owed


def test_an_owed_generation_is_paid_in_the_background_for_every_other_worker(client, site, commit, flaky_cache):
    """Other workers and servers read the shared cache: it must move on even if this process sees no request."""
    client.get("/treatments/immunotherapy/")
    before = cache.get(generations.GENERATION_KEY)
    flaky_cache.down = True
    with commit():
        Treatment.objects.get().save()
    flaky_cache.down = False
    deadline = time.monotonic() + 5
    while health.owed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not health.owed
    assert cache.get(generations.GENERATION_KEY) not in (None, before)


def test_with_the_page_cache_switched_off_every_request_renders(client, site, settings):
    settings.RIBBON_PAGE_CACHE_SECONDS = 0
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "bypass"


def test_a_deploy_never_serves_pages_the_previous_code_rendered(client, site, settings, tmp_path):
    page = "/treatments/immunotherapy/"
    client.get(page)
    assert client.get(page)["X-Page-Cache"] == "hit"
    before = release()
    try:
        # A template added or changed: another release, so the stored page is not the new code's.
        (tmp_path / "extra.html").write_text("<p>new</p>")
        settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
        release.cache_clear()
        assert release() != before
        assert client.get(page)["X-Page-Cache"] == "miss"
        settings.RIBBON_RELEASE = "named-by-the-deployment"
        release.cache_clear()
        assert release() == "named-by-the-deployment"
    finally:
        release.cache_clear()


def test_points_and_references_edited_on_their_own_show_at_once(client, site, editor, reviewer, commit):
    treatment = site["treatment"]
    client.get("/treatments/immunotherapy/")
    point = treatment.points.first()
    with commit():
        point.text = "A freshly reworded point."
        point.save()
    assert b"A freshly reworded point." in client.get("/treatments/immunotherapy/").content
    reference = treatment.references.first()
    title = reference.title
    with commit():
        reference.delete()
    assert title.encode() not in client.get("/treatments/immunotherapy/").content

    staff = Client()
    staff.force_login(editor)
    change_url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = form_values(staff.get(change_url).content)
    data["points-0-text"] = "Rewritten through the admin's inline form."
    data["_submit_for_review"] = "Submit for review"
    with commit():
        assert staff.post(change_url, data).status_code == 302
        treatment.approve(reviewer)
    assert b"Rewritten through the admin&#x27;s inline form." in client.get("/treatments/immunotherapy/").content


def test_tags_shown_on_a_treatment_follow_every_kind_of_tag_change(client, site, commit):
    treatment = site["treatment"]
    page = "/treatments/immunotherapy/"

    def tags():
        links = soup_of(client.get(page)).select(".treatment__header .tag-list a")
        return sorted(link.get_text() for link in links)

    with commit():
        treatment.tags.set([Tag.objects.get(name="Chemotherapy")])
    assert tags() == ["Chemotherapy"]
    tag = Tag.objects.get(name="Chemotherapy")
    with commit():
        tag.name = "Chemo"
        tag.save()
    assert tags() == ["Chemo"]
    with commit():
        other = Tag.objects.create(name="Side effects")
        other.treatments.add(treatment)
    assert tags() == ["Chemo", "Side effects"]
    with commit():
        other.treatments.clear()
    assert tags() == ["Chemo"]
    with commit():
        treatment.tags.add(other)
        tag.delete()
    assert tags() == ["Side effects"]


def test_common_question_links_follow_every_change_to_questions(client, site, make_question, commit):
    treatment = site["treatment"]
    page = "/treatments/immunotherapy/"

    def links():
        return [a.get_text() for a in soup_of(client.get(page)).select(".related-questions li a")]

    assert links() == ["What is immunotherapy?"]
    question = Question.objects.get()
    with commit():
        question.question = "What is immunotherapy, simply put?"
        question.save()
    assert links() == ["What is immunotherapy, simply put?"]
    with commit():
        second = make_question("Does it hurt?", topic="Aftercare")
        second.related_treatments.add(treatment)
    assert links() == ["Does it hurt?", "What is immunotherapy, simply put?"]  # same topic order: by question
    aftercare = second.topic
    with commit():
        aftercare.order = 5  # its topic now comes after the other
        aftercare.save()
    assert links() == ["What is immunotherapy, simply put?", "Does it hurt?"]
    with commit():
        second.status = "draft"
        second.save()
    assert links() == ["What is immunotherapy, simply put?"]
    with commit():
        treatment.questions.remove(question)
    assert links() == []
    with commit():
        treatment.questions.add(question)
        question.related_treatments.clear()
    assert links() == []
    with commit():
        question.related_treatments.add(treatment)
        question.delete()
    assert links() == []


# Addresses: only the parameters a page uses -------------------------------------------------


@pytest.fixture
def long_lists(make_treatment, make_question, commit):
    with commit():
        for number in range(15):
            make_treatment(f"Treatment {number:02}", tags=["Everyone"])
        for number in range(25):
            make_question(f"Question {number:02} about cover?", topic="Costs")


def test_one_request_cannot_put_its_parameters_into_everybodys_links(client, long_lists):
    """Measured before: ?utm_x=!!!… was stored, and every visitor's "Next page" link became 9 KB (a 414)."""
    poison = "!" * 3000
    for url, next_page in [
        ("/treatments/", "?page=2"),
        ("/treatments/?tag=everyone", "?tag=everyone&page=2"),
        ("/faq/topic/costs/", "?page=2"),
        ("/faq/?q=cover", "?q=cover&page=2"),
    ]:
        separator = "&" if "?" in url else "?"
        poisoned = client.get(f"{url}{separator}utm_x={poison}&junk=<b>")
        assert poisoned.status_code == 200, url
        assert soup_of(poisoned).select_one("a[rel=next]")["href"] == next_page, url
        assert poison.encode() not in poisoned.content, url
        later = client.get(url)  # another visitor
        assert soup_of(later).select_one("a[rel=next]")["href"] == next_page, url
    second = soup_of(client.get("/treatments/?page=2&utm_source=x"))
    assert second.select_one("a[rel=prev]")["href"] == "/treatments/", "the first page is the address without a number"


@pytest.mark.parametrize(
    ("url", "status", "location"),
    [
        ("/treatments/?page=01", 301, "/treatments/"),
        ("/treatments/?page=%2B1", 301, "/treatments/"),
        ("/treatments/?page=001", 301, "/treatments/"),
        ("/treatments/?page=1", 301, "/treatments/"),
        ("/treatments/?page=", 301, "/treatments/"),
        ("/treatments/?page=02", 301, "/treatments/?page=2"),
        ("/treatments/?page=%EF%BC%92", 404, None),  # full-width 2
        ("/treatments/?page=%D9%A2", 404, None),  # Arabic-Indic 2
        ("/treatments/?page=0", 404, None),
        ("/treatments/?page=-1", 404, None),
        ("/treatments/?page=x", 404, None),
        ("/treatments/?page=2&page=3", 404, None),
        ("/treatments/?page=99", 404, None),
        ("/treatments/?tag=", 301, "/treatments/"),
        ("/treatments/?tag=Everyone", 301, "/treatments/?tag=everyone"),
        ("/treatments/?tag=no-such-tag", 404, None),
        ("/treatments/?tag=%3Cscript%3E", 404, None),
        ("/faq/?page=2", 301, "/faq/"),
        ("/faq/?q=", 301, "/faq/"),
        ("/faq/?q=++cover++", 301, "/faq/?q=cover"),
        ("/faq/topic/costs/?page=1", 301, "/faq/topic/costs/"),
        ("/faq/topic/costs/?page=3", 404, None),
    ],
)
def test_non_canonical_parameters_are_redirected_or_not_found(client, long_lists, url, status, location):
    response = client.get(url)
    assert response.status_code == status
    if location:
        assert response["Location"] == location


def test_junk_in_addresses_never_makes_a_new_cache_entry(client, long_lists):
    """Measured before: each junk variant was rendered, compressed and stored (200 grew a worker by 35 MB)."""
    canonical = ["/", "/treatments/", "/treatments/?page=2", "/treatments/treatment-00/", "/faq/topic/costs/"]
    for url in canonical:
        assert client.get(url).status_code == 200
    stored = cache_entries(settings.CACHES)
    answers = set()
    for number in range(300):
        for url in (
            f"/treatments/?page=0{number}",
            f"/treatments/?page=%2B{number}",
            f"/treatments/?utm_content={number}",
            f"/treatments/treatment-00/?page={number}",
            f"/treatments/treatment-00/?tag=x{number}",
            f"/?page={number}",
            f"/faq/topic/costs/?ref={number}&page=",
        ):
            answers.add(client.get(url).status_code)
    assert answers <= {200, 301, 404}
    assert cache_entries(settings.CACHES) == stored


def test_the_cache_stays_bounded_under_a_flood_of_real_addresses(client, make_treatment, commit, tmp_path):
    with commit():
        treatments = [make_treatment(f"Flood {number:03}") for number in range(60)]
    small = {
        **settings.CACHES,
        "default": {
            "BACKEND": "pagecache.backends.PageFileCache",
            "LOCATION": str(tmp_path / "small-cache"),
            "OPTIONS": {"MAX_ENTRIES": 20},
        },
    }
    with override_settings(CACHES=small):
        client.get(treatments[0].get_absolute_url())
        generation = cache.get(generations.GENERATION_KEY)
        for treatment in treatments[1:]:
            assert client.get(treatment.get_absolute_url())["X-Page-Cache"] == "miss"
            assert cache_entries(small) <= 20 + 1, "at most 20 pages, and the generation"
        assert client.get(treatments[-1].get_absolute_url())["X-Page-Cache"] == "hit", "the newest are kept"
        assert cache.get(generations.GENERATION_KEY) == generation, "making room never drops the generation"


def test_a_generation_one_worker_starts_is_the_generation_of_every_worker_on_the_machine(tmp_path):
    """
    Without Redis the generation lives in memory every worker maps from one file (read on every hit): a
    restore or bulk change in one worker makes every other worker's stored pages stale at once.
    """
    path = tmp_path / "tag-versions"
    one, other = SharedTagVersions(path), SharedTagVersions(path)  # as two worker processes map it
    assert one.generation() is None
    assert other.generation() is None
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    assert one.add_generation(first)
    assert not other.add_generation(second), "the second worker to start one agrees with the first"
    assert other.generation() == first
    other.set_generation(second)
    assert one.generation() == second
    one.set_generation(None)
    assert other.generation() is None
    with pytest.raises(ValueError, match="a generation is 32 hex digits"):
        one.set_generation("not a generation")


def test_emptying_the_page_cache_makes_every_stored_page_stale(client, site):
    page = "/treatments/immunotherapy/"
    client.get(page)
    assert client.get(page)["X-Page-Cache"] == "hit"
    cache.clear()
    assert cache.get(generations.GENERATION_KEY) is None
    assert client.get(page)["X-Page-Cache"] == "miss"
    assert client.get(page)["X-Page-Cache"] == "hit"


def _recent_pages_key(address):
    from django.test import RequestFactory

    from pagecache.middleware import page_key

    return page_key(RequestFactory().get(address))


def test_a_workers_own_copy_made_stale_gives_way_to_the_page_another_worker_stored_since(client, site, commit):
    """
    Each worker keeps the pages it served last: once a change makes its copy stale, the page another
    worker rendered since is served from the shared cache, neither the old copy nor a render of its own.
    """
    from django.core.cache import caches

    page = "/treatments/immunotherapy/"
    key = _recent_pages_key(page)
    client.get(page)
    assert client.get(page)["X-Page-Cache"] == "hit"
    old = caches["recent-pages"].get(key)
    assert old is not None, "the worker kept the page it served"
    with commit():
        treatment = site["treatment"]
        treatment.summary = "Rewritten after the worker kept its copy."
        treatment.save()
    assert client.get(page)["X-Page-Cache"] == "miss"  # rendered and stored: by "another worker"
    caches["recent-pages"].set(key, old, timeout=60)  # this worker still holds the old copy
    response = client.get(page)
    assert response["X-Page-Cache"] == "hit"
    assert b"Rewritten after the worker kept its copy." in response.content


def test_a_workers_own_copy_goes_when_the_shared_cache_lets_the_page_go(client, site, settings):
    import time_machine

    settings.RIBBON_PAGE_CACHE_SECONDS = 120
    page = "/treatments/immunotherapy/"
    with time_machine.travel(timezone.now().replace(hour=9), tick=False) as clock:
        client.get(page)
        assert client.get(page)["X-Page-Cache"] == "hit"
        clock.shift(datetime.timedelta(seconds=121))
        assert client.get(page)["X-Page-Cache"] == "miss"


def test_the_donate_page_is_kept_once_per_page_donors_set_out_from(client, site):
    """Each source is its own page (the form names it), and a repeat is served from the cache."""
    treatment = site["treatment"].get_absolute_url()
    for source, expected in [(treatment, "miss"), ("/faq/", "miss"), (treatment, "hit")]:
        response = client.get("/donate/", {"from": source})
        assert response["X-Page-Cache"] == expected, source
        assert soup_of(response).select_one("form.donate-form input[name=from]")["value"] == source


def test_no_number_of_searches_pushes_a_page_out_of_the_page_cache(client, make_question, commit, tmp_path):
    """Kept search results have a store of their own: a crowd of searches, each finding something, leaves pages be."""
    with commit():
        make_question("Which words find this question?", answer=" ".join(f"word{n:03}" for n in range(80)))
    small = {
        **settings.CACHES,
        "default": {
            "BACKEND": "pagecache.backends.PageFileCache",
            "LOCATION": str(tmp_path / "small-cache"),
            "OPTIONS": {"MAX_ENTRIES": 20},
        },
    }
    with override_settings(CACHES=small):
        pages = ["/", "/treatments/", "/faq/"]
        for url in pages:
            assert client.get(url)["X-Page-Cache"] == "miss"
        stored = cache_entries(small)
        for number in range(80):
            view = "/search/" if number % 2 else "/faq/"
            response = client.get(view, {"q": f"word{number:03}"}, REMOTE_ADDR=f"198.51.100.{number + 1}")
            assert "Which words find this question?" in response.text
            assert response["X-Page-Cache"] == "bypass", "a page of results is never stored as a page"
        assert cache_entries(small) == stored
        for url in pages:
            assert client.get(url)["X-Page-Cache"] == "hit", url


# One render per page ------------------------------------------------------------------------


def _rendering_slowly(seconds, rendered, cache_control=None):
    """A page that takes `seconds` to render, counting its renders (what a view under load looks like)."""
    from django.http import HttpResponse

    def render(request):
        rendered.append(1)
        time.sleep(seconds)
        response = HttpResponse("<p>The page</p>" * 100, content_type="text/html; charset=utf-8")
        if cache_control:
            response["Cache-Control"] = cache_control
        return response

    return render


def _at_once(middleware, count, address="/"):
    """`count` visitors asking for the same address (the home page) at the same moment; their responses."""
    import threading

    from django.test import RequestFactory

    responses, ready = [None] * count, threading.Barrier(count)

    def visit(index):
        ready.wait()
        responses[index] = middleware(RequestFactory().get(address))

    threads = [threading.Thread(target=visit, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_visitors_who_miss_a_page_being_rendered_wait_for_that_render_instead_of_rendering_it_too():
    from pagecache.middleware import PageCacheMiddleware

    rendered = []
    responses = _at_once(PageCacheMiddleware(_rendering_slowly(0.3, rendered)), 4)
    assert len(rendered) == 1
    assert sorted(response["X-Page-Cache"] for response in responses) == ["hit", "hit", "hit", "miss"]
    assert {response.content for response in responses} == {b"<p>The page</p>" * 100}


def test_a_visitor_waits_for_another_render_only_so_long_then_renders_the_page_itself(monkeypatch):
    from pagecache import claims
    from pagecache.middleware import PageCacheMiddleware

    monkeypatch.setattr(claims.wait_for, "__defaults__", (0.1,))
    rendered = []
    started = time.monotonic()
    responses = _at_once(PageCacheMiddleware(_rendering_slowly(1.0, rendered)), 2)
    assert len(rendered) == 2, "the second visitor stopped waiting and rendered the page"
    assert time.monotonic() - started < 1.9, "neither waited for the other's whole render"
    assert all(response.status_code == 200 for response in responses)


def test_a_page_that_is_not_stored_is_rendered_for_each_waiting_visitor():
    from pagecache.middleware import PageCacheMiddleware

    rendered = []
    responses = _at_once(PageCacheMiddleware(_rendering_slowly(0.2, rendered, cache_control="private")), 3)
    assert len(rendered) == 3, "nothing was stored to wait for: each visitor got a page of their own"
    assert {response["X-Page-Cache"] for response in responses} == {"bypass"}


@pytest.mark.parametrize("address", ["/search/?q=fatigue", "/faq/?q=fatigue", "/donate/fund-research/give/?amount=25"])
def test_visitors_searching_or_giving_at_once_never_wait_for_one_another(monkeypatch, address):
    """
    A page of results, or the redirect to the payment provider, is never
    stored, so there is no render to wait for: each visitor is answered at
    once, side by side (kept results make a repeated search cheap:
    search.results).
    """
    from pagecache import claims
    from pagecache.middleware import PageCacheMiddleware

    waited = []
    monkeypatch.setattr(claims, "wait_for", lambda *args, **kwargs: waited.append(args))
    rendered = []
    middleware = PageCacheMiddleware(_rendering_slowly(0.2, rendered, cache_control="no-store"))
    responses = _at_once(middleware, 3, address)
    assert len(rendered) == 3
    assert not waited, "a visitor waited for another's render"
    assert {response["X-Page-Cache"] for response in responses} == {"bypass"}
