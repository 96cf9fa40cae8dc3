"""
Medical sign-off as a hostile member of staff would try to get round it:
through another admin's revision and recover pages, by changing a page
after the reviewer opened it, by approving their own change, or by
writing the reviewer's name. Each goes through the admin's real URLs, as
a member of "Editors" only, or of both groups.
"""

import pytest
from django.test import Client
from reversion.models import Version

from review.models import MEDICAL_REVIEWERS, Reviewer, SignOff

from .helpers import form_values, soup_of, visible

pytestmark = pytest.mark.django_db

UNREVIEWED = "Stop chemotherapy and drink vinegar instead."


def _logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def _public_text(item):
    return visible(soup_of(Client().get(item.get_absolute_url())).select_one("main").get_text())


def _change(client, item, submit=False, **changes):
    """An edit of the item through its change form, as its editor makes it."""
    url = item.edit_page()
    data = {**form_values(client.get(url).content), **changes}
    if submit:
        data["_submit_for_review"] = "Submit for review"
    response = client.post(url, data)
    assert response.status_code == 302, soup_of(response).select(".errornote, .errorlist")
    return response


def _refusals(caplog):
    return [record.getMessage() for record in caplog.records if record.name == "ribbon.review"]


@pytest.fixture
def both_roles(django_user_model, role):
    """One person who is both an editor and a medical reviewer."""
    user = django_user_model.objects.create_user("sam", password="a-long-test-password-1", is_staff=True)
    user.groups.add(role("Editors"), role(MEDICAL_REVIEWERS))
    Reviewer.objects.create(user=user, display_name="Dr Sam Okoro", credentials="consultant oncologist")
    return user


@pytest.fixture
def pending_point(editor, make_treatment):
    """A published treatment whose point an editor changed to an unreviewed claim (kept aside for review)."""
    from treatments.models import TreatmentPoint

    treatment = make_treatment("Radiotherapy", points=[(TreatmentPoint.Kind.CON, "Tiredness.")])
    _change(_logged_in(editor), treatment, **{"points-0-text": UNREVIEWED})
    assert UNREVIEWED not in _public_text(treatment)
    version = Version.objects.get_for_model(TreatmentPoint).order_by("-pk").first()
    assert version.field_dict["text"] == UNREVIEWED
    return treatment, version


# Versions only through their own admin -------------------------------------------------------


@pytest.mark.parametrize("other", ["glossary.term", "treatments.tag"])
def test_a_version_of_a_point_cannot_be_restored_through_another_admin(caplog, editor, pending_point, other):
    from django.apps import apps

    treatment, point_version = pending_point
    model = apps.get_model(other)
    # A row of the other kind with the point's id, as a demo site has for small ids.
    row = (
        model.objects.create(pk=point_version.object_id, term="Lymph node", definition="A small gland.")
        if other == "glossary.term"
        else model.objects.create(pk=point_version.object_id, name="Local treatment")
    )
    client = _logged_in(editor)
    app, name = other.split(".")
    history = f"/admin/{app}/{name}/{row.pk}/change/"
    recover = f"/admin/{app}/{name}/recover/{point_version.pk}/"
    revision = f"/admin/{app}/{name}/{row.pk}/history/{point_version.pk}/"
    for url in (recover, revision):
        posted = client.post(url, form_values(client.get(history).content))
        assert UNREVIEWED not in _public_text(treatment), url
        assert (client.get(url).status_code, posted.status_code) == (404, 404), url
    assert any(f"version {point_version.pk}" in line and "editor" in line for line in _refusals(caplog))


def test_a_pages_own_pending_version_cannot_be_recovered_over_it(editor, pending_point):
    treatment, _ = pending_point
    pending = SignOff.of(treatment).proposed
    client = _logged_in(editor)
    url = f"/admin/treatments/treatment/recover/{pending.pk}/"
    posted = client.post(url, form_values(client.get(treatment.edit_page()).content))
    assert UNREVIEWED not in _public_text(treatment)
    assert (client.get(url).status_code, posted.status_code) == (404, 404)
    treatment.refresh_from_db()
    assert treatment.status == "published"
    assert treatment.last_reviewed is not None
    assert UNREVIEWED not in _public_text(treatment)


def test_a_version_of_another_page_of_the_same_kind_is_not_found(editor, make_treatment):
    first, second = make_treatment("Radiotherapy"), make_treatment("Surgery")
    client = _logged_in(editor)
    _change(client, first, summary="Beams aimed at the tumour, daily.")
    version = Version.objects.get_for_object(first).first()
    assert client.get(f"/admin/treatments/treatment/{second.pk}/history/{version.pk}/").status_code == 404


def test_a_deleted_page_is_still_recovered_through_its_own_admin(django_user_model, make_question):
    question = make_question("Does it hurt?", answer="Not usually.")
    boss = django_user_model.objects.create_superuser("boss", password="a-long-test-password-1")
    client = _logged_in(boss)
    _change(client, question, answer="Not usually; say if it does.")
    type(question).objects.filter(pk=question.pk).delete()
    version = Version.objects.get_deleted(type(question)).get()
    url = f"/admin/faq/question/recover/{version.pk}/"
    assert client.post(url, form_values(client.get(url).content)).status_code == 302
    recovered = type(question).objects.get(pk=question.pk)
    assert recovered.status == "draft", "recovering never publishes"


# The approval is of what the reviewer saw --------------------------------------------------------


def test_an_approval_of_what_changed_after_the_reviewer_opened_it_is_refused(caplog, editor, reviewer, make_treatment):
    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.")
    editing = _logged_in(editor)
    _change(editing, treatment, submit=True, summary="Beams aimed at the tumour, once a day.")
    review = SignOff.of(treatment).review_page()
    reviewing = _logged_in(reviewer)
    seen = form_values(reviewing.get(review).content, ".review-decision")
    _change(editing, treatment, submit=True, summary=UNREVIEWED)

    response = reviewing.post(review, {**seen, "decision": "approve"})
    assert response.status_code == 400
    page = visible(soup_of(response).select_one("#content-main").get_text())
    assert "changed since you opened it" in page
    assert UNREVIEWED in page, "the newer change is shown"
    assert UNREVIEWED not in _public_text(treatment)
    assert SignOff.of(treatment).state == SignOff.State.SUBMITTED
    assert any("approve" in line and "amina" in line and "changed" in line for line in _refusals(caplog))

    # Approving what is now shown works.
    fresh = form_values(response.content, ".review-decision")
    assert reviewing.post(review, {**fresh, "decision": "approve"}).status_code == 302
    assert UNREVIEWED in _public_text(treatment)


def test_an_approval_of_a_new_page_changed_after_the_reviewer_opened_it_is_refused(editor, reviewer):
    from treatments.models import Treatment

    from .helpers import treatment_form

    editing = _logged_in(editor)
    response = editing.post("/admin/treatments/treatment/add/", {**treatment_form(), "_submit_for_review": "Submit"})
    assert response.status_code == 302
    treatment = Treatment.objects.get()
    review = SignOff.of(treatment).review_page()
    reviewing = _logged_in(reviewer)
    seen = form_values(reviewing.get(review).content, ".review-decision")
    _change(editing, treatment, submit=True, summary=UNREVIEWED)
    assert reviewing.post(review, {**seen, "decision": "approve"}).status_code == 400
    treatment.refresh_from_db()
    assert treatment.status == "draft"


def test_an_approval_that_names_no_version_is_refused(editor, reviewer, make_treatment):
    treatment = make_treatment("Radiotherapy")
    _change(_logged_in(editor), treatment, submit=True, summary="Beams aimed at the tumour, once a day.")
    response = _logged_in(reviewer).post(SignOff.of(treatment).review_page(), {"decision": "approve"})
    assert response.status_code == 400
    assert "Beams aimed at the tumour, once a day." not in _public_text(treatment)


@pytest.mark.parametrize("published", [True, False])
def test_saving_after_submission_takes_the_page_back_out_of_review(editor, make_treatment, published):
    treatment = make_treatment("Radiotherapy", status="published" if published else "draft")
    editing = _logged_in(editor)
    _change(editing, treatment, submit=True, summary="Beams aimed at the tumour, once a day.")
    assert SignOff.of(treatment).state == SignOff.State.SUBMITTED
    _change(editing, treatment, summary="Beams aimed at the tumour, twice a day.")
    assert SignOff.of(treatment).state == SignOff.State.DRAFT, "the editor submits again"


# Four eyes -------------------------------------------------------------------------------------------


def test_nobody_approves_a_change_they_wrote(caplog, both_roles, make_treatment):
    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.")
    client = _logged_in(both_roles)
    _change(client, treatment, submit=True, summary=UNREVIEWED)
    review = SignOff.of(treatment).review_page()
    seen = form_values(client.get(review).content, ".review-decision")
    response = client.post(review, {**seen, "decision": "approve"})
    assert response.status_code == 400
    assert "another medical reviewer" in visible(soup_of(response).get_text())
    assert UNREVIEWED not in _public_text(treatment)
    assert any("approve" in line and "sam" in line and "own" in line for line in _refusals(caplog))


def test_nobody_approves_a_change_they_wrote_part_of(both_roles, editor, make_treatment):
    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.")
    _change(_logged_in(both_roles), treatment, summary="Beams aimed at the tumour, daily.")
    _change(_logged_in(editor), treatment, submit=True, body="Each session takes a few minutes.")
    client = _logged_in(both_roles)
    review = SignOff.of(treatment).review_page()
    seen = form_values(client.get(review).content, ".review-decision")
    assert client.post(review, {**seen, "decision": "approve"}).status_code == 400


def test_nobody_approves_a_new_page_they_wrote(both_roles):
    from treatments.models import Treatment

    from .helpers import treatment_form

    client = _logged_in(both_roles)
    client.post("/admin/treatments/treatment/add/", {**treatment_form(), "_submit_for_review": "Submit"})
    treatment = Treatment.objects.get()
    review = SignOff.of(treatment).review_page()
    seen = form_values(client.get(review).content, ".review-decision")
    assert client.post(review, {**seen, "decision": "approve"}).status_code == 400
    client.post("/admin/treatments/treatment/", {"action": "publish", "_selected_action": [str(treatment.pk)]})
    treatment.refresh_from_db()
    assert treatment.status == "draft", "nor with the list's bulk action"


def test_another_reviewer_approves_what_a_reviewer_wrote(both_roles, reviewer, make_treatment):
    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.")
    _change(_logged_in(both_roles), treatment, submit=True, summary="Beams aimed at the tumour, once a day.")
    client = _logged_in(reviewer)
    review = SignOff.of(treatment).review_page()
    seen = form_values(client.get(review).content, ".review-decision")
    assert client.post(review, {**seen, "decision": "approve"}).status_code == 302
    assert "once a day" in _public_text(treatment)


# A reviewer's name is theirs ---------------------------------------------------------------------------


def _profile_form(reviewer, **changes):
    """The profile's form as its page shows it (a superuser's also has the languages it reviews in, ticked)."""
    return {"user": reviewer.user_id, "display_name": reviewer.display_name, "credentials": reviewer.credentials,
            "languages": reviewer.languages, **changes}  # fmt: skip


def test_an_editor_cannot_rename_a_reviewer_or_make_a_profile_in_their_name(
    editor, reviewer, django_user_model, make_treatment
):
    profile = reviewer.reviewer
    client = _logged_in(editor)
    url = f"/admin/review/reviewer/{profile.pk}/change/"
    assert client.get(url).status_code == 200, "staff may read who reviews"
    fake = _profile_form(profile, display_name="Prof. Fake Name, Nobel laureate")
    assert client.post(url, fake).status_code == 403
    accomplice = django_user_model.objects.create_user("accomplice", is_staff=True)
    made = client.post("/admin/review/reviewer/add/", _profile_form(profile, user=accomplice.pk))
    assert made.status_code == 403
    profile.refresh_from_db()
    assert profile.display_name == "Dr Amina Yusuf"
    assert not Reviewer.objects.filter(user=accomplice).exists()


def test_a_reviewer_sets_their_own_name_and_nobody_elses(reviewer, django_user_model, role):
    other = django_user_model.objects.create_user("ben", is_staff=True)
    other.groups.add(role(MEDICAL_REVIEWERS))
    theirs = Reviewer.objects.create(user=other, display_name="Dr Ben Hale", credentials="breast surgeon")
    client = _logged_in(reviewer)
    assert (
        client.post(f"/admin/review/reviewer/{theirs.pk}/change/", _profile_form(theirs, display_name="X")).status_code
        == 403
    )
    mine = reviewer.reviewer
    response = client.post(
        f"/admin/review/reviewer/{mine.pk}/change/", _profile_form(mine, credentials="consultant oncologist")
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.credentials == "consultant oncologist"
    theirs.refresh_from_db()
    assert theirs.display_name == "Dr Ben Hale"


def test_a_new_reviewer_makes_a_profile_for_their_own_account_only(django_user_model, role, reviewer):
    newcomer = django_user_model.objects.create_user("cleo", is_staff=True)
    newcomer.groups.add(role(MEDICAL_REVIEWERS))
    accomplice = django_user_model.objects.create_user("accomplice", is_staff=True)
    client = _logged_in(newcomer)
    as_someone_else = {"user": accomplice.pk, "display_name": "Dr Amina Yusuf", "credentials": "oncologist"}
    assert client.post("/admin/review/reviewer/add/", as_someone_else).status_code == 200, "refused in the form"
    assert not Reviewer.objects.filter(user=accomplice).exists()
    own = {"user": newcomer.pk, "display_name": "Dr Cleo Marsh", "credentials": "clinical nurse specialist"}
    assert client.post("/admin/review/reviewer/add/", own).status_code == 302
    assert Reviewer.objects.get(user=newcomer).display_name == "Dr Cleo Marsh"
    assert Reviewer.objects.filter(display_name="Dr Amina Yusuf").count() == 1
    again = {"user": newcomer.pk, "display_name": "Dr C. Marsh", "credentials": "nurse"}
    assert client.post("/admin/review/reviewer/add/", again).status_code == 200, "one profile each"
    assert Reviewer.objects.filter(user=newcomer).count() == 1


def test_a_superuser_corrects_any_reviewers_name(django_user_model, reviewer):
    boss = django_user_model.objects.create_superuser("boss", password="a-long-test-password-1")
    profile = reviewer.reviewer
    url = f"/admin/review/reviewer/{profile.pk}/change/"
    assert _logged_in(boss).post(url, _profile_form(profile, display_name="Dr Amina Yusuf-Hale")).status_code == 302
    profile.refresh_from_db()
    assert profile.display_name == "Dr Amina Yusuf-Hale"


def test_a_reviewers_new_name_shows_at_once_on_the_pages_they_approved(client, reviewer, make_treatment, commit):
    with commit():
        treatment = make_treatment("Radiotherapy", status="draft")
        treatment.approve(reviewer)
    url = treatment.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    profile = reviewer.reviewer
    with commit():
        change = f"/admin/review/reviewer/{profile.pk}/change/"
        assert (
            _logged_in(reviewer).post(change, _profile_form(profile, display_name="Dr Amina Hale")).status_code == 302
        )
    page = client.get(url)
    assert "Dr Amina Hale" in page.content.decode()


# Imports go to review -------------------------------------------------------------------------------------


def test_an_faq_import_keeps_a_reviewed_answer_until_a_reviewer_approves_its_change(tmp_path, reviewer, make_question):
    from io import StringIO

    from django.core.management import call_command

    from faq.models import Question

    reviewed = make_question("How long does immunotherapy treatment last?", answer="Often up to two years.")
    reviewed.status = "draft"
    reviewed.save()
    reviewed.approve(reviewer)
    article = tmp_path / "immunotherapy.md"
    article.write_text(
        "How long does immunotherapy treatment last?\n\nIt depends on how the cancer responds.\n\n"
        "Can I work during immunotherapy?\n\nMany people do.\n"
    )
    out = StringIO()
    call_command("import_faqs", str(article), "--topic", "Immunotherapy", stdout=out)
    assert "submitted for medical review" in out.getvalue()

    assert "Often up to two years." in _public_text(reviewed)
    assert "It depends on how the cancer responds." not in _public_text(reviewed)
    new = Question.objects.get(question="Can I work during immunotherapy?")
    assert new.status == "draft"
    assert Client().get(new.get_absolute_url()).status_code == 404
    assert {SignOff.of(item).state for item in (reviewed, new)} == {SignOff.State.SUBMITTED}

    client = _logged_in(reviewer)
    review = SignOff.of(reviewed).review_page()
    assert "It depends on how the cancer responds." in visible(soup_of(client.get(review)).get_text())
    seen = form_values(client.get(review).content, ".review-decision")
    assert client.post(review, {**seen, "decision": "approve"}).status_code == 302
    assert "It depends on how the cancer responds." in _public_text(reviewed)


# Found by trying it as a hostile member of staff on `make run` ----------------------------------------------


def test_a_change_taken_back_out_of_review_cannot_be_approved(caplog, editor, reviewer, make_treatment):
    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.")
    editing = _logged_in(editor)
    _change(editing, treatment, submit=True, summary="Beams aimed at the tumour, once a day.")
    _change(editing, treatment, summary=UNREVIEWED)  # saved again, not submitted
    review = SignOff.of(treatment).review_page()
    reviewing = _logged_in(reviewer)
    page = reviewing.get(review)
    assert not soup_of(page).find("button", string="Approve and publish"), "nothing to approve"
    assert "sent by" not in visible(soup_of(page).select_one("#content-main p").get_text())
    forged = {"version": str(SignOff.of(treatment).proposed_id), "decision": "approve"}
    response = reviewing.post(review, forged)
    assert response.status_code == 400
    assert "not awaiting review" in visible(soup_of(response).get_text())
    assert UNREVIEWED not in _public_text(treatment)
    assert any("approve" in line and "not awaiting review" in line for line in _refusals(caplog))


def test_reverting_a_submitted_draft_takes_it_back_out_of_review(editor, reviewer):
    from treatments.models import Treatment

    from .helpers import treatment_form

    editing = _logged_in(editor)
    editing.post("/admin/treatments/treatment/add/", treatment_form())
    treatment = Treatment.objects.get()
    first = Version.objects.get_for_object(treatment).get()
    _change(editing, treatment, submit=True, summary="Cooling the scalp during chemotherapy, checked.")
    revert = f"/admin/treatments/treatment/{treatment.pk}/history/{first.pk}/"
    assert editing.post(revert, form_values(editing.get(revert).content)).status_code == 302
    assert SignOff.of(treatment).state == SignOff.State.DRAFT, "a version nobody submitted is not for review"


def test_a_public_change_outside_review_sends_a_waiting_change_back(
    django_user_model, editor, reviewer, make_treatment
):
    """
    A superuser's emergency fix of the public page after an editor's change was made: approving that older
    change would silently undo the fix, so it goes back to its editor, saying why.
    """
    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.")
    _change(_logged_in(editor), treatment, submit=True, summary="Beams aimed at the tumour, once a day.")
    boss = django_user_model.objects.create_superuser("boss", password="a-long-test-password-1")
    _change(_logged_in(boss), treatment, body="Call us at once if your skin blisters.")
    sign_off = SignOff.of(treatment)
    assert sign_off.state == SignOff.State.SENT_BACK
    assert "public page changed" in sign_off.comment
    reviewing = _logged_in(reviewer)
    seen = form_values(reviewing.get(sign_off.review_page()).content, ".review-decision")
    assert reviewing.post(sign_off.review_page(), {**seen, "decision": "approve"}).status_code == 400
    assert "Call us at once if your skin blisters." in _public_text(treatment)


def test_an_import_published_by_the_operator_sends_a_waiting_change_back(tmp_path, editor, make_question):
    from io import StringIO

    from django.core.management import call_command

    question = make_question("Does it hurt?", answer="Not usually.", topic="General questions")
    _change(_logged_in(editor), question, submit=True, answer="Not usually; say if it does.")
    (tmp_path / "a.md").write_text("Does it hurt?\n\nIt should not; tell your nurse if it does.\n")
    call_command("import_faqs", str(tmp_path / "a.md"), "--publish", stdout=StringIO())
    sign_off = SignOff.of(question)
    assert sign_off.state == SignOff.State.SENT_BACK
    assert "a.md" in sign_off.comment


def test_unpublishing_a_page_sends_its_waiting_change_back(editor, make_treatment):
    treatment = make_treatment("Radiotherapy")
    editing = _logged_in(editor)
    _change(editing, treatment, submit=True, summary="Beams aimed at the tumour, once a day.")
    editing.post("/admin/treatments/treatment/", {"action": "unpublish", "_selected_action": [str(treatment.pk)]})
    assert SignOff.of(treatment).state == SignOff.State.SENT_BACK


def test_a_change_form_without_the_version_it_was_opened_on_is_refused(editor, make_treatment):
    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.")
    editing = _logged_in(editor)
    _change(editing, treatment, summary="Beams aimed at the tumour, once a day.")
    data = form_values(editing.get(treatment.edit_page()).content)
    data.pop("based_on_version")
    data["summary"] = UNREVIEWED
    response = editing.post(treatment.edit_page(), data)
    assert response.status_code == 200, "refused in the form"
    assert SignOff.of(treatment).proposed.field_dict["summary"] != UNREVIEWED


@pytest.mark.parametrize("kind", ["treatments/treatment", "faq/question", "glossary/term"])
def test_an_address_that_is_not_an_id_is_not_found(editor, kind):
    client = _logged_in(editor)
    assert client.get(f"/admin/{kind}/abc/change/").status_code in {302, 404}
    assert client.post(f"/admin/{kind}/abc/change/", {}).status_code in {302, 404}


def test_an_editors_decision_on_a_review_page_is_refused_and_logged(caplog, editor, make_treatment):
    treatment = make_treatment("Radiotherapy")
    _change(_logged_in(editor), treatment, submit=True, summary="Beams aimed at the tumour, once a day.")
    response = _logged_in(editor).post(SignOff.of(treatment).review_page(), {"decision": "approve"})
    assert response.status_code == 403
    assert any("editor" in line and "approve" in line for line in _refusals(caplog))


def test_a_made_up_version_is_called_what_it_is(reviewer, editor, make_treatment):
    treatment = make_treatment("Radiotherapy")
    _change(_logged_in(editor), treatment, submit=True, summary="Beams aimed at the tumour, once a day.")
    response = _logged_in(reviewer).post(
        SignOff.of(treatment).review_page(), {"version": "99999", "decision": "approve"}
    )
    assert response.status_code == 400
    text = visible(soup_of(response).select_one(".errornote").get_text())
    assert "An import" not in text
    assert "not the one under review" in text


def test_an_editors_change_leaves_the_public_tags_as_they_are_not_as_the_approved_version_had_them(
    django_user_model, editor, make_treatment
):
    """A tag deleted (so taken off the page) and recovered later is not put back on the page by a change for review."""
    import reversion

    from treatments.models import Tag

    with reversion.create_revision():
        Tag.objects.create(name="Short-lived tag")  # kept as a version, so it can be recovered
    treatment = make_treatment("Radiotherapy", tags=["Local treatment", "Short-lived tag"])
    editing = _logged_in(editor)
    _change(editing, treatment, summary="Beams aimed at the tumour, once a day.")  # keeps the approved version
    boss = _logged_in(django_user_model.objects.create_superuser("boss", password="a-long-test-password-1"))
    tag = Tag.objects.get(name="Short-lived tag")
    assert boss.post(f"/admin/treatments/tag/{tag.pk}/delete/", {"post": "yes"}).status_code == 302
    deleted = Version.objects.get_deleted(Tag).get()
    recover = f"/admin/treatments/tag/recover/{deleted.pk}/"
    assert boss.post(recover, form_values(boss.get(recover).content)).status_code == 302
    _change(editing, treatment, summary="Beams aimed at the tumour, twice a day.")
    assert [tag.name for tag in treatment.tags.all()] == ["Local treatment"]
