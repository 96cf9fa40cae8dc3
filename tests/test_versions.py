"""
Nothing staff edit is lost: every save is a version (who, when, what), any
two versions compare field by field, a revert brings back the whole page as
a new version (never changing whether it is published), and deleted content
comes back whole.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from reversion.models import Version

from treatments.models import Treatment, TreatmentPoint

from .helpers import ORGANISATION_FILE, form_values, soup_of, treatment_form, visible

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-1"


@pytest.fixture
def boss(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", password=PASSWORD, first_name="Bo", last_name="Ss")
    client.force_login(user)
    return user


def _change(client, treatment, **changes):
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = form_values(client.get(url).content)
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, soup_of(response).select(".errorlist")


@pytest.fixture
def three_versions(client, boss):
    """A treatment added in the admin (version 1), then its summary and first pro changed twice."""
    response = client.post("/admin/treatments/treatment/add/", treatment_form(status="published"))
    assert response.status_code == 302, soup_of(response).select(".errorlist")
    treatment = Treatment.objects.get()
    _change(client, treatment, summary="Second summary.", **{"points-0-text": "A second pro."})
    _change(client, treatment, summary="Third summary.", **{"points-0-text": "A third pro."})
    return treatment


def _versions(treatment):
    return list(Version.objects.get_for_object(treatment))  # newest first


def test_every_admin_save_is_a_version_with_who_and_what(three_versions, boss):
    versions = _versions(three_versions)
    assert len(versions) == 3
    newest = versions[0]
    assert newest.revision.user == boss
    assert "Changed Summary" in newest.revision.get_comment()
    # A version holds the whole page: its points and references are in the same revision.
    held = {version.content_type.model for version in newest.revision.version_set.all()}
    assert held == {"treatment", "treatmentpoint", "reference"}


def test_history_lists_the_versions_newest_first_each_linking_to_it(client, three_versions):
    page = soup_of(client.get(f"/admin/treatments/treatment/{three_versions.pk}/history/"))
    rows = page.select("#change-history tbody tr")
    assert len(rows) == 3
    links = [row.find("a")["href"] for row in rows]
    versions = _versions(three_versions)
    assert links == [f"/admin/treatments/treatment/{three_versions.pk}/history/{v.pk}/" for v in versions]
    assert "Bo Ss" in visible(rows[0].get_text()), "who saved it, by name"
    assert "Changed Summary" in visible(rows[0].get_text()), "what changed, in words"


def test_compare_version_1_with_version_3_shows_both_changes(client, three_versions):
    newest, _, first = _versions(three_versions)
    response = client.get(
        f"/admin/treatments/treatment/{three_versions.pk}/history/compare/",
        {"version_id1": first.pk, "version_id2": newest.pk},
    )
    assert response.status_code == 200
    text = visible(soup_of(response).select_one("#content").get_text())
    assert "Third summary." in text
    assert "Cooling the scalp" in text
    assert "A third pro." in text
    assert "Many people keep their hair." in text


def test_revert_brings_back_the_whole_page_as_a_new_version_and_can_be_undone(client, three_versions):
    newest, _, first = _versions(three_versions)
    revert_url = f"/admin/treatments/treatment/{three_versions.pk}/history/{first.pk}/"
    page = client.get(revert_url)
    assert "reverting never publishes or unpublishes" in visible(soup_of(page).get_text())
    response = client.post(revert_url, form_values(page.content))
    assert response.status_code == 302
    public = soup_of(client.get(three_versions.get_absolute_url()))
    assert public.select_one(".lead").get_text() == "Cooling the scalp to reduce hair loss during chemotherapy."
    assert "Many people keep their hair." in public.select_one("main").get_text()
    assert "A third pro." not in public.select_one("main").get_text()
    assert len(_versions(three_versions)) == 4, "the revert is itself a version"
    # Undo the revert: back to the third version.
    undo_url = f"/admin/treatments/treatment/{three_versions.pk}/history/{newest.pk}/"
    client.post(undo_url, form_values(client.get(undo_url).content))
    public = soup_of(client.get(three_versions.get_absolute_url()))
    assert public.select_one(".lead").get_text() == "Third summary."
    assert "A third pro." in public.select_one("main").get_text()


def test_a_revert_never_publishes_or_unpublishes(client, boss):
    client.post("/admin/treatments/treatment/add/", treatment_form(status="draft"))
    treatment = Treatment.objects.get()
    _change(client, treatment, status="published", summary="Now published.")
    first = _versions(treatment)[-1]
    url = f"/admin/treatments/treatment/{treatment.pk}/history/{first.pk}/"
    client.post(url, form_values(client.get(url).content))
    treatment.refresh_from_db()
    assert treatment.summary == "Cooling the scalp to reduce hair loss during chemotherapy."
    assert treatment.status == "published", "the draft version's status did not come back"
    assert client.get(treatment.get_absolute_url()).status_code == 200


def test_deleted_content_comes_back_whole_as_a_draft(client, three_versions):
    pk = three_versions.pk
    page = client.get(f"/admin/treatments/treatment/{pk}/delete/")
    assert client.post(f"/admin/treatments/treatment/{pk}/delete/", {"post": "yes"}).status_code == 302
    assert page.status_code == 200
    assert not Treatment.objects.exists()
    assert not TreatmentPoint.objects.exists()
    listing = soup_of(client.get("/admin/treatments/treatment/recover/"))
    rows = listing.select("#change-history tbody tr")
    assert [visible(row.td.get_text()) for row in rows] == ["Cold Cap Therapy"]
    link = rows[0].find("a")
    recover = client.get(link["href"])
    assert "comes back unpublished" in visible(soup_of(recover).get_text())
    assert client.post(link["href"], form_values(recover.content)).status_code == 302
    treatment = Treatment.objects.get()
    assert treatment.summary == "Third summary."
    assert sorted(treatment.points.values_list("text", flat=True)) == sorted(
        ["A third pro.", "The cap is cold.", "Nothing is added to the chemotherapy."]
    )
    assert treatment.references.count() == 1
    assert treatment.status == "draft", "recovering never publishes"


def test_an_import_records_the_file_it_came_from(tmp_path):
    path = tmp_path / "cold-cap.md"
    path.write_text(ORGANISATION_FILE, encoding="utf-8")
    call_command("import_treatments", str(path), "--no-images", stdout=StringIO())
    versions = _versions(Treatment.objects.get())
    assert [version.revision.get_comment() for version in versions] == ["Imported from cold-cap.md"]
    assert versions[0].revision.user is None
    assert {v.content_type.model for v in versions[0].revision.version_set.all()} >= {"treatment", "treatmentpoint"}


def test_public_pages_cost_the_same_with_versions(client, three_versions, django_assert_max_num_queries):
    client.logout()
    with django_assert_max_num_queries(5):
        assert client.get(three_versions.get_absolute_url()).status_code == 200


def test_demo_content_has_a_first_version_and_its_approval_and_loading_it_again_adds_none():
    from donations.models import Campaign
    from faq.models import Question

    call_command("load_demo", stdout=StringIO())
    campaign = Campaign.objects.first()
    versions = _versions(campaign)
    assert [version.revision.get_comment() for version in versions] == ["Demo content loaded"]
    held = {version.content_type.model for version in versions[0].revision.version_set.all()}
    assert held == {"campaign", "campaigntext", "suggestedamount", "offlinegift"}
    # Medical content: written (loaded, imported), then approved by the demo reviewer, as a real page is.
    approved = "Approved by Demo Reviewer (sample content, not a clinician), stand-in for a medical reviewer."
    question = Question.objects.first()
    assert [version.revision.get_comment() for version in _versions(question)] == [approved, "Demo content loaded"]
    treatment = Treatment.objects.get(slug="chemotherapy")
    assert [version.revision.get_comment() for version in _versions(treatment)] == [
        approved,
        "Imported from chemotherapy.md",
    ]
    before = Version.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert Version.objects.count() == before, "nothing changed, so no new versions"


# No lost updates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_of", "make", "change_field", "first_value", "second_value"),
    [
        ("treatments/treatment", "treatment", "summary", "First editor's summary.", "Second editor's summary."),
        ("treatments/treatment", "treatment", "points-0-text", "First editor's pro.", "Second editor's pro."),
        ("faq/question", "question", "answer", "First editor's answer.", "Second editor's answer."),
        ("faq/topic", "topic", "description", "First editor's words.", "Second editor's words."),
        ("donations/campaign", "campaign", "summary", "First editor's summary.", "Second editor's summary."),
    ],
)
def test_two_editors_on_one_page_never_overwrite_each_other(
    django_user_model,
    make_treatment,
    make_question,
    make_campaign,
    url_of,
    make,
    change_field,
    first_value,
    second_value,
):
    from django.test import Client

    objects = {
        "treatment": lambda: make_treatment("Radiotherapy", points=[(TreatmentPoint.Kind.PRO, "Targets the tumour.")]),
        "question": lambda: make_question("Does it hurt?"),
        "topic": lambda: make_question("Is it safe?").topic,
        "campaign": lambda: make_campaign("Fund research"),
    }
    obj = objects[make]()
    url = f"/admin/{url_of}/{obj.pk}/change/"
    clients = []
    for name in ("ann", "ben"):
        user = django_user_model.objects.create_superuser(name, password=PASSWORD, first_name=name.title())
        client = Client()
        client.force_login(user)
        clients.append(client)
    ann, ben = clients
    ann_form = form_values(ann.get(url).content)
    ben_form = form_values(ben.get(url).content)  # both open the page

    ann_form[change_field] = first_value
    assert ann.post(url, ann_form).status_code == 302  # Ann saves first

    ben_form[change_field] = second_value
    response = ben.post(url, ben_form)
    assert response.status_code == 200, "Ben's save is refused"
    page = soup_of(response)
    message = visible(page.select_one(".errornote, .errorlist").find_parent().get_text())
    assert "Ann saved this" in message
    assert "after you opened it" in message
    field = page.select_one(f"[name='{change_field}']")
    assert second_value in (field.get_text() if field.name == "textarea" else field.get("value", ""))
    obj.refresh_from_db()
    current = form_values(ben.get(url).content)
    assert current[change_field] == first_value, "nothing of Ann's was overwritten"

    # Ben merges (his form again, now based on Ann's version) and saves.
    merged = form_values(response.content)
    merged[change_field] = second_value
    assert ben.post(url, merged).status_code == 302
    assert form_values(ben.get(url).content)[change_field] == second_value


def test_old_versions_can_be_pruned_keeping_the_latest_few(client, three_versions):
    """History is kept forever by default; `deleterevisions --days D --keep N` is the documented way to prune."""
    import datetime

    from django.utils import timezone
    from reversion.models import Revision

    Revision.objects.update(date_created=timezone.now() - datetime.timedelta(days=400))
    call_command("deleterevisions", "treatments", days=365, keep=2, stdout=StringIO())
    remaining = _versions(three_versions)
    assert remaining[0].revision.get_comment().startswith("Changed")
    assert len(remaining) == 2, "the two latest are kept however old they are"


def test_a_changed_donate_link_is_named_in_the_history_and_emailed_to_superusers(
    client, boss, django_user_model, make_campaign, mailoutbox, commit
):
    boss.email = "boss@example.org"
    boss.save()
    django_user_model.objects.create_superuser("other", email="other@example.org", password=PASSWORD)
    campaign = make_campaign("Fund research", donate_url="https://buy.stripe.com/test_ours")
    url = f"/admin/donations/campaign/{campaign.pk}/change/"
    data = form_values(client.get(url).content)
    data["donate_url"] = "https://buy.stripe.com/test_theirs"
    with commit():
        assert client.post(url, data).status_code == 302
    comment = _versions(campaign)[0].revision.get_comment()
    assert "Donate link changed from https://buy.stripe.com/test_ours to https://buy.stripe.com/test_theirs." in comment
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["boss@example.org", "other@example.org"]
    assert "https://buy.stripe.com/test_theirs" in mailoutbox[0].body
    # Other edits send nothing.
    data = form_values(client.get(url).content)
    data["summary"] = "A new summary."
    with commit():
        client.post(url, data)
    assert len(mailoutbox) == 1


# The audit trail ----------------------------------------------------------------------


def test_recent_changes_lists_every_version_with_who_what_and_a_diff(
    client, three_versions, boss, editor, make_campaign, django_assert_max_num_queries
):
    from django.test import Client

    campaign_url = f"/admin/donations/campaign/{make_campaign('Fund research').pk}/change/"
    other = Client()
    other.force_login(editor)
    data = form_values(other.get(campaign_url).content)
    data["summary"] = "An editor's summary."
    assert other.post(campaign_url, data).status_code == 302

    with django_assert_max_num_queries(12):
        page = soup_of(client.get("/admin/core/recentchange/"))
    rows = page.select("#result_list tbody tr")
    texts = [visible(row.get_text(" ")) for row in rows]
    assert len(rows) == 4, "three treatment versions and the campaign's; points and references are inside them"
    assert "editor" in texts[0]
    assert "Campaign" in texts[0]
    assert "Changed Summary" in texts[0]
    assert "first version" in texts[-1]
    compare = rows[1].find("a", string="Compare with the version before")["href"]
    assert client.get(compare).status_code == 200
    # Filters: by person and by kind of content.
    by_editor = soup_of(client.get("/admin/core/recentchange/", {"revision__user__id__exact": editor.pk}))
    assert len(by_editor.select("#result_list tbody tr")) == 1
    from django.contrib.contenttypes.models import ContentType

    treatments = ContentType.objects.get_for_model(Treatment)
    by_kind = soup_of(client.get("/admin/core/recentchange/", {"content_type__id__exact": treatments.pk}))
    assert len(by_kind.select("#result_list tbody tr")) == 3
    # Every member of staff can read it; nobody can change it.
    assert other.get("/admin/core/recentchange/").status_code == 200
    assert other.get("/admin/core/recentchange/add/").status_code == 403


def test_bulk_publishing_is_kept_as_versions_too(client, boss, make_treatment):
    drafts = [make_treatment(name, status=Treatment.Status.DRAFT) for name in ("Surgery", "Radiotherapy")]
    response = client.post(
        "/admin/treatments/treatment/",
        {"action": "publish", "_selected_action": [str(item.pk) for item in drafts], "index": "0"},
    )
    assert response.status_code == 302
    for item in drafts:
        versions = _versions(item)
        assert len(versions) == 1
        assert versions[0].revision.user == boss
        # A superuser who is not a medical reviewer publishes medical content only as an emergency, said so.
        assert versions[0].revision.get_comment() == "Published by Bo Ss without medical review (emergency)."


def test_volume_data_can_carry_a_history_for_sizing(client, boss):
    call_command("create_volume_data", treatments=2, questions=0, campaigns=0, edits=3, stdout=StringIO())
    treatment = Treatment.objects.get(slug="volume-treatment-00001")
    versions = _versions(treatment)
    assert len(versions) == 3
    assert {v.content_type.model for v in versions[0].revision.version_set.all()} == {
        "treatment",
        "treatmentpoint",
        "reference",
    }
    call_command("create_volume_data", treatments=2, questions=0, campaigns=0, edits=3, stdout=StringIO())
    assert len(_versions(treatment)) == 3, "run again, it adds nothing"
    compare = client.get(
        f"/admin/treatments/treatment/{treatment.pk}/history/compare/",
        {"version_id1": versions[-1].pk, "version_id2": versions[0].pk},
    )
    diff = visible(soup_of(compare).select_one("#content").get_text())
    assert "Summary" in diff
    assert "(edit " in diff, "the reworded summary is shown (the diff marks only the changed digit)"


def test_a_browser_save_of_unchanged_text_is_not_a_change(client, boss):
    """Browsers send a textarea's lines ending in CR LF; saving an unchanged page must not read as "Changed Body"."""
    body = "## How it works\r\n\r\nA **cold** cap.\r\n\r\n- one\r\n- two"
    response = client.post(
        "/admin/treatments/treatment/add/", treatment_form(body=body, **{"points-0-text": "Keeps\r\nhair."})
    )
    assert response.status_code == 302, soup_of(response).select(".errorlist")
    treatment = Treatment.objects.get()
    assert treatment.body == body.replace("\r\n", "\n"), "stored with one kind of line end, as imports store it"
    assert treatment.points.get(text__startswith="Keeps").text == "Keeps\nhair."
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    data = form_values(client.get(url).content)
    browser_sent = {name: v.replace("\n", "\r\n") if isinstance(v, str) else v for name, v in data.items()}
    assert client.post(url, browser_sent).status_code == 302
    assert _versions(treatment)[0].revision.get_comment() == "No fields changed."


def _assert_one_saved_and_one_told(outcome):
    assert outcome["ann"]["status"] == 302, outcome
    assert outcome["ben"]["status"] == 200, outcome
    assert "Ann saved this treatment" in outcome["ben"]["message"]
    assert outcome["saved_summary"] == "Ann's summary.", "nothing of Ann's was overwritten"


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_on_postgresql():
    from django.db import connection

    from .concurrent_saves import two_saves_at_once

    if connection.vendor != "postgresql":
        pytest.skip("the SQLite case runs against a database file (the next test)")
    _assert_one_saved_and_one_told(two_saves_at_once())


def test_two_saves_at_the_same_moment_on_sqlite(tmp_path):
    """On the database file `make run` and `make serve` use, as two gunicorn workers would."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "RIBBON_"))}
    environment.update(RIBBON_CACHE_DIR=str(tmp_path / "cache"), MEDIA_ROOT=str(tmp_path / "media"))
    script = Path(__file__).with_name("concurrent_saves.py")
    finished = subprocess.run(
        [sys.executable, str(script), f"sqlite:///{tmp_path / 'ribbon.sqlite3'}"],
        env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    _assert_one_saved_and_one_told(json.loads(finished.stdout.strip().splitlines()[-1]))


def test_reverting_one_page_never_touches_another_saved_in_the_same_revision(client, boss):
    """
    The demo content's questions share one revision, as the rows of a bulk action or an FAQ file do, and
    an imported treatment's revision holds the tags the import made: a revert brings back one page only.
    """
    from faq.models import Question
    from treatments.models import Tag

    call_command("load_demo", stdout=StringIO())
    first_question, other_question = Question.objects.filter(language="en")[:2]  # the English file's revision
    assert _versions(first_question)[-1].revision == _versions(other_question)[-1].revision  # then each approval
    chemo = Treatment.objects.get(slug="chemotherapy")
    tag = chemo.tags.first()
    assert _versions(tag)[0].revision == _versions(chemo)[-1].revision

    url = f"/admin/faq/question/{other_question.pk}/change/"
    client.post(url, {**form_values(client.get(url).content), "answer": "An editor's later answer."})
    url = f"/admin/treatments/tag/{tag.pk}/change/"
    client.post(url, {**form_values(client.get(url).content), "name": "A renamed tag"})
    url = f"/admin/faq/question/{first_question.pk}/change/"
    client.post(url, {**form_values(client.get(url).content), "answer": "A mistake."})
    _change(client, chemo, summary="A mistake.")

    for item in (first_question, chemo):
        first = _versions(item)[-1]
        url = f"/admin/{item._meta.app_label}/{item._meta.model_name}/{item.pk}/history/{first.pk}/"
        assert client.post(url, form_values(client.get(url).content)).status_code == 302
    first_question.refresh_from_db()
    chemo.refresh_from_db()
    assert first_question.answer != "A mistake."
    assert chemo.summary != "A mistake."
    other_question.refresh_from_db()
    assert other_question.answer == "An editor's later answer.", "another page's later edit was undone"
    assert Tag.objects.get(pk=tag.pk).name == "A renamed tag", "a tag's later edit was undone"


@pytest.mark.django_db(transaction=True)
def test_a_revert_to_a_version_naming_a_tag_deleted_since_leaves_that_tag_out(client, boss, make_treatment):
    """The version lists a tag that no longer exists: the page comes back without it (no broken link, no error)."""
    from treatments.models import Tag

    from .helpers import form_values

    treatment = make_treatment("Radiotherapy", tags=["Local treatment", "Short-lived tag"])
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    assert client.post(url, {**form_values(client.get(url).content), "summary": "Beams."}).status_code == 302
    with_both = Version.objects.get_for_object(treatment).first()
    Tag.objects.get(name="Short-lived tag").delete()
    revert = f"/admin/treatments/treatment/{treatment.pk}/history/{with_both.pk}/"
    assert client.post(revert, form_values(client.get(revert).content)).status_code == 302
    treatment.refresh_from_db()
    assert [tag.name for tag in treatment.tags.all()] == ["Local treatment"]


@pytest.mark.django_db(transaction=True)
def test_a_version_is_kept_in_the_transaction_that_asks_for_it_with_an_event_loop_running_in_the_thread(
    make_treatment, monkeypatch
):
    """
    Where an event loop runs in the thread (a notebook, or Chromium driven by the browser tests), Django
    keeps its database connections in a context variable. A version kept for a page must still be
    written in the transaction of the change it belongs to: rolled back with it, never beside it.
    """
    import asyncio

    from django.db import connection, transaction

    from core.versions import record_version

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    treatment = make_treatment("Radiotherapy")
    before = Version.objects.get_for_object(treatment).count()

    async def a_change_that_is_rolled_back():
        try:
            with transaction.atomic():
                Treatment.objects.filter(pk=treatment.pk).update(summary="A change nobody kept.")
                version = record_version(treatment, "Kept with the change")
                assert version.revision.comment == "Kept with the change"
                transaction.set_rollback(True)
        finally:
            connection.close()  # the loop's own connection, in its context: left open, it outlives the test run

    asyncio.run(a_change_that_is_rolled_back())
    assert Version.objects.get_for_object(treatment).count() == before, "the version went with its change"
