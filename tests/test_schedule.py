"""
Scheduled publishing: the public sees an item only between its go-live and
its expiry, whether or not a job ran, on the page, in lists and from the
page cache; `publish_scheduled` records each change once.
"""

import datetime
import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from reversion.models import Version

from treatments.models import Treatment

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


def _at(moment):
    return time_machine.travel(moment, tick=False)


def test_nothing_is_public_before_its_go_live_or_after_its_expiry(client, make_treatment, make_question, make_campaign):
    with _at(NOON - datetime.timedelta(days=1)):
        treatment = make_treatment("Surgery", go_live_at=NOON, expires_at=NOON + datetime.timedelta(days=7))
        question = make_question("Will it scar?", go_live_at=NOON)
        campaign = make_campaign("Winter appeal", go_live_at=NOON)
    pages = [treatment.get_absolute_url(), question.get_absolute_url(), campaign.get_absolute_url()]
    with _at(NOON - datetime.timedelta(seconds=1)):
        assert [client.get(page).status_code for page in pages] == [404, 404, 404]
        assert b"Surgery" not in client.get("/treatments/").content
        assert not Treatment.objects.published().exists()
    with _at(NOON):
        assert [client.get(page).status_code for page in pages] == [200, 200, 200]
        assert b"Surgery" in client.get("/treatments/").content
    with _at(NOON + datetime.timedelta(days=7)):
        assert client.get(pages[0]).status_code == 404
        assert b"Surgery" not in client.get("/treatments/").content


def test_a_cached_list_changes_at_the_go_live_without_any_job(settings, client, make_treatment, commit):
    settings.RIBBON_PAGE_CACHE_SECONDS = 3600
    with _at(NOON - datetime.timedelta(minutes=10)):
        with commit():
            make_treatment("Radiotherapy")
            make_treatment("Surgery", go_live_at=NOON)
        first = client.get("/treatments/")
        assert b"Surgery" not in first.content
        assert client.get("/treatments/")["X-Page-Cache"] == "hit"
    with _at(NOON + datetime.timedelta(seconds=1)):
        after = client.get("/treatments/")
        assert b"Surgery" in after.content, "the stored page expired at the go-live"


def test_publish_scheduled_records_each_change_once_and_expired_items_go_back_to_draft(make_treatment):
    with _at(NOON - datetime.timedelta(days=1)):
        treatment = make_treatment("Surgery", go_live_at=NOON, expires_at=NOON + datetime.timedelta(days=1))
    with _at(NOON + datetime.timedelta(minutes=1)):
        out = StringIO()
        call_command("publish_scheduled", stdout=out)
        assert "Went live: treatment “Surgery”" in out.getvalue()
        out = StringIO()
        call_command("publish_scheduled", stdout=out)
        assert out.getvalue().strip() == "Nothing scheduled was due."
    with _at(NOON + datetime.timedelta(days=1, minutes=1)):
        call_command("publish_scheduled", stdout=StringIO())
    treatment.refresh_from_db()
    assert treatment.status == "draft"
    comments = [version.revision.get_comment() for version in Version.objects.get_for_object(treatment)]
    assert comments[0].startswith("Expired as scheduled")
    assert comments[1].startswith("Went live as scheduled")


def test_the_expiry_must_come_after_the_go_live(client, editor):
    from .helpers import soup_of, treatment_form

    client.force_login(editor)
    response = client.post(
        "/admin/treatments/treatment/add/",
        treatment_form(
            go_live_at_0="2026-12-02", go_live_at_1="10:00", expires_at_0="2026-12-01", expires_at_1="10:00"
        ),
    )
    assert response.status_code == 200
    assert "The expiry must come after the go-live time." in soup_of(response).select_one(".errorlist").get_text()


def test_staff_see_a_scheduled_page_with_a_banner_saying_when_it_goes_live(client, editor, make_treatment):
    from .helpers import soup_of, visible

    with _at(NOON - datetime.timedelta(hours=2)):
        treatment = make_treatment("Surgery", go_live_at=NOON)
        client.force_login(editor)
        response = client.get(treatment.get_absolute_url())
    assert "no-store" in response["Cache-Control"]
    banner = visible(soup_of(response).select_one(".draft-banner").get_text())
    assert banner.startswith("Scheduled — not public now.")
    assert "1 December 2026, 12:00" in banner


def test_a_cached_page_showing_a_campaigns_last_day_changes_at_local_midnight(settings, client, make_campaign, commit):
    """A campaign's dates are days in the charity's time zone, so what its pages say changes at that midnight."""
    settings.TIME_ZONE = "America/New_York"
    settings.RIBBON_PAGE_CACHE_SECONDS = 3600
    last_day = datetime.date(2026, 12, 1)
    midnight = datetime.datetime(2026, 12, 2, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    with _at(midnight - datetime.timedelta(minutes=2)):
        with commit():
            make_campaign("Winter appeal", ends_on=last_day, is_featured=True)
        for page in ("/", "/donate/"):
            assert b"Winter appeal" in client.get(page).content
            assert client.get(page)["X-Page-Cache"] == "hit"
    with _at(midnight + datetime.timedelta(minutes=1)):
        for page in ("/", "/donate/"):
            assert b"Winter appeal" not in client.get(page).content, f"{page} still shows a campaign that ended"
