import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from treatments.models import Treatment, TreatmentPoint

from .helpers import image_bytes, soup_of

pytestmark = pytest.mark.django_db


def test_home_page_leads_to_treatments(client, full_treatment):
    response = client.get("/")
    assert response.status_code == 200
    page = soup_of(response)
    assert page.find("a", href="/treatments/")
    assert page.find("a", href=full_treatment.get_absolute_url())


def test_treatment_list_shows_published_treatments_with_summaries(client, make_treatment):
    make_treatment("Chemotherapy", summary="Medicines that kill fast-growing cells.")
    make_treatment("Secret plan", status=Treatment.Status.DRAFT)
    page = soup_of(client.get("/treatments/"))
    text = page.get_text(" ")
    assert "Chemotherapy" in text
    assert "Medicines that kill fast-growing cells." in text
    assert "Secret plan" not in text


def test_treatment_list_filters_by_tag(client, make_treatment):
    make_treatment("Radiation Therapy", tags=["Local therapy"])
    make_treatment("Chemotherapy", tags=["Systemic therapy"])
    page = soup_of(client.get("/treatments/?tag=local-therapy"))
    titles = [h.get_text(strip=True) for h in page.select(".card__title")]
    assert titles == ["Radiation Therapy"]
    assert page.h1.get_text(strip=True) == "Treatments: Local therapy"
    current = page.select_one('.tag-filter a[aria-current="page"]')
    assert current.get_text(strip=True) == "Local therapy"


def test_unknown_tag_and_page_are_not_found(client, make_treatment):
    make_treatment()
    assert client.get("/treatments/?tag=no-such-tag").status_code == 404
    assert client.get("/treatments/?page=99").status_code == 404
    assert client.get("/treatments/?page=abc").status_code == 404


def test_treatment_list_is_paginated(client, make_treatment):
    for number in range(15):
        make_treatment(f"Treatment {number:02}")
    first = soup_of(client.get("/treatments/"))
    assert len(first.select(".card")) == 12
    assert first.find("a", rel="next")
    second = soup_of(client.get("/treatments/?page=2"))
    assert len(second.select(".card")) == 3


def test_treatment_page_shows_every_part(client, full_treatment):
    response = client.get("/treatments/immunotherapy/")
    assert response.status_code == 200
    page = soup_of(response)
    text = page.get_text(" ")
    assert page.h1.get_text(strip=True) == "Immunotherapy"
    assert "Medicines that help the immune system attack cancer." in text
    assert page.select_one(".prose strong").get_text() == "body’s"
    pros = [li.get_text() for li in page.select(".pros li")]
    cons = [li.get_text() for li in page.select(".cons li")]
    assert pros == ["Responses can last a long time.", "An option for triple-negative cancer."]
    assert cons == ["Can inflame healthy organs.", "Not everyone responds."]
    assert "Tiredness." in text
    assert "Thyroid changes." in text
    assert "$100,000–$200,000 per year" in text
    assert "Extra tests add to the cost." in text
    assert "Longer survival for responders." in text
    assert page.find("a", href="https://www.cancer.gov/immunotherapy").get_text() == "Immunotherapy — NCI"
    review = " ".join(page.select_one(".review-dates").get_text().split())
    assert review == "Page last reviewed: 10 January 2026 · Next review due 10 January 2027"
    assert "talk to your care team" in text.lower()


def test_treatment_page_meta_and_structured_data(client, full_treatment):
    page = soup_of(client.get("/treatments/immunotherapy/"))
    assert page.find("meta", attrs={"name": "description"})["content"] == full_treatment.summary
    assert page.find("link", rel="canonical")["href"] == "http://testserver/treatments/immunotherapy/"
    assert page.find("meta", property="og:title")["content"] == "Immunotherapy"
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["@type"] == "MedicalWebPage"
    assert data["lastReviewed"] == "2026-01-10"
    assert data["about"] == {"@type": "MedicalTherapy", "name": "Immunotherapy"}
    assert data["url"] == "http://testserver/treatments/immunotherapy/"


def test_structured_data_cannot_break_out_of_its_script_tag(client, make_treatment):
    make_treatment("Closing </script><script>alert(1)</script>")
    treatment = Treatment.objects.get()
    page = client.get(treatment.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    data = json.loads(
        soup_of(client.get(treatment.get_absolute_url())).find("script", type="application/ld+json").string
    )
    assert data["name"] == treatment.title


def test_canonical_url_uses_the_configured_site_address(client, settings, full_treatment):
    settings.SITE_URL = "https://ribbon.example.org"
    page = soup_of(client.get("/treatments/immunotherapy/"))
    assert page.find("link", rel="canonical")["href"] == "https://ribbon.example.org/treatments/immunotherapy/"


def test_a_draft_is_not_found_for_the_public(client, make_treatment):
    draft = make_treatment("Work in progress", status=Treatment.Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_staff_see_a_draft_with_a_banner_and_it_is_never_cached(client, staff_user, make_treatment):
    draft = make_treatment("Work in progress", status=Treatment.Status.DRAFT)
    client.force_login(staff_user)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Draft — not public." in soup_of(response).select_one(".draft-banner").get_text()
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert not soup_of(response).find("script", type="application/ld+json")


def test_hero_image_is_shown_with_its_alt_text(client, make_treatment):
    from django.core.files.uploadedfile import SimpleUploadedFile

    treatment = make_treatment(
        "Radiotherapy",
        hero_image=SimpleUploadedFile("x.png", image_bytes(size=(80, 40))),
        hero_image_alt="A radiotherapy machine in a bright room",
        hero_image_credit="Hospital photo library",
    )
    page = soup_of(client.get(treatment.get_absolute_url()))
    image = page.select_one(".hero img")
    assert image["alt"] == "A radiotherapy machine in a bright room"
    assert (image["width"], image["height"]) == ("80", "40")
    assert "Hospital photo library" in page.select_one(".hero figcaption").get_text()
    assert page.find("meta", property="og:image")["content"] == f"http://testserver{treatment.hero_share_image_url}"


def test_an_imported_image_address_is_never_hotlinked(client, make_treatment):
    treatment = make_treatment(hero_image_source_url="https://images.example.org/elsewhere.jpg")
    assert b"images.example.org" not in client.get(treatment.get_absolute_url()).content


def test_staff_text_is_escaped_on_every_part_of_the_page(client, make_treatment):
    evil = '<img src=x onerror="alert(1)">'
    treatment = make_treatment(
        f"Title {evil}",
        summary=f"Summary {evil}",
        tags=[f"Tag {evil}"],
        points=[(TreatmentPoint.Kind.PRO, f"Point {evil}")],
    )
    treatment.references.create(title=f"Ref {evil}", url="https://example.org/")
    for url in ["/", "/treatments/", treatment.get_absolute_url()]:
        page = soup_of(client.get(url))
        assert not page.find("img", attrs={"onerror": True}), url


def _add_treatments(make_treatment, start, count):
    Kind = TreatmentPoint.Kind
    for number in range(start, start + count):
        treatment = make_treatment(
            f"Treatment {number:03}",
            tags=[f"Tag {number % 7}", "Everyone"],
            points=[(Kind.PRO, "good"), (Kind.CON, "bad"), (Kind.SHORT_TERM, "tired"), (Kind.COST, "dear")],
        )
        treatment.references.create(title="Source", url="https://example.org/")


def _query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/", 4),  # the treatments shown, the latest articles, the FAQ topics, the featured campaign
        ("/treatments/", 4),  # count, the page, its tags, the tag filter
        ("/treatments/?tag=everyone", 5),  # ... and the tag itself
        ("/treatments/treatment-000/", 5),  # the treatment, then its tags, points, references and questions
    ],
)
def test_queries_do_not_grow_with_the_number_of_treatments(
    client, make_treatment, django_assert_num_queries, url, expected
):
    """The same number of SQL queries with 5 and with 50 treatments."""
    _add_treatments(make_treatment, 0, 5)
    with django_assert_num_queries(expected):
        client.get(url)
    _add_treatments(make_treatment, 5, 45)
    with django_assert_num_queries(expected):
        client.get(url)


def test_staff_add_only_the_session_and_user_queries(client, staff_user, make_treatment):
    _add_treatments(make_treatment, 0, 5)
    client.force_login(staff_user)
    with_five = _query_count(client, "/treatments/treatment-000/")
    _add_treatments(make_treatment, 5, 45)
    assert _query_count(client, "/treatments/treatment-000/") == with_five == 7
