"""
Findable: /sitemap.xml lists every public page with when it last changed,
and /robots.txt names it and keeps crawlers out of the admin.
"""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return {
        url.find("s:loc", NS).text.removeprefix("http://testserver"): getattr(url.find("s:lastmod", NS), "text", None)
        for url in root.findall("s:url", NS)
    }


def test_the_sitemap_lists_what_the_public_sees_and_when_it_changed(
    client, make_treatment, make_question, make_campaign
):
    now = datetime.datetime.now(datetime.UTC)
    treatment = make_treatment("Surgery")
    draft = make_treatment("Secret", status="draft")
    later = make_treatment("Later", go_live_at=now + datetime.timedelta(days=1))
    question = make_question("Does it hurt?", topic="Side effects")
    make_question("Hidden?", topic="Drafts only", status="draft")
    campaign = make_campaign("Spring appeal")
    ended = make_campaign("Old appeal", ends_on=now.date() - datetime.timedelta(days=1))
    entries = _entries(client)
    for page in ("/", "/treatments/", "/faq/", "/donate/"):
        assert page in entries
    assert entries[treatment.get_absolute_url()] == treatment.updated_at.date().isoformat()
    assert question.get_absolute_url() in entries
    assert question.topic.get_absolute_url() in entries
    assert campaign.get_absolute_url() in entries
    for hidden in (draft, later, ended):
        assert hidden.get_absolute_url() not in entries
    assert "/faq/topic/drafts-only/" not in entries


def test_the_sitemap_costs_the_same_however_much_there_is(client, make_treatment, make_question):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_treatment("One")
    make_question("One?")
    with CaptureQueriesContext(connection) as first:
        client.get("/sitemap.xml")
    for number in range(5):
        make_treatment(f"More {number}")
        make_question(f"More {number}?", topic=f"Topic {number}")
    with CaptureQueriesContext(connection) as more:
        client.get("/sitemap.xml")
    assert len(more) == len(first) <= 10, "one query (and a count) per kind of page"


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert f"Disallow: /{settings.ADMIN_URL}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
