"""Staff work: an Editors-group member, not a superuser, can do the whole job."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from treatments.models import Tag, Treatment, TreatmentPoint

from .helpers import image_bytes, treatment_form

pytestmark = pytest.mark.django_db

Kind = TreatmentPoint.Kind


def test_an_editor_can_create_a_treatment_with_points_and_references(client, editor):
    tag = Tag.objects.create(name="Chemotherapy")
    client.force_login(editor)
    form_page = client.get("/admin/treatments/treatment/add/")
    assert form_page.status_code == 200
    assert b"markdownx" in form_page.content, "the body uses the live-preview editor"
    response = client.post("/admin/treatments/treatment/add/", treatment_form(tags=[tag.pk]))
    assert response.status_code == 302, BeautifulSoup(response.content, "html.parser").select(".errorlist")
    treatment = Treatment.objects.get()
    assert [(p.kind, p.text) for p in treatment.points.all()] == [
        (Kind.PRO, "Many people keep their hair."),
        (Kind.PRO, "Nothing is added to the chemotherapy."),
        (Kind.CON, "The cap is cold."),
    ]
    assert treatment.references.get().url == "https://www.cancer.gov/scalp-cooling"
    assert list(treatment.tags.all()) == [tag]
    assert "<strong>cold</strong>" in treatment.body_html


def test_an_editor_can_upload_a_hero_image_and_alt_text_is_required(client, editor):
    client.force_login(editor)
    picture = SimpleUploadedFile("hero.png", image_bytes(), content_type="image/png")
    response = client.post("/admin/treatments/treatment/add/", treatment_form(hero_image=picture))
    assert response.status_code == 200
    errors = BeautifulSoup(response.content, "html.parser").select(".errorlist")
    assert any("alt text is required" in e.get_text() for e in errors)
    assert Treatment.objects.count() == 0

    picture = SimpleUploadedFile("hero.png", image_bytes(), content_type="image/png")
    response = client.post(
        "/admin/treatments/treatment/add/", treatment_form(hero_image=picture, hero_image_alt="A cooling cap")
    )
    assert response.status_code == 302
    treatment = Treatment.objects.get()
    change_page = client.get(f"/admin/treatments/treatment/{treatment.pk}/change/")
    thumbnail = BeautifulSoup(change_page.content, "html.parser").find("img", alt="A cooling cap")
    assert thumbnail["src"] == treatment.hero_thumbnail_url
    assert thumbnail["src"].endswith("-40w.jpg"), "the admin shows a rendition, not the upload"


def test_a_file_that_is_not_an_image_is_refused_by_the_admin(client, editor):
    client.force_login(editor)
    fake = SimpleUploadedFile("hero.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    response = client.post("/admin/treatments/treatment/add/", treatment_form(hero_image=fake, hero_image_alt="x"))
    assert response.status_code == 200
    assert Treatment.objects.count() == 0


def test_an_editor_cannot_delete_treatments(client, editor, make_treatment):
    treatment = make_treatment()
    client.force_login(editor)
    assert client.get(f"/admin/treatments/treatment/{treatment.pk}/delete/").status_code == 403


def test_list_shows_columns_and_filters_by_overdue_review(client, editor, make_treatment):
    today = timezone.localdate()
    make_treatment(
        "Overdue",
        last_reviewed=today - datetime.timedelta(days=400),
        next_review_due=today - datetime.timedelta(days=1),
        tags=["Local"],
    )
    make_treatment("Current", next_review_due=today + datetime.timedelta(days=30))
    client.force_login(editor)
    page = BeautifulSoup(client.get("/admin/treatments/treatment/").content, "html.parser")
    headers = [th.get_text(strip=True) for th in page.select("#result_list thead th")]
    assert headers[1:] == ["Title", "Status", "Tags", "Updated", "Next review due", "Reading grade (SMOG)", "Language"]
    overdue = BeautifulSoup(client.get("/admin/treatments/treatment/?review=overdue").content, "html.parser")
    assert [a.get_text() for a in overdue.select("#result_list th.field-title a")] == ["Overdue"]
    assert "(overdue)" in overdue.select_one("td.field-next_review").get_text()


def test_search_covers_title_summary_and_body(client, editor, make_treatment):
    make_treatment("Alpha", body="mentions checkpoint inhibitors")
    make_treatment("Beta", summary="about scalp cooling")
    client.force_login(editor)
    for query, expected in [("checkpoint", ["Alpha"]), ("scalp", ["Beta"]), ("Alpha", ["Alpha"])]:
        page = BeautifulSoup(client.get(f"/admin/treatments/treatment/?q={query}").content, "html.parser")
        assert [a.get_text() for a in page.select("#result_list th.field-title a")] == expected


def test_an_editor_can_unpublish_but_not_publish(client, editor, make_treatment):
    """Taking a page down is safe; putting medical content up is a reviewer's approval (tests/test_review.py)."""
    published = [make_treatment() for _ in range(2)]
    draft = make_treatment(status=Treatment.Status.DRAFT)
    client.force_login(editor)
    listing = BeautifulSoup(client.get("/admin/treatments/treatment/").content, "html.parser")
    offered = [option["value"] for option in listing.select("select[name=action] option") if option["value"]]
    assert "unpublish" in offered
    assert "publish" not in offered
    client.post("/admin/treatments/treatment/", {"action": "publish", "_selected_action": [str(draft.pk)]})
    draft.refresh_from_db()
    assert draft.status == "draft"
    ids = [str(t.pk) for t in published]
    client.post("/admin/treatments/treatment/", {"action": "unpublish", "_selected_action": ids[:1]})
    assert Treatment.objects.get(pk=ids[0]).status == "draft"
    assert Treatment.objects.get(pk=ids[1]).status == "published"


def test_slug_is_read_only_once_published_and_view_on_site_links_to_the_page(client, editor, make_treatment):
    treatment = make_treatment("Chemotherapy")
    client.force_login(editor)
    page = BeautifulSoup(client.get(f"/admin/treatments/treatment/{treatment.pk}/change/").content, "html.parser")
    assert page.find("input", attrs={"name": "slug"}) is None
    assert page.find("a", class_="viewsitelink")
    draft = make_treatment("Draft one", status=Treatment.Status.DRAFT)
    page = BeautifulSoup(client.get(f"/admin/treatments/treatment/{draft.pk}/change/").content, "html.parser")
    assert page.find("input", attrs={"name": "slug"})


def test_editors_can_manage_tags(client, editor):
    client.force_login(editor)
    response = client.post("/admin/treatments/tag/add/", {"name": "Triple-negative", "slug": "triple-negative"})
    assert response.status_code == 302
    assert Tag.objects.filter(slug="triple-negative").exists()


# The markdown editor's server endpoints ---------------------------------------


def test_preview_needs_staff_and_post(client, staff_user):
    response = client.post("/markdownx/markdownify/", {"content": "**hi**"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    client.force_login(staff_user)
    assert client.get("/markdownx/markdownify/").status_code == 405
    assert client.post("/markdownx/markdownify/", {}).status_code == 400


def test_preview_uses_the_public_sanitising_renderer(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        "/markdownx/markdownify/", {"content": "**hi** <script>alert(1)</script> [x](javascript:alert(1))"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>hi</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html


def test_anonymous_uploads_are_refused_and_store_nothing(client, media_in_tmp):
    upload = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    response = client.post("/markdownx/upload/", {"image": upload}, headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 302
    assert not media_in_tmp.exists() or not any(media_in_tmp.rglob("*.*"))
    assert client.get("/markdownx/upload/").status_code == 405
