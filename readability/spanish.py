"""
How hard a Spanish text is to read: the INFLESZ scale and Fernández-Huerta's readability, for the panel
editors of Spanish pages see. The English grades (SMOG, Flesch–Kincaid, in readability.grades) count English
syllables against English norms: on Spanish they mean nothing.

Both Spanish formulas are Flesch's reading ease refitted to Spanish words, which carry more syllables: the
higher the score, the easier the text (roughly 0 to 100).

- Szigriszt-Pazos's perspicuity (Szigriszt Pazos, "Sistemas predictivos de legibilidad del mensaje escrito:
  fórmula de perspicuidad", doctoral thesis, Universidad Complutense de Madrid, 1993):
  206.835 − 62.3 × syllables / words − words / sentences.
  Read on the INFLESZ scale (Barrio-Cantalejo et al., "Validación de la Escala INFLESZ para evaluar la
  legibilidad de los textos dirigidos a pacientes", Anales del Sistema Sanitario de Navarra 31 (2), 2008,
  135–152), which was validated on texts written for patients: below 40 muy difícil, 40 to 55 algo difícil,
  55 to 65 normal, 65 to 80 bastante fácil, above 80 muy fácil. Patient information should be "normal" or
  easier, 55 or more: the site's target (RIBBON_READING_INFLESZ_TARGET).
- Fernández-Huerta's readability ("Medidas sencillas de lecturabilidad", Consigna 214, 1959), corrected:
  206.84 − 0.60 × P − 1.02 × F, with P the syllables per 100 words and F the words per sentence. It is
  usually quoted with F as the sentences per 100 words, which makes shorter sentences score as harder:
  the opposite of Flesch's formula it adapts, whose sentence term is 1.015 × words per sentence. Gwillim
  Law showed the slip (LINGUIST List 22.2332, 2011), and the formula is used in its corrected form since
  (legible.es, textstat). Shown as a second opinion, as Flesch–Kincaid is beside SMOG.

Syllables are counted by Spanish spelling, which says how a word sounds: each vowel nucleus is one syllable,
two vowels where one is an unstressed i or u are one (a diphthong: "cien", "cuidado"; three with a strong
one between are a triphthong: "buey", "estudiáis"), and two strong vowels (a, e, o) or a stressed í or ú
beside one are two (a hiatus: "le-ón", "dí-a", "ra-íz"). The u of "que", "qui", "gue" and "gui" is silent,
but not that of "güe", "güi"; an h between vowels does not part them ("prohi-bir"); a y that no vowel
follows is a vowel ("hoy", "muy", "y"). Acronyms are said letter by letter ("VIH": u-ve, i, ha-che), digits
in a word as numbers ("HER2": her, dos). A number alone ("12") is not a word, as in English.
Sentences end as in readability.grades: at . ! ? or … and at the end of every line, item or heading.
"""

import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from .grades import LONGEST_SHOWN

# A word: letters (any alphabet's, accents included), perhaps with digits ("HER2", "CDK4/6") and hyphens.
WORD = re.compile(r"(?=[0-9/-]*[^\W\d_])[^\W_]+(?:/[0-9]+)*(?:-[^\W_]+(?:/[0-9]+)*)*")
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+|\n+")

STRONG = set("aeoáéó")
WEAK = set("iuü")
STRESSED_WEAK = set("íú")
VOWELS = STRONG | WEAK | STRESSED_WEAK
BASE = str.maketrans("áéíóúü", "aeiouu")

# How each letter is said (for acronyms), and each digit (for digits in a word), in syllables.
LETTER_NAMES = {
    "a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 2, "g": 1, "h": 2, "i": 1, "j": 2, "k": 1, "l": 2, "m": 2,
    "n": 2, "ñ": 2, "o": 1, "p": 1, "q": 1, "r": 2, "s": 2, "t": 1, "u": 1, "v": 2, "w": 4, "x": 2, "y": 1,
    "z": 2,
}  # fmt: skip
DIGIT_NAMES = {"0": 2, "1": 2, "2": 1, "3": 1, "4": 2, "5": 2, "6": 1, "7": 2, "8": 2, "9": 2}


def inflesz_band(score):
    """
    (the band's Spanish name, as writers on readability in Spanish know it; its English gloss) of a
    perspicuity score on the INFLESZ scale. A score on a boundary is in the easier band, except 80, the top
    of "bastante fácil" (the paper's "more than 80" is "muy fácil").
    """
    if score < 40:
        return "muy difícil", "very difficult"
    if score < 55:
        return "algo difícil", "somewhat difficult"
    if score < 65:
        return "normal", "normal"
    if score <= 80:
        return "bastante fácil", "fairly easy"
    return "muy fácil", "very easy"


def _nuclei(run):
    """Syllables in a run of vowels: one, and one more at every hiatus between two of them."""
    count = 1
    for first, second in itertools.pairwise(run):
        both_weak = first.translate(BASE) in "iu" and second.translate(BASE) in "iu"
        full = (STRONG | STRESSED_WEAK).issuperset((first, second))
        if first.translate(BASE) == second.translate(BASE) or (full and not both_weak):
            count += 1
    return count


SILENT_U = re.compile(r"(?<=[qg])u(?=[eiéí])")


def _word_syllables(letters):
    """Syllables of a lower-case Spanish word of letters only."""
    said = SILENT_U.sub("", letters).replace("h", "")
    # A y is a vowel (an unstressed i) where no vowel follows it: "hoy", "muy", "y".
    said = "".join(
        "i" if letter == "y" and (index + 1 == len(said) or said[index + 1] not in VOWELS) else letter
        for index, letter in enumerate(said)
    )
    runs = re.findall(f"[{''.join(sorted(VOWELS))}]+", said)
    return max(sum(_nuclei(run) for run in runs), 1)


PIECE = re.compile(r"[0-9]+|[^\W\d_]+")


def syllables(word, in_capitals=False):
    """
    Syllables in one Spanish word as it is said: a hyphenated word is the sum of its parts, digits are said
    one by one, and capitals (an acronym, in a sentence that is not in capitals) letter by letter.
    """
    count = 0
    for piece in PIECE.findall(word):
        if piece.isdigit():
            count += sum(DIGIT_NAMES[digit] for digit in piece)
        elif len(piece) > 1 and piece.isupper() and not in_capitals and not _said_as_word(piece.lower()):
            count += sum(LETTER_NAMES.get(_plain(letter), 1) for letter in piece.lower())
        else:
            count += _word_syllables(piece.lower())
    return max(count, 1)


def _said_as_word(capitals):
    """
    Whether an acronym is said as a word ("UCI", "TAC", "HER" of HER2): three letters or more that Spanish
    can say as written, a vowel and never two consonants side by side, nor a final h. Otherwise its letters
    are named ("ADN", "VIH", "BRCA").
    """
    said = [letter.translate(BASE) in "aeiou" for letter in capitals]
    side_by_side = any(not first and not second for first, second in itertools.pairwise(said))
    return len(capitals) > 2 and any(said) and not side_by_side and not capitals.endswith("h")


def _plain(letter):
    """A letter without its accent (ñ kept: it is a letter of its own)."""
    return letter if letter == "ñ" else unicodedata.normalize("NFD", letter)[0]


@dataclass(frozen=True)
class SpanishReading:
    sentences: int
    words: int
    syllables: int
    inflesz: float | None  # Szigriszt-Pazos's perspicuity, read on the INFLESZ scale
    fernandez_huerta: float | None
    longest: list[str] = field(default_factory=list)
    language = "es"

    @property
    def band(self):
        """The INFLESZ band's name as Spanish writers on readability know it ("algo difícil")."""
        return inflesz_band(self.inflesz)[0] if self.inflesz is not None else ""

    @property
    def band_in_english(self):
        return inflesz_band(self.inflesz)[1] if self.inflesz is not None else ""

    def is_hard(self, target):
        """Below the target on the INFLESZ scale (higher is easier, unlike a grade)."""
        return self.inflesz is not None and self.inflesz < target


def szigriszt_pazos(syllables, words, sentences):
    """Szigriszt-Pazos's perspicuity, the figure the INFLESZ scale reads."""
    return 206.835 - 62.3 * syllables / words - words / sentences


def fernandez_huerta(syllables, words, sentences):
    """Fernández-Huerta's readability, corrected: its F is the words per sentence (see the module's docstring)."""
    per_hundred_words = 100 * syllables / words
    return 206.84 - 0.60 * per_hundred_words - 1.02 * words / sentences


def sentences_of(text):
    return [sentence.strip() for sentence in SENTENCE_END.split(text) if WORD.search(sentence)]


def reading_of(text):
    """The SpanishReading of plain Spanish text (see the module's docstring for what counts)."""
    sentences = sentences_of(text)
    counted = [(sentence, WORD.findall(sentence)) for sentence in sentences]
    words = [word for _, found in counted for word in found]
    if not words:
        return SpanishReading(0, 0, 0, None, None, [])
    total = 0
    for sentence, found in counted:
        in_capitals = len(found) >= 3 and sentence.upper() == sentence
        total += sum(syllables(word, in_capitals) for word in found)
    perspicuity = szigriszt_pazos(total, len(words), len(sentences))
    huerta = fernandez_huerta(total, len(words), len(sentences))
    longest = sorted(counted, key=lambda pair: len(pair[1]), reverse=True)[:LONGEST_SHOWN]
    return SpanishReading(
        sentences=len(sentences),
        words=len(words),
        syllables=total,
        inflesz=round(perspicuity, 1),
        fernandez_huerta=round(huerta, 1),
        longest=[sentence for sentence, found in longest if len(found) > 1],
    )


# Words a reader may not know -------------------------------------------------------------------------

SPANISH_ENDINGS = set("aeiouáéíóúdjlnrsxyz")  # how Spanish words end; a drug's name often does not (-mab, -ib)


def unfamiliar_words(text, known_forms, limit=10):
    """
    Words in Spanish `text` a patient may not know and that `known_forms` (the glossary's terms and their
    forms) do not explain yet, most used first: long words (five syllables or more) and words that end as
    no Spanish word does, which are mostly drug names ("trastuzumab", "palbociclib"). As in English, a
    heuristic for an editor's attention: the editor decides what the glossary needs.
    """
    known = {part.casefold() for form in known_forms for part in re.findall(r"[^\W\d_]+", form)}
    counts = {}
    for word in re.findall(r"[^\W\d_]+", text):
        folded = word.casefold()
        if len(folded) < 6 or word.isupper() or folded in known or folded.rstrip("s") in known:
            continue
        if syllables(folded) < 5 and folded[-1] in SPANISH_ENDINGS:
            continue
        counts[folded] = counts.get(folded, 0) + 1
    return [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:limit]
