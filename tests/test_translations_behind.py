"""
A translation never falls silently behind its English page: when a change to the English page's words
becomes public (a reviewer's approval, a published import, a superuser's emergency change), each
translation made from older words is marked behind at once. Its readers are told, in their language,
with a link to the English page; staff see it on the review dashboard, with what changed in English,
and on the translation's form; approving an updated translation clears all of it.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from faq.models import Question
from review.models import SignOff
from treatments.models import Treatment

from .helpers import form_values, soup_of, treatment_form, visible
from .test_languages import ENGLISH_FILE, SPANISH_FILE, english_and_spanish, imported

pytestmark = pytest.mark.django_db

NEW_ENGLISH = "Medicines that help the immune system find and attack cancer cells, given as a drip every 3 weeks."
NOTICE = ".translation-behind"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def change(client, item, submit=True, **changes):
    """An edit of the item through its change form, submitted for review, as its editor makes it."""
    url = item.edit_page()
    data = {**form_values(client.get(url).content), **changes}
    if submit:
        data["_submit_for_review"] = "Submit for review"
    response = client.post(url, data)
    assert response.status_code == 302, soup_of(response).select(".errornote, .errorlist")


def approve(client, item):
    """A reviewer approves what they are shown on the item's review page."""
    review = SignOff.of(item).review_page()
    shown = form_values(client.get(review).content, ".review-decision")
    assert client.post(review, {**shown, "decision": "approve"}).status_code == 302


def notice_on(page):
    found = soup_of(Client().get(page.get_absolute_url())).select_one(NOTICE)
    return found


def behind_on_dashboard(client):
    """The entries of the dashboard's list of translations behind their English page: (page, note link)."""
    page = soup_of(client.get("/admin/review/signoff/dashboard/"))
    heading = next(h for h in page.select("h2") if h.get_text().startswith("Translations behind their English page"))
    rows = heading.find_parent("section").select("tbody tr")
    return [(row.th.get_text(strip=True), row.select("td a")[-1]["href"]) for row in rows]


def test_an_approved_english_change_tells_the_spanish_readers_and_the_reviewers_until_the_translation_is_updated(
    tmp_path, editor, reviewer, django_user_model
):
    english, spanish = english_and_spanish(tmp_path)
    reviewing = logged_in(reviewer)
    assert notice_on(spanish) is None, "a translation made from the English page as it is is up to date"
    assert behind_on_dashboard(reviewing) == []

    change(logged_in(editor), english, summary=NEW_ENGLISH)
    assert notice_on(spanish) is None, "a change waiting for review is not the English page yet"
    approve(reviewing, english)

    notice = notice_on(spanish)
    assert notice is not None, "the Spanish readers are told at once"
    with translation.override("es"):
        today = date_format(timezone.localdate(), "DATE_FORMAT")
    text = visible(notice.get_text())
    assert f"La versión en inglés de esta página se actualizó el {today}" in text
    assert notice.a["href"] == english.get_absolute_url()
    assert notice.a["hreflang"] == "en"
    assert notice_on(english) is None

    [(page, changes_link)] = behind_on_dashboard(reviewing)
    assert page == str(spanish)
    diff = reviewing.get(changes_link, follow=True)
    assert diff.status_code == 200
    assert "every 3 weeks" in visible(soup_of(diff).select_one("#content-main").get_text()), "the English change"

    form = soup_of(logged_in(editor).get(spanish.edit_page())).select_one(NOTICE)
    assert form is not None
    assert "What changed in English" in form.get_text()

    # The translation brought up to date and approved: nobody is told any more.
    second = django_user_model.objects.create_user("translator", password="a-long-test-password-1", is_staff=True)
    second.groups.set(editor.groups.all())
    change(logged_in(second), spanish, summary="Medicamentos que se dan por goteo cada 3 semanas.")
    assert notice_on(spanish) is not None, "until a reviewer approves the update"
    note = soup_of(reviewing.get(SignOff.of(spanish).review_page())).select_one(".translation-note")
    english_changes = reviewing.get(note.select("a")[-1]["href"])
    assert "every 3 weeks" in visible(soup_of(english_changes).select_one("#content-main").get_text())
    approve(reviewing, spanish)
    assert notice_on(spanish) is None
    assert behind_on_dashboard(reviewing) == []
    assert Treatment.objects.get(pk=spanish.pk).behind_since is None


def test_an_approval_that_changes_no_words_leaves_the_translation_up_to_date(tmp_path, editor, reviewer):
    english, spanish = english_and_spanish(tmp_path)
    change(logged_in(editor), english, review_interval_months="6")  # a periodic review: words as they were
    approve(logged_in(reviewer), english)
    assert Treatment.objects.get(pk=english.pk).review_interval_months == 6
    assert notice_on(spanish) is None
    assert Treatment.objects.get(pk=spanish.pk).behind_since is None


def test_a_published_import_of_the_english_file_marks_the_translation_and_of_the_spanish_file_clears_it(tmp_path):
    _english, spanish = english_and_spanish(tmp_path)
    imported(tmp_path, "immunotherapy.md", ENGLISH_FILE.replace("recognise cancer cells", "recognise and fight cancer"))
    assert notice_on(spanish) is not None
    assert Treatment.objects.get(pk=spanish.pk).behind_since is not None

    imported(
        tmp_path, "inmunoterapia.md", SPANISH_FILE.replace("reconocer las células", "reconocer y combatir las células")
    )
    assert notice_on(spanish) is None
    assert Treatment.objects.get(pk=spanish.pk).behind_since is None


def test_an_english_change_undone_before_the_translation_is_updated_clears_it(tmp_path, editor, reviewer):
    english, spanish = english_and_spanish(tmp_path)
    original_summary = english.summary
    change(logged_in(editor), english, summary=NEW_ENGLISH)
    approve(logged_in(reviewer), english)
    assert notice_on(spanish) is not None
    change(logged_in(editor), english, summary=original_summary)
    approve(logged_in(reviewer), english)
    assert notice_on(spanish) is None, "the Spanish page says what the English page says again"


def test_a_superusers_emergency_change_of_the_english_page_marks_the_translation(tmp_path, django_user_model):
    english, spanish = english_and_spanish(tmp_path)
    boss = django_user_model.objects.create_superuser("boss", password="a-long-test-password-1")
    change(logged_in(boss), english, submit=False, summary=NEW_ENGLISH)
    assert Treatment.objects.get(pk=english.pk).summary == NEW_ENGLISH, "a superuser's change is public at once"
    assert notice_on(spanish) is not None


def test_a_translation_is_made_from_the_approved_english_page_never_from_a_change_waiting_for_review(
    tmp_path, editor, reviewer
):
    english, spanish = english_and_spanish(tmp_path)
    public = english.version_to_translate()
    change(logged_in(editor), english, summary=NEW_ENGLISH)  # submitted, not approved
    spanish = Treatment.objects.get(pk=spanish.pk)
    spanish.full_clean()
    assert spanish.made_from == public

    english.status = "draft"
    english.authorise_publication("a test")
    Treatment.objects.filter(pk=english.pk).update(status="draft")
    spanish.translation_of = Treatment.objects.get(pk=english.pk)
    with pytest.raises(ValidationError, match="not public yet"):
        spanish.full_clean()


def test_what_changed_in_english_is_shown_only_to_staff_who_may_see_the_pages(tmp_path, django_user_model, editor):
    english, spanish = english_and_spanish(tmp_path)
    stranger = django_user_model.objects.create_user("stranger", password="a-long-test-password-1", is_staff=True)
    assert logged_in(stranger).get(spanish.english_changes_page()).status_code == 403
    assert Client().get(spanish.english_changes_page()).status_code == 302, "to the sign-in page"
    not_a_translation = f"/admin/treatments/treatment/{english.pk}/english-changes/"
    assert logged_in(editor).get(not_a_translation).status_code == 404


def test_the_dashboard_reads_the_translations_behind_in_the_same_queries_however_many_there_are(
    reviewer, make_treatment, django_assert_num_queries
):
    def behind(number):
        english = make_treatment(f"English page {number}")
        spanish = make_treatment(f"Página {number}", language="es", translation_of=english)
        Treatment.objects.filter(pk=spanish.pk).update(behind_since=timezone.now())

    client = logged_in(reviewer)
    behind(0)
    client.get("/admin/review/signoff/dashboard/")
    with CaptureQueriesContext(connection) as first:
        assert len(behind_on_dashboard(client)) == 1
    for number in range(1, 4):
        behind(number)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(behind_on_dashboard(client)) == 4


# Translating in the admin ------------------------------------------------------------------------


def test_an_editor_translates_a_page_in_the_admin_and_a_reviewer_publishes_it_under_es(
    tmp_path, editor, reviewer, make_treatment
):
    imported(tmp_path, "immunotherapy.md", ENGLISH_FILE)
    english = Treatment.objects.get(language="en")
    draft = make_treatment("Unpublished page", status="draft")
    editing = logged_in(editor)
    form = soup_of(editing.get("/admin/treatments/treatment/add/"))
    offered = {option.get_text() for option in form.select("select[name=translation_of] option") if option["value"]}
    assert offered == {str(english)}, "only English pages the public reads, not yet translated, are offered"

    spanish_page = treatment_form(
        title="Inmunoterapia",
        slug="inmunoterapia",
        summary="Medicamentos que ayudan al sistema inmunitario.",
        language="es",
        translation_of=str(english.pk),
        _submit_for_review="Submit for review",
    )
    refused = editing.post("/admin/treatments/treatment/add/", {**spanish_page, "translation_of": str(draft.pk)})
    assert refused.status_code == 200
    assert "Select a valid choice" in soup_of(refused).select_one(".errorlist").get_text()

    assert editing.post("/admin/treatments/treatment/add/", spanish_page).status_code == 302
    spanish = Treatment.objects.get(language="es")
    assert spanish.translation_of == english
    assert spanish.made_from == english.version_to_translate()
    approve(logged_in(reviewer), spanish)
    page = soup_of(Client().get("/es/treatments/inmunoterapia/"))
    assert page.html["lang"] == "es"
    assert page.select_one("link[hreflang=en]")["href"].endswith("/treatments/immunotherapy/")

    form = soup_of(editing.get("/admin/treatments/treatment/add/"))
    offered = [option for option in form.select("select[name=translation_of] option") if option["value"]]
    assert offered == [], "translated already: a second Spanish page of it would be refused"

    # Its language and English page stay as they were made; the list shows and filters the language.
    change_form = soup_of(editing.get(spanish.edit_page()))
    assert change_form.select_one("select[name=language]") is None
    assert "Español" in visible(change_form.select_one(".field-language").get_text())
    listing = editing.get("/admin/treatments/treatment/?language__exact=es")
    assert [visible(cell.get_text()) for cell in soup_of(listing).select("#result_list tbody th")] == ["Inmunoterapia"]


def test_a_question_is_filed_under_a_topic_of_its_own_language(make_question):
    english = make_question("Will I lose my hair?")
    spanish = Question(
        question="¿Perderé el cabello?",
        slug="perdere-el-cabello",
        answer="A veces.",
        topic=english.topic,
        language="es",
    )
    with pytest.raises(ValidationError, match="topic of the English pages"):
        spanish.full_clean()


# Reviewers' languages ----------------------------------------------------------------------------


def test_only_a_reviewer_who_reads_spanish_approves_a_spanish_page(
    tmp_path, caplog, django_user_model, role, editor, reviewer
):
    from review.models import MEDICAL_REVIEWERS, Reviewer

    imported(tmp_path, "immunotherapy.md", ENGLISH_FILE)
    english = Treatment.objects.get(language="en")
    spanish_only_submitted = treatment_form(
        title="Inmunoterapia", slug="inmunoterapia", language="es", translation_of=str(english.pk)
    )
    spanish_only_submitted["_submit_for_review"] = "Submit for review"
    assert logged_in(editor).post("/admin/treatments/treatment/add/", spanish_only_submitted).status_code == 302
    spanish = Treatment.objects.get(language="es")

    user = django_user_model.objects.create_user("grace", password="a-long-test-password-1", is_staff=True)
    user.groups.add(role(MEDICAL_REVIEWERS))
    Reviewer.objects.create(user=user, display_name="Dr Grace Hill", credentials="breast surgeon")  # English only
    english_reader = logged_in(user)
    review = SignOff.of(spanish).review_page()
    page = soup_of(english_reader.get(review))
    assert page.select_one(".review-decision") is None
    assert "which your reviewer profile does not list" in visible(page.select_one("#content-main").get_text())
    refused = english_reader.post(review, {"decision": "approve", "version": spanish.version_under_review(None).pk})
    assert refused.status_code == 400
    assert Treatment.objects.get(pk=spanish.pk).status == "draft"
    assert any("Refused: grace tried to approve" in r.getMessage() for r in caplog.records)
    sent_back = english_reader.post(review, {"decision": "send_back", "comment": "No lo entiendo."})
    assert sent_back.status_code == 400
    assert SignOff.of(spanish).state == SignOff.State.SUBMITTED

    # Their own profile cannot widen it: the form has no languages field, and a posted one is ignored.
    profile = Reviewer.objects.get(user=user)
    url = f"/admin/review/reviewer/{profile.pk}/change/"
    assert soup_of(english_reader.get(url)).select("input[name=languages]") == []
    data = {**form_values(english_reader.get(url).content), "languages": ["en", "es"]}
    assert english_reader.post(url, data).status_code == 302
    assert Reviewer.objects.get(pk=profile.pk).languages == ["en"]

    approve(logged_in(reviewer), spanish)  # Dr Amina Yusuf reads Spanish
    assert Treatment.objects.get(pk=spanish.pk).status == "published"


def test_a_superuser_chooses_the_languages_a_reviewer_approves_in(django_user_model, reviewer):
    from review.models import Reviewer

    boss = logged_in(django_user_model.objects.create_superuser("boss", password="a-long-test-password-1"))
    profile = Reviewer.objects.get(user=reviewer)
    url = f"/admin/review/reviewer/{profile.pk}/change/"
    form = soup_of(boss.get(url))
    assert {box["value"] for box in form.select("input[name=languages]")} == {"en", "es"}
    data = {**form_values(boss.get(url).content), "languages": ["es"]}
    assert boss.post(url, data).status_code == 302
    assert Reviewer.objects.get(pk=profile.pk).languages == ["es"]
    empty = {key: value for key, value in data.items() if key != "languages"}
    response = boss.post(url, empty)
    assert response.status_code == 200, "a reviewer approves in at least one language"


def test_a_superusers_revert_of_the_english_page_checks_its_translations(tmp_path, django_user_model, editor, reviewer):
    from reversion.models import Version

    english, spanish = english_and_spanish(tmp_path)
    made_from = Treatment.objects.get(pk=spanish.pk).made_from
    change(logged_in(editor), english, summary=NEW_ENGLISH)
    approve(logged_in(reviewer), english)
    assert notice_on(spanish) is not None

    boss = logged_in(django_user_model.objects.create_superuser("boss", password="a-long-test-password-1"))
    revert = f"/admin/treatments/treatment/{english.pk}/history/{made_from.pk}/"
    assert boss.post(revert, form_values(boss.get(revert).content)).status_code == 302
    assert Version.objects.get_for_object(english).count() > 3
    assert Treatment.objects.get(pk=english.pk).summary == english.summary, "the English page as translated"
    assert notice_on(spanish) is None, "reverted to the words it was translated from, it is up to date again"


def test_an_add_form_with_its_language_left_empty_makes_an_english_page(editor):
    response = logged_in(editor).post("/admin/treatments/treatment/add/", treatment_form(language=""))
    assert response.status_code == 302
    assert Treatment.objects.get(slug="cold-cap-therapy").language == "en"


def test_what_changed_in_english_of_an_up_to_date_translation_says_so(tmp_path, editor):
    _english, spanish = english_and_spanish(tmp_path)
    response = logged_in(editor).get(spanish.english_changes_page(), follow=True)
    assert response.redirect_chain[-1][0] == spanish.edit_page()
    assert "is up to date with its English page" in soup_of(response).select_one(".messagelist").get_text()


def test_spanish_search_results_name_their_kind_in_spanish_and_a_refused_request_answers_in_spanish(tmp_path, client):
    import datetime

    from articles.models import Article

    english_and_spanish(tmp_path)
    article = Article(
        title="La inmunoterapia explicada",
        slug="la-inmunoterapia-explicada",
        summary="Cómo actúa la inmunoterapia.",
        body="La inmunoterapia ayuda al sistema inmunitario.",
        language="es",
        published_on=datetime.date(2026, 1, 1),
        status="published",
    )
    article.authorise_publication("a test")
    article.save()
    page = soup_of(client.get("/es/search/?q=inmunoterapia"))
    kinds = {visible(label.get_text()).split(" · ")[0] for label in page.select(".search-result__kind")}
    assert kinds == {"Tratamiento", "Artículo"}
    refused = client.get("/es/search/?q=%00")
    assert refused.status_code == 400
    assert soup_of(refused).html["lang"] == "es"
    assert refused["Content-Language"] == "es"
