"""
Payment providers Ribbon may send donors to, and how to address each.

Ribbon never handles card data: a donate button leads to a provider's page.
Because that redirect is the one place the site sends people elsewhere, a
donate link is accepted only if it is plainly an https page on one of the
hosts below: no user-info, no port, no look-alike host, nothing that a
browser could read differently from this code.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError

ONE_TIME = "one-time"
MONTHLY = "monthly"


@dataclass(frozen=True)
class Ask:
    """What the donor asked the button for, and the click that carries it to the provider."""

    amount: Decimal | None
    frequency: str  # ONE_TIME or MONTHLY
    click_reference: str = ""  # DonateClick.reference, when the click was counted


# Stripe returns a Payment Link's client_reference_id in its webhook. Ribbon sends
# "<campaign slug>__<click reference>" (Stripe allows 200 letters, digits, '-' and '_');
# links made before clicks had references carry the slug alone, and still count.
REFERENCE_SEPARATOR = "__"
CLICK_REFERENCE = re.compile(r"^[0-9a-f]{24}$")


def client_reference(campaign, ask):
    if ask.click_reference:
        return f"{campaign.slug}{REFERENCE_SEPARATOR}{ask.click_reference}"
    return campaign.slug


def read_client_reference(value):
    """(campaign slug, click reference or "") from a client_reference_id Ribbon made."""
    value = value if isinstance(value, str) else ""
    slug, separator, click = value.rpartition(REFERENCE_SEPARATOR)
    if separator and CLICK_REFERENCE.match(click):
        return slug, click
    return value, ""


def _money(amount):
    return f"{amount:.2f}".removesuffix(".00")


def _amount(gift):
    return {} if gift.amount is None else {"amount": _money(gift.amount)}


@dataclass(frozen=True)
class Provider:
    """A payment provider: where its donation pages live, and how its pages read a gift from their address."""

    key: str
    name: str
    hosts: tuple
    takes_amount: bool
    takes_frequency: bool  # can a monthly gift be asked for through the URL?
    # (campaign, gift) -> the query parameters this provider's page reads, in the order they are sent.
    gift_parameters: Callable
    # The '#' parts the provider documents for its links; any other is refused.
    fragments: tuple = ()
    # Hosts of the provider's own that its link may send the donor on to before the payment page.
    onward_hosts: tuple = ()
    # No payment it reports can be older than the provider (the year it was founded, or the year before
    # where sources differ): an earlier date in its webhook or export is a mistake, not a gift.
    founded: int = 1998
    # The query parameter the provider documents for the language of its page, and the value it takes
    # for each of the site's languages: (name, {site language: value}). None where it documents none.
    language_parameter: tuple | None = None

    def parameters_for(self, campaign, gift, language=None):
        """What its page reads, plus its page's language when the donor came from a page in another."""
        parameters = dict(self.gift_parameters(campaign, gift))
        if self.language_parameter and language and language != settings.LANGUAGE_CODE:
            name, values = self.language_parameter
            if language in values:
                parameters[name] = values[language]
        return parameters

    def origins(self):
        return tuple(f"https://{host}" for host in (*self.hosts, *self.onward_hosts))


# Each entry follows its provider's own documentation of its links: where the
# gift goes in the address, which '#' parts (if any) a link may end in, and the
# language of its page. No provider but Every.org documents a '#' part, so theirs
# are refused. Only Stripe documents a language for the kind of link Ribbon
# stores; the others' pages choose their language from the donor's browser.
PROVIDERS = (
    # Stripe Payment Links (docs.stripe.com/payment-links/url-parameters) take
    # client_reference_id, prefilled_email and locale, but no amount: the campaign
    # and the click go in client_reference_id, where Stripe's webhook reports them back.
    # A link opens a Checkout Session, whose page is on checkout.stripe.com.
    # Language: the same page lists `locale` among the parameters a Payment Link reads,
    # taking a locale Checkout supports; Stripe's list of them
    # (docs.stripe.com/js/appendix/supported_locales) gives `es`, Spanish, marked for
    # Checkout (and `es-419`, Latin American Spanish). Without it Stripe follows the
    # browser (`auto`), so a Spanish page sends `locale=es` and an English one nothing.
    Provider(
        "stripe", "Stripe", ("buy.stripe.com", "donate.stripe.com"), takes_amount=False, takes_frequency=False,
        gift_parameters=lambda campaign, gift: {"client_reference_id": client_reference(campaign, gift)},
        onward_hosts=("checkout.stripe.com",), founded=2010, language_parameter=("locale", {"es": "es"}),
    ),
    # PayPal's Donate button links (www.paypal.com/donate/?hosted_button_id=…) read
    # the HTML variables of Payments Standard (developer.paypal.com, "HTML variables"):
    # amount and currency_code; a recurring gift is chosen on PayPal's page.
    # Language: none added. No PayPal page found documents a language parameter for this
    # address (the Orders API's `locale` is set by an API call, not in a link); PayPal
    # chooses from the donor's browser and account.
    Provider(
        "paypal", "PayPal", ("www.paypal.com",), takes_amount=True, takes_frequency=False,
        gift_parameters=lambda campaign, gift: (
            {**_amount(gift), "currency_code": campaign.currency} if gift.amount is not None else {}
        ),
        founded=1998,
    ),
    # Every.org's Donate Link (docs.every.org/docs/donate-link) is the nonprofit's page
    # with "#donate", its Donate Button (github.com/everydotorg/donate-button) links
    # "#/donate"; both read amount and frequency=ONCE|MONTHLY from the query string,
    # before the '#': https://www.every.org/givedirectly?amount=10&frequency=MONTHLY#donate
    # Language: the Donate Link's parameters name none; none added.
    Provider(
        "every_org", "Every.org", ("www.every.org",), takes_amount=True, takes_frequency=True,
        gift_parameters=lambda campaign, gift: {
            **_amount(gift), "frequency": "MONTHLY" if gift.frequency == MONTHLY else "ONCE",
        },
        fragments=("donate", "/donate"), founded=2017,
    ),
    # Givebutter's URL prefill (docs.givebutter.com/widgets/advanced/url-prefill):
    # amount, and frequency=monthly|quarterly|yearly; it has no value for a one-time
    # gift, so a one-time gift sends no frequency. Language: that page lists those two
    # parameters only; none added.
    Provider(
        "givebutter", "Givebutter", ("givebutter.com",), takes_amount=True, takes_frequency=True,
        gift_parameters=lambda campaign, gift: {
            **_amount(gift), **({"frequency": "monthly"} if gift.frequency == MONTHLY else {}),
        },
        founded=2015,
    ),
    # Donorbox campaign links (donorbox.org/<campaign>) take amount and
    # default_interval (o: one-time, m: monthly), per Donorbox's help on pre-filling
    # its form from the URL. Language: no address parameter found documented; none added.
    Provider(
        "donorbox", "Donorbox", ("donorbox.org",), takes_amount=True, takes_frequency=True,
        gift_parameters=lambda campaign, gift: {
            **_amount(gift), "default_interval": "m" if gift.frequency == MONTHLY else "o",
        },
        founded=2014,
    ),
)  # fmt: skip

PROVIDERS_BY_HOST = {host: provider for provider in PROVIDERS for host in provider.hosts}
PROVIDERS_BY_KEY = {provider.key: provider for provider in PROVIDERS}

# Where a donate form may lead, for the Content-Security-Policy's form-action on the pages that have
# one (donations.views). Browsers apply form-action to every redirect that follows a submission:
# the form goes to this site's /give/, which redirects to the provider (and the provider, perhaps,
# on to its checkout host), so each of those origins must be allowed or the donor stays put.
DONATE_FORM_ACTION = ("'self'", *(origin for provider in PROVIDERS for origin in provider.origins()))


def _allowed_hosts_text():
    """ "Stripe (buy.stripe.com, donate.stripe.com), …, Givebutter (givebutter.com) or Donorbox (donorbox.org)" """
    named = [f"{provider.name} ({', '.join(provider.hosts)})" for provider in PROVIDERS]
    return f"{', '.join(named[:-1])} or {named[-1]}"


ALLOWED_HOSTS_TEXT = _allowed_hosts_text()


def _reject(reason):
    raise ValidationError(
        f"{reason} Use the https:// address of your donation page on {ALLOWED_HOSTS_TEXT}.",
        code="invalid_donate_url",
    )


def provider_for(url):
    """The provider of an already validated URL, or None."""
    try:
        host = urlsplit(url).netloc.lower()
    except ValueError:
        return None
    return PROVIDERS_BY_HOST.get(host)


def validate_donate_url(value):
    """Accept only a plain https URL on a known provider's host."""
    if not isinstance(value, str) or not value:
        _reject("This link is empty.")
    if len(value) > 500:
        _reject("This link is too long.")
    if any(char.isspace() for char in value):
        _reject("This link contains spaces or line breaks.")
    if not value.isascii() or any(ord(char) < 32 or ord(char) == 127 for char in value):
        _reject("This link contains characters a web address cannot have (look-alike letters?).")
    if "\\" in value:
        _reject("This link contains a backslash.")
    if value.startswith("//"):
        _reject("This link has no https:// at the start.")
    try:
        parts = urlsplit(value)
    except ValueError:
        _reject("This is not a valid web address.")
    if parts.scheme.lower() != "https" or not value.lower().startswith("https://"):
        _reject("Only secure https:// links are accepted.")
    if "@" in parts.netloc:
        _reject("This link hides its real destination behind an '@'.")
    if ":" in parts.netloc:
        _reject("This link names a port; payment pages use the standard one.")
    provider = PROVIDERS_BY_HOST.get(parts.netloc.lower())
    if provider is None:
        _reject(f"“{parts.netloc}” is not one of the payment providers Ribbon sends donors to.")
    if parts.path in ("", "/") and not parts.query:
        _reject("This link goes to the provider's home page, not to your donation page.")
    if parts.fragment and parts.fragment not in provider.fragments:
        documented = " or ".join(f"#{fragment}" for fragment in provider.fragments)
        _reject(
            f"This link has a '#' part {provider.name} does not document"
            + (f" (its links end in {documented})" if documented else "")
            + "; remove it."
        )


def provider_url(campaign, gift, utm_source="ribbon", language=None):
    """
    The provider page for this gift: the campaign's stored link (its monthly
    link for a monthly gift, where it has one) with the amount and frequency
    in the form that provider reads (Provider.gift_parameters), its page's
    language where the provider documents one (`language`: the language of the
    page the donor gave from), plus UTM tags. Nothing from the request but the
    validated amount and frequency, and the language of its address, ever
    reaches the URL.
    """
    monthly = gift.frequency == MONTHLY
    base = campaign.monthly_donate_url if monthly and campaign.monthly_donate_url else campaign.donate_url
    provider = provider_for(base)
    params = provider.parameters_for(campaign, gift, language) if provider else {}
    params.update(utm_source=utm_source, utm_medium="donate_button", utm_campaign=campaign.slug)

    parts = urlsplit(base)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in params]
    return urlunsplit(parts._replace(query=urlencode(query + list(params.items()))))
