"""
Query parameters: each public view says which ones it reads, and in what form.

    @query_parameters(tag=Slug(), page=PageNumber())
    def treatment_list(request): ...

The view then sees only those parameters (request.GET holds nothing else),
so the links it builds carry nothing else: a tracking parameter or any junk
in the address can never reach the page or the links on it. A value that is
not in its canonical form is redirected (301) to that form (`page=01`,
`page=1`, an empty `tag=`), and one that cannot be right is a 404 (`page=x`,
digits from another script, the same parameter twice). The page cache keys
pages by the declared parameters only (pagecache.middleware), so the rest never
makes a new cache entry.
"""

import functools
import re

from django.http import Http404, HttpResponsePermanentRedirect, QueryDict
from django.urls import Resolver404, resolve
from django.utils import translation

from core.languages import language_of

MAX_PAGE_NUMBER_DIGITS = 6


class Parameter:
    """
    A kind of query parameter: `canonical(raw)` gives the value's canonical
    form, None when the parameter is better left out, or raises Http404.
    """

    only_with = None  # meaningful only beside this other parameter (a page of search results)
    # A page asked for with this parameter is never stored (pagecache.middleware): it is not looked up in
    # the page cache, and requests for it never wait for one another's renders.
    never_stored = False

    def canonical(self, raw):
        return raw


class PageNumber(Parameter):
    """A page of a list: 2, 3 …; the first page is the address without it."""

    # ASCII digits only: int() would also take "١" or "２" and make another address of the same page.
    _NUMBER = re.compile(rf"\+?([0-9]{{1,{MAX_PAGE_NUMBER_DIGITS}}})")

    def __init__(self, only_with=None):
        self.only_with = only_with

    def canonical(self, raw):
        text = raw.strip()
        if not text:
            return None
        match = self._NUMBER.fullmatch(text)
        if match is None or int(match.group(1)) == 0:
            raise Http404("No such page.")
        number = int(match.group(1))
        return None if number == 1 else str(number)


class Slug(Parameter):
    """The address of a row, such as a tag: lower case letters, digits, dashes and underscores."""

    _SLUG = re.compile(r"[-a-z0-9_]{1,200}")

    def canonical(self, raw):
        text = raw.strip().lower()
        if not text:
            return None
        if not self._SLUG.fullmatch(text):
            raise Http404("No such address.")
        return text


class Slugs(Slug):
    """
    Several rows, in the order given (?t=a&t=b): each value a slug, repeats
    dropped. How many make sense is the view's to say (it can explain why).
    """

    many = True
    most = 10  # beyond any real use: more is not a page of this site

    def canonical_all(self, raw_values):
        kept = []
        for raw in raw_values:
            value = self.canonical(raw)
            if value is not None and value not in kept:
                kept.append(value)
        if len(kept) > self.most:
            raise Http404("Too many values.")
        return kept


class SearchText(Parameter):
    """Words typed into a search box: white space collapsed, and at most `max_length` characters."""

    never_stored = True  # any words can be searched for: the results are kept apart (search.results)

    def __init__(self, max_length=200):
        self.max_length = max_length

    def canonical(self, raw):
        return " ".join(raw.split())[: self.max_length].strip() or None


class PagePath(Parameter):
    """
    The address of a public page of this site, without query or fragment: the
    page a visitor came from (?from=/treatments/chemotherapy/). Anything else,
    a made-up page or another site, is left out.
    """

    max_length = 200

    def canonical(self, raw):
        text = raw.strip()
        plain = (
            0 < len(text) <= self.max_length
            and text.startswith("/")
            and not text.startswith("//")
            and not any(char in text for char in "\\?#")
            and text.isascii()
            and text.isprintable()
        )
        return text if plain and is_public_page(text) else None


class Raw(Parameter):
    """Taken as given: the view checks it itself (and answers 400 when it is wrong)."""


def _canonical_query(given, declared):
    kept = {}
    for name, kind in declared.items():
        values = given.getlist(name)
        if getattr(kind, "many", False):
            kept[name] = kind.canonical_all(values)
            continue
        if len(values) > 1:
            raise Http404(f"The parameter “{name}” is given more than once.")
        if values:
            value = kind.canonical(values[0])
            if value is not None:
                kept[name] = value
    for name, kind in declared.items():
        if kind.only_with and kind.only_with not in kept:
            kept.pop(name, None)
    canonical = QueryDict(mutable=True)
    for name, value in kept.items():
        if isinstance(value, list):
            canonical.setlist(name, value)
        else:
            canonical[name] = value
    return canonical


def query_parameters(**declared):
    """Declare the query parameters a view reads (see the module's docstring)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            canonical = _canonical_query(request.GET, declared)
            if any(request.GET.getlist(name) != canonical.getlist(name) for name in declared):
                query = canonical.urlencode()
                return HttpResponsePermanentRedirect(f"{request.path}?{query}" if query else request.path)
            canonical._mutable = False
            request.GET = canonical
            return view(request, *args, **kwargs)

        wrapper.query_parameters = frozenset(declared)
        wrapper.never_stored_with = frozenset(name for name, kind in declared.items() if kind.never_stored)
        return wrapper

    return decorate


def declared_parameters(view):
    """The parameters a view reads: none unless it says so."""
    return getattr(view, "query_parameters", frozenset())


def never_stored_with(view):
    """
    The parameters whose presence makes a page of this view one that is never
    stored (a search), or True when no answer of this view ever is.
    """
    return getattr(view, "never_stored", False) or getattr(view, "never_stored_with", frozenset())


def never_stored(view):
    """
    Say that no answer of this view is ever stored (a redirect that records a
    click): the page cache then neither looks it up nor has requests for it
    wait for one another's renders.
    """
    view.never_stored = True
    return view


def page_exists(check):
    """
    Say how to tell whether the page a slug names exists for the public:
    `check(**url_kwargs)` is True for a published page. Views with a slug in
    their address declare it (above @query_parameters), so that
    `is_public_page` can tell a real page from a made-up address.
    """

    def decorate(view):
        view.page_exists = check
        return view

    return decorate


def is_public_page(path):
    """
    True when `path` (no query string) is the address of a public page of this
    site that exists: it resolves to a view that declares its parameters (every
    public page does), and, if the address names something, that something is
    published, in the language of the address. Redirects, the admin and made-up
    slugs are not pages.
    """
    with translation.override(language_of(path)):
        try:
            match = resolve(path)
        except Resolver404:
            return False
        view = match.func
        if not hasattr(view, "query_parameters"):
            return False
        if match.args or match.kwargs:
            check = getattr(view, "page_exists", None)
            return check is not None and check(*match.args, **match.kwargs)
        return True
