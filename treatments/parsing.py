"""
Reading the organisation's treatment files: text in, a ParsedTreatment out,
without touching the database.

The organisation keeps each treatment as markdown with YAML front matter
(title, id, description, tags, heroImage) and fixed sections:

    ## Pros and Cons              **Pros:** / **Cons:** bullet lists
    ## Short and Long Term Effects  **Short Term:** / **Long Term:**
    ## Cost and Return on Investment  **Cost:** / **Return on Investment:**

and, for a translation (`lang: es`), the same sections in Spanish (## Ventajas y desventajas,
**Ventajas:** / **Desventajas:**, and so on: SECTIONS and LABELS below).

`parse_treatment` turns one file's text into a `ParsedTreatment`, raising
`TreatmentFileError` with a line number for anything it cannot understand.
`treatments.importing.save_treatment` writes it; the management command
`import_treatments` joins the two.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from core.markdown import rendering_problem
from core.text import markdown_heading
from importing.decoding import UnreadableFileError
from importing.front_matter import FrontMatterSpec, read_front_matter
from importing.translations import language_of_file

from .models import Reference, Tag, Treatment, TreatmentPoint, validate_web_url

Kind = TreatmentPoint.Kind

SUMMARY_MAX = Treatment._meta.get_field("summary").max_length
SUITED_TO_MAX = Treatment._meta.get_field("suited_to").max_length
POINT_MAX = TreatmentPoint._meta.get_field("text").max_length
REFERENCE_TITLE_MAX = Reference._meta.get_field("title").max_length
REFERENCE_URL_MAX = Reference._meta.get_field("url").max_length
TAG_MAX = Tag._meta.get_field("name").max_length

# Limits checked while parsing, before anything reaches the database: far above
# any real page, low enough that a hostile file costs little.
MAX_POINTS = 200
MAX_REFERENCES = 100
BODY_MAX_CHARS = 200_000
# Longest text each front matter value may hold (the model's own limit).
TEXT_FIELD_MAX = {
    name: Treatment._meta.get_field(field).max_length
    for name, field in {
        "title": "title",
        "source_id": "source_id",
        "hero_image_url": "hero_image_source_url",
        "hero_image_alt": "hero_image_alt",
        "hero_image_credit": "hero_image_credit",
        "language": "language",
    }.items()
}


class TreatmentFileError(UnreadableFileError):
    """A file that cannot be imported; `line` says where (1-based)."""


@dataclass
class ParsedTreatment:
    title: str
    summary: str
    suited_to: str = ""
    source_id: str = ""
    tags: list = field(default_factory=list)
    body: str = ""
    points: list = field(default_factory=list)  # (Kind, text)
    references: list = field(default_factory=list)  # (title, url)
    hero_image_url: str = ""
    hero_image_alt: str = ""
    hero_image_credit: str = ""
    cost_min: Decimal | None = None
    cost_max: Decimal | None = None
    cost_currency: str = "USD"
    cost_period: str = ""
    language: str = ""  # empty: the site's own language
    last_reviewed: datetime.date | None = None
    next_review_due: datetime.date | None = None
    warnings: list = field(default_factory=list)
    key_lines: dict = field(default_factory=dict)  # field name -> line, for messages


# Front matter ------------------------------------------------------------

# Recognised keys, compared without case, dashes or underscores.
FRONT_MATTER_KEYS = {
    "title": "title",
    "id": "source_id",
    "description": "summary",
    "summary": "summary",
    "whoitisfor": "suited_to",
    "suitedto": "suited_to",
    "tags": "tags",
    "heroimage": "hero_image_url",
    "heroimagealt": "hero_image_alt",
    "heroimagecredit": "hero_image_credit",
    "lastreviewed": "last_reviewed",
    "nextreviewdue": "next_review_due",
    "lang": "language",
    "language": "language",
}


FRONT_MATTER = FrontMatterSpec(
    keys=FRONT_MATTER_KEYS,
    text_max=TEXT_FIELD_MAX,
    date_fields=frozenset({"last_reviewed", "next_review_due"}),
    tag_max=TAG_MAX,
    thing="treatment",
    error=TreatmentFileError,
)


# Sections ------------------------------------------------------------------


def _normalise_words(text):
    """Lower case, accents off ("inversión": "inversion"), one space between words."""
    text = unicodedata.normalize("NFKD", text.lower().replace("&", " and "))
    text = re.sub(r"[^a-z0-9]+", " ", "".join(char for char in text if not unicodedata.combining(char)))
    return " ".join(text.split())


SECTIONS = {
    "pros and cons": "pros_cons",
    "pros cons": "pros_cons",
    "advantages and disadvantages": "pros_cons",
    "short and long term effects": "effects",
    "short term and long term effects": "effects",
    "short and long term side effects": "effects",
    "side effects": "effects",
    "effects": "effects",
    "cost and return on investment": "cost",
    "costs and return on investment": "cost",
    "cost and roi": "cost",
    "cost": "cost",
    "costs": "cost",
    "references": "references",
    "sources": "references",
    "questions to ask": "questions",
    "questions to ask your care team": "questions",
    "questions to ask your doctor": "questions",
    "questions for your care team": "questions",
    "questions for your doctor": "questions",
    # A Spanish translation's sections (lang: es).
    "ventajas y desventajas": "pros_cons",
    "efectos a corto y largo plazo": "effects",
    "efectos secundarios": "effects",
    "costo y retorno de la inversion": "cost",
    "costos y retorno de la inversion": "cost",
    "costo": "cost",
    "referencias": "references",
    "fuentes": "references",
    "preguntas para su equipo de atencion medica": "questions",
    "preguntas para su medico": "questions",
    "preguntas para hacer": "questions",
}

LABELS = {
    "pros_cons": {
        "pros": Kind.PRO, "pro": Kind.PRO, "advantages": Kind.PRO, "benefits": Kind.PRO,
        "cons": Kind.CON, "con": Kind.CON, "disadvantages": Kind.CON, "drawbacks": Kind.CON,
        "ventajas": Kind.PRO, "beneficios": Kind.PRO, "desventajas": Kind.CON,
    },
    "effects": {
        "short term": Kind.SHORT_TERM, "short term effects": Kind.SHORT_TERM,
        "short term side effects": Kind.SHORT_TERM,
        "long term": Kind.LONG_TERM, "long term effects": Kind.LONG_TERM,
        "long term side effects": Kind.LONG_TERM,
        "a corto plazo": Kind.SHORT_TERM, "efectos a corto plazo": Kind.SHORT_TERM,
        "a largo plazo": Kind.LONG_TERM, "efectos a largo plazo": Kind.LONG_TERM,
    },
    "cost": {
        "cost": Kind.COST, "costs": Kind.COST,
        "return on investment": Kind.RETURN, "roi": Kind.RETURN, "value": Kind.RETURN,
        "costo": Kind.COST, "costos": Kind.COST, "retorno de la inversion": Kind.RETURN,
    },
    "questions": {"questions": Kind.QUESTION, "questions to ask": Kind.QUESTION, "preguntas": Kind.QUESTION},
}  # fmt: skip
# A section of one kind of point needs no label before its list.
SECTION_KIND = {"questions": Kind.QUESTION}

SECTION_TITLES = {
    "pros_cons": "Pros and Cons",
    "effects": "Short and Long Term Effects",
    "cost": "Cost and Return on Investment",
    "references": "References",
    "questions": "Questions to Ask Your Care Team",
}

# Every pattern below meets untrusted files: each is written so that the
# engine never backtracks more than a few characters (bounded repeats,
# possessive `*+`/`++`, no two unbounded repeats side by side), which keeps
# parsing linear in the file's size. tests/test_hostile_imports.py holds them to it.
BULLET = re.compile(r"\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s++(?=\S)")
# "**Pros:**", "**Pros**:", "__Cons:__" — optionally followed by text; matched on the stripped line.
BOLD_LABEL = re.compile(r"(\*\*|__)\s{0,8}([^*_:]{1,60}?)\s{0,8}(:?)\s{0,8}\1\s{0,8}(:?)\s*+(.*)")
# "Pros:" on a line of its own; matched on the stripped line, which is at most LABEL_MAX long.
PLAIN_LABEL = re.compile(r"([A-Za-zÀ-ÿ][A-Za-zÀ-ÿ \-/&]{0,58}?)\s{0,8}:")
LABEL_MAX = 70
MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]++)\]\(\s*+<?([^)\s<>\[\]]++)>?(?:\s++\"[^\"\n]*+\")?\s*+\)")
# References must be web addresses, so only http(s) is looked for.
BARE_URL = re.compile(r"\bhttps?://\S++", re.IGNORECASE)


def _bullet_text(line):
    """The text of a list item line ("- Less hair loss"), or None."""
    match = BULLET.match(line)
    return line[match.end() :].rstrip() if match else None


def _label_in(line):
    """(label text, rest of line) if the line is a list label, else None."""
    stripped = line.strip()
    match = BOLD_LABEL.match(stripped)
    if match:
        return match.group(2).strip(), match.group(5).strip()
    if len(stripped) <= LABEL_MAX:
        match = PLAIN_LABEL.fullmatch(stripped)
        if match:
            return match.group(1), ""
    return None


def _parse_reference(text, line):
    match = MARKDOWN_LINK.search(text)
    if match:
        title, url = match.group(1).strip(), match.group(2).strip()
    else:
        url_match = BARE_URL.search(text)
        if not url_match:
            raise TreatmentFileError(line, "a reference needs a web address, e.g. '[Title](https://…)'")
        url = url_match.group(0).rstrip(".,;)")
        title = (text[: url_match.start()] + text[url_match.end() :]).strip(" -–—:()") or url
    try:
        validate_web_url(url)
    except ValidationError:
        raise TreatmentFileError(
            line, f"a reference's address must be a web address starting with https:// or http:// (got {url!r})"
        ) from None
    return title, url


def _parse_body(lines, first_line, title, warnings):
    """Split the markdown into free body text and the structured sections."""
    body, points, references = [], [], []
    section = None  # the current recognised section, or None for body text
    label_kind = None
    last_point_index = None
    found_title = ""

    for offset, raw in enumerate(lines):
        number = first_line + offset
        heading = markdown_heading(raw)
        if heading:
            level, text = heading
            known = SECTIONS.get(_normalise_words(text))
            if level == 1 and section is None:
                if not title and not found_title:
                    found_title = text
                    continue
                if _normalise_words(text) == _normalise_words(title or found_title):
                    continue  # the page already has this as its <h1>
            if level <= 2:
                section, label_kind, last_point_index = known, SECTION_KIND.get(known), None
                if known is None:
                    body.append((number, raw))
                continue
            if section in LABELS:
                label_kind, last_point_index = _kind_for_label(section, text, number), None
                continue
            if section is None:
                body.append((number, raw))
                continue

        if section is None:
            body.append((number, raw))
            continue

        if not raw.strip():
            continue

        bullet = _bullet_text(raw)
        if section == "references":
            if bullet is not None:
                if len(references) >= MAX_REFERENCES:
                    raise TreatmentFileError(number, f"a treatment lists at most {MAX_REFERENCES} references")
                references.append((*_parse_reference(bullet, number), number))
            elif raw.strip():
                warnings.append(f"line {number}: text in 'References' that is not a list item was ignored")
            continue

        label = None if bullet is not None else _label_in(raw)
        if label is not None:
            label_text, rest = label
            kind = label_kind = _kind_for_label(section, label_text, number)
            last_point_index = None
            if rest:
                if len(points) >= MAX_POINTS:
                    raise TreatmentFileError(number, f"a treatment has at most {MAX_POINTS} list items in all")
                points.append([kind, rest, number])
                last_point_index = len(points) - 1
            continue

        if bullet is not None:
            if label_kind is None:
                raise TreatmentFileError(
                    number,
                    f"this list item in '{SECTION_TITLES[section]}' comes before any label "
                    f"saying which list it belongs to ({_label_names(section)})",
                )
            if len(points) >= MAX_POINTS:
                raise TreatmentFileError(number, f"a treatment has at most {MAX_POINTS} list items in all")
            points.append([label_kind, bullet.strip(), number])
            last_point_index = len(points) - 1
            continue

        if last_point_index is not None and raw[:1].isspace():
            point = points[last_point_index]
            point[1] += " " + raw.strip()  # a wrapped list item
            if len(point[1]) > POINT_MAX:  # checked as it grows, so a long item never costs more than one copy
                raise TreatmentFileError(
                    point[2], f"this list item is over {POINT_MAX} characters long; at most {POINT_MAX} fit"
                )
            continue

        warnings.append(
            f"line {number}: text under '{SECTION_TITLES[section]}' that is not in a list was added to the body"
        )
        body.append((number, raw))

    problem = rendering_problem("\n".join(raw for _, raw in body))
    if problem is not None:
        raise TreatmentFileError(body[problem[0] - 1][0], problem[1])
    text = "\n".join(raw for _, raw in body).strip("\n")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text, [(kind, text_, line) for kind, text_, line in points], references, found_title


def _kind_for_label(section, label, line):
    """The kind of point a label such as "**Pros:**" introduces in this section."""
    kind = LABELS[section].get(_normalise_words(label))
    if kind is None:
        raise TreatmentFileError(
            line,
            f"'{label}' is not a list this section knows; under "
            f"'{SECTION_TITLES[section]}' use one of: {_label_names(section)}",
        )
    return kind


def _label_names(section):
    names = {kind.label: None for kind in LABELS[section].values()}
    return ", ".join(f"**{name}:**" for name in names)


# Cost range ----------------------------------------------------------------

CURRENCIES = {"$": "USD", "US$": "USD", "£": "GBP", "€": "EUR"}


def _money(n):
    """A currency sign and an amount such as "$100,000", "$1.5 million" or "£200k"."""
    return rf"(?P<a{n}>\d[\d,]*(?:\.\d+)?)\s*(?P<m{n}>k|thousand|m|million)?\b"


_RANGE = re.compile(
    r"(?P<cur>US\$|[$£€])\s?" + _money(1) + r"\s*(?:to|-|–|—|and|y|a)\s*(?:US\$|[$£€])?\s?" + _money(2),
    re.IGNORECASE,
)
_SINGLE = re.compile(
    r"(?:about|around|approximately|roughly|typically|usually|costs?|unos|alrededor de|aproximadamente|cuesta)"
    r"\s+(?P<cur>US\$|[$£€])\s?" + _money(1),
    re.IGNORECASE,
)
_PERIODS = [
    (
        Treatment.CostPeriod.PER_YEAR,
        r"per year|a year|each year|per annum|annually|yearly|/\s?year|/\s?yr|al año|por año|cada año|anuales",
    ),
    (
        Treatment.CostPeriod.PER_MONTH,
        r"per month|a month|each month|monthly|/\s?month|/\s?mo\b|al mes|por mes|cada mes|mensuales",
    ),
    (
        Treatment.CostPeriod.PER_CYCLE,
        r"per cycle|a cycle|each cycle|per treatment cycle|/\s?cycle|por ciclo|cada ciclo",
    ),
    (
        Treatment.CostPeriod.ONE_OFF,
        r"one-off|one off|one-time|one time|in total|per course|for an? (?:full |whole )?course"
        r"|en total|por tratamiento",
    ),
]
_MULTIPLIERS = {"k": 1000, "thousand": 1000, "m": 1_000_000, "million": 1_000_000}


def _amount(number, multiplier):
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    if multiplier:
        value *= _MULTIPLIERS[multiplier.lower()]
    if value >= Decimal("1e10"):
        return None
    return value


def cost_range_from(text):
    """(min, max, currency, period) from a sentence like "$100,000 to $200,000 per year", or None."""
    match = _RANGE.search(text) or _SINGLE.search(text)
    if not match:
        return None
    rest = text[match.end() :]
    period = next((value for value, pattern in _PERIODS if re.search(pattern, rest, re.IGNORECASE)), None)
    if period is None:
        return None
    groups = match.groupdict()
    is_range = "a2" in groups
    # "$100 to $200k": a multiplier written only at the end applies to both ends.
    low_multiplier = groups["m1"] or (groups["m2"] if is_range else None)
    low = _amount(groups["a1"], low_multiplier)
    high = _amount(groups["a2"], groups["m2"]) if is_range else low
    if low is None or high is None:
        return None
    if low > high:
        low, high = high, low
    return low, high, CURRENCIES[groups["cur"].upper()], period


# Summary ---------------------------------------------------------------------


def _plain_first_paragraph(markdown_text):
    for paragraph in re.split(r"\n\s*\n", markdown_text):
        stripped = paragraph.strip()
        if not stripped or stripped.startswith(("#", "|", "```", "<")) or _bullet_text(stripped) is not None:
            continue
        plain = MARKDOWN_LINK.sub(r"\1", stripped)
        plain = re.sub(r"[*_`]+", "", plain)
        return " ".join(plain.split())
    return ""


def _shorten(text, limit):
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–—")
    return cut + "…"


# The whole file ---------------------------------------------------------------


def parse_treatment(text):
    """Parse one treatment file's (already decoded) text."""
    lines = text.split("\n")
    values, lines_of, body_start, warnings = read_front_matter(lines, FRONT_MATTER)
    title = values.get("title", "")
    body, points, references, heading_title = _parse_body(lines[body_start:], body_start + 1, title, warnings)
    if len(body) > BODY_MAX_CHARS:
        raise TreatmentFileError(
            body_start + 1, f"the page's text is {len(body):,} characters long; at most {BODY_MAX_CHARS:,} fit"
        )
    if not title:
        if not heading_title:
            raise TreatmentFileError(
                1, "the file has no title: it should start with a '---' front matter block holding 'title: …'"
            )
        title = heading_title
        warnings.append("no 'title' in the front matter; used the first heading")

    summary = values.get("summary", "")
    if not summary:
        summary = _shorten(_plain_first_paragraph(body), SUMMARY_MAX)
        if not summary:
            raise TreatmentFileError(
                1, "the file has no description and no body text to take a summary from: add 'description: …'"
            )
        warnings.append("no 'description' in the front matter; the summary was taken from the first paragraph")
    elif len(summary) > SUMMARY_MAX:
        raise TreatmentFileError(
            lines_of.get("summary", 1),
            f"the description is {len(summary)} characters long; a summary holds at most {SUMMARY_MAX}",
        )

    suited_to = values.get("suited_to", "")
    if len(suited_to) > SUITED_TO_MAX:
        raise TreatmentFileError(
            lines_of.get("suited_to", 1),
            f"'who it is for' is {len(suited_to)} characters long; at most {SUITED_TO_MAX} fit",
        )

    language = language_of_file(values, lines_of, TreatmentFileError)

    parsed = ParsedTreatment(
        language=language,
        title=title,
        summary=summary,
        suited_to=suited_to,
        source_id=values.get("source_id", ""),
        tags=values.get("tags", []),
        body=body,
        points=[(kind, text_) for kind, text_, _ in points],
        references=[(title_, url) for title_, url, _ in references],
        hero_image_url=values.get("hero_image_url", ""),
        hero_image_alt=values.get("hero_image_alt", ""),
        hero_image_credit=values.get("hero_image_credit", ""),
        last_reviewed=values.get("last_reviewed"),
        next_review_due=values.get("next_review_due"),
        warnings=warnings,
        key_lines=lines_of,
    )
    _check_lengths(points, references)
    for kind, text_, number in points:
        if kind == Kind.COST:
            found = cost_range_from(text_)
            if found:
                parsed.cost_min, parsed.cost_max, parsed.cost_currency, parsed.cost_period = found
                parsed.key_lines["cost_min"] = parsed.key_lines["cost_max"] = number
                break
    if not points:
        warnings.append("no pros and cons, effects or cost lists were found")
    return parsed


def _check_lengths(points, references):
    for _kind, text, number in points:
        if len(text) > POINT_MAX:
            raise TreatmentFileError(number, f"this list item is {len(text)} characters long; at most {POINT_MAX} fit")
    for title, url, number in references:
        if len(title) > REFERENCE_TITLE_MAX or len(url) > REFERENCE_URL_MAX:
            raise TreatmentFileError(number, "this reference's title or address is too long")
