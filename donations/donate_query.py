"""
Reading a donate button's query string. Everything in it is untrusted: the
amount and frequency are checked strictly, the page the click came from is
kept only if it is a public page of this site that exists, and a client
that clicks again and again stops being counted.
"""

import re
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from core.clients import within_limit
from pagecache.parameters import PagePath

from .formats import as_typed_in, count_text
from .providers import MONTHLY, ONE_TIME, Ask

# A person may come back to give again, or change the amount; more clicks than
# this from one client for one campaign within an hour are not counted (they
# are still sent on to the provider).
CLICKS_COUNTED_PER_HOUR = 3

AMOUNT_PATTERN = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
FREQUENCIES = {ONE_TIME, MONTHLY}

# Link checkers, crawlers and mail scanners follow links without giving: they
# are sent on but not counted.
NOT_A_PERSON = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scanner|preview|facebookexternalhit|embedly|whatsapp|telegram|"
    r"skypeuripreview|discord|slack|linkedin|pinterest|curl/|wget/|python-requests|python-urllib|httpx|"
    r"go-http-client|headlesschrome|lighthouse|safelinks|proofpoint|mimecast|barracuda|microsoft office",
    re.IGNORECASE,
)


class GiftError(ValueError):
    """The query cannot be a gift; the message says why, for the donor."""


def parse_amount(raw, maximum=None):
    maximum = Decimal(maximum or settings.RIBBON_MAX_DONATION)
    text = as_typed_in((raw or "").strip().lstrip("$£€"))
    if not text:
        return None
    if not AMOUNT_PATTERN.match(text):
        raise GiftError(_("The amount must be a number, such as 25 or 25.50."))
    amount = Decimal(text)
    if amount <= 0:
        raise GiftError(_("The amount must be more than zero."))
    if amount < 1:
        raise GiftError(_("The smallest gift we can take online is 1."))
    if amount > maximum:
        message = _("For gifts above %(maximum)s, please contact us so we can thank you properly.")
        raise GiftError(message % {"maximum": count_text(int(maximum))})
    return amount


def parse_gift(query, campaign):
    """An Ask from the donate form's GET parameters, or GiftError."""
    # An amount the donor typed wins over the suggestion that was pre-selected.
    raw_amount = query.get("custom_amount", "").strip() or query.get("amount", "")
    amount = parse_amount(raw_amount)
    frequency = (query.get("frequency") or ONE_TIME).strip().lower()
    if frequency not in FREQUENCIES:
        raise GiftError(_("Choose a one-time or a monthly gift."))
    if frequency == MONTHLY and not campaign.accepts_monthly:
        raise GiftError(_("This campaign takes one-time gifts only."))
    return Ask(amount=amount, frequency=frequency)


def _page_of(address):
    """The public page of this site an address names (its path; any query is dropped), or ""."""
    try:
        path = urlsplit(address).path if address.startswith("/") and not address.startswith("//") else ""
    except ValueError:
        return ""
    return PagePath().canonical(path) or ""


def source_path(request):
    """
    The page the click came from: what our form says, else a same-site
    Referer; either only if it is a public page that exists. A made-up
    source (`from=/competitor-ad`) records none.
    """
    declared = _page_of(request.GET.get("from", ""))
    if declared:
        return declared
    try:
        parts = urlsplit(request.headers.get("Referer", ""))
    except ValueError:
        return ""
    if parts.netloc and parts.netloc == request.get_host():
        return _page_of(parts.path)
    return ""


def is_counted(request, campaign):
    """A person's GET counts as a click, up to CLICKS_COUNTED_PER_HOUR per campaign and client."""
    if request.method != "GET" or NOT_A_PERSON.search(request.headers.get("User-Agent", "")):
        return False
    return within_limit(request, f"donate-click:{campaign.pk}", CLICKS_COUNTED_PER_HOUR, 3600)
