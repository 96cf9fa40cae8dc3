"""The words of a query that are searched for, the same on every database."""

from core.text import search_words

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


def query_words(text):
    """The words of a query that are searched for: normalised, without common words."""
    # No operators: a leading minus or plus is part of how people type ("-" before a word is not "without").
    words = (word.lstrip("-+") for word in search_words(text))
    return [word for word in words if word not in STOP_WORDS and any(ch.isalnum() for ch in word)]
