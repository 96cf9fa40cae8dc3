"""
The languages search knows, and what each needs from each database.

A page is searched in its own language: stemming ("treatments" finds
"treatment"), the common words left out, and on PostgreSQL a text search
configuration of Ribbon's own (the language's stemmer behind `unaccent`, so
accents are ignored as on SQLite). Everything language-specific that the
engines (search.engines) and the indexes (search.index) use is here; a new
language is a new entry, with an index of its own per model.
"""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Language:
    code: str
    # PostgreSQL: the configuration Ribbon makes, the one of PostgreSQL's it copies, and its stemmer.
    configuration: str
    copied_from: str
    stemmer: str
    # SQLite: the FTS5 tokenizer of the language's index.
    tokenizer: str
    stop_words: frozenset


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


ENGLISH = Language(
    code="en",
    configuration="ribbon_search",
    copied_from="english",
    stemmer="english_stem",
    tokenizer="porter unicode61 remove_diacritics 2",
    stop_words=STOP_WORDS,
)


def searched_language(code):
    """
    How rows written in `code` are searched. A language without an entry of its own here is matched
    with English's stemming and common words (its rows sit in the same index), but only its own
    rows are found: a reader searches the pages of their language.
    """
    return ENGLISH if code == ENGLISH.code else replace(ENGLISH, code=code)
