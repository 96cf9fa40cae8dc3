"""Small text helpers shared by every content app."""

import unicodedata
from decimal import Decimal

from django.utils.text import slugify

CURRENCY_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}


def format_money(amount, currency="USD"):
    """Format an amount the way people write it: $100,000 or $49.50 or CHF 1,200."""
    amount = Decimal(amount)
    number = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{currency} {number}"


def unique_slug(model, text, instance=None, max_length=50, field="slug", reserved=frozenset()):
    """A slug from `text` that no other row of `model` uses yet and that is not reserved (adds -2, -3 …)."""
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name
    if base in reserved:  # an address the site uses itself: "thanks" becomes "thanks-campaign"
        base = f"{base}-{model._meta.model_name}"[:max_length]
    candidate, counter = base, 2
    others = model._base_manager.all()
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    while candidate in reserved or others.filter(**{field: candidate}).exists():
        suffix = f"-{counter}"
        candidate = f"{base[: max_length - len(suffix)]}{suffix}"
        counter += 1
    return candidate


_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"'})


def search_normalise(text):
    """Lower-case text without accents or curly quotes, so "Café’s" matches "cafe's"."""
    decomposed = unicodedata.normalize("NFKD", str(text).translate(_QUOTES))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def search_words(query, max_words=10):
    """The words of a search box query, normalised; punctuation at their edges dropped."""
    words = []
    for word in search_normalise(query).split():
        word = word.strip(".,;:!?()[]{}\"'«»")
        if word and word not in words:
            words.append(word)
    return words[:max_words]


def markdown_heading(line):
    """
    (level, text) of a markdown heading line such as "## Pros and Cons ##", or None.

    Written without a regular expression on purpose: the obvious pattern
    (hashes, spaces, lazy text, optional closing hashes, spaces) backtracks
    cubically on a heading with many spaces, and importers read untrusted files.
    This is one pass over the line.
    """
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return None  # indented four or more: code, not a heading
    level = len(stripped) - len(stripped.lstrip("#"))
    if not 1 <= level <= 6:
        return None
    rest = stripped[level:]
    if rest and not rest[0].isspace():
        return None  # "#hashtag" is text
    text = rest.strip()
    closing = text.rstrip("#")
    if closing != text and (not closing or closing[-1].isspace()):
        text = closing.rstrip()  # "## Cost ##": the closing hashes are decoration
    return level, text
