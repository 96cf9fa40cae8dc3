"""
A live treatment's page is rendered once per worker and edit and then reused
(treatments.page.kept_page), with the page cache off as well: readers
never see it older than an edit or a go-live, and reuse costs one query.
"""

import datetime

import pytest
import time_machine
from django.test import override_settings

from treatments.models import TreatmentPoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_off")]

NOON = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def page_cache_off():
    with override_settings(RIBBON_PAGE_CACHE_SECONDS=0):
        yield


def test_a_page_shown_again_costs_one_query(client, make_treatment, make_question, commit, django_assert_num_queries):
    with commit():
        treatment = make_treatment("Surgery", points=[(TreatmentPoint.Kind.PRO, "Removes the tumour.")])
        make_question("Will it scar?", treatments=[treatment])
    first = client.get(treatment.get_absolute_url()).content
    with django_assert_num_queries(1):  # the treatment: is it still public, and as it was?
        assert client.get(treatment.get_absolute_url()).content == first


def test_an_edit_of_a_point_shows_at_once(client, make_treatment, commit):
    with commit():
        treatment = make_treatment("Surgery", points=[(TreatmentPoint.Kind.PRO, "Removes the tumour.")])
    assert "Removes the tumour." in client.get(treatment.get_absolute_url()).text
    with commit():
        point = treatment.points.get()
        point.text = "Takes the tumour out."
        point.save()
    assert "Takes the tumour out." in client.get(treatment.get_absolute_url()).text


def test_a_question_going_live_shows_on_time(client, make_treatment, make_question, commit):
    with time_machine.travel(NOON - datetime.timedelta(hours=1), tick=False), commit():
        treatment = make_treatment("Surgery")
        make_question("Will it scar?", treatments=[treatment], go_live_at=NOON)
    with time_machine.travel(NOON - datetime.timedelta(seconds=1), tick=False):
        assert "Will it scar?" not in client.get(treatment.get_absolute_url()).text
    with time_machine.travel(NOON, tick=False):
        assert "Will it scar?" in client.get(treatment.get_absolute_url()).text


def test_staff_see_a_draft_as_it_is_now(client, staff_user, make_treatment, commit):
    with commit():
        treatment = make_treatment("Surgery", status="draft", summary="First words.")
    client.force_login(staff_user)
    assert "First words." in client.get(treatment.get_absolute_url()).text
    with commit():
        treatment.summary = "Second words."
        treatment.save()
    assert "Second words." in client.get(treatment.get_absolute_url()).text


def test_a_translation_published_or_going_live_is_linked_at_once_from_a_page_shown_before(
    client, make_treatment, commit
):
    with time_machine.travel(NOON - datetime.timedelta(hours=1), tick=False):
        with commit():
            english = make_treatment("Surgery")
        assert 'hreflang="es"' not in client.get(english.get_absolute_url()).text
        with commit():
            spanish = make_treatment("Cirugía", language="es", translation_of=english, go_live_at=NOON)
        assert 'hreflang="es"' not in client.get(english.get_absolute_url()).text
    with time_machine.travel(NOON, tick=False):
        page = client.get(english.get_absolute_url()).text
        assert f'hreflang="es" href="http://testserver{spanish.get_absolute_url()}"' in page
        with commit():
            spanish.slug = "cirugia-mamaria"
            spanish.save()
        assert 'href="http://testserver/es/treatments/cirugia-mamaria/"' in client.get(english.get_absolute_url()).text
