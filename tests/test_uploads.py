"""Every way a picture reaches Ribbon is judged by its bytes and re-encoded."""

import io
import json

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.images import ImageRejected, verified_image
from treatments.models import Treatment

from .helpers import treatment_form
from .upload_corpus import ACCEPTED, REFUSED, jpeg_with_gps

pytestmark = pytest.mark.django_db


def stored_files(media_root):
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def test_the_gps_sample_really_carries_a_position():
    assert Image.open(io.BytesIO(jpeg_with_gps())).getexif().get_ifd(0x8825)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_files_get_a_clear_reason(name):
    with pytest.raises(ImageRejected) as error:
        verified_image(REFUSED[name])
    assert str(error.value).endswith(".")
    assert len(str(error.value)) > 15


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_pictures_are_reencoded_under_a_server_chosen_name(name):
    data, extension = ACCEPTED[name]
    checked = verified_image(data)
    assert checked.name.endswith(f".{extension}")
    assert name.split(".")[0] not in checked.name
    image = Image.open(io.BytesIO(checked.read()))
    assert not image.getexif().get_ifd(0x8825), "GPS position removed"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_admin_refuses_each_bad_file_with_a_form_error(client, editor, media_in_tmp, name):
    client.force_login(editor)
    upload = SimpleUploadedFile(name, REFUSED[name], content_type="image/png")
    response = client.post("/admin/treatments/treatment/add/", treatment_form(hero_image=upload, hero_image_alt="x"))
    assert response.status_code == 200
    errors = BeautifulSoup(response.content, "html.parser").select(".field-hero_image .errorlist")
    assert errors, name
    assert errors[0].get_text().strip(), name
    assert Treatment.objects.count() == 0
    assert stored_files(media_in_tmp) == []


def test_the_admin_stores_a_reencoded_picture_without_gps(client, editor, media_in_tmp):
    client.force_login(editor)
    upload = SimpleUploadedFile("holiday.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(
        "/admin/treatments/treatment/add/", treatment_form(hero_image=upload, hero_image_alt="A cap")
    )
    assert response.status_code == 302
    stored = Treatment.objects.get().hero_image
    assert stored.name.startswith("treatments/")
    assert stored.name.endswith(".jpg")
    assert "holiday" not in stored.name
    assert not Image.open(stored.path).getexif().get_ifd(0x8825)


# The markdown editor's upload endpoint ---------------------------------------------------


def upload(client, name, data, content_type="image/png"):
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post("/markdownx/upload/", {"image": file}, headers={"x-requested-with": "XMLHttpRequest"})


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_editor_upload_refuses_each_bad_file_with_a_json_400(client, staff_user, media_in_tmp, name):
    client.force_login(staff_user)
    response = upload(client, name, REFUSED[name])
    assert response.status_code == 400
    assert json.loads(response.content)["image"][0]
    assert stored_files(media_in_tmp) == []


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_the_editor_upload_stores_a_reencoded_picture(client, staff_user, media_in_tmp, name):
    client.force_login(staff_user)
    data, extension = ACCEPTED[name]
    response = upload(client, name, data, content_type="application/octet-stream")
    assert response.status_code == 200
    code = json.loads(response.content)["image_code"]
    # The original is kept (re-encoded) for later renditions; the text links a sized JPEG copy.
    assert code.startswith("![Describe this picture](/media/markdownx/sized/")
    assert ".jpg)" in code
    stored = [path for path in stored_files(media_in_tmp) if "sized" not in str(path)]
    assert [path.suffix for path in stored] == [f".{extension}"]
    assert not Image.open(stored[0]).getexif().get_ifd(0x8825)


def test_uploads_need_staff_and_post(client, django_user_model, media_in_tmp):
    data = ACCEPTED["photo.png"][0]
    assert upload(client, "a.png", data).status_code == 302
    member = django_user_model.objects.create_user("member", password="a-long-test-password-1")
    client.force_login(member)
    assert upload(client, "a.png", data).status_code == 302
    assert client.get("/markdownx/upload/").status_code == 405
    assert stored_files(media_in_tmp) == []


def test_an_upload_without_a_file_is_a_400(client, staff_user):
    client.force_login(staff_user)
    response = client.post("/markdownx/upload/", {})
    assert response.status_code == 400
    assert "image" in json.loads(response.content)
