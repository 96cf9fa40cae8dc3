"""The people Ribbon serves, walking through it in Chromium."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from donations.models import DonateClick
from faq.models import Question, Topic
from treatments.models import Treatment

from ..helpers import COMPARISON_ROWS, DESKTOP, PHONE, SCREENSHOTS, image_bytes
from .conftest import log_in


def test_a_patient_on_a_phone_finds_a_treatment_and_its_answers(visit, demo_site):
    tab = visit(PHONE)
    page = tab.page
    tab.go("/")
    page.get_by_role("link", name="Browse all treatments").click()
    expect(page.locator("h1")).to_have_text("Treatments")

    page.get_by_role("navigation", name="Filter treatments by tag").get_by_role("link", name="Triple-negative").click()
    expect(page.locator("h1")).to_have_text("Treatments: Triple-negative")
    titles = page.locator(".card__title").all_inner_texts()
    assert "Immunotherapy" in titles
    assert "Hormone Therapy" not in titles

    page.get_by_role("link", name="Immunotherapy", exact=True).click()
    expect(page.locator("h1")).to_have_text("Immunotherapy")
    expect(page.locator(".pros li")).to_have_count(3)
    expect(page.locator(".cons li")).to_have_count(2)
    expect(page.get_by_role("heading", name="Short- and long-term effects")).to_be_visible()
    expect(page.locator(".cost-range")).to_contain_text("$100,000–$200,000 per year")
    expect(page.locator(".review-dates")).to_contain_text("Medically reviewed by Demo Reviewer")
    expect(page.locator(".review-dates")).to_contain_text("(sample content, not a clinician)")
    expect(page.locator(".review-dates")).to_contain_text("Next review due")

    related = page.locator(".related-questions ul a").first
    question = related.inner_text()
    related.click()
    expect(page.locator("h1")).to_have_text(question)
    expect(page.locator(".prose")).to_be_visible()

    page.get_by_role("link", name="All questions", exact=True).click()
    details = page.locator("details#will-insurance-cover-my-treatment")
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(details.locator(".faq-item__answer")).to_be_visible()

    tab.go("/faq/#how-long-does-immunotherapy-treatment-last")
    expect(page.locator("details#how-long-does-immunotherapy-treatment-last .faq-item__answer")).to_be_visible()
    assert not tab.problems, tab.problems


def test_the_patient_journey_works_without_javascript(visit, demo_site):
    tab = visit(PHONE, java_script_enabled=False)
    page = tab.page
    tab.go("/")
    page.get_by_role("link", name="Browse all treatments").click()
    page.get_by_role("link", name="Triple-negative").first.click()
    page.get_by_role("link", name="Immunotherapy", exact=True).click()
    expect(page.locator(".pros li")).to_have_count(3)
    page.locator(".related-questions ul a").first.click()
    expect(page.locator(".prose")).to_be_visible()
    tab.go("/faq/")
    details = page.locator("details.faq-item").first
    details.locator("summary").click()  # a native expander needs no script
    expect(details.locator(".faq-item__answer")).to_be_visible()
    page.get_by_label("Search the questions").fill("insurance")
    page.locator("main").get_by_role("button", name="Search").click()  # the FAQ's own box, not the header's
    expect(page.locator(".result-count")).to_have_text(re.compile(r"1 questions? match"))
    # Two treatments side by side: the list's ticks and its button are a plain form.
    tab.go("/treatments/")
    page.get_by_role("checkbox", name="Compare Immunotherapy").check()
    page.get_by_role("checkbox", name="Compare Hormone Therapy").check()
    page.get_by_role("button", name="Compare the ticked treatments").click()
    expect(page.locator("h1")).to_have_text("Compare hormone therapy and immunotherapy")
    expect(page.locator(".compare-stacked")).to_be_visible()
    tab.go("/donate/")
    expect(page.locator("form.donate-form")).to_be_visible()


def _payment_page(thanks_url):
    """A provider's payment page, as the stand-in for its host shows it: a way back to the charity."""
    return (
        '<!doctype html><html lang="en"><title>Pay</title><h1>Payment page</h1>'
        f'<a href="{thanks_url}">Back to the charity</a></html>'
    )


def _query(url):
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return f"{parts.scheme}://{parts.netloc}{parts.path}", query


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_reader_gives_from_the_treatment_page_they_were_reading(visit, other_sites, demo_site, viewport):
    """
    Header Donate on a treatment, an amount and Monthly, Donate: the browser itself follows Ribbon's
    redirect to Stripe (allowed by the page's Content-Security-Policy, form-action included) and on
    to the checkout page Stripe sends a Payment Link's visitor to; the click names the treatment.
    """
    tab = visit(viewport)
    page = tab.page
    thanks = f"{tab.base_url}/donate/fund-the-next-breakthrough/thanks/"
    other_sites.answer(
        "buy.stripe.com", lambda path: (303, {"Location": "https://checkout.stripe.com/c/pay/cs_test_stand_in"}, "")
    )
    other_sites.answer("checkout.stripe.com", lambda path: (200, {}, _payment_page(thanks)))

    tab.go("/treatments/chemotherapy/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Donate").click()
    expect(page.locator("h1")).to_have_text("Fund the next breakthrough")
    expect(page.locator(".progress__summary")).to_contain_text("$12,500 raised of $50,000 · 25%")
    page.locator("label", has_text="$100").click()
    page.get_by_label("Monthly").check()
    page.locator("form.donate-form").get_by_role("button", name="Donate").click()
    expect(page.locator("h1")).to_have_text("Payment page")

    click = DonateClick.objects.get()
    assert (str(click.amount), click.frequency, click.source_path) == ("100.00", "monthly", "/treatments/chemotherapy/")
    [asked] = other_sites.asked("buy.stripe.com")
    address, query = _query(asked)
    # Stripe reads no amount from the address: the monthly link is the frequency, the amount is chosen there.
    assert address == "https://buy.stripe.com/test_ribbon_demo_research_monthly"
    assert query == {
        # The campaign and the click: Stripe sends them back with the gift (donations.webhooks).
        "client_reference_id": f"fund-the-next-breakthrough__{click.reference}",
        "utm_source": "ribbon",
        "utm_medium": "donate_button",
        "utm_campaign": "fund-the-next-breakthrough",
    }
    assert other_sites.asked("checkout.stripe.com") == ["https://checkout.stripe.com/c/pay/cs_test_stand_in"]

    page.get_by_role("link", name="Back to the charity").click()
    expect(page.locator("h1")).to_have_text("Thank you for supporting Fund the next breakthrough")
    assert not tab.problems, tab.problems


def test_a_donor_from_an_appeal_email_gives_monthly_on_every_org(visit, other_sites, demo_site):
    tab = visit(PHONE)
    page = tab.page
    other_sites.answer("www.every.org", lambda path: (200, {}, _payment_page(f"{tab.base_url}/donate/thanks/")))

    tab.go("/donate/support-through-treatment/")
    page.locator("label", has_text="$30").click()
    page.get_by_label("Monthly").check()
    page.locator("form.donate-form").get_by_role("button", name="Donate").click()
    expect(page.locator("h1")).to_have_text("Payment page")

    [asked] = other_sites.asked("www.every.org")
    address, query = _query(asked)
    assert address == "https://www.every.org/ribbon-demo/f/support-monthly"
    assert (query["amount"], query["frequency"]) == ("30", "MONTHLY")  # as Every.org's Donate Link reads them
    click = DonateClick.objects.get()
    assert click.source_path == "/donate/support-through-treatment/"
    assert not tab.problems, tab.problems


def test_staff_write_a_treatment_reorder_questions_and_get_a_bad_link_refused(admin_tab, demo_site):
    tab = admin_tab
    page = tab.page
    expect(page.locator("#site-name")).to_be_visible()

    tab.go("/admin/treatments/treatment/add/")
    page.locator("#id_title").press_sequentially("Cold Cap Therapy")
    expect(page.locator("#id_slug")).to_have_value("cold-cap-therapy")
    page.fill("#id_summary", "Cooling the scalp during chemotherapy to reduce hair loss.")
    page.locator("#id_body").press_sequentially(
        "## How it works\n\nA **cooling** cap is worn.\n\n<script>window.pwned = 1</script>"
        '<img src="x" onerror="window.pwned = 2">'
    )
    preview = page.locator(".markdownx-preview")
    expect(preview.locator("h2")).to_have_text("How it works")
    expect(preview.locator("strong")).to_have_text("cooling")
    assert page.evaluate("() => window.pwned") is None, "script typed into the editor never runs"

    page.select_option("#id_points-0-kind", label="Pro")
    page.fill("#id_points-0-text", "Many people keep much of their hair.")
    page.get_by_text(re.compile("^Add another point$", re.I)).click()
    page.select_option("#id_points-1-kind", label="Con")
    page.fill("#id_points-1-text", "The cap is very cold.")
    page.set_input_files(
        "#id_hero_image", files=[{"name": "cap.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (120, 80))}]
    )
    page.fill("#id_hero_image_alt", "A person wearing a cooling cap")
    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    tab.go("/treatments/cold-cap-therapy/")
    expect(page.locator("h1")).to_have_text("Cold Cap Therapy")
    expect(page.locator(".pros li")).to_have_text(["Many people keep much of their hair."])
    expect(page.locator(".cons li")).to_have_text(["The cap is very cold."])
    hero = page.get_by_alt_text("A person wearing a cooling cap")
    expect(hero).to_be_visible()
    # The browser picked the WebP rendition (of the upload's own width) and shows it at that size.
    assert re.search(r"/media/renditions/[0-9a-f]{32}-120w\.webp$", hero.evaluate("image => image.currentSrc"))
    assert hero.evaluate("image => image.complete && image.getBoundingClientRect().width") == 120

    topic = Topic.objects.get(name="Immunotherapy")
    first, second = Question.objects.filter(topic=topic).order_by("order")[:2]
    tab.go(f"/admin/faq/question/?topic__id__exact={topic.pk}")
    row_of = {
        text: index for index, text in enumerate(page.locator("#result_list th.field-question a").all_inner_texts())
    }
    page.fill(f"#id_form-{row_of[first.question]}-order", str(second.order))
    page.fill(f"#id_form-{row_of[second.question]}-order", str(first.order))
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("successfully")
    tab.go(f"/faq/topic/{topic.slug}/")
    summaries = page.locator("details summary").all_inner_texts()
    assert summaries.index(second.question) < summaries.index(first.question)

    tab.go("/admin/donations/campaign/")
    page.get_by_role("link", name="Support through treatment").click()
    page.fill("#id_donate_url", "https://buy.stripe.com@evil.example/")
    page.click("input[name=_save]")
    expect(page.locator(".field-donate_url .errorlist")).to_contain_text("hides its real destination")


def test_a_printed_treatment_page_keeps_the_facts_and_drops_the_rest(visit, demo_site):
    tab = visit(DESKTOP)
    page = tab.page
    tab.go("/treatments/immunotherapy/")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    expect(page.locator(".donate-cta")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".review-dates")).to_be_visible()
    expect(page.locator(".reference-url").first).to_be_visible()
    expect(page.locator(".reference-url").first).to_contain_text("https://www.cancer.gov/")

    tab.go("/faq/")
    page.emulate_media(media="print")
    answers = page.locator(".faq-item__answer")
    assert answers.count() >= 12
    for index in range(answers.count()):
        expect(answers.nth(index)).to_be_visible()


def test_an_editor_changes_a_cost_note_compares_and_reverts_it(admin_tab, demo_site):
    tab = admin_tab
    page = tab.page

    treatment = Treatment.objects.get(slug="chemotherapy")
    original = "Roughly $1,000 to $12,000 per cycle in the United States"
    tab.go(f"/admin/treatments/treatment/{treatment.pk}/change/")
    page.locator("textarea[name$='-text']").filter(has_text=original).fill(
        "About $900 per cycle, a figure the editor typed by mistake."
    )
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    tab.go("/treatments/chemotherapy/")
    expect(page.locator("main")).to_contain_text("About $900 per cycle")

    tab.go(f"/admin/treatments/treatment/{treatment.pk}/history/")
    rows = page.locator("#change-history tbody tr")
    expect(rows).to_have_count(3)  # newest first: the edit, the demo reviewer's approval, the import
    expect(rows.nth(1)).to_contain_text("Approved by Demo Reviewer (sample content, not a clinician)")
    # The newest version can only be compared "to"; the one before the edit is the first "from".
    expect(page.locator("input[name=version_id1]")).to_have_count(2)
    page.locator("input[name=version_id1]").first.check()
    expect(page.locator("input[name=version_id2]").first).to_be_checked()
    page.get_by_role("button", name="Compare the two chosen versions").click()
    expect(page.locator("#content")).to_contain_text("About $900 per cycle")
    expect(page.locator("#content")).to_contain_text("Roughly $1,000")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-compare-versions.png"), full_page=True)

    tab.go(f"/admin/treatments/treatment/{treatment.pk}/history/")
    page.locator("#change-history tbody tr").nth(1).locator("a").first.click()
    expect(page.locator("#content")).to_contain_text("reverting never publishes or unpublishes")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("successfully")
    tab.go("/treatments/chemotherapy/")
    expect(page.locator("main")).to_contain_text(original)
    expect(page.locator("main")).not_to_contain_text("About $900 per cycle")
    assert not tab.problems, tab.problems


def test_two_editors_save_the_same_treatment_and_neither_loses_their_words(
    visit, admin_tab, demo_site, django_user_model
):
    django_user_model.objects.create_superuser("ben", password="a-long-test-password-1", first_name="Ben")
    ben_tab = log_in(visit(DESKTOP), "ben", "a-long-test-password-1")
    treatment = Treatment.objects.get(slug="chemotherapy")
    url = f"/admin/treatments/treatment/{treatment.pk}/change/"
    admin_tab.go(url)
    ben_tab.go(url)  # both have the page open

    admin_tab.page.fill("#id_summary", "Medicines that stop cancer cells dividing, given in cycles.")
    admin_tab.page.click("input[name=_save]")
    expect(admin_tab.page.locator(".messagelist")).to_contain_text("was changed successfully")

    ben = ben_tab.page
    ben.fill("#id_summary", "Medicines given in cycles, with rest weeks in between.")
    ben.click("input[name=_save]")
    expect(ben.locator(".errornote, .errorlist").first).to_be_visible()
    expect(ben.locator("#content")).to_contain_text("admin saved this treatment")
    expect(ben.locator("#id_summary")).to_have_value("Medicines given in cycles, with rest weeks in between.")
    # Ben reads the public page in another tab; his refused form stays where it is.
    reading = ben_tab.context.new_page()
    reading.goto(ben_tab.base_url + "/treatments/chemotherapy/")
    expect(reading.locator(".lead")).to_have_text("Medicines that stop cancer cells dividing, given in cycles.")
    reading.close()

    # Ben merges the two summaries and saves: the form he was shown is based on the admin's version.
    ben.fill("#id_summary", "Medicines that stop cancer cells dividing, given in cycles with rest weeks between.")
    ben.click("input[name=_save]")
    expect(ben.locator(".messagelist")).to_contain_text("was changed successfully")
    ben_tab.go("/treatments/chemotherapy/")
    expect(ben.locator(".lead")).to_have_text(
        "Medicines that stop cancer cells dividing, given in cycles with rest weeks between."
    )
    assert not ben_tab.problems, ben_tab.problems
    assert not admin_tab.problems, admin_tab.problems


def test_an_editors_change_is_sent_back_fixed_and_approved_before_the_public_sees_it(
    visit, demo_site, editor, reviewer
):
    from treatments.models import TreatmentPoint

    treatment = Treatment.objects.get(slug="chemotherapy")
    con = treatment.points.filter(kind=TreatmentPoint.Kind.CON).first()
    public = visit(PHONE)
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    page = editing.page

    # The editor changes a con, sees the reading panel count the new words, and submits.
    editing.go(f"/admin/treatments/treatment/{treatment.pk}/change/")
    changed = "Chemotherapy often makes people feel sick, tired and more likely to catch infections for weeks."
    points = [changed if text == con.text else text for text in treatment.points.values_list("text", flat=True)]
    before, after = _reading_of(treatment), _reading_of(treatment, points=points)
    assert before.words != after.words, "the change must show in the panel for this check to mean anything"
    expect(page.locator("#reading-panel")).to_contain_text(f"{before.sentences} sentences, {before.words} words")
    page.locator("textarea[name$='-text']").filter(has_text=con.text).fill(changed)
    expect(page.locator("#reading-panel")).to_contain_text(f"{after.sentences} sentences, {after.words} words")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("The public page is unchanged")
    public.go("/treatments/chemotherapy/")
    expect(public.page.locator("main")).to_contain_text(con.text)
    expect(public.page.locator("main")).not_to_contain_text("more likely to catch infections for weeks")

    # The reviewer opens the queue, reads the diff and sends it back.
    reviewing.go("/admin/")
    reviewing.page.get_by_role("link", name="Dashboard").click()
    expect(reviewing.page.locator("#content-main")).to_contain_text("Awaiting review (1)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reviewing.page.screenshot(path=str(SCREENSHOTS / "admin-review-dashboard.png"), full_page=True)
    reviewing.page.get_by_role("link", name="Chemotherapy").first.click()
    expect(reviewing.page.locator("#content-main")).to_contain_text("more likely to catch infections for weeks")
    reviewing.page.get_by_label("Or send it back: what should the editor change?").fill(
        "Say how long the sickness usually lasts, and that there are medicines for it."
    )
    reviewing.page.get_by_role("button", name="Send back").click()
    expect(reviewing.page.locator(".messagelist")).to_contain_text("Sent back")

    # The editor sees the comment, fixes the con and submits again.
    editing.go(f"/admin/treatments/treatment/{treatment.pk}/change/")
    expect(page.locator(".sign-off")).to_contain_text("there are medicines for it")
    fixed = "Sickness for a few days after each cycle is common; anti-sickness medicines help most people."
    page.locator("textarea[name$='-text']").filter(has_text="catch infections").fill(fixed)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("submitted for review")

    # The reviewer approves; the public page changes and names them.
    reviewing.go("/admin/review/signoff/")
    reviewing.page.get_by_role("link", name="Chemotherapy").click()
    expect(reviewing.page.locator("#content-main")).to_contain_text("anti-sickness medicines")
    reviewing.page.get_by_role("button", name="Approve and publish").click()
    expect(reviewing.page.locator(".messagelist")).to_contain_text("Approved")
    # The reader's browser may keep the page a minute (max-age=60); reloading asks again, and gets it.
    public.page.reload()
    expect(public.page.locator("main")).to_contain_text(fixed)
    expect(public.page.locator(".review-dates")).to_contain_text(
        "Medically reviewed by Dr Amina Yusuf, consultant breast oncologist on"
    )
    for tab in (editing, reviewing, public):
        assert not tab.problems, tab.problems


def _reading_of(treatment, body=None, points=None):
    """The reading figures the panel should show for this text, worked out as the server works them out."""
    from core.markdown import render_markdown

    draft = Treatment(
        summary=treatment.summary if treatment else "",
        suited_to=treatment.suited_to if treatment else "",
        body_html=render_markdown(body) if body is not None else treatment.body_html,
    )
    if points is None:
        points = list(treatment.points.values_list("text", flat=True)) if treatment else []
    return draft.reading(points=points)


def test_the_reading_level_follows_typing_on_a_new_treatment(visit, demo_site, editor):
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    page = editing.page
    editing.go("/admin/treatments/treatment/add/")
    panel = page.locator("#reading-panel")
    expect(panel).to_contain_text("There is no text to grade yet")

    body = "A cold cap is worn before, during and after each dose. It keeps much of the hair. Most people find it cold."
    page.locator("#id_body").press_sequentially(body)
    expect(panel.locator("strong").first).to_have_text(f"SMOG grade {_reading_of(None, body=body).smog}", timeout=3000)
    expect(panel).not_to_contain_text("There is no text to grade yet")
    assert not editing.problems, editing.problems


def test_the_reading_level_follows_typing_on_a_published_treatment(visit, demo_site, editor):
    treatment = Treatment.objects.get(slug="chemotherapy")
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    page = editing.page
    editing.go(f"/admin/treatments/treatment/{treatment.pk}/change/")
    grade = page.locator("#reading-panel strong").first
    expect(grade).to_have_text(f"SMOG grade {treatment.reading_grade}")

    body = (
        "Chemotherapy administers cytotoxic medications intravenously, systematically eliminating rapidly "
        "proliferating malignant cells throughout the organism, occasionally necessitating hospitalisation."
    )
    expected = _reading_of(treatment, body=body).smog
    assert expected != treatment.reading_grade, "the typed text must change the grade for this check to mean anything"
    page.locator("#id_body").fill(body)
    expect(grade).to_have_text(f"SMOG grade {expected}", timeout=3000)
    assert not editing.problems, editing.problems


def _rgb(colour):
    """A CSS colour as the browser computes it ("rgb(32, 80, 103)") or as a custom property holds it ("#205067")."""
    colour = colour.strip()
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(part) for part in re.findall(r"\d+", colour)[:3])


def _contrast(one, other):
    def luminance(rgb):
        linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_reviewer_reads_a_new_treatment_whole_before_approving_it(visit, demo_site, editor, reviewer):
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    page = editing.page
    editing.go("/admin/treatments/treatment/add/")
    page.locator("#id_title").press_sequentially("Scalp Cooling")
    page.fill("#id_summary", "A cold cap worn during chemotherapy to keep more of your hair.")
    page.fill("#id_body", "## How it works\n\nThe cap cools the scalp, so **less** of the medicine reaches the hair.")
    page.select_option("#id_points-0-kind", label="Pro")
    page.fill("#id_points-0-text", "Many people keep much of their hair.")
    page.get_by_text(re.compile("^Add another point$", re.I)).click()
    page.select_option("#id_points-1-kind", label="Con")
    page.fill("#id_points-1-text", "The cap feels very cold at first.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Submitted for medical review")

    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    review = reviewing.page
    reviewing.go("/admin/review/signoff/dashboard/")
    review.get_by_role("link", name="Scalp Cooling").first.click()
    preview = review.locator(".review-preview")
    expect(preview.get_by_role("heading", level=2).first).to_have_text("Scalp Cooling")
    expect(preview.locator(".lead")).to_have_text("A cold cap worn during chemotherapy to keep more of your hair.")
    expect(preview.locator(".prose h2")).to_have_text("How it works")
    expect(preview.locator(".prose")).to_contain_text("so less of the medicine reaches the hair")
    expect(preview.locator(".pros li")).to_have_text(["Many people keep much of their hair."])
    expect(preview.locator(".cons li")).to_have_text(["The cap feels very cold at first."])
    expect(review.locator("#content-main")).not_to_contain_text("No fields changed")

    # The decision is made with the admin's own buttons, Approve the default one, focus plain to see.
    approve = review.get_by_role("button", name="Approve and publish")
    send_back = review.get_by_role("button", name="Send back")
    style = "(element, name) => getComputedStyle(element).getPropertyValue(name)"
    for button, background in ((approve, "--default-button-bg"), (send_back, "--button-bg")):
        expected = review.evaluate("name => getComputedStyle(document.body).getPropertyValue(name)", background)
        assert _rgb(button.evaluate(style, "background-color")) == _rgb(expected), background
        assert _contrast(_rgb(button.evaluate(style, "color")), _rgb(expected)) >= 4.5
    review.get_by_label("Or send it back: what should the editor change?").click()
    review.keyboard.press("Shift+Tab")
    expect(approve).to_be_focused()
    assert approve.evaluate(style, "outline-style") == "solid"
    assert float(approve.evaluate(style, "outline-width").removesuffix("px")) >= 2

    approve.click()
    expect(review.locator(".messagelist")).to_contain_text("Approved")
    public = visit(PHONE)
    public.go("/treatments/scalp-cooling/")
    expect(public.page.locator(".lead")).to_have_text("A cold cap worn during chemotherapy to keep more of your hair.")
    for tab in (editing, reviewing, public):
        assert not tab.problems, tab.problems


def test_a_patient_on_a_phone_searches_with_a_slip_compares_two_treatments_and_prints_them(visit, demo_site):
    tab = visit(PHONE)
    page = tab.page
    tab.go("/")
    box = page.get_by_role("search", name="Site").get_by_role(
        "searchbox", name="Search treatments, articles and questions"
    )
    box.fill("fatige")
    box.press("Enter")
    expect(page.locator("h1")).to_have_text("Search results")
    expect(page.locator(".result-count")).to_contain_text("allowing for a spelling slip")
    titles = page.locator(".search-result__title").all_inner_texts()
    assert titles[0] == "Why am I so tired, and will the fatigue pass?", titles
    page.get_by_role("link", name="Why am I so tired, and will the fatigue pass?").click()
    expect(page.locator("h1")).to_have_text("Why am I so tired, and will the fatigue pass?")

    # From the list, tick two treatments and compare them: a plain form, as it would work without script.
    tab.go("/treatments/")
    page.get_by_role("checkbox", name="Compare Immunotherapy").check()
    page.get_by_role("checkbox", name="Compare Chemotherapy").check()
    page.get_by_role("button", name="Compare the ticked treatments").click()
    expect(page.locator("h1")).to_have_text("Compare chemotherapy and immunotherapy")  # in the list's order
    assert "t=immunotherapy" in page.url
    assert "t=chemotherapy" in page.url
    stacked = page.locator(".compare-stacked")
    expect(stacked).to_be_visible()
    expect(page.locator(".compare-table")).to_be_hidden()
    expect(stacked.get_by_role("heading", name="Pros")).to_be_visible()
    expect(stacked.locator(".compare-row").nth(2).locator("h3")).to_have_text(["Chemotherapy", "Immunotherapy"])
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320

    # On paper: the table, side by side, with room for answers; nothing of the screen's controls.
    page.emulate_media(media="print")
    expect(page.locator(".compare-table")).to_be_visible()
    expect(stacked).to_be_hidden()
    expect(page.locator(".compare-chooser")).to_be_hidden()
    expect(page.locator(".compare-table .answer-space").first).to_be_visible()
    headers = page.locator(".compare-table thead th").all_inner_texts()
    assert headers == ["Chemotherapy", "Immunotherapy"]
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 10_000
    page.emulate_media(media="screen")
    assert not tab.problems, tab.problems


def test_on_a_desktop_two_treatments_stand_side_by_side_in_one_table_row_by_row(visit, demo_site):
    """What the README's picture of a comparison shows: docs/screenshots/compare-treatments.png is this screenshot."""
    tab = visit(DESKTOP)
    page = tab.page
    tab.go("/treatments/compare/?t=immunotherapy&t=chemotherapy")
    table = page.locator(".compare-table")
    expect(table).to_be_visible()
    expect(page.locator(".compare-stacked")).to_be_hidden()
    assert table.locator("thead th").all_inner_texts() == ["Immunotherapy", "Chemotherapy"]  # in the order asked
    rows = [text.splitlines()[0] for text in table.locator("tbody th").all_inner_texts()]
    assert rows == COMPARISON_ROWS
    assert page.evaluate("() => document.documentElement.scrollWidth") <= DESKTOP["width"], "no sideways scrolling"
    assert not tab.problems, tab.problems
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("main").screenshot(path=str(SCREENSHOTS / "compare-treatments.png"))


def test_a_glossary_definition_opens_with_the_keyboard_alone(visit, demo_site):
    tab = visit(PHONE)
    page = tab.page
    tab.go("/treatments/immunotherapy/")
    tip = page.get_by_role("button", name="What “Checkpoint inhibitor” means")
    # Tab from the start of the page until the button has the focus: no mouse.
    for _ in range(60):
        page.keyboard.press("Tab")
        if tip.evaluate("(button) => button === document.activeElement"):
            break
    else:
        raise AssertionError("the definition's button was never reached with Tab")
    expect(tip).to_be_focused()
    page.keyboard.press("Enter")
    popover = page.locator(".term__popover:popover-open")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text("releases a brake")
    page.keyboard.press("Escape")
    expect(popover).to_have_count(0)
    # The term itself is a link to its entry: Shift+Tab back to it, Enter, and the entry is the target.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "checkpoint inhibitors"
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Glossary")
    expect(page.locator("dt:target")).to_have_text("Checkpoint inhibitor")
    assert not tab.problems, tab.problems


def test_a_reader_says_what_was_missing_from_a_page(visit, demo_site):
    from feedback.models import Feedback

    tab = visit(PHONE)
    page = tab.page
    tab.go("/treatments/chemotherapy/")
    # Answered in the order it asks: the question, then the note, then Send.
    question = page.get_by_role("group", name="Was this page helpful?")
    note = page.get_by_label("What was missing?")
    assert question.bounding_box()["y"] < note.bounding_box()["y"]
    question.get_by_role("radio", name="No").check()
    note.fill("How long each cycle lasts.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("h1")).to_have_text("Thank you")
    page.get_by_role("link", name="go back to the page you were reading").click()
    expect(page.locator("h1")).to_have_text("Chemotherapy")
    kept = Feedback.objects.get()
    assert (kept.path, kept.helpful, kept.comment) == ("/treatments/chemotherapy/", False, "How long each cycle lasts.")


def test_a_reader_finds_an_article_opens_a_question_and_gives_from_its_appeal(visit, other_sites, demo_site):
    """
    From the home page's latest articles to an article of a series, its next part, a common question opened
    as a reader on a phone would, and the appeal's button: the campaign's page, then the payment provider,
    with the click credited to the article.
    """
    tab = visit(PHONE)
    page = tab.page
    other_sites.answer("buy.stripe.com", lambda path: (200, {}, _payment_page(f"{tab.base_url}/donate/thanks/")))

    tab.go("/")
    latest = page.get_by_role("region", name="Latest articles")
    latest.get_by_role("link", name="Living well during treatment, part 1: energy and sleep").click()
    expect(page.locator("h1")).to_have_text("Living well during treatment, part 1: energy and sleep")
    page.get_by_role("navigation", name="Next article").get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Living well during treatment, part 2: food and movement")

    question = page.locator("details", has_text="Is it safe to exercise during chemotherapy?")
    expect(question.get_by_text("For most people gentle exercise is safe")).to_be_hidden()
    question.get_by_text("Is it safe to exercise during chemotherapy?").click()
    expect(question.get_by_text("For most people gentle exercise is safe")).to_be_visible()

    appeal = page.get_by_role("complementary", name="Support this work")
    appeal.get_by_role("link", name="Give to Fund the next breakthrough").click()
    expect(page.locator("h1")).to_have_text("Fund the next breakthrough")
    page.locator("label", has_text="$50").click()
    page.locator("form.donate-form").get_by_role("button", name="Donate").click()
    expect(page.locator("h1")).to_have_text("Payment page")
    assert len(other_sites.asked("buy.stripe.com")) == 1
    click = DonateClick.objects.get()
    assert click.source_path == "/articles/living-well-during-treatment-part-2-food-and-movement/"
    assert not tab.problems, tab.problems


def test_the_reading_level_follows_typing_in_an_articles_answers(visit, demo_site, editor):
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    page = editing.page
    editing.go("/admin/articles/article/add/")
    panel = page.locator("#reading-panel")
    expect(panel).to_contain_text("There is no text to grade yet")
    page.locator("#id_questions-0-answer").press_sequentially("Most people find the cap cold at first. It helps.")
    expect(panel).to_contain_text("2 sentences, 10 words", timeout=3000)
    assert not editing.problems, editing.problems


def test_a_spanish_speaker_reads_a_treatment_in_spanish_searches_there_and_returns_to_english(visit, demo_site):
    """
    From an English treatment page on a phone, the link to the same page in Spanish; the page and its whole
    interface in Spanish; its search box finds the Spanish page from a plural; the link back to English.
    """
    tab = visit(PHONE)
    page = tab.page
    tab.go("/treatments/immunotherapy/")
    languages = page.get_by_role("navigation", name="This page in other languages")
    languages.get_by_role("link", name="Español").click()
    expect(page.locator("h1")).to_have_text("Inmunoterapia")
    assert page.evaluate("document.documentElement.lang") == "es"
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Donar", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Ventajas y desventajas")).to_be_visible()
    expect(page.locator(".review-dates")).to_contain_text(" de 20")  # "6 de diciembre de 2026"

    search = page.get_by_role("search", name="Sitio")
    box = search.get_by_role("searchbox", name="Buscar tratamientos, artículos y preguntas")
    box.fill("inmunoterapias")
    box.press("Enter")
    expect(page.locator("h1")).to_have_text("Resultados de la búsqueda")
    page.locator("main").get_by_role("link", name="Inmunoterapia", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Inmunoterapia")

    page.get_by_role("navigation", name="Esta página en otros idiomas").get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Immunotherapy")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert not tab.problems, tab.problems


def test_a_spanish_reader_is_told_the_english_page_changed_and_a_reviewer_sees_what_changed(
    visit, demo_site, editor, reviewer
):
    """
    The demo's Spanish radiation therapy page was made before its English page gained a sentence: its reader
    is told, in Spanish, and follows the link to the English page, which has it; a reviewer finds the
    translation on the review dashboard and reads what changed in English; an editor updates the
    translation, the reviewer approves it, and the notice is gone.
    """
    added = "tiny dots on the skin, like freckles"
    reader = visit(PHONE)
    reader.go("/es/treatments/radioterapia/")
    notice = reader.page.get_by_role("note")
    expect(notice).to_contain_text("La versión en inglés de esta página se actualizó el")
    notice.get_by_role("link", name="Leer la página en inglés").click()
    expect(reader.page.locator("h1")).to_have_text("Radiation Therapy")
    expect(reader.page.locator("main")).to_contain_text(added)

    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    reviewing.go("/admin/review/signoff/dashboard/")
    behind = reviewing.page.locator(
        "section", has=reviewing.page.get_by_role("heading", name=re.compile("^Translations behind"))
    )
    expect(behind.locator("tbody tr")).to_have_count(1)
    expect(behind.locator("tbody th")).to_have_text("Radioterapia")
    behind.get_by_role("link", name=re.compile("what changed in English")).click()
    expect(reviewing.page.locator("#content-main")).to_contain_text(added)

    # An editor brings the translation up to date; the reviewer approves it; the notice goes.
    spanish = Treatment.objects.get(slug="radioterapia")
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    editing.go(f"/admin/treatments/treatment/{spanish.pk}/change/")
    expect(editing.page.locator(".translation-behind")).to_contain_text("What changed in English")
    body = editing.page.locator("textarea[name=body]")
    body.fill(
        body.input_value() + "\n\nAntes de la primera sesión, el equipo planifica el tratamiento con una exploración."
    )
    editing.page.get_by_role("button", name="Submit for review").click()
    expect(editing.page.locator(".messagelist")).to_contain_text("The public page is unchanged")
    reviewing.go("/admin/review/signoff/")
    reviewing.page.get_by_role("link", name="Radioterapia").first.click()
    reviewing.page.get_by_role("button", name="Approve and publish").click()
    expect(reviewing.page.locator(".messagelist")).to_contain_text("Approved")
    reader.go("/es/treatments/radioterapia/")
    reader.page.reload()  # the browser may keep the page a minute (max-age=60); reloading asks again
    expect(reader.page.locator("main")).to_contain_text("el equipo planifica el tratamiento")
    expect(reader.page.get_by_role("note")).to_have_count(0)
    for tab in (reader, reviewing, editing):
        assert not tab.problems, tab.problems
