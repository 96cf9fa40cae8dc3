"""
Amounts and counts as the page's language writes them: "$12,500" and "1,234 donors" in English,
"12 500 US$" and "1234 donantes" in Spanish. The admin is English, so it reads as before.

Separators come from Django's formats for the language (Spanish: a decimal comma and a
non-breaking space between thousands, as the RAE advises); the currency's sign follows CLDR's
Spanish ("US$" rather than a bare "$", which a reader from Mexico or Argentina takes for pesos).
"""

import re
from decimal import Decimal

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language

from core.text import format_money

# Signs written after the number in Spanish; any other currency is named by its code.
SPANISH_SIGNS = {"USD": "US$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "AU$", "NZD": "NZ$", "MXN": "MX$"}
NO_BREAK = "\xa0"


def _english(language):
    return (language or settings.LANGUAGE_CODE) == settings.LANGUAGE_CODE


def money_text(amount, currency="USD", language=None):
    """An amount in the language of the page (or `language`): whole amounts without decimals."""
    language = language or get_language()
    if _english(language):
        return format_money(amount, currency)
    amount = Decimal(amount)
    places = 0 if amount == amount.to_integral_value() else 2
    number = number_format(amount, places, use_l10n=True, force_grouping=True)
    return f"{number}{NO_BREAK}{SPANISH_SIGNS.get(currency, currency)}"


def count_text(count, language=None):
    """A whole number with the language's thousands separator."""
    if _english(language or get_language()):
        return f"{count:,}"
    return number_format(count, 0, use_l10n=True, force_grouping=True)


def percent_text(percent, language=None):
    """'25%' in English, '25 %' in Spanish (with a non-breaking space)."""
    return f"{percent}%" if _english(language or get_language()) else f"{percent}{NO_BREAK}%"


_SPANISH_GROUPS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def as_typed_in(text, language=None):
    """
    An amount typed on a page in `language`, rewritten with a decimal point and no grouping, for
    donations.donate_query to check. In Spanish "25,50" is 25.50 and "1.000" one thousand; "25.50",
    as people who also write English type it, stays 25.50.
    """
    text = text.replace(" ", "").replace(NO_BREAK, "")
    if _english(language or get_language()):
        return text.replace(",", "")
    text = text.removesuffix("US$").rstrip("$£€")  # Spanish writes the sign after the number
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    return text.replace(".", "") if _SPANISH_GROUPS.match(text) else text
