"""The words of a query that are searched for, the same on every database."""

from core.text import search_words
from search.languages import ENGLISH


def query_words(text, language=ENGLISH):
    """The words of a query that are searched for: normalised, without the language's common words."""
    # No operators: a leading minus or plus is part of how people type ("-" before a word is not "without"),
    # as are Spanish's opening marks ("¿qué es?").
    words = (word.lstrip("-+¿¡") for word in search_words(text))
    return [word for word in words if word not in language.stop_words and any(ch.isalnum() for ch in word)]
