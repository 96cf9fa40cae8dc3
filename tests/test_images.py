"""Pictures are never sent at upload size: renditions, srcset, dimensions and lazy loading."""

import io
import json

import pytest
from bs4 import BeautifulSoup
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.markdown import render_markdown
from treatments.models import Treatment

from .helpers import image_bytes, signed_off, treatment_form

pytestmark = pytest.mark.django_db


def upload_hero(client, editor, data, name="hero.jpg", content_type="image/jpeg"):
    client.force_login(editor)
    picture = SimpleUploadedFile(name, data, content_type=content_type)
    response = client.post(
        "/admin/treatments/treatment/add/",
        treatment_form(hero_image=picture, hero_image_alt="A nurse fitting a cooling cap"),
    )
    assert response.status_code == 302
    return signed_off(Treatment.objects.get())  # as a reviewer's approval would


def test_a_large_upload_gets_480_960_and_1600_pixel_renditions_in_webp_and_jpeg(client, editor):
    treatment = upload_hero(client, editor, image_bytes("JPEG", size=(3000, 2000)))
    data = treatment.hero_image_renditions
    assert (data["width"], data["height"]) == (3000, 2000)
    assert [(size["width"], size["height"]) for size in data["sizes"]] == [(480, 320), (960, 640), (1600, 1067)]
    for size in data["sizes"]:
        for kind, expected_format in (("webp", "WEBP"), ("jpeg", "JPEG")):
            with default_storage.open(size[kind]) as stored, Image.open(stored) as picture:
                assert picture.format == expected_format
                assert picture.size == (size["width"], size["height"])


def test_the_page_offers_renditions_with_dimensions_and_never_the_upload(client, editor):
    treatment = upload_hero(client, editor, image_bytes("JPEG", size=(2400, 1600)))
    client.logout()
    page = BeautifulSoup(client.get(treatment.get_absolute_url()).content, "html.parser")
    picture = page.select_one("figure.hero picture")
    webp = picture.select_one("source[type='image/webp']")["srcset"]
    assert [entry.split()[1] for entry in webp.split(", ")] == ["480w", "960w", "1600w"]
    image = picture.select_one("img")
    assert image["alt"] == "A nurse fitting a cooling cap"
    assert (image["width"], image["height"]) == ("960", "640")
    assert image["src"].endswith("-960w.jpg")
    assert "sizes" in image.attrs
    assert treatment.hero_image.url not in str(page), "the original upload is never linked"
    share = page.select_one("meta[property='og:image']")["content"]
    assert share.endswith("-1600w.jpg")


def test_a_small_picture_is_not_enlarged_and_transparency_becomes_white(client, editor):
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(buffer, "PNG")
    treatment = upload_hero(client, editor, buffer.getvalue(), name="logo.png", content_type="image/png")
    [size] = treatment.hero_image_renditions["sizes"]
    assert (size["width"], size["height"]) == (300, 200)
    with default_storage.open(size["jpeg"]) as stored, Image.open(stored) as picture:
        assert picture.convert("RGB").getpixel((10, 10)) == (255, 255, 255)


def test_pages_never_open_image_files_to_show_a_picture(client, editor, monkeypatch, django_assert_num_queries):
    treatment = upload_hero(client, editor, image_bytes("JPEG", size=(1200, 800)))
    client.logout()

    def no_file_access(*args, **kwargs):
        raise AssertionError("a page opened an image file")

    from django.core.files.storage import Storage

    monkeypatch.setattr(Storage, "open", no_file_access)
    monkeypatch.setattr(Image, "open", no_file_access)
    with django_assert_num_queries(5):  # the treatment and its parts; no storage or image access
        assert client.get(treatment.get_absolute_url()).status_code == 200


def test_renditions_are_kept_when_the_picture_is_unchanged_and_remade_when_it_changes(client, editor):
    treatment = upload_hero(client, editor, image_bytes("JPEG", size=(1000, 500)))
    first = treatment.hero_image_renditions
    treatment.summary = "Edited."
    treatment.save()
    assert treatment.hero_image_renditions == first
    treatment.hero_image = SimpleUploadedFile("new.png", image_bytes("PNG", size=(700, 700)))
    treatment.save()
    assert treatment.hero_image_renditions["width"] == 700
    assert treatment.hero_image_renditions["source"] != first["source"]
    treatment.hero_image = None
    treatment.save()
    assert treatment.hero_image_renditions == {}
    assert client.get(treatment.get_absolute_url()).status_code == 200


def test_pictures_in_text_load_lazily_at_their_own_size(client, staff_user):
    client.force_login(staff_user)
    upload = SimpleUploadedFile("photo.jpg", image_bytes("JPEG", size=(2000, 1000)), content_type="image/jpeg")
    response = client.post("/markdownx/upload/", {"image": upload}, headers={"x-requested-with": "XMLHttpRequest"})
    code = json.loads(response.content)["image_code"]
    html = BeautifulSoup(
        render_markdown(code.replace("Describe this picture", "A chart of survival rates")), "html.parser"
    )
    image = html.select_one("img")
    assert image["alt"] == "A chart of survival rates"
    assert (image["width"], image["height"]) == ("960", "480")
    assert image["loading"] == "lazy"
    assert image["decoding"] == "async"
    assert image["src"].endswith("-960w.jpg")


def test_a_picture_still_carrying_the_placeholder_description_cannot_be_saved(client, editor):
    client.force_login(editor)
    body = "Text.\n\n![Describe this picture](/media/markdownx/sized/x-960w.jpg)"
    response = client.post("/admin/treatments/treatment/add/", treatment_form(body=body))
    assert response.status_code == 200
    assert "with a description of the picture" in response.content.decode()
    assert not Treatment.objects.exists()


def test_pictures_uploaded_before_renditions_existed_get_them_when_migrating(client, editor):
    from django.apps import apps

    from core.migration_helpers import make_missing_renditions

    treatment = upload_hero(client, editor, image_bytes("JPEG", size=(1000, 600)))
    Treatment.objects.filter(pk=treatment.pk).update(hero_image_renditions={})
    make_missing_renditions("treatments", "Treatment")(apps, None)
    treatment.refresh_from_db()
    assert [size["width"] for size in treatment.hero_image_renditions["sizes"]] == [480, 960, 1000]
