"""
Payment providers Ribbon may send donors to, and how to address each.

Ribbon never handles card data: a donate button leads to a provider's page.
Because that redirect is the one place the site sends people elsewhere, a
donate link is accepted only if it is plainly an https page on one of the
hosts below: no user-info, no port, no look-alike host, nothing that a
browser could read differently from this code.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    takes_amount: bool
    takes_frequency: bool  # can a monthly gift be asked for through the URL?


STRIPE = Provider("stripe", "Stripe", takes_amount=False, takes_frequency=False)
PAYPAL = Provider("paypal", "PayPal", takes_amount=True, takes_frequency=False)
EVERY_ORG = Provider("every_org", "Every.org", takes_amount=True, takes_frequency=True)
GIVEBUTTER = Provider("givebutter", "Givebutter", takes_amount=True, takes_frequency=True)
DONORBOX = Provider("donorbox", "Donorbox", takes_amount=True, takes_frequency=True)

PROVIDERS_BY_HOST = {
    "buy.stripe.com": STRIPE,
    "donate.stripe.com": STRIPE,
    "www.paypal.com": PAYPAL,
    "www.every.org": EVERY_ORG,
    "givebutter.com": GIVEBUTTER,
    "donorbox.org": DONORBOX,
}

ONE_TIME = "one-time"
MONTHLY = "monthly"

ALLOWED_HOSTS_TEXT = (
    "Stripe (buy.stripe.com, donate.stripe.com), PayPal (www.paypal.com), Every.org (www.every.org), "
    "Givebutter (givebutter.com) or Donorbox (donorbox.org)"
)


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
    if parts.netloc.lower() not in PROVIDERS_BY_HOST:
        _reject(f"“{parts.netloc}” is not one of the payment providers Ribbon sends donors to.")
    if parts.path in ("", "/") and not parts.query:
        _reject("This link goes to the provider's home page, not to your donation page.")
    if parts.fragment:
        _reject("This link has a '#' part; remove it.")


@dataclass(frozen=True)
class Gift:
    amount: Decimal | None
    frequency: str  # ONE_TIME or MONTHLY


def _money(amount):
    return f"{amount:.2f}".removesuffix(".00")


def provider_url(campaign, gift, utm_source="ribbon"):
    """
    The provider page for this gift: the campaign's stored link (its monthly
    link for a monthly gift, where it has one) with the amount and frequency
    in the form that provider reads, plus UTM tags. Nothing from the request
    but the validated amount and frequency ever reaches the URL.
    """
    monthly = gift.frequency == MONTHLY
    base = campaign.monthly_donate_url if monthly and campaign.monthly_donate_url else campaign.donate_url
    provider = provider_for(base)
    params = {}
    if provider is STRIPE:
        params["client_reference_id"] = campaign.slug
    elif gift.amount is not None:
        params["amount"] = _money(gift.amount)
    if provider is PAYPAL:
        if gift.amount is not None:
            params["currency_code"] = campaign.currency
    elif provider is EVERY_ORG:
        params["frequency"] = "MONTHLY" if monthly else "ONCE"
    elif provider is GIVEBUTTER and monthly:
        params["frequency"] = "monthly"
    elif provider is DONORBOX:
        params["default_interval"] = "m" if monthly else "o"
    params.update(utm_source=utm_source, utm_medium="donate_button", utm_campaign=campaign.slug)

    parts = urlsplit(base)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in params]
    return urlunsplit(parts._replace(query=urlencode(query + list(params.items()))))
