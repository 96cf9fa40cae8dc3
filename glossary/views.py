from itertools import groupby

from django.shortcuts import render

from pagecache.parameters import query_parameters

from .models import Term


@query_parameters()
def glossary_index(request):
    """
    Every term A–Z, grouped by first letter, each with its own anchor (/glossary/#slug): the published
    ones, as approved, for everyone (staff read a draft or a change on its review page), as the pages'
    links do.
    """
    terms = list(Term.objects.published().in_language())
    letters = [(letter, list(entries)) for letter, entries in groupby(terms, key=lambda term: term.letter)]
    return render(request, "glossary/glossary_index.html", {"letters": letters})
