"""
Clinical sign-off: the two roles, reviewers' public names, and who may
approve medical content.
"""

import pytest
from django.contrib.auth.models import Group

from review.models import MEDICAL_REVIEWERS, Reviewer, can_approve

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_user(django_user_model):
    user = django_user_model.objects.create_user("amina", password="a-long-test-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=MEDICAL_REVIEWERS))
    Reviewer.objects.create(user=user, display_name="Dr Amina Yusuf", credentials="consultant breast oncologist")
    return user


def test_the_two_roles_exist_and_only_reviewers_and_superusers_may_approve(django_user_model, editor, reviewer_user):
    assert Group.objects.filter(name="Editors").exists()
    assert can_approve(reviewer_user)
    assert not can_approve(editor)
    assert can_approve(django_user_model.objects.create_superuser("root", password="a-long-test-password-1"))
    reviewer_user.is_active = False
    assert not can_approve(reviewer_user)


def test_a_reviewer_is_named_with_their_credentials_and_staff_can_edit_them(client, editor, reviewer_user):
    reviewer = reviewer_user.reviewer
    assert str(reviewer) == "Dr Amina Yusuf, consultant breast oncologist"
    client.force_login(editor)
    url = f"/admin/review/reviewer/{reviewer.pk}/change/"
    response = client.post(
        url, {"user": reviewer_user.pk, "display_name": "Dr Amina Yusuf", "credentials": "consultant oncologist"}
    )
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.credentials == "consultant oncologist"


def test_reviewers_can_open_treatments_and_questions_in_the_admin(client, reviewer_user, make_treatment, make_question):
    client.force_login(reviewer_user)
    treatment = make_treatment("Radiotherapy")
    question = make_question("Does it hurt?")
    assert client.get(f"/admin/treatments/treatment/{treatment.pk}/change/").status_code == 200
    assert client.get(f"/admin/faq/question/{question.pk}/change/").status_code == 200


# The approval rule, at the model level --------------------------------------------------


def test_saving_never_publishes_medical_content(make_treatment, make_question):
    from review.models import PublicationRefused

    for item in (make_treatment(status="draft"), make_question(status="draft")):
        item.status = "published"
        with pytest.raises(PublicationRefused):
            item.save()
        item.refresh_from_db()
        assert item.status == "draft"


def test_only_a_reviewer_with_a_public_name_can_approve(django_user_model, editor, reviewer_user, make_treatment):
    from django.core.exceptions import PermissionDenied

    treatment = make_treatment(status="draft")
    with pytest.raises(PermissionDenied):
        treatment.approve(editor)
    nameless = django_user_model.objects.create_user("nameless", is_staff=True)
    nameless.groups.add(Group.objects.get(name=MEDICAL_REVIEWERS))
    with pytest.raises(PermissionDenied, match="name and credentials"):
        treatment.approve(nameless)
    treatment.refresh_from_db()
    assert treatment.status == "draft"


@pytest.mark.parametrize(
    ("today", "months", "due"),
    [("2026-03-10", 12, "2027-03-10"), ("2026-01-31", 1, "2026-02-28"), ("2027-12-15", 3, "2028-03-15")],
)
def test_approval_publishes_and_starts_the_review_dates(reviewer_user, make_treatment, today, months, due):
    import datetime

    import time_machine
    from reversion.models import Version

    treatment = make_treatment(status="draft", review_interval_months=months)
    with time_machine.travel(datetime.datetime.fromisoformat(f"{today}T10:00:00+00:00"), tick=False):
        treatment.approve(reviewer_user)
    treatment.refresh_from_db()
    assert treatment.status == "published"
    assert treatment.last_reviewed == datetime.date.fromisoformat(today)
    assert treatment.next_review_due == datetime.date.fromisoformat(due)
    assert treatment.reviewed_by == reviewer_user.reviewer
    version = Version.objects.get_for_object(treatment).first()
    assert version.revision.user == reviewer_user
    assert version.revision.get_comment() == "Approved by Dr Amina Yusuf, consultant breast oncologist."


# The approval rule, through the admin ---------------------------------------------------


def test_an_editor_cannot_publish_or_date_a_review_through_the_form(client, editor):
    from treatments.models import Treatment

    from .helpers import form_values, soup_of, treatment_form

    client.force_login(editor)
    add = client.get("/admin/treatments/treatment/add/")
    assert soup_of(add).select_one("[name=status]") is None, "no status field to set"
    assert soup_of(add).select_one("[name=last_reviewed]") is None, "review dates are set by approval"
    response = client.post(
        "/admin/treatments/treatment/add/",
        treatment_form(status="published", last_reviewed="2026-10-01", next_review_due="2027-10-01"),
    )
    assert response.status_code == 302
    treatment = Treatment.objects.get()
    assert (treatment.status, treatment.last_reviewed, treatment.next_review_due) == ("draft", None, None)
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = {**form_values(client.get(url).content), "status": "published"}
    assert client.post(url, data).status_code == 302
    treatment.refresh_from_db()
    assert treatment.status == "draft"


def test_an_editor_cannot_publish_by_reverting(client, editor, reviewer_user, make_treatment):
    """A version from when the page was public brings back its text, never its publication."""
    from reversion.models import Version

    from .helpers import form_values

    treatment = make_treatment(status="draft")
    treatment.approve(reviewer_user)
    client.force_login(editor)
    client.post("/admin/treatments/treatment/", {"action": "unpublish", "_selected_action": [str(treatment.pk)]})
    treatment.refresh_from_db()
    assert treatment.status == "draft"
    approved = Version.objects.get_for_object(treatment).get(revision__comment__startswith="Approved")
    url = f"/admin/treatments/treatment/{treatment.pk}/history/{approved.pk}/"
    assert client.post(url, form_values(client.get(url).content)).status_code == 302
    treatment.refresh_from_db()
    assert treatment.status == "draft"
    assert treatment.last_reviewed is not None, "the sign-off is not the revert's to undo either"


def test_a_reviewer_approves_with_the_bulk_action(client, reviewer_user, make_treatment, make_question):
    drafts = [make_treatment(status="draft"), make_treatment(status="draft")]
    client.force_login(reviewer_user)
    client.post("/admin/treatments/treatment/", {"action": "publish", "_selected_action": [str(t.pk) for t in drafts]})
    for treatment in drafts:
        treatment.refresh_from_db()
        assert treatment.status == "published"
        assert treatment.reviewed_by == reviewer_user.reviewer


def test_a_superusers_emergency_publication_is_recorded_as_such(client, django_user_model, make_treatment):
    from .helpers import form_values, soup_of

    boss = django_user_model.objects.create_superuser("boss", password="a-long-test-password-1", first_name="Bo")
    client.force_login(boss)
    treatment = make_treatment(status="draft", last_reviewed=None, next_review_due=None)
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = {**form_values(client.get(url).content), "status": "published"}
    assert client.post(url, data).status_code == 302
    treatment.refresh_from_db()
    assert treatment.status == "published"
    assert treatment.last_reviewed is None, "an emergency is not a medical review"
    trail = soup_of(client.get("/admin/core/recentchange/")).select_one("#result_list tbody tr").get_text()
    assert "Published by Bo without medical review (emergency)." in trail
