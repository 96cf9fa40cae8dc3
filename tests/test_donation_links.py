"""Which donate links are accepted, and the provider URL built for each gift."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError

from donations.models import Campaign
from donations.providers import MONTHLY, ONE_TIME, Ask, provider_url

pytestmark = pytest.mark.django_db

GOOD_LINKS = [
    "https://buy.stripe.com/test_6oE5kC3xY0bC8gw288",
    "https://donate.stripe.com/4gw8Ab2lS",
    "https://www.paypal.com/donate/?hosted_button_id=ABCDEF123",
    "https://www.every.org/ribbon-charity/f/research",
    "https://www.every.org/ribbon-charity#donate",  # Every.org's Donate Link, as its documentation gives it
    "https://www.every.org/ribbon-charity#/donate",  # and as its Donate Button's documentation gives it
    "https://www.every.org/ribbon-charity?amount=10&frequency=MONTHLY#donate",
    "https://givebutter.com/ribbon-appeal",
    "https://donorbox.org/ribbon-appeal",
    "HTTPS://BUY.STRIPE.COM/test_upper",
]

BAD_LINKS = [
    "http://buy.stripe.com/test_abc",  # not https
    "ftp://buy.stripe.com/test_abc",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//buy.stripe.com/test_abc",  # protocol-relative
    "buy.stripe.com/test_abc",  # no scheme
    "https://buy.stripe.com.evil.example/test_abc",  # look-alike: suffix
    "https://evil.example/buy.stripe.com/test_abc",
    "https://buy-stripe.com/test_abc",
    "https://stripe.com.evil.example/x",
    "https://buy.stripe.com@evil.example/",  # user-info trick
    "https://user:pass@buy.stripe.com/test_abc",
    "https://buy.stripe.com:8443/test_abc",  # port
    "https://buy.stripe.com:443/test_abc",
    "https://buy.stripe.com\\@evil.example/",  # backslash
    "https:\\\\buy.stripe.com\\test_abc",
    " https://buy.stripe.com/test_abc",  # whitespace
    "https://buy.stripe.com/test abc",
    "https://buy.stripe.com/test_abc\n",
    "https://buy.stripe.com/\ttest",
    "https://buy.strіpe.com/test_abc",  # Cyrillic і
    "https://buy.stripe.com./test_abc",  # trailing dot
    "https://paypal.com/donate/?hosted_button_id=X",  # not the www host
    "https://www.paypal.com.evil.example/donate",
    "https://every.org/ribbon",  # not the www host
    "https://givebutter.com",  # the provider's home page
    "https://donorbox.org/",
    "https://buy.stripe.com/test_abc#@evil.example",
    "https://buy.stripe.com/test_abc#donate",  # Stripe documents no '#' part
    "https://www.every.org/ribbon#/donate/../../evil",  # only the documented fragments
    "https://www.every.org/ribbon#donate?amount=5",
    "https://donorbox.org/ribbon#donate",
    "https://evil.example/?next=https://buy.stripe.com/test_abc",
    "https://%62uy.stripe.com/test_abc",
    "",
]


def campaign_with(url, monthly=""):
    return Campaign(
        title="Research",
        slug="research",
        summary="s",
        story="s",
        goal=Decimal("100"),
        starts_on="2026-01-01",
        donate_url=url,
        monthly_donate_url=monthly,
    )


@pytest.mark.parametrize("url", GOOD_LINKS)
def test_links_on_known_providers_are_accepted(url):
    campaign_with(url).full_clean(exclude=["slug"])


@pytest.mark.parametrize("url", BAD_LINKS)
def test_every_other_link_is_refused_with_a_message_on_the_field(url):
    with pytest.raises(ValidationError) as error:
        campaign_with(url).full_clean(exclude=["slug"])
    messages = error.value.message_dict.get("donate_url")
    assert messages, error.value.message_dict
    if url:
        assert any("Use the https:// address of your donation page on Stripe" in message for message in messages)
    else:
        assert messages == ["This field cannot be blank."]


@pytest.mark.parametrize("url", BAD_LINKS[:10])
def test_the_monthly_link_is_held_to_the_same_rules(url):
    with pytest.raises(ValidationError) as error:
        campaign_with(GOOD_LINKS[0], monthly=url or "http://x").full_clean(exclude=["slug"])
    assert "monthly_donate_url" in error.value.message_dict


def test_the_corpus_is_large_enough():
    assert len(BAD_LINKS) >= 20
    assert len(GOOD_LINKS) >= 5


def query_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {
        key: values[0] for key, values in parse_qs(parts.query).items()
    }


UTM = {"utm_source": "ribbon", "utm_medium": "donate_button", "utm_campaign": "research"}


def test_stripe_takes_no_amount_and_passes_the_campaign_as_reference():
    campaign = campaign_with("https://buy.stripe.com/once", monthly="https://buy.stripe.com/monthly")
    base, query = query_of(provider_url(campaign, Ask(Decimal("50"), ONE_TIME)))
    assert base == "https://buy.stripe.com/once"
    assert query == {"client_reference_id": "research", **UTM}
    base, query = query_of(provider_url(campaign, Ask(Decimal("50"), MONTHLY)))
    assert base == "https://buy.stripe.com/monthly"


def test_paypal_takes_amount_and_currency_and_keeps_its_button_id():
    campaign = campaign_with("https://www.paypal.com/donate/?hosted_button_id=ABC")
    base, query = query_of(provider_url(campaign, Ask(Decimal("25.50"), ONE_TIME)))
    assert base == "https://www.paypal.com/donate/"
    assert query == {"hosted_button_id": "ABC", "amount": "25.50", "currency_code": "USD", **UTM}


def test_every_org_takes_amount_and_frequency():
    campaign = campaign_with("https://www.every.org/ribbon/f/research")
    _, query = query_of(provider_url(campaign, Ask(Decimal("50"), MONTHLY)))
    assert query == {"amount": "50", "frequency": "MONTHLY", **UTM}
    _, query = query_of(provider_url(campaign, Ask(Decimal("50"), ONE_TIME)))
    assert query["frequency"] == "ONCE"


def test_givebutter_takes_amount_and_monthly_frequency():
    campaign = campaign_with("https://givebutter.com/ribbon")
    _, query = query_of(provider_url(campaign, Ask(Decimal("100"), MONTHLY)))
    assert query == {"amount": "100", "frequency": "monthly", **UTM}
    _, query = query_of(provider_url(campaign, Ask(Decimal("100"), ONE_TIME)))
    assert query == {"amount": "100", **UTM}


def test_donorbox_takes_amount_and_interval():
    campaign = campaign_with("https://donorbox.org/ribbon")
    _, query = query_of(provider_url(campaign, Ask(Decimal("10"), MONTHLY)))
    assert query == {"amount": "10", "default_interval": "m", **UTM}


def test_no_amount_leaves_the_choice_to_the_provider():
    campaign = campaign_with("https://www.every.org/ribbon/f/research")
    _, query = query_of(provider_url(campaign, Ask(None, ONE_TIME)))
    assert "amount" not in query


def test_our_parameters_replace_any_stored_in_the_link():
    campaign = campaign_with("https://givebutter.com/ribbon?amount=999&utm_source=old&ref=newsletter")
    _, query = query_of(provider_url(campaign, Ask(Decimal("5"), ONE_TIME)))
    assert query == {"ref": "newsletter", "amount": "5", **UTM}


def test_a_refused_link_names_every_provider_and_host_the_table_holds():
    from donations.providers import PROVIDERS, validate_donate_url

    with pytest.raises(ValidationError) as error:
        validate_donate_url("https://donate.example.org/give")
    message = " ".join(error.value.messages)
    for provider in PROVIDERS:
        assert provider.name in message
        for host in provider.hosts:
            assert f"{host}" in message


def test_a_refused_fragment_names_the_ones_the_provider_documents():
    with pytest.raises(ValidationError) as error:
        campaign_with("https://www.every.org/ribbon#/donate/card").full_clean(exclude=["slug"])
    assert "Every.org does not document (its links end in #donate or #/donate)" in str(error.value)
    with pytest.raises(ValidationError) as error:
        campaign_with("https://givebutter.com/ribbon#x").full_clean(exclude=["slug"])
    assert "a '#' part Givebutter does not document; remove it" in str(error.value)


@pytest.mark.parametrize("fragment", ["donate", "/donate"])
def test_every_org_links_keep_their_fragment_with_the_gift_before_it(fragment):
    campaign = campaign_with(f"https://www.every.org/ribbon#{fragment}")
    url = provider_url(campaign, Ask(Decimal("25"), MONTHLY))
    parts = urlsplit(url)
    assert parts.fragment == fragment, "Every.org's button reads the part after '#'"
    assert parse_qs(parts.query)["amount"] == ["25"]
    assert parse_qs(parts.query)["frequency"] == ["MONTHLY"]
    assert url.startswith("https://www.every.org/ribbon?amount=25&frequency=MONTHLY&")
