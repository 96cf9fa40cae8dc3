"""
The README's promises that a person sees in a browser, each walked through in
Chromium as the patient, donor, editor, reviewer or superuser would, and each
failing if its promise breaks (tests/browser/README.md has the rule: no request
of this site is answered here; other sites are the `other_sites` stand-in).
"""

import datetime
import json
import re
import time
import urllib.request

from playwright.sync_api import expect

from donations.models import DonateClick

from ..helpers import DESKTOP, PHONE
from .conftest import log_in

STRIPE_SECRET = "whsec_test_journeys"


def _payment_page(title="Payment page"):
    return f'<!doctype html><html lang="en"><title>{title}</title><h1>{title}</h1></html>'


def _stripe_stand_in(other_sites):
    """Stripe as a donor meets it: a Payment Link sends the browser on to its checkout page."""
    other_sites.answer(
        "buy.stripe.com", lambda path: (303, {"Location": "https://checkout.stripe.com/c/pay/cs_test_journey"}, "")
    )
    other_sites.answer("checkout.stripe.com", lambda path: (200, {}, _payment_page()))


def _stripe_tells(site_url, kind, obj):
    """Stripe's server tells the site what happened after checkout: a signed webhook, as Stripe sends it."""
    import stripe

    body = json.dumps(
        {
            "id": f"evt_test_{kind}_{obj['id']}",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    )
    request = urllib.request.Request(
        f"{site_url}/donate/webhooks/stripe/",
        data=body.encode(),
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["outcome"]


def _paid(click, cents):
    """What Stripe says of a paid Checkout Session started from this click (its reference comes back)."""
    return {
        "id": f"cs_test_{click.reference}",
        "object": "checkout.session",
        "client_reference_id": f"{click.campaign.slug}__{click.reference}",
        "amount_total": cents,
        "currency": "usd",
        "mode": "payment",
        "payment_status": "paid",
        "payment_intent": f"pi_test_{click.reference}",
    }


def _rows(table):
    """A table's body as lists of cell texts."""
    return [row.locator("th, td").all_inner_texts() for row in table.locator("tbody tr").all()]


def _give(page, amount):
    page.locator("form.donate-form label", has_text=re.compile(rf"^\s*\${amount}\b")).click()
    page.locator("form.donate-form").get_by_role("button", name="Donate").click()
    expect(page.locator("h1")).to_have_text("Payment page")


# Donations ----------------------------------------------------------------------------------


def test_staff_see_which_pages_lead_people_to_give(visit, admin_tab, other_sites, demo_site, settings):
    """
    Three donors set out from three pages (a treatment's header Donate, the home page's appeal, another
    treatment's "Help make treatment better") and reach Stripe; Stripe confirms one gift, refunds part of it
    and reports a dispute. On the campaign's admin page staff see each page with its clicks, gifts and amount
    given less refunds, the refund, and the dispute until they mark it dealt with; the public total moves.
    """
    settings.STRIPE_WEBHOOK_SECRETS = [STRIPE_SECRET]
    _stripe_stand_in(other_sites)
    donor = visit(PHONE)
    page = donor.page

    donor.go("/treatments/immunotherapy/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Donate").click()
    expect(page.locator("h1")).to_have_text("Fund the next breakthrough")
    _give(page, 100)

    donor.go("/")
    page.get_by_role("link", name="Give to Fund the next breakthrough").click()
    _give(page, 50)

    donor.go("/treatments/chemotherapy/")
    page.get_by_role("complementary", name="Help make treatment better").get_by_role("link", name="Donate").click()
    _give(page, 25)

    assert len(other_sites.asked("buy.stripe.com")) == 3
    assert len(other_sites.asked("checkout.stripe.com")) == 3
    assert not donor.problems, donor.problems
    click = DonateClick.objects.get(source_path="/treatments/immunotherapy/")
    assert _stripe_tells(donor.base_url, "checkout.session.completed", _paid(click, 10000)) == "gift counted"
    payment = {"payment_intent": f"pi_test_{click.reference}", "currency": "usd"}
    refund = {"id": "ch_test_1", "object": "charge", "amount_refunded": 4000, **payment}
    assert _stripe_tells(donor.base_url, "charge.refunded", refund) == "refund counted"
    dispute = {"id": "dp_test_1", "object": "dispute", "amount": 6000, "reason": "duplicate", **payment}
    _stripe_tells(donor.base_url, "charge.dispute.created", dispute)

    staff = admin_tab
    staff.go("/admin/donations/campaign/")
    staff.page.get_by_role("link", name="Fund the next breakthrough").click()
    expect(staff.page.locator("h1")).to_have_text("Change campaign")
    by_page = staff.page.get_by_role("group", name="Which pages lead people to give").locator("table")
    assert sorted(_rows(by_page)) == [  # what was given, less what was refunded
        ["/", "1", "0", "$0"],
        ["/treatments/chemotherapy/", "1", "0", "$0"],
        ["/treatments/immunotherapy/", "1", "1", "$60"],
    ]
    confirmed = staff.page.get_by_role("group", name="Gifts the provider confirmed")
    [gift] = _rows(confirmed.locator("table").first)
    assert gift[1:] == ["$100", "One-time", "Stripe", "/treatments/immunotherapy/"]
    [refunded] = _rows(confirmed.get_by_role("table", name="Refunds and lost disputes"))
    assert refunded[1:] == ["$40", "Refund", "$100"]
    flagged = confirmed.get_by_role("table", name="Flagged or held, not yet dealt with")
    expect(flagged.locator("tbody tr")).to_contain_text("The donor's bank disputes this payment (duplicate)")
    activity = staff.page.get_by_role("group", name="Clicks and gifts, last 30 days")
    expect(
        activity.get_by_role("img", name=re.compile("^Donate button clicks and confirmed gifts per day"))
    ).to_be_visible()
    per_day = activity.locator("tfoot th, tfoot td")
    expect(per_day).to_have_text(["Total", "3", "1", "$100"])  # gifts as given; the refund is listed above

    # Staff look into the dispute in Stripe's dashboard, then say so here.
    staff.go("/admin/")
    staff.page.get_by_role("link", name="Payment provider events").click()
    staff.page.locator("#result_list tr", has_text="charge.dispute.created").locator("th a").click()
    staff.page.get_by_label("Dealt with").check()
    staff.page.click("input[name=_save]")
    expect(staff.page.locator(".messagelist")).to_contain_text("was changed successfully")
    staff.go("/admin/donations/campaign/")
    staff.page.get_by_role("link", name="Fund the next breakthrough").click()
    expect(staff.page.get_by_role("group", name="Gifts the provider confirmed")).to_contain_text(
        "Nothing flagged for staff."
    )

    reader = visit(PHONE)
    reader.go("/donate/")
    expect(reader.page.locator(".progress__summary")).to_contain_text("$12,560 raised of $50,000 · 25% · 131 donors")
    expect(reader.page.locator(".progress__updated")).to_contain_text("Updated")


EVERY_ORG_EXPORT = """\
Charge ID,Donation Date,First Name,Last Name,Email,Amount,Net Amount,Currency,Frequency,Designation
ch_journey_1,2026-11-02T09:15:00.000Z,Ana,Private,ana@example.org,100.00,97.10,USD,One-time,
ch_journey_2,2026-11-03T18:40:12.500Z,,,,"1,250.00","1,213.75",USD,Monthly,Support
"""


def test_staff_count_gifts_made_elsewhere_and_feature_another_campaign(visit, admin_tab, demo_site):
    """
    Every.org's export imported on the campaign's admin page, and a collection tin as an offline gift, move
    the public total; the tin, entered by mistake, is undone from the campaign's history; featuring the
    campaign makes it the one the header's Donate and the home page lead to.
    """
    reader = visit(PHONE)
    reader.go("/donate/support-through-treatment/")
    progress = reader.page.locator(".progress__summary")
    expect(progress).to_contain_text("$8,600 raised of $20,000 · 43% · 214 donors")

    page = admin_tab.page
    admin_tab.go("/admin/donations/campaign/")
    admin_tab.follow(page.get_by_role("link", name="Support through treatment"))
    admin_tab.follow(page.get_by_role("link", name="Import a provider's export"))
    expect(page.get_by_label("Whose export is it?")).to_have_value("every_org")  # the campaign's own provider
    export = {"name": "every-org.csv", "mimeType": "text/csv", "buffer": EVERY_ORG_EXPORT.encode()}
    page.get_by_label("Whose export is it?").select_option(label="Givebutter")  # the commonest mistake
    page.get_by_label("The CSV file").set_input_files(files=[export])
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".errornote")).to_contain_text("not a Givebutter export")
    reader.page.reload()
    expect(progress).to_contain_text("$8,600 raised")
    page.get_by_label("Whose export is it?").select_option(label="Every.org")
    page.get_by_label("The CSV file").set_input_files(files=[export])
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messagelist")).to_contain_text("every-org.csv: 2 gift(s) added ($1,350)", ignore_case=True)
    reader.page.reload()
    expect(progress).to_contain_text("$9,950 raised of $20,000 · 49% · 216 donors")

    # The same export again (a later one overlaps it): nothing is counted twice.
    admin_tab.follow(page.get_by_role("link", name="Import a provider's export"))
    page.get_by_label("The CSV file").set_input_files(files=[export])
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".messagelist")).to_contain_text("0 gift(s) added ($0), 0 refund(s) added, 2 row(s) already")

    offline = page.get_by_role("group", name="Offline gifts and corrections")
    offline.get_by_role("button", name="Add another Offline gift").click()
    added = offline.locator("tr.dynamic-offline_gifts").nth(1)
    added.get_by_label(re.compile("^Amount")).fill("50")
    added.get_by_label(re.compile("^Donors")).fill("3")
    added.get_by_label(re.compile("^Description")).fill("Collection tin at the spring fun run")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    reader.page.reload()
    expect(progress).to_contain_text("$10,000 raised of $20,000 · 50% · 219 donors")

    # The tin was counted already: undo that save from the campaign's history, like any edit.
    page.get_by_role("link", name="History").click()
    page.locator("#change-history tbody tr").nth(1).locator("a").first.click()
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("successfully")
    reader.page.reload()
    expect(progress).to_contain_text("$9,950 raised of $20,000 · 49% · 216 donors")

    admin_tab.go("/admin/donations/campaign/")
    page.get_by_role("link", name="Support through treatment").click()
    page.get_by_label("Featured").check()
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text(
        "“Support through treatment” is now the featured campaign instead of “Fund the next breakthrough”."
    )
    reader.go("/")
    expect(reader.page.get_by_role("link", name="Give to Support through treatment")).to_be_visible()
    reader.page.get_by_role("navigation", name="Main").get_by_role("link", name="Donate").click()
    expect(reader.page.locator("h1")).to_have_text("Support through treatment")
    expect(progress).to_contain_text("$9,950 raised")
    assert not reader.problems, reader.problems


def test_a_mistyped_amount_and_an_ended_appeal_never_reach_a_provider(visit, other_sites, demo_site):
    """
    A donor types an amount the site cannot read: a page says why and leads back. Another follows an old
    e-mail's link to last year's appeal: its page says it has ended and offers the current one, and its
    give address does not send the browser to the provider.
    """
    _stripe_stand_in(other_sites)
    donor = visit(PHONE)
    page = donor.page
    donor.go("/donate/fund-the-next-breakthrough/")
    page.get_by_label("Or give another amount").fill("twenty")
    page.locator("form.donate-form").get_by_role("button", name="Donate").click()
    expect(page.locator("h1")).to_have_text("We could not start your donation")
    expect(page.get_by_role("alert")).to_have_text("The amount must be a number, such as 25 or 25.50.")
    page.get_by_role("link", name="Back to Fund the next breakthrough").click()
    page.get_by_label("Or give another amount").fill("20")
    page.locator("form.donate-form").get_by_role("button", name="Donate").click()
    expect(page.locator("h1")).to_have_text("Payment page")
    assert len(other_sites.asked("buy.stripe.com")) == 1
    assert DonateClick.objects.get().amount == 20

    donor.go("/donate/pink-october-appeal/")
    expect(page.locator("h1")).to_have_text("Pink October appeal")
    expect(page.get_by_role("status")).to_contain_text("This campaign has ended")
    expect(page.locator("form.donate-form")).to_have_count(0)
    expect(page.locator(".progress__summary")).to_contain_text("$34,150 raised")

    response = donor.go("/donate/pink-october-appeal/give/?amount=20")
    assert response.status == 410
    expect(page.locator("h1")).to_have_text("Pink October appeal is not taking gifts")
    assert other_sites.asked("givebutter.com") == []
    assert page.url.startswith(donor.base_url)
    assert DonateClick.objects.count() == 1
    page.get_by_role("link", name="Give to Fund the next breakthrough").click()
    expect(page.locator("h1")).to_have_text("Fund the next breakthrough")
    expect(page.locator("form.donate-form")).to_be_visible()
    assert not donor.problems, donor.problems


# Medical review and scheduled publishing ----------------------------------------------------


def _at(day, hour):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def _section(page, title):
    """A list of the review dashboard, by the start of its title."""
    return page.locator("section", has=page.get_by_role("heading", name=re.compile(f"^{re.escape(title)}")))


def _search(tab, words):
    box = tab.page.get_by_role("search", name="Site").get_by_role("searchbox")
    box.fill(words)
    box.press("Enter")
    expect(tab.page.locator("h1")).to_have_text("Search results")
    return tab.page.locator(".search-result__title").all_inner_texts()


def test_a_treatment_scheduled_for_tomorrow_goes_live_then_and_a_year_later_is_due_for_review(
    visit, demo_site, editor, reviewer, admin_user
):
    """
    An editor writes a treatment to go live tomorrow at 09:00 and submits it; the superuser sets an answer to
    expire then. A reviewer approves; the dashboard lists both as scheduled. Readers see neither change until
    09:00, then both, on the page, in the lists and in search, with no job run; a year on, the treatment is
    due for review, then overdue, on the dashboard.
    """
    import time_machine
    from django.utils import timezone
    from django.utils.dateformat import format as format_date

    from faq.models import Question
    from review.models import months_after

    today = timezone.localdate()
    tomorrow_9am = _at(today + datetime.timedelta(days=1), 9)
    expiring = Question.objects.get(slug="will-insurance-cover-my-treatment")
    with time_machine.travel(timezone.now(), tick=True) as clock:
        editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
        page = editing.page
        expect(page.get_by_role("link", name="Users")).to_have_count(0)  # editors do not manage accounts
        editing.go("/admin/treatments/treatment/add/")
        expect(page.locator("select#id_status")).to_have_count(0)  # nor publish: only a reviewer's approval does
        page.fill("#id_title", "Cold Cap Therapy")
        page.fill("#id_slug", "cold-cap-therapy")
        page.fill("#id_summary", "Cooling the scalp during chemotherapy to keep more of your hair.")
        page.fill("#id_body", "A cold cap is worn for an hour or so around each chemotherapy session.")
        page.get_by_label("Goes live at: date").fill(tomorrow_9am.strftime("%Y-%m-%d"))
        page.get_by_label("Goes live at: time").fill("09:00:00")
        page.get_by_role("button", name="Submit for review").click()
        expect(page.locator(".messagelist")).to_contain_text("Submitted for medical review")
        actions = page.locator("select[name=action] option").all_inner_texts()
        assert not [action for action in actions if re.match("Delete|Publish|Approve", action)], actions
        page.locator("#result_list").get_by_role("link", name="Cold Cap Therapy").click()
        expect(page.locator("#id_summary")).to_be_visible()
        expect(page.get_by_role("link", name="Delete", exact=True)).to_have_count(0)  # nor delete a treatment,
        editing.go(f"/admin/faq/question/{expiring.pk}/change/")
        expect(page.locator("#id_answer")).to_be_visible()
        expect(page.get_by_role("link", name="Delete", exact=True)).to_have_count(0)  # a question
        editing.go("/admin/donations/campaign/")
        page.get_by_role("link", name="Fund the next breakthrough").click()
        expect(page.locator("#id_donate_url")).to_be_visible()
        expect(page.get_by_role("link", name="Delete", exact=True)).to_have_count(0)  # or a campaign

        superuser = log_in(visit(DESKTOP), admin_user.username, "password")
        superuser.go(f"/admin/faq/question/{expiring.pk}/change/")
        superuser.page.get_by_label("Expires at: date").fill(tomorrow_9am.strftime("%Y-%m-%d"))
        superuser.page.get_by_label("Expires at: time").fill("09:00:00")
        superuser.page.click("input[name=_save]")
        expect(superuser.page.locator(".messagelist")).to_contain_text("was changed successfully")

        reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
        reviewing.go("/admin/review/signoff/dashboard/")
        _section(reviewing.page, "Awaiting review").get_by_role("link", name="Cold Cap Therapy").click()
        reviewing.page.get_by_role("button", name=re.compile("^Approve")).click()
        expect(reviewing.page.locator(".messagelist")).to_contain_text("Approved")
        reviewing.go("/admin/review/signoff/dashboard/")
        scheduled = _section(reviewing.page, "Scheduled to go live or expire")
        expect(scheduled.locator("tbody tr")).to_have_count(2)
        expect(scheduled.locator("tbody tr", has_text="Cold Cap Therapy")).to_contain_text("goes live")
        expect(scheduled.locator("tbody tr", has_text=expiring.question)).to_contain_text("expires")

        # Two minutes before: neither change has happened; the pages seen now are kept in the page cache.
        clock.move_to(tomorrow_9am - datetime.timedelta(minutes=2))
        before_nine = visit(PHONE)
        assert before_nine.go("/treatments/cold-cap-therapy/").status == 404
        before_nine.go("/treatments/")
        expect(before_nine.page.locator(".card__title")).not_to_contain_text(["Cold Cap Therapy"])
        assert "Cold Cap Therapy" not in _search(before_nine, "cold cap")
        before_nine.go("/faq/")
        expect(before_nine.page.locator("main")).to_contain_text(expiring.question)
        assert before_nine.go(expiring.get_absolute_url()).status == 200

        # Nobody runs publish_scheduled, and what was kept for five minutes is not shown past 09:00.
        clock.move_to(tomorrow_9am + datetime.timedelta(seconds=30))
        after_nine = visit(PHONE)
        after_nine.go("/treatments/")
        new_treatment = after_nine.page.get_by_role("link", name="Cold Cap Therapy")
        expect(new_treatment).to_be_visible()
        new_treatment.click()
        expect(after_nine.page.locator("h1")).to_have_text("Cold Cap Therapy")
        due = months_after(today, 12)
        expect(after_nine.page.locator(".review-dates")).to_have_text(
            f"Medically reviewed by Dr Amina Yusuf, consultant breast oncologist on {format_date(today, 'j F Y')} "
            f"· Next review due {format_date(due, 'j F Y')}"
        )
        assert _search(after_nine, "cold cap")[0] == "Cold Cap Therapy"
        after_nine.go("/faq/")
        expect(after_nine.page.locator("main")).not_to_contain_text(expiring.question)
        assert after_nine.go(expiring.get_absolute_url()).status == 404

        # A year on, the reviewer sees the page fall due, then overdue (sessions have long expired).
        clock.move_to(_at(due - datetime.timedelta(days=10), 9))
        reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
        reviewing.go("/admin/review/signoff/dashboard/")
        expect(_section(reviewing.page, "Due for review in the next 30 days")).to_contain_text("Cold Cap Therapy")
        expect(_section(reviewing.page, "Overdue for review")).not_to_contain_text("Cold Cap Therapy")
        clock.move_to(_at(due + datetime.timedelta(days=1), 9))
        reviewing.page.reload()
        expect(_section(reviewing.page, "Overdue for review")).to_contain_text("Cold Cap Therapy")
        for tab in (editing, superuser, reviewing, before_nine, after_nine):
            assert not tab.problems, tab.problems


def test_a_reviewer_approving_a_page_scheduled_for_tomorrow_is_told_when_it_goes_live(
    visit, demo_site, editor, reviewer, make_treatment
):
    from django.utils import timezone

    tomorrow_9am = _at(timezone.localdate() + datetime.timedelta(days=1), 9)
    draft = make_treatment("Scalp Cooling", status="draft", go_live_at=tomorrow_9am)
    draft.submit_for_review(editor)
    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    reviewing.go("/admin/review/signoff/dashboard/")
    _section(reviewing.page, "Awaiting review").get_by_role("link", name="Scalp Cooling").click()
    reviewing.page.get_by_role("button", name=re.compile("^Approve")).click()
    message = reviewing.page.locator(".messagelist")
    expect(message).to_contain_text("Approved")
    expect(message).not_to_contain_text("is public")  # it is not, until 09:00 tomorrow
    expect(message).to_contain_text(re.compile("goes live|go live"))


# History and undo -------------------------------------------------------------------------------


def test_a_deleted_answer_comes_back_as_a_draft_and_recent_changes_say_who_did_what(
    visit, admin_tab, demo_site, mailoutbox
):
    """
    The superuser deletes an answer by mistake, recovers it (a draft: readers still cannot see it), publishes
    it in an emergency, and changes where a campaign's Donate sends donors. Recent changes lists each change
    with who made it and a link to what it changed; the link change names both addresses and is e-mailed.
    """
    from faq.models import Question

    # The Spanish answer: an English page with a translation cannot be deleted before it (tests/test_languages.py).
    question = Question.objects.get(translation_of__slug="how-long-does-immunotherapy-treatment-last")
    answer = question.answer
    reader = visit(PHONE)
    assert reader.go(question.get_absolute_url()).status == 200

    page = admin_tab.page
    admin_tab.go("/admin/faq/question/")
    page.locator("#result_list").get_by_role("link", name=question.question).click()
    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist")).to_contain_text("was deleted successfully")
    assert reader.page.reload().status == 404

    page.get_by_role("link", name="Recover deleted questions").click()
    page.locator("#change-history tr", has_text=question.question).get_by_role("link").click()
    expect(page.locator("#content")).to_contain_text("It comes back unpublished")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("successfully")
    recovered = page.locator("#result_list tr", has_text=question.question)
    expect(recovered.locator("td.field-status")).to_have_text("Draft")
    assert reader.page.reload().status == 404  # back, but not public: recovering never publishes
    recovered.get_by_role("link", name=question.question).click()
    expect(page.locator("#id_answer")).to_have_value(answer)

    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert reader.page.reload().status == 200
    expect(reader.page.locator("h1")).to_have_text(question.question)

    admin_tab.go("/admin/donations/campaign/")
    page.get_by_role("link", name="Fund the next breakthrough").click()
    page.fill("#id_donate_url", "https://donate.stripe.com/test_ribbon_new_link")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # A campaign keeps whether it is published in its versions: it too comes back a draft, rows and all.
    reader.go("/donate/pink-october-appeal/")
    expect(reader.page.locator(".progress__summary")).to_contain_text("$34,150 raised")
    admin_tab.go("/admin/donations/campaign/")
    page.get_by_role("link", name="Pink October appeal").click()
    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("button", name="Yes, I’m sure").click()
    page.get_by_role("link", name="Recover deleted campaigns").click()
    page.locator("#change-history tr", has_text="Pink October appeal").get_by_role("link").click()
    page.click("input[name=_save]")
    expect(page.locator("#result_list tr", has_text="Pink October appeal").locator("td.field-status")).to_have_text(
        "Draft"
    )
    assert reader.page.reload().status == 404
    page.locator("#result_list").get_by_role("link", name="Pink October appeal").click()
    expect(page.get_by_role("group", name="Goal and progress")).to_contain_text("$34,150 raised of $30,000")

    admin_tab.go("/admin/")
    page.get_by_role("link", name="Recent changes").click()
    rows = page.locator("#result_list tbody tr")
    # Newest first: the campaign's recovery, the link change, the answer's publication and its recovery.
    expect(rows.first).to_contain_text("Pink October appeal")
    assert rows.locator("td.field-kind").all_inner_texts()[:4] == ["Campaign", "Campaign", "Question", "Question"]
    link_change, published, recovery = rows.nth(1), rows.nth(2), rows.nth(3)
    expect(link_change).to_contain_text(
        "Donate link changed from https://buy.stripe.com/test_ribbon_demo_research "
        "to https://donate.stripe.com/test_ribbon_new_link."
    )
    expect(published).to_contain_text("without medical review (emergency)")
    for row in (link_change, published, recovery):
        expect(row.locator("td.field-saved_by")).to_have_text("admin")
    expect(recovery.locator("td.field-kind")).to_have_text("Question")
    link_change.get_by_role("link", name="Compare with the version before").click()
    changed = page.locator(".diff-line", has_text="stripe.com/test_ribbon_")  # word by word
    expect(changed.locator("del")).to_have_text(["buy", "demo_research"])
    expect(changed.locator("ins")).to_have_text(["donate", "new_link"])
    page.go_back()
    recovery.get_by_role("link", name=question.question).click()
    expect(page.locator("h1")).to_contain_text(f"Change history: {question.question}")
    # Published, recovered, and the demo's two: loaded for review, approved by the demo reviewer.
    expect(page.locator("#change-history tbody tr")).to_have_count(4)

    [mail] = mailoutbox
    assert mail.subject == "Donate link changed on “Fund the next breakthrough”"
    assert "https://donate.stripe.com/test_ribbon_new_link" in mail.body
    assert mail.to == ["admin@example.com"]
    assert not reader.problems, reader.problems


# Logging in ----------------------------------------------------------------------------------------


def _try_to_log_in(tab, username, password):
    tab.go("/admin/login/")
    tab.page.fill("#id_username", username)
    tab.page.fill("#id_password", password)
    tab.page.click("input[type=submit]")


def test_five_wrong_passwords_lock_that_account_out_for_fifteen_minutes_and_no_one_else(
    visit, demo_site, editor, reviewer
):
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now(), tick=True) as clock:
        tab = visit(DESKTOP)
        page = tab.page
        for _ in range(4):
            _try_to_log_in(tab, "editor", "not-the-password")
            expect(page.locator(".errornote")).to_contain_text("Please enter the correct username and password")
        _try_to_log_in(tab, "editor", "still-not-the-password")
        expect(page.locator("h1")).to_have_text("Too many failed log-in attempts")
        expect(page.get_by_role("alert")).to_contain_text("paused for 15 minutes")
        _try_to_log_in(tab, "editor", "a-long-test-password-1")  # the right password changes nothing now
        expect(page.locator("h1")).to_have_text("Too many failed log-in attempts")
        page.get_by_role("link", name="Go to the home page").click()
        expect(page.get_by_role("link", name="Browse all treatments")).to_be_visible()

        colleague = visit(DESKTOP)  # someone else, from the same address, is not affected
        log_in(colleague, "amina", "a-long-test-password-1")
        expect(colleague.page.locator("#user-tools")).to_contain_text("amina")

        clock.shift(datetime.timedelta(minutes=14))
        _try_to_log_in(tab, "editor", "a-long-test-password-1")
        expect(page.locator("h1")).to_have_text("Too many failed log-in attempts")
        clock.shift(datetime.timedelta(minutes=2))
        _try_to_log_in(tab, "editor", "a-long-test-password-1")
        expect(page.locator("#site-name")).to_be_visible()
        expect(page.locator("#user-tools")).to_contain_text("editor")
        assert not tab.problems, tab.problems


# Finding and weighing options ------------------------------------------------------------------------


def test_a_glossary_term_an_editor_adds_explains_the_pages_that_use_it_once_a_reviewer_approves_it(
    visit, admin_tab, other_sites, demo_site, editor, reviewer
):
    """
    The reading panel names a word the glossary does not explain; an editor adds it and submits it for
    review, and readers see nothing of it yet; a medical reviewer reads it whole and approves it; at once
    the treatment that uses it links its first use to the entry, with the meaning in place and a way to
    read more elsewhere; removing the term takes the link away again.
    """
    from treatments.models import Treatment

    chemotherapy = Treatment.objects.get(slug="chemotherapy")
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    page = editing.page
    editing.go(f"/admin/treatments/treatment/{chemotherapy.pk}/change/")
    unexplained = page.locator("#reading-panel .unfamiliar-words li")
    expect(unexplained.filter(has_text=re.compile("^tumour$"))).to_have_count(1)

    reader = visit(PHONE)
    reader.go("/treatments/chemotherapy/")
    body = reader.page.locator(".treatment .prose")
    expect(body).to_contain_text("to shrink a tumour")
    expect(body.locator("a.term", has_text="tumour")).to_have_count(0)

    page.locator("#reading-panel").get_by_role("link", name="add a term").click()
    page.fill("#id_term", "Tumour")
    page.fill("#id_other_forms", "tumours, tumor")
    page.fill("#id_definition", " ".join(["word"] * 41))
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".field-definition .errorlist")).to_contain_text("Keep a definition to 40 words or fewer")
    page.fill("#id_definition", "A lump of cells that grow when they should not. It can be cancer or not.")
    page.fill("#id_link", "https://www.cancer.gov/publications/dictionaries/cancer-terms/def/tumor")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Submitted for medical review")
    reader.page.reload()
    expect(body.locator("a.term", has_text="tumour")).to_have_count(0)  # not until a reviewer approves it

    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    reviewing.go("/admin/review/signoff/dashboard/")
    reviewing.page.get_by_role("link", name="Tumour").first.click()
    preview = reviewing.page.locator(".review-preview")
    expect(preview.get_by_role("heading", level=2)).to_have_text("Tumour")
    expect(preview.locator("dd")).to_contain_text("A lump of cells that grow when they should not.")
    reviewing.page.get_by_role("button", name="Approve and publish").click()
    expect(reviewing.page.locator(".messagelist")).to_contain_text("Approved")

    reader.page.reload()
    term = body.locator("a.term", has_text="tumour")
    expect(term).to_have_count(1)  # its first use only
    reader.page.get_by_role("button", name="What “Tumour” means").click()
    expect(reader.page.locator(".term__popover:popover-open")).to_contain_text("A lump of cells that grow")
    reader.page.keyboard.press("Escape")
    term.click()
    expect(reader.page.locator("dt:target")).to_have_text("Tumour")
    reader.page.get_by_role("link", name="Read more about tumour").click()
    expect(reader.page.locator("h1")).to_have_text("A page of www.cancer.gov")
    assert other_sites.asked("www.cancer.gov") == [
        "https://www.cancer.gov/publications/dictionaries/cancer-terms/def/tumor"
    ]

    editing.go(f"/admin/treatments/treatment/{chemotherapy.pk}/change/")
    expect(page.locator("#reading-panel")).to_contain_text("SMOG grade")
    expect(unexplained.filter(has_text=re.compile("^tumour$"))).to_have_count(0)

    page = admin_tab.page
    admin_tab.go("/admin/glossary/term/")
    page.get_by_role("link", name="Tumour").click()
    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist")).to_contain_text("was deleted successfully")
    reader.page.go_back()
    reader.page.go_back()  # to the treatment, which the browser may keep a minute: asking again gets the change
    reader.page.reload()
    expect(body).to_contain_text("to shrink a tumour")
    expect(body.locator("a.term", has_text="tumour")).to_have_count(0)
    reader.page.go_forward()
    reader.page.reload()
    expect(reader.page.locator("dt").first).to_be_visible()
    assert "Tumour" not in reader.page.locator("dt").all_inner_texts()
    for tab in (reader, editing, reviewing):
        assert not tab.problems, tab.problems


def test_a_patient_ticks_questions_prints_them_with_room_for_answers_and_compares(visit, demo_site):
    """
    The questions to ask are a checklist on screen; printed, each keeps lines to write its answer on, the
    ticks stay and the screen's controls go. From the same page, "Compare … with other treatments" starts a
    comparison, and a wrong choice (one treatment, four, or an old address) is a page to choose again.
    """
    tab = visit(PHONE)
    page = tab.page
    tab.go("/treatments/chemotherapy/")
    expect(page.locator(".suited-to")).to_have_text(
        "Who it is for: Many people with early or advanced breast cancer, especially when the cancer is "
        "fast-growing or has reached the lymph nodes."
    )
    questions = page.get_by_role("region", name="Questions to ask your care team")
    items = questions.get_by_role("listitem")
    expect(items).to_have_count(4)
    questions.get_by_label("Is it given before or after surgery for me, and why?").check()
    questions.get_by_label("What can I do about hair loss, sickness and fatigue?").check()
    answer_lines = questions.locator(".answer-space")
    expect(answer_lines.first).to_be_hidden()  # on screen, a checklist only

    page.emulate_media(media="print")
    expect(questions.get_by_role("heading", name="Questions to ask your care team")).to_be_visible()
    expect(items).to_have_count(4)
    for index in range(4):
        lines = answer_lines.nth(index)
        expect(lines).to_be_visible()
        box = lines.bounding_box()
        assert box["height"] >= 60, box  # three lines' room, 4.5rem
        assert box["width"] >= 0.8 * questions.bounding_box()["width"], box  # across the page
        assert "repeating-linear-gradient" in lines.evaluate("element => getComputedStyle(element).backgroundImage")
    expect(questions.get_by_role("checkbox", checked=True)).to_have_count(2)
    expect(page.get_by_text("Tick the ones you want to ask")).to_be_hidden()
    expect(page.get_by_role("link", name="Compare chemotherapy with other treatments")).to_be_hidden()
    assert page.pdf(format="A4").startswith(b"%PDF")
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Compare chemotherapy with other treatments").click()
    expect(page.locator(".lead")).to_have_text("Choose one or two treatments to compare with chemotherapy.")
    expect(page.get_by_role("checkbox", name="Chemotherapy")).to_be_checked()
    with page.expect_navigation() as arrived:
        page.get_by_role("button", name="Compare", exact=True).click()
    assert arrived.value.status == 400
    expect(page.get_by_role("alert")).to_have_text("Choose at least one more treatment to compare with chemotherapy.")
    for name in ("Immunotherapy", "Hormone Therapy", "Radiation Therapy"):
        page.get_by_role("checkbox", name=name).check()
    with page.expect_navigation() as arrived:
        page.get_by_role("button", name="Compare", exact=True).click()
    assert arrived.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("You chose 4 treatments")
    page.get_by_role("checkbox", name="Radiation Therapy").uncheck()
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator("h1")).to_have_text("Compare chemotherapy, hormone therapy and immunotherapy")
    asked = page.locator(".compare-stacked .compare-row", has=page.get_by_role("heading", name="Questions to ask"))
    expect(asked).to_contain_text("Which medicines would I have, how many cycles, and how far apart?")
    page.set_viewport_size(DESKTOP)  # on a wide screen: one table, a column per treatment
    expect(page.locator(".compare-table")).to_be_visible()
    expect(page.locator(".compare-stacked")).to_be_hidden()
    expect(page.locator(".compare-table thead th")).to_have_text(["Chemotherapy", "Hormone Therapy", "Immunotherapy"])

    assert tab.go("/treatments/compare/?t=chemotherapy&t=cold-caps").status == 404  # an old link
    expect(page.get_by_role("alert")).to_contain_text("We could not find “cold-caps”")
    expect(page.get_by_role("checkbox", name="Chemotherapy")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Immunotherapy")).not_to_be_checked()
    assert not tab.problems, tab.problems


def _answer(tab, path, helpful, note=""):
    tab.go(path)
    question = tab.page.get_by_role("group", name="Was this page helpful?")
    question.get_by_role("radio", name="Yes, it helped" if helpful else "No", exact=True).check()
    if note:
        tab.page.get_by_label("What was missing?").fill(note)
    tab.page.get_by_role("button", name="Send").click()
    expect(tab.page.locator("h1")).to_have_text("Thank you")


def test_staff_read_what_readers_said_the_least_helpful_pages_first(visit, admin_tab, demo_site):
    """
    Readers answer "Was this page helpful?" on a treatment, a question and the glossary; staff see the
    counts per page with the most "No" first, and the notes newest first, with no contact details in them.
    """
    import time_machine
    from django.utils import timezone

    from faq.models import Question

    question = Question.objects.get(slug="will-insurance-cover-my-treatment").get_absolute_url()
    with time_machine.travel(timezone.now(), tick=True) as clock:
        reader = visit(PHONE)
        _answer(reader, "/treatments/chemotherapy/", False, "How long each cycle lasts.")
        _answer(reader, question, False, "Costs outside the US. Write to me at reader@example.org")
        _answer(reader, "/glossary/", True)
        clock.shift(datetime.timedelta(minutes=11))  # one answer per page per reader in ten minutes
        _answer(visit(PHONE), "/treatments/chemotherapy/", False, "Whether I can work during it.")

    page = admin_tab.page
    admin_tab.go("/admin/")
    page.locator("#content-main").get_by_role("link", name="Page feedback").last.click()
    per_page = page.get_by_role("region", name="Per page").locator("tbody tr")
    expect(per_page).to_have_count(3)
    assert [row.locator("th, td").all_inner_texts()[:4] for row in per_page.all()] == [
        ["/treatments/chemotherapy/", "0", "2", "2"],
        [question, "0", "1", "1"],
        ["/glossary/", "1", "0", "0"],
    ]
    notes = page.locator("#result_list td.field-comment").all_inner_texts()
    assert notes == [
        "Whether I can work during it.",
        "-",  # the glossary's "Yes", without a note
        "Costs outside the US. Write to me at [e-mail removed]",
        "How long each cycle lasts.",
    ]
    per_page.first.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Chemotherapy")


# The editor's reading level ---------------------------------------------------------------------------

HARD = (
    "Neoadjuvant chemotherapeutic regimens incorporating anthracycline and taxane combinations demonstrate "
    "considerable efficacy, particularly regarding pathological complete response. Cardiotoxicity necessitates "
    "comprehensive echocardiographic monitoring throughout administration."
)
PLAIN = "A cold cap keeps your scalp cool. It is worn for an hour or so. Many people keep some of their hair."


def test_an_editor_brings_a_hard_page_within_the_target_and_a_reviewer_sends_it_back(
    visit, demo_site, editor, reviewer, role, django_user_model
):
    """
    The grade is stored when a page is saved, and the treatment list filters on it. The dashboard lists what
    awaits review oldest first, and what a reviewer sent back with the comment. A reviewer without the name
    and credentials pages print is told to add them before approving.
    """
    tab = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    page = tab.page

    def add(title, summary, body, button):
        tab.go("/admin/treatments/treatment/add/")
        page.fill("#id_title", title)
        page.fill("#id_slug", title.lower().replace(" ", "-"))
        page.fill("#id_summary", summary)
        page.fill("#id_body", body)
        page.click(f"input[value='{button}']")

    add("Scalp Cooling", "Keeping your scalp cold during chemotherapy.", PLAIN, "Submit for review")
    expect(page.locator(".messagelist")).to_contain_text("Submitted for medical review")
    add(
        "Cold Cap Therapy",
        "Scalp cooling during chemotherapeutic administration reduces alopecia considerably.",
        HARD,
        "Save and continue editing",
    )
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    panel = page.locator("#reading-panel")
    expect(panel).to_contain_text("Hard to read")
    expect(panel).to_contain_text(re.compile(r"SMOG grade \d+(\.\d)? \(the target is 9 or lower\)"))
    expect(panel).to_contain_text("Flesch–Kincaid grade")
    expect(panel.locator("ol li")).to_have_count(3)  # the three longest sentences

    def listed(choice):
        tab.go("/admin/treatments/treatment/")
        page.get_by_role("link", name=choice).click()
        expect(page.locator("#changelist-filter .selected", has_text=choice)).to_be_visible()
        return page.locator("#result_list th.field-title").all_inner_texts()

    assert "Cold Cap Therapy" in listed("Hard to read (SMOG above 9)")
    assert "Cold Cap Therapy" not in listed("Within the target")

    page.get_by_role("link", name="Hard to read (SMOG above 9)").click()
    page.locator("#result_list").get_by_role("link", name="Cold Cap Therapy").click()
    page.fill("#id_summary", "A cap that keeps your scalp cold during chemotherapy, so you lose less hair.")
    page.fill("#id_body", PLAIN)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Submitted for medical review")
    assert "Cold Cap Therapy" not in listed("Hard to read (SMOG above 9)")
    assert "Cold Cap Therapy" in listed("Within the target")

    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    reviewing.go("/admin/")
    reviewing.page.get_by_role("link", name="Dashboard").click()
    awaiting = _section(reviewing.page, "Awaiting review").locator("tbody th")
    expect(awaiting).to_have_text(["Scalp Cooling", "Cold Cap Therapy"])  # oldest first
    awaiting.get_by_role("link", name="Cold Cap Therapy").click()
    comment = "Say how long the cap is worn after each session."
    reviewing.page.get_by_label(re.compile("send it back", re.I)).fill(comment)
    reviewing.page.get_by_role("button", name="Send back").click()
    expect(reviewing.page.locator(".messagelist")).to_contain_text("Sent back")
    reviewing.go("/admin/review/signoff/dashboard/")
    expect(_section(reviewing.page, "Awaiting review").locator("tbody th")).to_have_text(["Scalp Cooling"])
    sent_back = _section(reviewing.page, "Sent back to the editor").locator("tbody tr")
    expect(sent_back).to_have_count(1)
    expect(sent_back).to_contain_text("Cold Cap Therapy")
    expect(sent_back).to_contain_text(comment)

    from review.models import MEDICAL_REVIEWERS

    newcomer = django_user_model.objects.create_user("omar", password="a-long-test-password-1", is_staff=True)
    newcomer.groups.add(role(MEDICAL_REVIEWERS))
    approving = log_in(visit(DESKTOP), "omar", "a-long-test-password-1")
    approving.go("/admin/review/signoff/dashboard/")
    _section(approving.page, "Awaiting review").get_by_role("link", name="Scalp Cooling").click()
    approving.page.get_by_role("button", name=re.compile("^Approve")).click()
    expect(approving.page.locator("#content-main")).to_contain_text(
        "Add your name and credentials (Medical review › Reviewers) before approving"
    )
    assert visit(PHONE).go("/treatments/scalp-cooling/").status == 404
    assert not tab.problems, tab.problems
    assert not reviewing.problems, reviewing.problems


def test_one_search_finds_every_word_marks_it_and_pages_by_twenty(visit, demo_site, make_question):
    """Every word must match; each result is labelled with a passage, words marked; 20 to a page; no drafts."""
    for number in range(1, 22):
        make_question(
            f"Skin care in week {number} of radiotherapy?",
            answer="Moisturise the treated skin gently twice a day with a cream your team suggests.",
            topic="Skin care",
        )
    make_question("A draft about skin?", answer="Moisturise the skin.", topic="Skin care", status="draft")
    tab = visit(PHONE)
    page = tab.page
    tab.go("/treatments/")
    titles = _search(tab, "moisturise skin")
    expect(page.locator(".result-count")).to_contain_text("21 pages match “moisturise skin”. Showing 1 to 20.")
    assert len(titles) == 20
    assert "A draft about skin?" not in titles
    result = page.locator(".search-result").first
    expect(result.locator(".search-result__kind")).to_have_text("Question · Skin care")
    expect(result.locator(".search-result__snippet mark")).to_have_text(["Moisturise", "skin"])
    page.get_by_role("link", name=re.compile("Next")).click()
    expect(page.locator(".search-result")).to_have_count(1)
    expect(page.locator(".result-count")).to_contain_text("Showing 21 to 21.")

    assert _search(tab, "moisturise chemotherapy") == []  # both words, in no one page
    expect(page.locator(".result-count")).to_contain_text("Nothing matched “moisturise chemotherapy”.")
    assert not tab.problems, tab.problems


def test_an_editors_revert_waits_for_review_and_a_revert_never_changes_what_is_public(
    visit, admin_tab, demo_site, editor, reviewer
):
    """
    History › a version › Save brings the whole page back, but publishing stays its own step: an
    editor's revert of a published page is a change for review, and the public keeps what it has.
    """
    from treatments.models import Treatment

    treatment = Treatment.objects.get(slug="chemotherapy")
    original = "Roughly $1,000 to $12,000 per cycle in the United States"
    corrected = "Roughly $1,000 to $12,000 per cycle in the United States, before insurance"
    admin = admin_tab.page
    admin_tab.go(f"/admin/treatments/treatment/{treatment.pk}/change/")
    admin.locator("textarea[name$='-text']").filter(has_text=original).fill(corrected)
    admin.click("input[name=_save]")  # a superuser's change to the public page, recorded as an emergency
    expect(admin.locator(".messagelist")).to_contain_text("was changed successfully")

    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    page = editing.page
    editing.go(f"/admin/treatments/treatment/{treatment.pk}/history/")
    page.locator("#change-history tbody tr").nth(1).locator("a").first.click()
    expect(page.locator("#content")).to_contain_text("reverting never publishes or unpublishes")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("The public page is unchanged")

    reader = visit(PHONE)
    reader.go("/treatments/chemotherapy/")
    expect(reader.page.locator("main")).to_contain_text(corrected)
    treatment.refresh_from_db()
    assert treatment.status == "published"
    # The reviewer's queue has the revert, as a change to read and approve.
    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    reviewing.go("/admin/review/signoff/")
    expect(reviewing.page.get_by_role("link", name="Chemotherapy")).to_be_visible()
    for tab in (editing, reader):
        assert not tab.problems, tab.problems


def test_a_reviewer_approves_only_what_they_read_and_never_their_own_change(
    visit, demo_site, editor, reviewer, django_user_model, role
):
    """
    The review page carries the version it shows: a save after the reviewer opened it makes their Approve
    a refusal that shows the newer change. A person who is editor and reviewer is offered no Approve on
    their own change; another reviewer approves it.
    """
    from review.models import MEDICAL_REVIEWERS, Reviewer
    from treatments.models import Treatment

    treatment = Treatment.objects.get(slug="chemotherapy")
    harmless = "Medicines that kill fast-growing cells, given in cycles."
    harmful = "Medicines you can stop whenever you like."
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    editing.go(f"/admin/treatments/treatment/{treatment.pk}/change/")
    editing.page.fill("#id_summary", harmless)
    editing.page.click("input[name=_submit_for_review]")
    expect(editing.page.locator(".messagelist")).to_contain_text("submitted for review")

    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    reviewing.go("/admin/review/signoff/")
    reviewing.page.get_by_role("link", name="Chemotherapy").click()
    expect(reviewing.page.locator("#content-main ins").first).to_be_visible()
    expect(reviewing.page.locator("#content-main")).not_to_contain_text("whenever")

    editing.go(f"/admin/treatments/treatment/{treatment.pk}/change/")
    editing.page.fill("#id_summary", harmful)
    editing.page.click("input[name=_submit_for_review]")
    expect(editing.page.locator(".messagelist")).to_contain_text("submitted for review")

    reviewing.page.get_by_role("button", name="Approve and publish").click()
    expect(reviewing.page.locator(".errornote")).to_contain_text("changed since you opened it")
    expect(reviewing.page.locator("#content-main")).to_contain_text("whenever")  # the newer change, shown
    reader = visit(PHONE)
    reader.go("/treatments/chemotherapy/")
    expect(reader.page.locator(".lead")).not_to_contain_text("whenever")

    # Sam writes and reviews: on his own change he is told another reviewer approves it.
    sam = django_user_model.objects.create_user("sam", password="a-long-test-password-1", is_staff=True)
    sam.groups.add(role("Editors"), role(MEDICAL_REVIEWERS))
    Reviewer.objects.create(user=sam, display_name="Dr Sam Okoro", credentials="consultant oncologist")
    radiation = Treatment.objects.get(slug="radiation-therapy")
    radiation_summary = "High-energy beams aimed at the cancer, a few minutes a day for some weeks."
    both = log_in(visit(DESKTOP), "sam", "a-long-test-password-1")
    both.go(f"/admin/treatments/treatment/{radiation.pk}/change/")
    both.page.fill("#id_summary", radiation_summary)
    both.page.click("input[name=_submit_for_review]")
    both.go("/admin/review/signoff/")
    both.page.get_by_role("link", name=radiation.title).click()
    expect(both.page.locator(".review-decision")).to_contain_text("another medical reviewer approves it")
    expect(both.page.get_by_role("button", name="Approve and publish")).to_have_count(0)

    reviewing.go("/admin/review/signoff/")
    reviewing.page.get_by_role("link", name=radiation.title).click()
    reviewing.page.get_by_role("button", name="Approve and publish").click()
    expect(reviewing.page.locator(".messagelist")).to_contain_text("is public as reviewed")
    reader.go("/treatments/radiation-therapy/")
    expect(reader.page.locator(".lead")).to_have_text(radiation_summary)
    for tab in (editing, reviewing, both, reader):
        assert not tab.problems, tab.problems


def test_a_reviewers_name_is_theirs_and_shows_at_once_on_their_pages(visit, demo_site, editor, reviewer):
    """Editors read a reviewer's profile but cannot change it; the reviewer changes their own, and pages follow."""
    from faq.models import Question

    profile = reviewer.reviewer
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    editing.go(f"/admin/review/reviewer/{profile.pk}/change/")
    expect(editing.page.locator("#content-main")).to_contain_text("Dr Amina Yusuf")
    expect(editing.page.locator("input[name=display_name]")).to_have_count(0)
    expect(editing.page.locator("input[name=_save]")).to_have_count(0)

    question = Question.objects.published().first()
    question.status = "draft"
    question.save()
    question.approve(reviewer)
    reader = visit(PHONE)
    reader.go(question.get_absolute_url())
    expect(reader.page.locator("main")).to_contain_text("Dr Amina Yusuf")

    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    reviewing.go(f"/admin/review/reviewer/{profile.pk}/change/")
    reviewing.page.fill("input[name=display_name]", "Dr Amina Yusuf-Hale")
    reviewing.page.click("input[name=_save]")
    expect(reviewing.page.locator(".messagelist")).to_contain_text("was changed successfully")
    reader.page.reload()
    expect(reader.page.locator("main")).to_contain_text("Dr Amina Yusuf-Hale")
    for tab in (editing, reviewing, reader):
        assert not tab.problems, tab.problems
