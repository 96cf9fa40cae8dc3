"""The donate path: campaign pages, the give redirect, thank-you pages, admin."""

import datetime
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from donations import donate_query
from donations.models import Campaign, DonateClick, SuggestedAmount

from .helpers import campaign_form, soup_of

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


@pytest.fixture
def every_org_campaign(make_campaign):
    return make_campaign(
        "Support line",
        donate_url="https://www.every.org/ribbon/f/support",
        monthly_donate_url="https://www.every.org/ribbon/f/support-monthly",
        amounts=[(10, "a month of hosting", True)],
    )


def give(client, campaign, **params):
    headers = params.pop("headers", {"user-agent": BROWSER})
    meta = params.pop("meta", {})  # e.g. the connection's address, REMOTE_ADDR
    return client.get(campaign.get_give_url(), params, headers=headers, **meta)


# The give redirect -----------------------------------------------------------------


def test_a_click_lands_on_the_provider_and_records_one_anonymous_click(client, every_org_campaign, make_treatment):
    make_treatment("Chemotherapy")
    response = give(
        client, every_org_campaign, amount="30", frequency="monthly", **{"from": "/treatments/chemotherapy/"}
    )
    assert response.status_code == 302
    assert response["Location"] == (
        "https://www.every.org/ribbon/f/support-monthly?amount=30&frequency=MONTHLY"
        "&utm_source=ribbon&utm_medium=donate_button&utm_campaign=support-line"
    )
    click = DonateClick.objects.get()
    assert (click.campaign, click.amount, click.frequency, click.source_path) == (
        every_org_campaign,
        Decimal("30"),
        "monthly",
        "/treatments/chemotherapy/",
    )
    assert {field.name for field in DonateClick._meta.get_fields()} == {
        "id",
        "campaign",
        "amount",
        "frequency",
        "source_path",
        "created_at",
        "reference",  # random per click, made on the server: it names no person
        "gifts",  # the gifts the provider confirmed came from this click
    }, "nothing that identifies a person is stored"
    assert re.fullmatch(r"[0-9a-f]{24}", click.reference)
    assert not response.cookies, "no cookie is set"
    assert "no-store" in response["Cache-Control"]


def test_stripe_gets_the_campaign_and_click_as_reference_and_no_amount(client, stripe_campaign):
    response = give(client, stripe_campaign, amount="50")
    click = DonateClick.objects.get()
    assert response["Location"].startswith(
        f"https://buy.stripe.com/test_once?client_reference_id=fund-research__{click.reference}&"
    )
    assert "amount=" not in response["Location"]
    # A click that is not counted (a link scanner) has no reference: the campaign alone.
    scanned = give(client, stripe_campaign, headers={"user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    assert "client_reference_id=fund-research&" in scanned["Location"]


def test_a_typed_amount_wins_over_the_preselected_one(client, every_org_campaign):
    response = give(client, every_org_campaign, amount="10", custom_amount="$1,250.50")
    assert "amount=1250.50" in response["Location"]
    assert DonateClick.objects.get().amount == Decimal("1250.50")


def test_head_requests_and_link_scanners_are_redirected_but_not_counted(client, every_org_campaign):
    assert client.head(every_org_campaign.get_give_url(), {"amount": "10"}).status_code == 302
    for agent in [
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "Slackbot-LinkExpanding 1.0",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "Mozilla/5.0 HeadlessChrome/126.0",
        "curl/8.5.0",
    ]:
        assert give(client, every_org_campaign, amount="10", headers={"user-agent": agent}).status_code == 302
    assert DonateClick.objects.count() == 0


@pytest.mark.parametrize(
    "params",
    [
        {"amount": "-5"},
        {"amount": "abc"},
        {"amount": "0"},
        {"amount": "0.50"},
        {"amount": "1e5"},
        {"amount": "10.999"},
        {"amount": "NaN"},
        {"amount": "Infinity"},
        {"amount": "1000001"},
        {"amount": "50", "frequency": "weekly"},
        {"amount": "50", "frequency": "<script>"},
        {"custom_amount": "fifty"},
    ],
)
def test_bad_input_gets_a_400_page_that_explains_and_records_nothing(client, every_org_campaign, params):
    response = give(client, every_org_campaign, **params)
    assert response.status_code == 400
    page = soup_of(response)
    assert page.h1.get_text() == "We could not start your donation"
    assert page.find("a", href=every_org_campaign.get_absolute_url())
    assert DonateClick.objects.count() == 0


def test_the_way_back_from_a_refused_amount_keeps_where_the_journey_began(client, every_org_campaign):
    response = give(client, every_org_campaign, amount="fifty", **{"from": "/faq/"})
    back = soup_of(response).find("a", string=f"Back to {every_org_campaign.title}")
    assert back["href"] == f"{every_org_campaign.get_absolute_url()}?from=/faq/"


def test_monthly_is_refused_where_the_provider_cannot_take_it(client, stripe_campaign):
    response = give(client, stripe_campaign, amount="50", frequency="monthly")
    assert response.status_code == 400
    assert b"one-time gifts only" in response.content


def test_no_amount_lets_the_donor_choose_on_the_provider_page(client, every_org_campaign):
    response = give(client, every_org_campaign)
    assert response.status_code == 302
    assert "amount=" not in response["Location"]
    assert DonateClick.objects.get().amount is None


@pytest.mark.parametrize("declared", ["//evil.example/x", "https://evil.example/", "/a\\b", "x" * 300, "/ok\nx"])
def test_only_a_plain_path_on_this_site_is_kept_as_the_source(client, every_org_campaign, declared):
    give(client, every_org_campaign, amount="10", **{"from": declared})
    assert DonateClick.objects.get().source_path == ""


def test_a_same_site_referer_is_the_source_when_the_form_says_nothing(client, every_org_campaign):
    give(
        client,
        every_org_campaign,
        amount="10",
        headers={"user-agent": BROWSER, "referer": "http://testserver/faq/?q=x"},
    )
    give(
        client, every_org_campaign, amount="10", headers={"user-agent": BROWSER, "referer": "https://evil.example/faq/"}
    )
    assert sorted(DonateClick.objects.values_list("source_path", flat=True)) == ["", "/faq/"]


def test_ended_draft_and_future_campaigns_do_not_redirect(client, make_campaign, stripe_campaign):
    today = timezone.localdate()
    ended = make_campaign(
        "Old appeal", starts_on=today - datetime.timedelta(days=100), ends_on=today - datetime.timedelta(days=1)
    )
    draft = make_campaign("Secret", status=Campaign.Status.DRAFT)
    future = make_campaign("Soon", starts_on=today + datetime.timedelta(days=5))
    for campaign, status in [(ended, 410), (draft, 404), (future, 404)]:
        response = give(client, campaign, amount="10")
        assert response.status_code == status
        page = soup_of(response)
        assert page.find("a", href=stripe_campaign.get_absolute_url()), "points to the featured campaign"
    assert "Old appeal is not taking gifts" in soup_of(give(client, ended)).h1.get_text()
    assert "Secret" not in give(client, draft).content.decode()
    assert DonateClick.objects.count() == 0
    assert client.get("/donate/no-such-campaign/give/").status_code == 404


def test_only_get_and_head_are_allowed(client, every_org_campaign):
    assert client.post(every_org_campaign.get_give_url(), {"amount": "10"}).status_code == 405


# Campaign pages ----------------------------------------------------------------------


def test_donate_shows_the_featured_campaign_with_its_progress(client, stripe_campaign, every_org_campaign):
    page = soup_of(client.get("/donate/"))
    assert page.h1.get_text() == "Fund research"
    summary = page.select_one(".progress__summary").get_text()
    assert summary == "$12,500 raised of $50,000 · 25% · 130 donors · 18 days left"
    bar = page.find("progress")
    assert (bar["max"], bar["value"]) == ("100", "25")
    assert page.find(id=bar["aria-labelledby"]).get_text() == summary


def test_donate_lists_active_campaigns_when_none_is_featured(client, every_org_campaign, make_campaign):
    make_campaign("Another appeal")
    page = soup_of(client.get("/donate/"))
    assert page.h1.get_text() == "Donate"
    assert [a.get_text() for a in page.select(".card__title a")] == ["Another appeal", "Support line"]
    assert len(page.select(".card progress")) == 2


def test_campaign_page_offers_amounts_frequency_and_a_custom_amount_in_a_plain_form(client, every_org_campaign):
    page = soup_of(client.get(every_org_campaign.get_absolute_url()))
    form = page.find("form", class_="donate-form")
    assert form["method"] == "get"
    assert form["action"] == every_org_campaign.get_give_url()
    choices = form.select("input[name=amount]")
    assert [(c["value"], c.has_attr("checked")) for c in choices] == [("10", True)]
    label = form.find("label", attrs={"for": choices[0]["id"]}).get_text(" ", strip=True)
    assert label == "$10 a month of hosting"
    assert [r["value"] for r in form.select("input[name=frequency]")] == ["one-time", "monthly"]
    assert form.find("label", attrs={"for": "custom-amount"})
    assert form.find("input", attrs={"name": "from"})["value"] == every_org_campaign.get_absolute_url()
    assert not page.find("script", src=True)


def test_frequency_choice_is_hidden_where_monthly_is_impossible(client, stripe_campaign):
    page = soup_of(client.get(stripe_campaign.get_absolute_url()))
    assert not page.select("input[name=frequency]")
    assert "where you confirm the amount" in page.get_text()


@pytest.mark.parametrize(
    ("goal", "raised", "donors", "days", "summary", "bar"),
    [
        (50000, 55000, 1, 0, "$55,000 raised of $50,000 · goal reached (110%) · 1 donor · last day", "100"),
        (0, 1234, 3, None, "$1,234 raised · 3 donors", None),
        (1000, 0, 0, 1, "$0 raised of $1,000 · 0% · 0 donors · 1 day left", "0"),
    ],
)
def test_progress_edge_cases(client, make_campaign, goal, raised, donors, days, summary, bar):
    ends_on = None if days is None else timezone.localdate() + datetime.timedelta(days=days)
    campaign = make_campaign(goal=Decimal(goal), raised=Decimal(raised), donor_count=donors, ends_on=ends_on)
    page = soup_of(client.get(campaign.get_absolute_url()))
    assert page.select_one(".progress__summary").get_text() == summary
    progress = page.find("progress")
    assert (progress["value"] if progress else None) == bar


def test_an_ended_campaign_page_says_so_and_points_to_the_featured_one(client, make_campaign, stripe_campaign):
    today = timezone.localdate()
    ended = make_campaign(
        "Old appeal", starts_on=today - datetime.timedelta(days=100), ends_on=today - datetime.timedelta(days=3)
    )
    page = soup_of(client.get(ended.get_absolute_url()))
    assert page.select_one(".campaign-closed h2").get_text() == "This campaign has ended"
    assert not page.find("form", class_="donate-form")
    assert page.select_one(".campaign-closed").find("a", href=stripe_campaign.get_absolute_url())


def test_a_draft_campaign_is_hidden_from_the_public(client, staff_user, make_campaign):
    draft = make_campaign("Secret", status=Campaign.Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(staff_user)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_story_and_thank_you_are_sanitised_markdown(client, make_campaign):
    campaign = make_campaign(
        story="**Bold** <script>alert(1)</script> [x](javascript:alert(1))",
        thank_you_message="Thank you, <img src=x onerror=alert(1)> **friend**.",
    )
    story = client.get(campaign.get_absolute_url()).content.decode()
    assert "<strong>Bold</strong>" in story
    assert "<script>alert" not in story
    assert "javascript:" not in story
    thanks = soup_of(client.get(campaign.get_thanks_url()))
    assert thanks.select_one(".prose strong").get_text() == "friend"
    assert not thanks.find("img", onerror=True)


def test_thank_you_pages(client, every_org_campaign):
    generic = soup_of(client.get("/donate/thanks/"))
    assert generic.h1.get_text() == "Thank you"
    assert generic.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    specific = soup_of(client.get("/donate/support-line/thanks/"))
    assert specific.h1.get_text() == "Thank you for supporting Support line"
    assert client.get("/donate/nope/thanks/").status_code == 404


def test_every_page_has_a_donate_button_and_treatment_pages_end_with_a_call_to_action(
    client, full_treatment, stripe_campaign
):
    # Each names the page it is on, so that a gift is credited to where the donor's journey began.
    for url in ["/", "/treatments/", full_treatment.get_absolute_url(), "/faq/"]:
        nav = soup_of(client.get(url)).select_one(".site-nav")
        assert nav.find("a", href=f"/donate/?from={url}").get_text() == "Donate", url
    nav = soup_of(client.get("/donate/thanks/")).select_one(".site-nav")
    assert nav.find("a", href="/donate/").get_text() == "Donate"
    page = soup_of(client.get(full_treatment.get_absolute_url()))
    cta = page.find("aside", class_="donate-cta")
    assert cta.find("a", href=f"/donate/?from={full_treatment.get_absolute_url()}")
    assert cta.find_parent("article") is None, "kept apart from the medical content"


def test_home_page_shows_the_featured_campaigns_progress(client, stripe_campaign):
    page = soup_of(client.get("/"))
    assert page.select_one(".home-campaign .progress__summary").get_text().startswith("$12,500 raised of $50,000")
    assert page.select_one(".home-campaign").find("a", href=f"{stripe_campaign.get_absolute_url()}?from=/")


@pytest.mark.parametrize("count", [3, 30])
def test_campaign_pages_cost_the_same_with_3_or_30_suggested_amounts(
    client, make_campaign, django_assert_num_queries, count
):
    campaign = make_campaign(
        "Many amounts", is_featured=True, amounts=[(n, f"impact {n}") for n in range(5, 5 + count)]
    )
    for url in [campaign.get_absolute_url(), "/donate/"]:
        with django_assert_num_queries(2):  # the campaign, its suggested amounts
            response = client.get(url)
        assert len(soup_of(response).select("input[name=amount]")) == count


# Model rules -----------------------------------------------------------------------------


def test_featuring_a_campaign_unfeatures_the_other(make_campaign):
    first = make_campaign("First", is_featured=True)
    second = make_campaign("Second", is_featured=True)
    first.refresh_from_db()
    assert (first.is_featured, second.is_featured) == (False, True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.update(is_featured=True)  # the database refuses two as well


def test_staff_feature_another_campaign_from_its_admin_page(admin_client, stripe_campaign):
    """The form does not refuse what saving does: featuring this campaign unfeatures the other."""
    response = admin_client.post("/admin/donations/campaign/add/", campaign_form(is_featured="on"), follow=True)
    assert response.redirect_chain, soup_of(response).select_one(".errornote, .errorlist")
    messages = [str(message) for message in response.context["messages"]]
    assert "“Spring appeal” is now the featured campaign instead of “Fund research”." in messages
    stripe_campaign.refresh_from_db()
    assert not stripe_campaign.is_featured
    assert Campaign.objects.get(slug="spring-appeal").is_featured


def test_one_default_amount_per_campaign_in_the_database(make_campaign):
    campaign = make_campaign(amounts=[(10, "a", True)])
    with pytest.raises(IntegrityError), transaction.atomic():
        SuggestedAmount.objects.create(campaign=campaign, amount=20, impact="b", is_default=True)


def test_dates_and_reserved_slugs_are_checked(make_campaign):
    from django.core.exceptions import ValidationError

    campaign = make_campaign(ends_on=timezone.localdate() - datetime.timedelta(days=400))
    with pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert "ends_on" in error.value.message_dict
    assert make_campaign("Thanks").slug == "thanks-campaign"


# Admin ---------------------------------------------------------------------------------------


def test_an_editor_can_create_a_campaign_with_amounts_but_not_delete_it(client, editor):
    client.force_login(editor)
    response = client.post("/admin/donations/campaign/add/", campaign_form())
    assert response.status_code == 302, soup_of(response).select(".errorlist")
    campaign = Campaign.objects.get()
    assert [(a.amount, a.is_default) for a in campaign.amounts.all()] == [(Decimal("25"), False), (Decimal("50"), True)]
    assert client.get(f"/admin/donations/campaign/{campaign.pk}/delete/").status_code == 403


def test_a_bad_donate_link_is_shown_on_its_field_and_nothing_is_saved(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/donations/campaign/add/", campaign_form(donate_url="https://buy.stripe.com@evil.example/")
    )
    assert response.status_code == 200
    field_errors = soup_of(response).select(".field-donate_url .errorlist")
    assert "hides its real destination" in field_errors[0].get_text()
    assert Campaign.objects.count() == 0
    assert SuggestedAmount.objects.count() == 0


def test_two_default_amounts_are_a_form_error(client, editor):
    client.force_login(editor)
    response = client.post("/admin/donations/campaign/add/", campaign_form(**{"amounts-0-is_default": "on"}))
    assert response.status_code == 200
    assert b"Only one suggested amount can be selected by default." in response.content
    assert Campaign.objects.count() == 0


def test_admin_list_and_page_show_progress_and_clicks(client, editor, stripe_campaign):
    now = timezone.now()
    DonateClick.objects.create(campaign=stripe_campaign, amount=50, frequency="one-time")
    DonateClick.objects.create(
        campaign=stripe_campaign, amount=25, frequency="one-time", created_at=now - datetime.timedelta(days=2)
    )
    DonateClick.objects.create(
        campaign=stripe_campaign, amount=25, frequency="one-time", created_at=now - datetime.timedelta(days=60)
    )
    client.force_login(editor)
    listing = soup_of(client.get("/admin/donations/campaign/"))
    row = listing.select_one("#result_list tbody tr")
    assert row.select_one(".field-progress").get_text() == "25%"
    assert row.select_one(".field-clicks_last_30_days").get_text() == "2"
    assert row.select_one(".field-clicks_total").get_text() == "3"
    assert row.select_one(".field-raised_display").get_text() == "$12,500"
    page = soup_of(client.get(f"/admin/donations/campaign/{stripe_campaign.pk}/change/"))
    table = page.select_one(".field-activity table")
    assert len(table.select("tbody tr")) == 30
    assert table.select_one("tfoot td").get_text() == "2"


def test_donate_clicks_are_read_only_in_the_admin(client, admin_client, stripe_campaign):
    click = DonateClick.objects.create(campaign=stripe_campaign, amount=50, frequency="one-time")
    assert admin_client.get("/admin/donations/donateclick/").status_code == 200
    assert admin_client.get("/admin/donations/donateclick/add/").status_code == 403
    admin_client.post(f"/admin/donations/donateclick/{click.pk}/change/", {"amount": "999"})
    click.refresh_from_db()
    assert click.amount == Decimal("50")


def test_demo_campaigns_are_loaded_once(db):
    call_command("load_demo", stdout=StringIO())
    featured = Campaign.objects.featured().get()
    assert featured.amounts.count() >= 3
    assert featured.is_active()
    assert featured.accepts_monthly
    other = Campaign.objects.exclude(pk=featured.pk).exclude(monthly_donate_url="").get()
    assert other.provider is not featured.provider, "a monthly link on another provider"
    assert other.is_active()
    assert Campaign.objects.filter(ends_on__lt=timezone.localdate()).count() == 1
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert Campaign.objects.count() == 3
    assert "Demo campaigns: 0 created" in out.getvalue()


# Click counts that cannot be inflated --------------------------------------------------


def test_twenty_clicks_with_made_up_sources_count_at_most_three(client, every_org_campaign):
    """The attack: 20 requests with a browser's user agent and invented source pages added 20 clicks."""
    for number in range(20):
        response = give(client, every_org_campaign, amount="99999", **{"from": f"/competitor-ad-{number}"})
        assert response.status_code in (302, 400)
        response = give(client, every_org_campaign, amount="50", **{"from": f"/competitor-ad-{number}"})
        assert response.status_code == 302, "the donor is always sent on"
    clicks = DonateClick.objects.all()
    assert clicks.count() == donate_query.CLICKS_COUNTED_PER_HOUR
    assert set(clicks.values_list("source_path", flat=True)) == {""}


def test_each_client_has_its_own_allowance_and_no_address_is_kept(client, every_org_campaign):
    from django.core.cache import caches

    for address in ("198.51.100.1", "198.51.100.2"):
        for _ in range(5):
            give(client, every_org_campaign, amount="10", meta={"REMOTE_ADDR": address})
    assert DonateClick.objects.count() == 2 * donate_query.CLICKS_COUNTED_PER_HOUR
    folder = Path(caches["counters"]._dir)
    stored = b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())
    assert stored, "the counters live in the cache"
    assert b"198.51.100" not in stored
    assert not any("198.51.100" in path.name for path in folder.rglob("*"))


def test_behind_the_proxy_visitors_are_counted_apart(client, every_org_campaign, settings):
    settings.RIBBON_TRUSTED_PROXIES = 1
    for visitor in ("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"):
        give(
            client,
            every_org_campaign,
            amount="10",
            headers={"user-agent": BROWSER, "X-Forwarded-For": visitor},
            meta={"REMOTE_ADDR": "10.0.0.2"},
        )
    assert DonateClick.objects.count() == 4, "the proxy's own address does not make everyone one client"


def test_a_source_is_kept_only_if_it_is_a_public_page_that_exists(client, every_org_campaign, make_treatment):
    from treatments.models import Treatment

    make_treatment("Surgery")
    make_treatment("Secret draft", status=Treatment.Status.DRAFT)
    sources = {
        "/treatments/surgery/": "/treatments/surgery/",
        "/treatments/?tag=x": "/treatments/",
        "/faq/": "/faq/",
        "/treatments/made-up/": "",
        "/treatments/secret-draft/": "",
        f"/donate/{every_org_campaign.slug}/": f"/donate/{every_org_campaign.slug}/",
        f"/donate/{every_org_campaign.slug}/give/": "",
        "/admin/": "",
        "/competitor-ad": "",
    }
    recorded = []
    for number, declared in enumerate(sources):
        meta = {"REMOTE_ADDR": f"198.51.100.{number + 1}"}
        give(client, every_org_campaign, amount="10", meta=meta, **{"from": declared})
        recorded.append((declared, DonateClick.objects.latest("pk").source_path))
    assert recorded == list(sources.items())


# The page a donor set out from --------------------------------------------------------


def test_the_donate_page_passes_on_the_page_where_donate_was_pressed(client, stripe_campaign, make_treatment):
    make_treatment("Surgery")
    page = soup_of(client.get("/donate/?from=/treatments/surgery/"))
    assert page.select_one("form.donate-form input[name=from]")["value"] == "/treatments/surgery/"
    # Pressing the header's Donate again, here, keeps where the journey began.
    assert page.select_one(".site-nav").find("a", string="Donate")["href"] == "/donate/?from=/treatments/surgery/"
    # Without one, the form names the donate page itself, as before.
    page = soup_of(client.get(stripe_campaign.get_absolute_url()))
    assert page.select_one("form.donate-form input[name=from]")["value"] == stripe_campaign.get_absolute_url()


@pytest.mark.parametrize(
    "source", ["/treatments/made-up/", "//evil.example/", "https://evil.example/", "/admin/", "/faq/?q=x", ""]
)
def test_a_source_that_is_not_a_public_page_is_dropped_from_the_address(client, stripe_campaign, source):
    response = client.get(f"{stripe_campaign.get_absolute_url()}?from={source}")
    assert (response.status_code, response["Location"]) == (301, stripe_campaign.get_absolute_url())


def test_the_list_of_appeals_passes_the_source_on_to_each(client, every_org_campaign, make_campaign):
    make_campaign("Second appeal")
    page = soup_of(client.get("/donate/?from=/faq/"))
    links = [a["href"] for a in page.select(".card__title a")]
    assert len(links) == 2
    assert all(link.endswith("?from=/faq/") for link in links), links


def test_a_click_from_the_form_on_the_donate_page_names_where_the_journey_began(
    client, every_org_campaign, make_treatment
):
    make_treatment("Surgery")
    page = soup_of(client.get(f"{every_org_campaign.get_absolute_url()}?from=/treatments/surgery/"))
    fields = {field["name"]: field.get("value", "") for field in page.select("form.donate-form input[type=hidden]")}
    give(client, every_org_campaign, amount="30", **fields)
    assert DonateClick.objects.get().source_path == "/treatments/surgery/"
