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
