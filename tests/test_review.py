"""
Clinical sign-off: the two roles, reviewers' public names, and who may
approve medical content.
"""

import datetime

import pytest
from django.contrib.auth.models import Group

from review.models import MEDICAL_REVIEWERS, can_approve

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_user(reviewer):
    return reviewer


def test_the_two_roles_exist_and_only_reviewers_and_superusers_may_approve(django_user_model, editor, reviewer_user):
    assert Group.objects.filter(name="Editors").exists()
    assert can_approve(reviewer_user)
    assert not can_approve(editor)
    assert can_approve(django_user_model.objects.create_superuser("root", password="a-long-test-password-1"))
    reviewer_user.is_active = False
    assert not can_approve(reviewer_user)


def test_a_reviewer_is_named_with_their_credentials(reviewer_user):
    assert str(reviewer_user.reviewer) == "Dr Amina Yusuf, consultant breast oncologist"


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


def test_a_reviewer_approves_on_the_review_page_not_from_the_list(client, reviewer_user, make_treatment):
    """An approval is of the version the reviewer read: the list shows none, so it offers no approval."""
    from bs4 import BeautifulSoup

    drafts = [make_treatment(status="draft"), make_treatment(status="draft")]
    client.force_login(reviewer_user)
    listing = BeautifulSoup(client.get("/admin/treatments/treatment/").content, "html.parser")
    assert "publish" not in [option["value"] for option in listing.select("select[name=action] option")]
    client.post("/admin/treatments/treatment/", {"action": "publish", "_selected_action": [str(t.pk) for t in drafts]})
    for treatment in drafts:
        treatment.refresh_from_db()
        assert treatment.status == "draft"


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


# A published page never changes without sign-off ------------------------------------------


def _open(client, url):
    from .helpers import form_values

    return form_values(client.get(url).content)


def _public_lead_and_main(treatment):
    from django.test import Client

    from .helpers import soup_of

    page = soup_of(Client().get(treatment.get_absolute_url()))
    return page.select_one(".lead").get_text(), page.select_one("main").get_text()


def test_an_editors_change_to_a_published_page_waits_for_approval(client, editor, reviewer, make_treatment):
    from review.models import SignOff
    from treatments.models import TreatmentPoint

    from .helpers import soup_of

    Kind = TreatmentPoint.Kind
    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.", points=[(Kind.CON, "Tiredness.")])
    client.force_login(editor)
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = _open(client, url)
    data.update({"summary": "High-energy beams aimed at the tumour.", "points-0-text": "Tiredness for some weeks."})
    assert client.post(url, data).status_code == 302
    lead, main = _public_lead_and_main(treatment)
    assert lead == "Beams aimed at the tumour."
    assert "Tiredness." in main
    assert "Tiredness for some weeks." not in main
    sign_off = SignOff.of(treatment)
    assert sign_off.state == SignOff.State.DRAFT

    # The editor's form shows the change; they submit it.
    form = soup_of(client.get(url))
    assert form.select_one("#id_summary").get_text().strip() == "High-energy beams aimed at the tumour."
    assert "The public still sees the approved page" in form.get_text()
    data = _open(client, url)
    data["_submit_for_review"] = "Submit for review"
    assert client.post(url, data).status_code == 302
    sign_off.refresh_from_db()
    assert (sign_off.state, sign_off.submitted_by) == (SignOff.State.SUBMITTED, editor)
    assert _public_lead_and_main(treatment)[0] == "Beams aimed at the tumour."

    treatment.refresh_from_db()
    treatment.approve(reviewer)
    lead, main = _public_lead_and_main(treatment)
    assert lead == "High-energy beams aimed at the tumour."
    assert "Tiredness for some weeks." in main
    assert SignOff.of(treatment) is None
    treatment.refresh_from_db()
    assert treatment.reviewed_by == reviewer.reviewer


def test_a_change_sent_back_shows_the_reviewers_comment_to_the_editor(client, editor, reviewer, make_question):
    from review.models import SignOff

    from .helpers import soup_of

    question = make_question("Does it hurt?", answer="No.")
    client.force_login(editor)
    url = f"/admin/faq/question/{question.pk}/change/"
    data = {**_open(client, url), "answer": "It never hurts.", "_submit_for_review": "Submit for review"}
    assert client.post(url, data).status_code == 302
    question.send_back(reviewer, "“Never” is too strong: some people feel the needle.")
    page = soup_of(client.get(url)).get_text()
    assert "Sent back" in page
    assert "some people feel the needle" in page
    data = {**_open(client, url), "answer": "The needle may sting for a moment.", "_submit_for_review": "Submit"}
    assert client.post(url, data).status_code == 302
    assert SignOff.of(question).state == SignOff.State.SUBMITTED
    assert SignOff.of(question).comment == ""
    question.refresh_from_db()
    assert question.answer == "No."
    question.approve(reviewer)
    question.refresh_from_db()
    assert question.answer == "The needle may sting for a moment."


def test_sending_back_needs_a_reviewer_and_a_comment(editor, reviewer, make_question):
    from django.core.exceptions import PermissionDenied, ValidationError

    question = make_question("Is it safe?", status="draft")
    question.submit_for_review(editor)
    with pytest.raises(PermissionDenied):
        question.send_back(editor, "Not good.")
    with pytest.raises(ValidationError):
        question.send_back(reviewer, "   ")


def test_an_editors_revert_of_a_published_page_waits_for_approval_too(client, editor, reviewer, make_treatment):
    from reversion.models import Version

    treatment = make_treatment("Surgery", summary="The first summary.", status="draft")
    treatment.approve(reviewer)
    client.force_login(editor)
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    submitted = {**_open(client, url), "summary": "The second summary.", "_submit_for_review": "Submit"}
    assert client.post(url, submitted).status_code == 302
    treatment.refresh_from_db()
    treatment.approve(reviewer)
    assert _public_lead_and_main(treatment)[0] == "The second summary."
    approvals = Version.objects.get_for_object(treatment).filter(revision__comment__startswith="Approved by")
    first = approvals.get(serialized_data__contains="The first summary.")
    revert = f"/admin/treatments/treatment/{treatment.pk}/history/{first.pk}/"
    assert client.post(revert, _open(client, revert)).status_code == 302
    assert _public_lead_and_main(treatment)[0] == "The second summary."
    assert _open(client, url)["summary"] == "The first summary.", "the revert waits as the pending change"


# The review queue and a reviewer's page ------------------------------------------------------


def test_a_reviewer_sees_the_queue_oldest_first_with_the_diff_and_decides(
    client, editor, reviewer, make_treatment, make_question, django_assert_max_num_queries
):
    from django.test import Client

    from review.models import SignOff
    from treatments.models import TreatmentPoint

    from .helpers import form_values, soup_of, visible

    Kind = TreatmentPoint.Kind
    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.", points=[(Kind.CON, "Tiredness.")])
    editing = Client()
    editing.force_login(editor)
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = {**_open(editing, url), "points-0-text": "Tiredness for some weeks.", "_submit_for_review": "Submit"}
    assert editing.post(url, data).status_code == 302
    for number in range(3):
        question = make_question(f"Question {number}?", status="draft")
        question.submit_for_review(editor)

    client.force_login(reviewer)
    with django_assert_max_num_queries(12):
        queue = soup_of(client.get("/admin/review/signoff/"))
    rows = queue.select("#result_list tbody tr")
    assert rows[0].select_one("th, td").get_text() == "Radiotherapy", "oldest first"
    assert len(rows) == 4

    review = f"/admin/review/signoff/{SignOff.of(treatment).pk}/change/"
    page = soup_of(client.get(review))
    diff = visible(page.select_one("#content-main").get_text())
    assert "Tiredness for some weeks." in diff
    assert "Tiredness." in diff
    refused = client.post(review, {"decision": "send_back", "comment": " "})
    assert refused.status_code == 400
    assert "Say what needs to change" in soup_of(refused).select_one(".errornote").get_text()
    shown = form_values(str(page), ".review-decision")  # the form carries the version the page shows
    assert client.post(review, {**shown, "decision": "approve"}).status_code == 302
    assert "Tiredness for some weeks." in _public_lead_and_main(treatment)[1]


@pytest.mark.parametrize(
    ("go_live", "expiry", "told"),
    [
        (None, None, "Approved: “Is it safe?” is public as reviewed."),
        (datetime.timedelta(days=1), None, "Approved: “Is it safe?” goes live as reviewed on "),
        (None, -datetime.timedelta(days=1), "Approved, but “Is it safe?” is not public: its expiry has passed."),
    ],
    ids=["now", "later", "expired"],
)
def test_a_reviewer_is_told_when_what_they_approved_is_public(
    client, editor, reviewer, make_question, go_live, expiry, told
):
    from django.utils import timezone

    from review.models import SignOff

    from .helpers import soup_of, visible

    now = timezone.now()
    question = make_question(
        "Is it safe?",
        status="draft",
        go_live_at=go_live and now + go_live,
        expires_at=expiry and now + expiry,
    )
    question.submit_for_review(editor)
    client.force_login(reviewer)
    response = client.post(
        f"/admin/review/signoff/{SignOff.of(question).pk}/change/", {"decision": "approve"}, follow=True
    )
    assert told in visible(soup_of(response).select_one(".messagelist").get_text())


def test_an_editor_may_read_the_queue_but_not_decide(client, editor, make_question):
    from review.models import SignOff

    question = make_question("Is it safe?", status="draft")
    question.submit_for_review(editor)
    client.force_login(editor)
    review = f"/admin/review/signoff/{SignOff.of(question).pk}/change/"
    page = client.get(review)
    assert page.status_code == 200
    assert b"Only a medical reviewer can approve" in page.content
    assert client.post(review, {"decision": "approve"}).status_code == 403
    question.refresh_from_db()
    assert question.status == "draft"


# The draft banner: what the person reading a draft does to make it public -------------------------


def _banner(user, item):
    """The draft banner `user` reads on the item's page: (its text, its links), and that user's client."""
    from django.test import Client

    from .helpers import soup_of, visible

    client = Client()
    client.force_login(user)
    banner = soup_of(client.get(item.get_absolute_url())).select_one(".draft-banner")
    links = [(link.get_text(), link["href"]) for link in banner.find_all("a")]
    return visible(banner.get_text()), links, client


@pytest.mark.parametrize("kind", ["treatment", "question"])
def test_the_draft_banner_tells_each_person_the_step_that_publishes_a_medical_page(
    editor, reviewer, django_user_model, make_treatment, make_question, kind
):
    item = (make_treatment if kind == "treatment" else make_question)(status="draft")
    edit_page = f"/admin/{item._meta.app_label}/{item._meta.model_name}/{item.pk}/change/"
    root = django_user_model.objects.create_superuser("root", password="a-long-test-password-1")

    text, links, editing = _banner(editor, item)
    assert text.startswith("Draft — not public. Only staff can see this")
    assert "Publish it in the admin" not in text, "editors cannot publish medical content"
    assert "a medical reviewer approves it: submit it for review on its edit page." in text
    assert links == [("its edit page", edit_page)]
    assert "Submit for review" in editing.get(edit_page).content.decode(), "the link leads to the button"

    item.submit_for_review(editor)
    review_page = f"/admin/review/signoff/{item.sign_off().pk}/change/"
    text, links, _ = _banner(editor, item)
    assert "It awaits medical review: it goes public when a medical reviewer approves it." in text
    assert links == []
    text, links, reviewing = _banner(reviewer, item)
    assert "It awaits medical review: approve it, or send it back, on its review page." in text
    assert links == [("its review page", review_page)]
    assert "Approve and publish" in reviewing.get(review_page).content.decode(), "the link leads to the decision"

    item.send_back(reviewer, "Say how long it lasts.")
    text, links, _ = _banner(editor, item)
    assert "sent it back: read their comment, change it and submit it again on its edit page." in text
    assert links == [("its edit page", edit_page)]

    text, links, _ = _banner(root, item)
    assert "In an emergency you can publish it without review, and the history says so, on its edit page." in text
    assert ("its edit page", edit_page) in links


def test_the_draft_banner_of_a_campaign_says_where_to_publish_it(editor, make_campaign):
    campaign = make_campaign("Fund research", status="draft")
    text, links, _ = _banner(editor, campaign)
    assert text.startswith("Draft — not public. Only staff can see this campaign.")
    assert "To make it public, set its status to Published on its edit page." in text
    assert links == [("its edit page", f"/admin/donations/campaign/{campaign.pk}/change/")]


# Review dates that mean something, on the page -------------------------------------------------


def test_the_page_names_its_reviewer_and_dates_and_so_does_its_json_ld(client, reviewer, make_treatment, make_question):
    import datetime
    import json

    import time_machine

    from .helpers import soup_of, visible

    treatment = make_treatment("Surgery", status="draft", review_interval_months=6)
    question = make_question("Will it scar?", status="draft")
    with time_machine.travel(datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC), tick=False):
        treatment.approve(reviewer)
        question.approve(reviewer)
    page = soup_of(client.get(treatment.get_absolute_url()))
    assert visible(page.select_one(".review-dates").get_text()) == (
        "Medically reviewed by Dr Amina Yusuf, consultant breast oncologist on 3 March 2026 "
        "· Next review due 3 September 2026"
    )
    data = json.loads(page.select_one("script[type='application/ld+json']").string)
    assert data["lastReviewed"] == "2026-03-03"
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr Amina Yusuf",
        "jobTitle": "consultant breast oncologist",
    }
    answer = soup_of(client.get(question.get_absolute_url()))
    assert "Medically reviewed by Dr Amina Yusuf" in answer.select_one(".review-dates").get_text()


# The dashboard ----------------------------------------------------------------------------------


# Session and permissions (4), then per list a page of rows for each kind of content it covers (and a count
# for a kind with more than a page): 2 for each review list (the changes, then the pages they are of), 4 for
# each review-date list and for the translations behind their English page (treatments, questions, glossary
# terms, articles; a translation is read with its English page), 10 for the schedule (5 kinds, go-live and
# expiry). That is 30; the bound stays.
DASHBOARD_QUERIES = 30


def test_the_dashboard_lists_the_work_of_review_in_order(
    client, editor, reviewer, make_treatment, make_question, make_campaign, django_assert_max_num_queries
):
    import datetime

    import time_machine

    from .helpers import soup_of, visible

    today = datetime.date(2026, 12, 1)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC), tick=False):
        older = make_question("Older question?", status="draft")
        newer = make_question("Newer question?", status="draft")
        older.submit_for_review(editor)
        newer.submit_for_review(editor)
        returned = make_question("Returned question?", status="draft")
        returned.submit_for_review(editor)
        returned.send_back(reviewer, "Too long.")
        make_treatment("Overdue one", next_review_due=today - datetime.timedelta(days=3))
        make_treatment("Due soon", next_review_due=today + datetime.timedelta(days=10))
        make_treatment("Not due", next_review_due=today + datetime.timedelta(days=90))
        make_campaign("Spring appeal", go_live_at=datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC))

        client.force_login(reviewer)
        home = soup_of(client.get("/admin/"))
        link = home.select_one(".review-link a")["href"]
        assert link == "/admin/review/signoff/dashboard/"
        with django_assert_max_num_queries(DASHBOARD_QUERIES):
            page = soup_of(client.get(link))
        # However much there is: more of every kind costs no more queries.
        for number in range(3):
            make_treatment(f"Also overdue {number}", next_review_due=today - datetime.timedelta(days=number + 5))
            make_question(f"Also waiting {number}?", status="draft").submit_for_review(editor)
        with django_assert_max_num_queries(DASHBOARD_QUERIES):
            client.get(link)
    sections = {
        visible(section.select_one("h2").get_text()): [
            visible(row.select_one("th").get_text()) for row in section.select("tbody tr")
        ]
        for section in page.select("section.module")
    }
    assert sections == {
        "Awaiting review (2)": ["Older question?", "Newer question?"],
        "Sent back to the editor (1)": ["Returned question?"],
        "Translations behind their English page (0)": [],
        "Overdue for review (1)": ["Overdue one"],
        "Due for review in the next 30 days (1)": ["Due soon"],
        "Scheduled to go live or expire (1)": ["Spring appeal"],
    }


# Reminders -------------------------------------------------------------------------------------


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives; Django sends to it."""
    from aiosmtpd.controller import Controller

    from .helpers import free_port

    class Keep:
        def __init__(self):
            self.received = []

        async def handle_DATA(self, server, session, envelope):
            self.received.append(envelope)
            return "250 Message accepted"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield handler
    controller.stop()


def test_each_reviewer_gets_one_digest_a_day_through_a_real_smtp_server(
    smtp_server, editor, reviewer, django_user_model, make_treatment, make_question
):
    import datetime
    from email import message_from_bytes
    from io import StringIO

    import time_machine
    from django.core.management import call_command

    from review.models import Reviewer

    reviewer.email = "amina@example.org"
    reviewer.save()
    no_email = django_user_model.objects.create_user("nobody", is_staff=True)
    no_email.groups.add(Group.objects.get(name=MEDICAL_REVIEWERS))
    Reviewer.objects.create(user=no_email, display_name="Dr No Mail", credentials="surgeon")
    editor.email = "editor@example.org"
    editor.save()

    monday = datetime.datetime(2026, 12, 7, 8, tzinfo=datetime.UTC)
    with time_machine.travel(monday, tick=False):
        call_command("send_review_reminders", stdout=StringIO())
        assert smtp_server.received == [], "nothing to do, nothing sent"
        make_question("Is it safe?", status="draft").submit_for_review(editor)
        make_treatment("Overdue one", next_review_due=datetime.date(2026, 11, 1))
        out = StringIO()
        call_command("send_review_reminders", stdout=out)
        assert "Review reminders sent: 1." in out.getvalue()
    with time_machine.travel(monday + datetime.timedelta(hours=5), tick=False):
        call_command("send_review_reminders", stdout=StringIO())  # run every hour: still one today
    assert len(smtp_server.received) == 1
    envelope = smtp_server.received[0]
    assert envelope.rcpt_tos == ["amina@example.org"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "Ribbon: 1 awaiting review, 1 overdue"
    body = message.get_payload(decode=True).decode()
    assert "Is it safe?" in body
    assert "Overdue one" in body
    with time_machine.travel(monday + datetime.timedelta(days=1), tick=False):
        call_command("send_review_reminders", stdout=StringIO())
    assert len(smtp_server.received) == 2, "the next day, another"


def test_a_reminder_that_cannot_be_sent_is_reported_and_tried_again(settings, editor, reviewer, make_question):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from .helpers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", free_port(), False
    reviewer.email = "amina@example.org"
    reviewer.save()
    make_question("Is it safe?", status="draft").submit_for_review(editor)
    errors = StringIO()
    with pytest.raises(CommandError, match="1 reminder"):
        call_command("send_review_reminders", stdout=StringIO(), stderr=errors)
    assert "Could not e-mail Dr Amina Yusuf" in errors.getvalue()
    reviewer.reviewer.refresh_from_db()
    assert reviewer.reviewer.last_reminded_on is None, "not marked as sent"


# Imports ---------------------------------------------------------------------------------------

TREATMENT_FILE = (
    "---\ntitle: Cold cap\nid: cold-cap\ndescription: A cap that cools the scalp.\n---\n\n"
    "## What it is\n\nYou wear a cold cap.\n"
)


def _import_treatments(folder, *flags):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("import_treatments", str(folder), "--no-images", *flags, stdout=out)
    return out.getvalue()


def test_an_import_goes_to_review_and_a_published_page_keeps_its_approved_text(tmp_path, reviewer):
    from review.models import SignOff
    from treatments.models import Treatment

    (tmp_path / "cold-cap.md").write_text(TREATMENT_FILE)
    told = _import_treatments(tmp_path)
    assert "(a draft, submitted for medical review)" in told
    treatment = Treatment.objects.get()
    assert treatment.status == "draft"
    assert SignOff.of(treatment).state == SignOff.State.SUBMITTED
    treatment.approve(reviewer)

    (tmp_path / "cold-cap.md").write_text(TREATMENT_FILE.replace("You wear a cold cap.", "You wear a cap."))
    told = _import_treatments(tmp_path)
    assert "the change waits for medical review; the public page is unchanged" in told
    assert "You wear a cold cap." in _public_lead_and_main(treatment)[1]
    sign_off = SignOff.of(treatment)
    assert (sign_off.state, sign_off.submitted_by) == (SignOff.State.SUBMITTED, None)
    proposed = sign_off.proposed

    assert "1 unchanged" in _import_treatments(tmp_path), "a second run changes nothing"
    assert SignOff.of(treatment).proposed == proposed

    treatment.refresh_from_db()
    treatment.approve(reviewer, shown=proposed.pk)
    assert "You wear a cap." in _public_lead_and_main(treatment)[1]


def test_an_import_with_publish_is_the_operators_act_recorded_with_the_file(tmp_path):
    from reversion.models import Version

    from treatments.models import Treatment

    (tmp_path / "cold-cap.md").write_text(TREATMENT_FILE)
    assert "(published)" in _import_treatments(tmp_path, "--publish")
    treatment = Treatment.objects.get()
    assert treatment.status == "published"
    assert Version.objects.get_for_object(treatment).first().revision.get_comment() == "Imported from cold-cap.md"


def test_a_superusers_direct_change_to_a_public_page_is_recorded_as_an_emergency(
    client, django_user_model, make_treatment
):
    from reversion.models import Version

    boss = django_user_model.objects.create_superuser("boss", password="a-long-test-password-1", first_name="Bo")
    client.force_login(boss)
    treatment = make_treatment("Surgery")
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    assert client.post(url, {**_open(client, url), "summary": "Changed at once."}).status_code == 302
    assert _public_lead_and_main(treatment)[0] == "Changed at once."
    comment = Version.objects.get_for_object(treatment).first().revision.get_comment()
    assert comment == "Changed Summary. Changed the public page by Bo without medical review (emergency)."


def test_deleting_an_item_takes_its_pending_review_with_it(editor, make_question):
    from review.models import SignOff

    question = make_question("Is it safe?", status="draft")
    question.submit_for_review(editor)
    type(question).objects.filter(pk=question.pk).delete()
    assert not SignOff.objects.exists()


def test_an_inline_row_changed_alone_on_a_published_page_waits_too(client, editor, make_treatment):
    from treatments.models import TreatmentPoint

    treatment = make_treatment("Surgery", points=[(TreatmentPoint.Kind.PRO, "It removes the tumour.")])
    client.force_login(editor)
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = {**_open(client, url), "points-0-text": "It removes the tumour and some tissue around it."}
    data["points-1-kind"], data["points-1-text"], data["points-1-order"] = "20", "A scar.", "2"  # a new con
    assert client.post(url, data).status_code == 302
    main = _public_lead_and_main(treatment)[1]
    assert "It removes the tumour." in main
    assert "some tissue around it" not in main
    assert "A scar." not in main
    assert list(treatment.points.values_list("text", flat=True)) == ["It removes the tumour."]


# What a reviewer reads, and what the history says ---------------------------------------------


def _history_comments(client, item):
    """The "What changed" column of the item's History page, newest first."""
    from .helpers import soup_of, visible

    url = f"/admin/{item._meta.app_label}/{item._meta.model_name}/{item.pk}/history/"
    rows = soup_of(client.get(url)).select("#change-history tbody tr")
    return [visible(row.select("td")[-1].get_text()) for row in rows]


def _recent_changes(client):
    from .helpers import soup_of, visible

    rows = soup_of(client.get("/admin/core/recentchange/")).select("#result_list tbody tr")
    return [visible(row.select_one(".field-what_changed").get_text()) for row in rows]


def test_a_draft_sent_to_review_says_so_in_its_history(client, editor):
    from treatments.models import Treatment

    from .helpers import form_values, treatment_form

    client.force_login(editor)
    response = client.post("/admin/treatments/treatment/add/", {**treatment_form(), "_submit_for_review": "Submit"})
    assert response.status_code == 302
    treatment = Treatment.objects.get()
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    assert client.post(url, {**form_values(client.get(url).content), "_submit_for_review": "Submit"}).status_code == 302
    assert client.post(url, {**form_values(client.get(url).content), "summary": "A cold cap."}).status_code == 302

    comments = _history_comments(client, treatment)
    assert comments[0] == "Changed Summary."
    assert comments[1] == "Submitted for review.", "sent again with nothing changed: what happened, not “No fields”"
    assert comments[2].startswith("Submitted for review. Added. Added treatment point “Pro: Many people keep")
    assert _recent_changes(client)[:3] == comments


def test_a_change_to_a_published_page_sent_to_review_says_so_in_its_history(client, editor, make_treatment):
    from .helpers import form_values

    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.", body="Beams.")
    client.force_login(editor)
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    assert client.post(url, {**form_values(client.get(url).content), "summary": "Beams."}).status_code == 302
    data = {**form_values(client.get(url).content), "_submit_for_review": "Submit"}
    assert client.post(url, data).status_code == 302
    data = {**form_values(client.get(url).content), "body": "X-ray beams.", "_submit_for_review": "Submit"}
    assert client.post(url, data).status_code == 302

    comments = _history_comments(client, treatment)
    assert comments[:3] == ["Submitted for review. Changed Body.", "Submitted for review.", "Changed Summary."]
    assert "No fields changed." not in comments
    assert _recent_changes(client)[:3] == comments[:3]


def _submit_change(editor, treatment, **changes):
    from django.test import Client

    from review.models import SignOff

    from .helpers import form_values

    editing = Client()
    editing.force_login(editor)
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = {**form_values(editing.get(url).content), **changes, "_submit_for_review": "Submit"}
    assert editing.post(url, data).status_code == 302
    return f"/admin/review/signoff/{SignOff.of(treatment).pk}/change/"


def test_the_review_of_a_change_shows_each_changed_row_among_the_others_in_page_order(
    client, editor, reviewer, make_treatment
):
    from treatments.models import TreatmentPoint

    from .helpers import soup_of, visible

    Kind = TreatmentPoint.Kind
    treatment = make_treatment(
        "Radiotherapy",
        points=[(Kind.PRO, "It is precise."), (Kind.CON, "Tiredness."), (Kind.PRO, "It is quick.")],
    )
    review = _submit_change(
        editor,
        treatment,
        **{"points-2-text": "Tiredness for some weeks.", "points-3-kind": str(Kind.CON)},
        **{"points-3-text": "A scar.", "points-3-order": "5"},
    )
    client.force_login(reviewer)
    page = soup_of(client.get(review))
    points = next(h for h in page.select("#content-main h2") if h.get_text() == "Points").find_next("div")
    assert [visible(row.get_text()) for row in points.select("li")] == [
        "Pro: It is precise.",
        "Pro: It is quick.",
        "Removed: Con: Tiredness.",
        "Added: Con: Tiredness for some weeks.",
        "Added: Con: A scar.",
    ], "every row, in the page's order, the changed ones among those that stay"
    assert [row.get_text() for row in points.select("del")] == ["Con: Tiredness."]
    assert [row.get_text() for row in points.select("ins")] == ["Con: Tiredness for some weeks.", "Con: A scar."]
    text = visible(page.select_one("#content-main").get_text())
    assert "No fields changed" not in text
    assert "marked *" not in text, "no field is marked, so no note about marked fields"


def test_the_review_of_a_change_lists_the_saves_it_is_made_of(client, editor, reviewer, make_treatment):
    from django.test import Client

    from .helpers import form_values, soup_of, visible

    treatment = make_treatment("Radiotherapy", summary="Beams aimed at the tumour.")
    editing = Client()
    editing.force_login(editor)
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    assert editing.post(url, {**form_values(editing.get(url).content), "summary": "Beams."}).status_code == 302
    review = _submit_change(editor, treatment)
    client.force_login(reviewer)
    saves = soup_of(client.get(review)).select(".version-saves li")
    assert [visible(save.get_text()).split(": ", 1)[1] for save in saves] == [
        "Submitted for review.",
        "Changed Summary.",
    ]
    assert all("editor" in save.get_text() for save in saves), "who saved each"


def test_a_changed_field_kept_by_reference_is_marked_and_explained(client, editor, reviewer, make_treatment):
    from treatments.models import Tag

    from .helpers import soup_of, visible

    treatment = make_treatment("Radiotherapy", tags=["Local"])
    other = Tag.objects.create(name="Early stage")
    review = _submit_change(editor, treatment, tags=[str(other.pk)])
    client.force_login(reviewer)
    page = soup_of(client.get(review))
    heading = next(h for h in page.select("#content-main h2") if h.get_text().startswith("Tags"))
    assert heading.select_one("sup").get_text() == "*"
    note = visible(page.select_one("p.follow").get_text())
    assert note.startswith("* Tags: each version keeps which were chosen, not what they were called then.")


def test_the_review_of_a_new_treatment_shows_all_of_it_as_the_public_will_see_it(client, editor, reviewer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from review.models import SignOff
    from treatments.models import Tag, Treatment, TreatmentPoint

    from .helpers import image_bytes, soup_of, treatment_form, visible

    Kind = TreatmentPoint.Kind
    tag = Tag.objects.create(name="Hair loss")
    client.force_login(editor)
    form = treatment_form(
        suited_to="People having chemotherapy that often causes hair loss.",
        tags=[str(tag.pk)],
        hero_image=SimpleUploadedFile("cap.png", image_bytes("PNG", (120, 80)), content_type="image/png"),
        hero_image_alt="A person wearing a cooling cap",
        body="## How it works\n\nA **cold** cap.\n\n<script>window.pwned = 1</script>",
        **{"points-2-kind": str(Kind.QUESTION), "points-2-text": "Is scalp cooling offered here?"},
    )
    assert client.post("/admin/treatments/treatment/add/", {**form, "_submit_for_review": "Submit"}).status_code == 302
    treatment = Treatment.objects.get()
    client.force_login(reviewer)
    page = soup_of(client.get(f"/admin/review/signoff/{SignOff.of(treatment).pk}/change/"))

    preview = page.select_one("#content-main .review-preview")
    assert preview.select_one("h2").get_text() == "Cold Cap Therapy"
    assert preview.select_one(".lead").get_text() == "Cooling the scalp to reduce hair loss during chemotherapy."
    assert "Who it is for: People having chemotherapy" in visible(preview.select_one(".suited-to").get_text())
    assert [li.get_text() for li in preview.select(".tag-list li")] == ["Hair loss"]
    assert preview.select_one(".hero img")["alt"] == "A person wearing a cooling cap"
    assert preview.select_one(".prose h2").get_text() == "How it works"
    assert preview.select_one(".prose strong").get_text() == "cold"
    assert not page.select("#content-main script"), "the body is its stored, sanitised HTML"
    assert [li.get_text() for li in preview.select(".pros li")] == ["Many people keep their hair."]
    assert [li.get_text() for li in preview.select(".cons li")] == ["The cap is cold."]
    assert "$1,500–$3,000 in total (one-off)" in preview.select_one(".cost-range").get_text()
    assert visible(preview.select_one(".questions-to-ask").get_text()).count("Is scalp cooling offered here?") == 1
    assert "Scalp cooling — NCI" in preview.select_one(".references").get_text()
    text = visible(page.select_one("#content-main").get_text())
    assert "all of it is new" in text
    assert "No fields changed" not in text


def test_the_review_shows_the_version_under_review_not_the_rows_as_they_are_now(client, editor, reviewer):
    """A new page is shown from its latest version: exactly what the reviewer is asked to approve."""
    from review.models import SignOff
    from treatments.models import Treatment

    from .helpers import soup_of, treatment_form

    client.force_login(editor)
    assert client.post("/admin/treatments/treatment/add/", {**treatment_form(), "_submit_for_review": "S"}).status_code
    treatment = Treatment.objects.get()
    Treatment.objects.filter(pk=treatment.pk).update(summary="Changed outside the admin, never saved as a version.")
    treatment.points.filter(text="The cap is cold.").delete()
    client.force_login(reviewer)
    preview = soup_of(client.get(f"/admin/review/signoff/{SignOff.of(treatment).pk}/change/")).select_one(
        ".review-preview"
    )
    assert preview.select_one(".lead").get_text() == "Cooling the scalp to reduce hair loss during chemotherapy."
    assert [li.get_text() for li in preview.select(".cons li")] == ["The cap is cold."]


def test_the_review_of_a_new_page_costs_the_same_queries_however_long_it_is(
    client, editor, reviewer, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from review.models import SignOff
    from treatments.models import Treatment, TreatmentPoint

    from .helpers import treatment_form

    client.force_login(editor)
    for title, rows in (("Short", 1), ("Long", 12)):
        points = {}
        for index in range(rows):
            points[f"points-{index}-kind"] = str(TreatmentPoint.Kind.PRO)
            points[f"points-{index}-text"] = f"Advantage number {index}."
            points[f"points-{index}-order"] = str(index)
        form = {**treatment_form(title=title, slug=title.lower()), **points, "points-TOTAL_FORMS": str(rows)}
        assert client.post("/admin/treatments/treatment/add/", {**form, "_submit_for_review": "S"}).status_code == 302
    client.force_login(reviewer)
    reviews = [f"/admin/review/signoff/{SignOff.of(t).pk}/change/" for t in Treatment.objects.order_by("title")]
    client.get(reviews[0])  # sessions, content types and templates are warm
    with CaptureQueriesContext(connection) as short:
        assert b"Advantage number 0." in client.get(reviews[1]).content
    with django_assert_num_queries(len(short)):
        assert b"Advantage number 11." in client.get(reviews[0]).content


def test_the_review_of_a_new_question_shows_the_question_and_its_answer(client, editor, reviewer, make_question):
    from review.models import SignOff

    from .helpers import soup_of

    question = make_question("Does radiotherapy hurt?", answer="No. **It feels like an X-ray.**", status="draft")
    question.submit_for_review(editor)
    client.force_login(reviewer)
    preview = soup_of(client.get(f"/admin/review/signoff/{SignOff.of(question).pk}/change/")).select_one(
        ".review-preview"
    )
    assert preview.select_one("h2").get_text() == "Does radiotherapy hurt?"
    assert preview.select_one(".prose strong").get_text() == "It feels like an X-ray."
    assert "Listed under “Immunotherapy”" in preview.get_text()


def test_the_queue_filters_by_the_kinds_of_medical_content_only(
    client, editor, reviewer, make_question, make_treatment
):
    from review.models import SignOff

    from .helpers import soup_of, visible

    question = make_question("Is it safe?", status="draft")
    question.submit_for_review(editor)
    make_treatment("Surgery", status="draft").submit_for_review(editor)
    client.force_login(reviewer)
    queue = soup_of(client.get("/admin/review/signoff/"))
    kinds = queue.select_one('#changelist-filter details[data-filter-title="kind"]')
    assert visible(kinds.select_one("summary").get_text()) == "By kind"
    assert [visible(a.get_text()) for a in kinds.select("a")] == [
        "All",
        "Articles",
        "Glossary terms",
        "Questions",
        "Treatments",
    ]

    questions = next(a for a in kinds.select("a") if a.get_text().strip() == "Questions")["href"]
    rows = soup_of(client.get("/admin/review/signoff/" + questions)).select("#result_list tbody tr")
    assert [visible(row.select_one(".field-page").get_text()) for row in rows] == ["Is it safe?"]
    assert SignOff.objects.count() == 2
