"""Writes that belong together land together: a failure halfway leaves nothing half-written."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from donations.models import Campaign, SuggestedAmount
from faq.importer import parse_article, save_questions
from faq.models import Question, Topic
from treatments.importing import save_treatment
from treatments.models import Tag, Treatment, TreatmentPoint
from treatments.parsing import parse_treatment

from .helpers import ORGANISATION_FILE, campaign_form, treatment_form

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def explode(*args, **kwargs):
    raise Boom("the disk filled up")


def test_a_treatment_import_failing_at_its_points_writes_nothing(monkeypatch):
    parsed = parse_treatment(ORGANISATION_FILE)
    monkeypatch.setattr(TreatmentPoint.objects, "bulk_create", explode)
    with pytest.raises(Boom):
        save_treatment(parsed)
    assert Treatment.objects.count() == 0
    assert Tag.objects.count() == 0


def test_a_failed_reimport_leaves_the_previous_version_whole(monkeypatch):
    save_treatment(parse_treatment(ORGANISATION_FILE))
    before = [(p.kind, p.text) for p in TreatmentPoint.objects.all()]
    changed = parse_treatment(ORGANISATION_FILE.replace("Cold Cap Therapy", "Scalp Cooling"))
    monkeypatch.setattr(TreatmentPoint.objects, "bulk_create", explode)
    with pytest.raises(Boom):
        save_treatment(changed)
    assert Treatment.objects.get().title == "Cold Cap Therapy"
    assert [(p.kind, p.text) for p in TreatmentPoint.objects.all()] == before


def test_an_faq_import_failing_halfway_writes_none_of_its_questions(monkeypatch):
    article = parse_article("Title\n\nOne?\n\nYes.\n\nTwo?\n\nNo.\n\nThree?\n\nMaybe.\n")
    original_save = Question.save
    calls = []

    def save_then_fail(self, *args, **kwargs):
        calls.append(self.question)
        if len(calls) == 3:
            raise Boom("failed on the third")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Question, "save", save_then_fail)
    with pytest.raises(Boom):
        save_questions(article, topic_name="Imported")
    assert Question.objects.count() == 0
    assert Topic.objects.count() == 0


def test_the_admin_saves_a_treatment_and_its_points_together(client, editor, monkeypatch):
    client.force_login(editor)
    client.raise_request_exception = False
    original_save = TreatmentPoint.save

    def fail_on_second(self, *args, **kwargs):
        if TreatmentPoint.objects.count() == 1:
            raise Boom("failed on the second point")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(TreatmentPoint, "save", fail_on_second)
    response = client.post("/admin/treatments/treatment/add/", treatment_form())
    assert response.status_code == 500
    assert Treatment.objects.count() == 0
    assert TreatmentPoint.objects.count() == 0


def test_the_admin_saves_a_campaign_and_its_amounts_together(client, editor, monkeypatch):
    client.force_login(editor)
    client.raise_request_exception = False
    monkeypatch.setattr(SuggestedAmount, "save", explode)
    response = client.post("/admin/donations/campaign/add/", campaign_form())
    assert response.status_code == 500
    assert Campaign.objects.count() == 0


def test_a_failing_file_does_not_stop_the_rest_of_an_import(tmp_path):
    (tmp_path / "a.md").write_text(ORGANISATION_FILE)
    (tmp_path / "b.md").write_text(ORGANISATION_FILE.replace('id: "41"', 'id: "42"').replace("Cold Cap", "Ice Cap"))
    (tmp_path / "c.md").write_text("---\ntitle: [broken\n---\n")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_treatments", str(tmp_path), "--no-images", stdout=out, stderr=err)
    assert Treatment.objects.count() == 2
    assert "c.md:2:" in err.getvalue()
