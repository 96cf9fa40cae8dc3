"""
Giving in Spanish: one campaign (one goal, one total) read in either language, its Spanish words where
written, its figures as Spanish writes them, the provider's page in Spanish where the provider documents
how, and a gift making both languages' pages stale.
"""

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from donations.models import Campaign, CampaignText
from pagecache.parameters import is_public_page

from .helpers import STRIPE_SECRET, campaign_form, gift_event, post_to_stripe, soup_of, visible

pytestmark = pytest.mark.django_db

NBSP = "\xa0"
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(autouse=True)
def stripe_secret(settings):
    settings.STRIPE_WEBHOOK_SECRETS = [STRIPE_SECRET]


@pytest.fixture
def in_spanish(stripe_campaign):
    CampaignText.objects.create(
        campaign=stripe_campaign,
        language="es",
        title="Financie la investigación",
        summary="Lo que hace el dinero.",
        story="Por qué **importa**.",
        thank_you_message="¡Gracias de corazón!",
    )
    return stripe_campaign


def alternates_of(page):
    return {link["hreflang"]: urlsplit(link["href"]).path for link in page.select("link[rel=alternate][hreflang]")}


def test_the_spanish_campaign_page_is_in_spanish_and_links_the_english_one_both_ways(client, in_spanish):
    response = client.get("/es/donate/financie-la-investigacion/")
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    page = soup_of(response)
    assert page.html["lang"] == "es"
    assert page.h1.get_text() == "Financie la investigación"
    assert not page.h1.select("[lang]"), "its own words need no mark"
    assert "<strong>importa</strong>" in str(page.select_one(".campaign__story"))
    assert page.title.get_text().startswith("Financie la investigación")
    assert page.select_one("meta[name=description]")["content"] == "Lo que hace el dinero."
    assert page.select_one("form.donate-form button[type=submit]").get_text() == "Donar"
    assert page.select_one("form.donate-form")["action"] == "/es/donate/financie-la-investigacion/give/"
    assert alternates_of(page) == {"es": "/es/donate/financie-la-investigacion/", "en": "/donate/fund-research/"}
    assert page.select_one('.page-languages a[hreflang="en"]')["href"] == "/donate/fund-research/"

    english = soup_of(client.get("/donate/fund-research/"))
    assert english.h1.get_text() == "Fund research"
    assert alternates_of(english) == {"en": "/donate/fund-research/", "es": "/es/donate/financie-la-investigacion/"}
    assert english.select_one('.page-languages a[hreflang="es"]')["href"] == "/es/donate/financie-la-investigacion/"


def test_amounts_counts_and_percentages_are_written_as_spanish_writes_them(client, in_spanish):
    page = soup_of(client.get("/es/donate/financie-la-investigacion/"))
    summary = page.select_one(".progress__summary").get_text()
    assert summary.startswith(f"12{NBSP}500{NBSP}US$ recaudados de una meta de 50{NBSP}000{NBSP}US$ · 25{NBSP}% · 130 ")
    assert [label.get_text() for label in page.select(".choice__value")][:3] == [
        f"25{NBSP}US$",
        f"50{NBSP}US$",
        f"100{NBSP}US$",
    ]
    english = soup_of(client.get("/donate/fund-research/")).select_one(".progress__summary").get_text()
    assert english.startswith("$12,500 raised of $50,000 · 25% · 130 donors")


def test_a_campaign_without_spanish_words_is_shown_in_english_marked_as_english(client, stripe_campaign):
    page = soup_of(client.get("/es/donate/fund-research/"))
    assert page.html["lang"] == "es"
    assert page.h1.select_one('span[lang="en"]').get_text() == "Fund research"
    assert page.select_one(".campaign__story")["lang"] == "en"
    assert page.title.get_text().startswith("Donar"), "the head cannot mark English, so it says Donate in Spanish"
    assert page.select_one("meta[name=robots]")["content"] == "noindex"
    assert page.select_one("form.donate-form button[type=submit]").get_text() == "Donar"
    english = soup_of(client.get("/donate/fund-research/"))
    assert not english.select("meta[name=robots]")


def test_the_spanish_thank_you_page_says_the_campaigns_spanish_thanks(client, in_spanish):
    page = soup_of(client.get("/es/donate/financie-la-investigacion/thanks/"))
    assert page.h1.get_text() == "Gracias por apoyar Financie la investigación"
    assert "¡Gracias de corazón!" in page.select_one(".prose").get_text()
    assert alternates_of(page)["en"] == "/donate/fund-research/thanks/"


def test_the_list_of_appeals_in_spanish_shows_each_in_its_spanish_words_or_marked_english(
    client, make_campaign, in_spanish
):
    in_spanish.is_featured = False
    in_spanish.save()
    make_campaign("Support line")
    page = soup_of(client.get("/es/donate/"))
    titles = {visible(link.get_text()): link for link in page.select(".card__title a")}
    assert set(titles) == {"Financie la investigación", "Support line"}
    assert titles["Support line"].select_one('span[lang="en"]')
    assert titles["Financie la investigación"]["href"].startswith("/es/donate/financie-la-investigacion/")


def test_a_gift_makes_the_spanish_page_stale_as_well_as_the_english_one(client, in_spanish, commit):
    with commit():
        pass
    for address in ("/es/donate/financie-la-investigacion/", "/donate/fund-research/", "/es/donate/"):
        client.get(address)
        assert client.get(address)["X-Page-Cache"] == "hit", address
    with commit():
        assert post_to_stripe(Client(), gift_event(in_spanish, amount_total=100000)).status_code == 200
    assert f"13{NBSP}500{NBSP}US$ recaudado" in client.get("/es/donate/financie-la-investigacion/").content.decode()
    assert f"13{NBSP}500{NBSP}US$ recaudado" in client.get("/es/donate/").content.decode()
    assert "$13,500 raised" in client.get("/donate/fund-research/").content.decode()


def test_editing_the_spanish_words_makes_the_spanish_page_stale(client, in_spanish, commit):
    with commit():
        pass
    client.get("/es/donate/financie-la-investigacion/")
    with commit():
        text = in_spanish.texts.get()
        text.title = "Apoye la investigación"
        text.save()
    assert soup_of(client.get("/es/donate/financie-la-investigacion/")).h1.get_text() == "Apoye la investigación"


def give_from(client, campaign, language_prefix="", **params):
    response = client.get(f"{language_prefix}/donate/{campaign.slug}/give/", {"amount": "50", **params})
    assert response.status_code == 302
    return response["Location"]


def test_giving_from_a_spanish_page_opens_stripes_page_in_spanish(client, in_spanish):
    location = give_from(client, in_spanish, "/es")
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "buy.stripe.com", "/test_once")
    assert parse_qs(parts.query)["locale"] == ["es"]
    assert "locale" not in parse_qs(urlsplit(give_from(client, in_spanish)).query), (
        "English: Stripe follows the browser"
    )


def test_a_spanish_amount_is_read_with_its_decimal_comma(client, make_campaign):
    campaign = make_campaign("Every appeal", donate_url="https://www.every.org/ribbon/f/appeal")
    location = give_from(client, campaign, "/es", custom_amount="25,50")
    assert parse_qs(urlsplit(location).query)["amount"] == ["25.50"]
    location = give_from(client, campaign, "/es", custom_amount="1.000")
    assert parse_qs(urlsplit(location).query)["amount"] == ["1000"]


def test_a_spanish_amount_that_cannot_be_read_is_explained_with_a_spanish_example(client, make_campaign):
    campaign = make_campaign("Every appeal", donate_url="https://www.every.org/ribbon/f/appeal")
    response = client.get(f"/es/donate/{campaign.slug}/give/", {"custom_amount": "25,505"})
    assert response.status_code == 400
    assert "como 25 o 25,50" in soup_of(response).get_text()


def test_the_headers_donate_link_on_a_spanish_page_is_to_the_spanish_donate_page_and_not_marked_english(
    client, stripe_campaign
):
    link = soup_of(client.get("/es/treatments/")).select_one(".site-nav__donate")
    assert link["href"].startswith("/es/donate/")
    assert link.get_text() == "Donar"
    assert not link.has_attr("hreflang"), "the donate page is in Spanish too"


@pytest.mark.parametrize(
    "donate_url",
    [
        "https://www.every.org/ribbon/f/appeal",
        "https://givebutter.com/ribbon-appeal",
        "https://donorbox.org/ribbon-appeal",
        "https://www.paypal.com/donate/?hosted_button_id=ABC123",
    ],
)
def test_a_provider_without_a_documented_language_gets_none_and_stays_on_its_host(client, make_campaign, donate_url):
    campaign = make_campaign("Other provider", donate_url=donate_url)
    spanish, english = give_from(client, campaign, "/es"), give_from(client, campaign)
    assert urlsplit(spanish).netloc == urlsplit(donate_url).netloc
    assert parse_qs(urlsplit(spanish).query) == parse_qs(urlsplit(english).query)


def test_the_stripe_webhook_is_not_a_page_in_spanish(client):
    assert client.post("/es/donate/webhooks/stripe/", data="{}", content_type="application/json").status_code == 404


def test_the_spanish_campaign_page_costs_what_the_english_one_does_however_many_campaigns(
    client, in_spanish, make_campaign, django_assert_num_queries
):
    def queries(address):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(address).status_code == 200
        return len(captured)

    english = queries("/donate/fund-research/")
    assert english > 0
    with django_assert_num_queries(english):
        client.get("/es/donate/financie-la-investigacion/")
    one_list = queries("/es/donate/")
    for number in range(5):
        campaign = make_campaign(f"More {number}")
        CampaignText.objects.create(campaign=campaign, language="es", title=f"Más {number}", summary="S.", story="H.")
    with django_assert_num_queries(english):
        client.get("/es/donate/financie-la-investigacion/")
    in_spanish.is_featured = False
    in_spanish.save()
    listed = queries("/es/donate/")
    assert listed == queries("/donate/")
    assert listed <= one_list + 1, "the list of appeals reads each campaign's Spanish words with the campaign"


# Its Spanish address -------------------------------------------------------------------------------

SPANISH = "/es/donate/financie-la-investigacion/"


def test_a_campaign_with_spanish_words_is_at_its_spanish_slug_made_from_its_spanish_title(client, in_spanish):
    assert in_spanish.texts.get().slug == "financie-la-investigacion"
    response = client.get(SPANISH)
    assert response.status_code == 200
    page = soup_of(response)
    assert page.select_one("link[rel=canonical]")["href"] == f"http://testserver{SPANISH}"
    assert page.select_one("meta[property='og:url']")["content"] == f"http://testserver{SPANISH}"
    assert client.get(f"{SPANISH}give/", {"amount": "50"}).status_code == 302
    assert client.get("/donate/financie-la-investigacion/").status_code == 404, "in English it has its own"


def test_its_english_slug_under_es_leads_permanently_to_its_spanish_address(client, in_spanish):
    for asked, address in [
        ("/es/donate/fund-research/", SPANISH),
        ("/es/donate/fund-research/thanks/", f"{SPANISH}thanks/"),
        ("/es/donate/fund-research/?from=/es/", SPANISH),
    ]:
        response = client.get(asked)
        assert (response.status_code, response["Location"]) == (301, address), asked
    assert not is_public_page("/es/donate/fund-research/"), "a redirect, not a page to keep or credit gifts to"
    assert is_public_page(SPANISH)


def test_an_editor_may_choose_the_spanish_slug_but_not_one_another_campaign_answers_to(in_spanish, make_campaign):
    other = make_campaign("Apoyo")
    text = CampaignText(campaign=other, language="es", title="Apoyo", slug="apoyo-diario", summary="S.", story="H.")
    text.full_clean()
    text.save()
    assert other.address_in("es") == "/es/donate/apoyo-diario/"
    for taken in ("fund-research", "financie-la-investigacion", "thanks"):
        text.slug = taken
        with pytest.raises(ValidationError) as refused:
            text.full_clean()
        assert "slug" in refused.value.message_dict, taken
    other.slug = "financie-la-investigacion"
    with pytest.raises(ValidationError) as refused:
        other.full_clean()
    assert "slug" in refused.value.message_dict, "its English slug is another campaign's Spanish address"


def test_a_title_another_campaign_answers_to_gets_a_slug_of_its_own(in_spanish, make_campaign):
    other = make_campaign("Apoyo")
    text = CampaignText.objects.create(campaign=other, language="es", title="Fund research", summary="S.", story="H.")
    assert text.slug == "fund-research-2"


def test_the_sitemap_lists_the_spanish_page_at_its_spanish_address_beside_the_english_one(
    client, in_spanish, make_campaign
):
    make_campaign("Only in English")
    body = client.get("/sitemap.xml").content
    entries = {url.find("s:loc", SITEMAP).text: url for url in ET.fromstring(body).findall("s:url", SITEMAP)}
    spanish = f"http://testserver{SPANISH}"
    english = "http://testserver/donate/fund-research/"
    for address in (spanish, english):
        links = {link.get("hreflang"): link.get("href") for link in entries[address].findall("x:link", SITEMAP)}
        assert links == {"es": spanish, "en": english}, address
    assert "http://testserver/es/donate/only-in-english/" not in entries, "its Spanish page asks not to be indexed"
    assert b"/es/donate/fund-research/" not in body
    assert "http://testserver/es/donate/" in entries, "the donate page shows the featured campaign in Spanish"


def test_the_spanish_home_page_shows_the_featured_campaign_in_spanish_and_leads_to_its_spanish_address(
    client, in_spanish
):
    section = soup_of(client.get("/es/")).select_one(".home-campaign")
    assert section.h2.get_text() == "Financie la investigación"
    assert not section.h2.select("[lang]"), "its own words need no mark"
    assert section.select_one("p").get_text() == "Lo que hace el dinero."
    button = section.select_one("a.button")
    assert button["href"].startswith(f"{SPANISH}?from=")
    assert visible(button.get_text()) == "Donar a Financie la investigación"
    english = soup_of(client.get("/")).select_one(".home-campaign")
    assert english.h2.get_text() == "Fund research"
    in_spanish.texts.all().delete()
    heading = soup_of(client.get("/es/")).select_one(".home-campaign h2")
    assert heading.select_one('span[lang="en"]').get_text() == "Fund research", "its English title, marked"


def test_a_spanish_articles_appeal_names_the_campaign_in_spanish_at_its_spanish_address(client, in_spanish):
    from .test_articles import make_article

    article = make_article("Gorros fríos", language="es", appeal="Apoye nuestro trabajo.")
    link = soup_of(client.get(article.get_absolute_url())).select_one(".donate-cta a.button")
    assert link["href"] == f"{SPANISH}?from={article.get_absolute_url()}"
    assert visible(link.get_text()) == "Donar a Financie la investigación"
    article.appeal_campaign = in_spanish
    article.save()
    link = soup_of(client.get(article.get_absolute_url())).select_one(".donate-cta a.button")
    assert link["href"] == f"{SPANISH}?from={article.get_absolute_url()}"
    assert visible(link.get_text()) == "Donar a Financie la investigación"


def test_editing_the_featured_campaigns_spanish_title_makes_a_spanish_article_page_stale(client, in_spanish, commit):
    from .test_articles import make_article

    with commit():
        article = make_article("Gorros fríos", language="es", appeal="Apoye nuestro trabajo.")
    client.get(article.get_absolute_url())
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    with commit():
        text = in_spanish.texts.get()
        text.title = "Apoye la investigación"
        text.save()
    link = soup_of(client.get(article.get_absolute_url())).select_one(".donate-cta a.button")
    assert visible(link.get_text()) == "Donar a Apoye la investigación"


def test_campaigns_without_spanish_words_have_spanish_descriptions_of_their_own(client, make_campaign):
    make_campaign("First appeal", raised=100, donor_count=2)
    make_campaign("Second appeal", raised=900, donor_count=7)
    described = {}
    for address in ("/es/donate/first-appeal/", "/es/donate/second-appeal/", "/es/donate/first-appeal/thanks/"):
        page = soup_of(client.get(address))
        described[address] = page.select_one("meta[name=description]")["content"]
        assert page.select_one("meta[property='og:description']")["content"] == described[address]
        assert "appeal" not in described[address].lower(), "no English words in a Spanish head"
    assert len(set(described.values())) == 3, described
    assert described["/es/donate/second-appeal/"].startswith("Una campaña cuya página aún no está escrita en español")
    assert f"900{NBSP}US$ recaudado" in described["/es/donate/second-appeal/"]


def test_what_each_amount_pays_for_is_written_in_spanish_in_the_admin_and_shown_so(admin_client, client):
    form = campaign_form(
        **{
            "amounts-0-impact_es": "una cosa",
            "texts-TOTAL_FORMS": "1",
            "texts-INITIAL_FORMS": "0",
            "texts-0-language": "es",
            "texts-0-title": "Campaña de primavera",
            "texts-0-slug": "",
            "texts-0-summary": "Becas de investigación.",
            "texts-0-story": "Por qué.",
            "texts-0-thank_you_message": "Gracias.",
        }
    )
    response = admin_client.post("/admin/donations/campaign/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Campaign.objects.get(slug="spring-appeal")
    change_form = admin_client.get(f"/admin/donations/campaign/{saved.pk}/change/").content.decode()
    assert 'value="una cosa"' in change_form, "the form shows what was saved"

    spanish = soup_of(client.get("/es/donate/campana-de-primavera/"))
    details = spanish.select(".amount-choices .choice__detail")
    assert [detail.get_text() for detail in details] == ["una cosa", "another"]
    assert not details[0].select("[lang]")
    assert details[1].select_one("[lang]")["lang"] == "en", "the amount without Spanish words is marked English"
    english = soup_of(client.get("/donate/spring-appeal/"))
    assert [detail.get_text() for detail in english.select(".amount-choices .choice__detail")] == [
        "one thing",
        "another",
    ]
    assert not english.select(".amount-choices [lang]")


def test_editing_what_an_amount_pays_for_in_spanish_makes_the_spanish_page_stale(client, in_spanish, commit):
    with commit():
        pass
    page = f"/es/donate/{in_spanish.slug_in('es')}/"
    assert "materiales" not in client.get(page).content.decode()
    with commit():
        amount = in_spanish.amounts.first()
        amount.impact_translations = {"es": "materiales de laboratorio"}
        amount.save()
    assert "materiales de laboratorio" in client.get(page).content.decode()
