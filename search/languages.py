"""
The languages search knows, and what each needs from each database.

A page is searched in its own language: stemming ("treatments" finds
"treatment", "inmunoterapias" finds "inmunoterapia"), the common words left
out, accents ignored. Everything language-specific that the engines
(search.engines) and the indexes (search.index) use is here; a new language
is a new entry of LANGUAGES:

- PostgreSQL: a text search configuration of Ribbon's own, copied from
  PostgreSQL's configuration for the language, its words passed through
  `unaccent` and then the language's stemmer;
- SQLite: FTS5 can only stem English (its porter tokenizer), so a language
  with a Snowball algorithm (`snowball`) has an FTS5 index of its own that
  holds its words unstemmed (without accents), and a searched word matches
  every word of that index with the same Snowball stem, worked out in the
  query itself (search.engines).

The common words are left out of the query on both databases, from the
lists below, so that a search finds the same pages on both.
"""

import functools
import threading
from dataclasses import dataclass, replace

import snowballstemmer

from core.text import search_normalise


@dataclass(frozen=True)
class Language:
    code: str
    # PostgreSQL: the configuration Ribbon makes, the one of PostgreSQL's it copies, and its stemmer (a
    # dictionary). With `snowball`, Ribbon makes that dictionary itself, without PostgreSQL's common words,
    # so that only `stop_words` are left out, as on SQLite.
    configuration: str
    copied_from: str
    stemmer: str
    # SQLite: the FTS5 tokenizer of the language's index.
    tokenizer: str
    stop_words: frozenset
    # The Snowball algorithm both databases stem with when it is not English's (FTS5's porter tokenizer and
    # PostgreSQL's english_stem); "" for English.
    snowball: str = ""
    # SQLite: the end of the name of the language's own FTS5 index ("" for the index of English, which also
    # holds the rows of any language without one).
    index_suffix: str = ""


def _words(paragraph):
    """A list of common words as written (with accents), compared as queries are: normalised."""
    return frozenset(search_normalise(word) for word in paragraph.split())


# Words too common to search for: PostgreSQL's English configuration ignores words like these, and
# SQLite is given the same list, so that "what is immunotherapy" finds the same pages on both.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves""".split()  # noqa: SIM905 - a paragraph of words reads better than 130 lines
)

# Spanish words that say nothing of what a page is about: articles, pronouns, prepositions,
# conjunctions, question words, "no" (as English's "no" and "not") and the forms of "ser", "estar",
# "haber" and "tener" a question is made with ("¿qué es la inmunoterapia?", "¿cuánto cuesta?").
SPANISH_STOP_WORDS = _words(
    """a al algo algún alguna algunas alguno algunos ante antes aquel aquella aquellas aquellos aquí así
    cada como cómo con contra cual cuál cuales cuáles cualquier cuando cuándo cuanto cuánto cuanta cuánta
    cuantos cuántos cuantas cuántas de del desde donde dónde durante e el él ella ellas ello ellos en entre
    era eran es esa esas ese eso esos esta está están estar estas este esto estos estoy fue fueron ha han
    hay haya he hemos hasta la las le les lo los más me mi mí mis mucho muchos muy ni no nos nosotras nosotros nuestra
    nuestras nuestro nuestros o os otra otras otro otros para pero poco por porque puede pueden qué que
    quien quién quienes quiénes se sea ser si sí siempre sin sobre son soy su sus suya suyo también tan
    tanto te tener todo todos tengo tiene tienen ti tu tú tus u un una unas uno unos usted ustedes vosotros y ya yo"""
)


ENGLISH = Language(
    code="en",
    configuration="ribbon_search",
    copied_from="english",
    stemmer="english_stem",
    tokenizer="porter unicode61 remove_diacritics 2",
    stop_words=STOP_WORDS,
)

SPANISH = Language(
    code="es",
    configuration="ribbon_search_es",
    copied_from="spanish",
    stemmer="ribbon_spanish_stem",
    tokenizer="unicode61 remove_diacritics 2",
    stop_words=SPANISH_STOP_WORDS,
    snowball="spanish",
    index_suffix="_es",
)

LANGUAGES = (ENGLISH, SPANISH)
BY_CODE = {language.code: language for language in LANGUAGES}
# The languages with an FTS5 index of their own on SQLite; English's holds every other language's rows.
OWN_INDEXES = tuple(language for language in LANGUAGES if language.index_suffix)


def searched_language(code):
    """
    How rows written in `code` are searched. A language without an entry of its own here is matched
    with English's stemming and common words (its rows sit in the same index), but only its own
    rows are found: a reader searches the pages of their language.
    """
    return BY_CODE.get(code) or replace(ENGLISH, code=code)


_stemming = threading.Lock()


@functools.lru_cache(maxsize=65536)  # the words of the indexes, read again by every search
def stem(algorithm, word):
    """
    `word`'s Snowball stem (SQLite's searches ask it of the words of their index, as a function of
    the connection). A Snowball stemmer keeps its state while it works, so threads take turns.
    """
    with _stemming:
        return _stemmer(algorithm).stemWord(word)


@functools.cache
def _stemmer(algorithm):
    return snowballstemmer.stemmer(algorithm)
