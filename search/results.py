"""
Pages of search results: ranked by the database's engine (search.engines),
kept until the next edit in a bounded store of their own, and limited per
visitor when they must be worked out.
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, Value
from django.utils.translation import get_language

from core.clients import within_limit
from pagecache import generations
from pagecache.release import release
from search.engines import engine_for, highlight
from search.languages import ENGLISH, searched_language
from search.words import query_words

logger = logging.getLogger(__name__)


@dataclass
class Hit:
    """One result: the page's object, its kind's label, where it sits (a topic) and its snippet, words marked."""

    item: object
    kind: str
    snippet: str
    context: str = ""


@dataclass
class Results:
    """A page of results (a Django Page of Hits) and whether a word was taken for a near one."""

    page: Page
    corrected: bool


class _ResultList:
    """What Paginator pages over: the engine's page, with the total it counted alongside."""

    def __init__(self, count):
        self._count = count
        self.items = []

    def count(self):
        return self._count

    def __getitem__(self, _slice):
        return self.items


def _ranked(models, words, number, per_page, snippets, language=ENGLISH):
    """What the database works out for a page of results: ([(kind, pk)], total, corrected, {(kind, pk): snippet})."""
    engine = engine_for(models, language)
    raw = " ".join(words)
    terms = engine.terms(words)
    found, total = engine.page(terms, raw, number, per_page)
    if total == 0:
        loose = engine.allowing_slips(words)
        if loose is not None:
            terms = loose
            found, total = engine.page(terms, raw, number, per_page)
            engine.corrected = total > 0
    snippets_of = {}
    if snippets and found:
        by_kind = {}
        for kind, pk in found:
            by_kind.setdefault(kind, []).append(pk)
        snippets_of = engine.snippets(by_kind, terms)
    return found, total, engine.corrected, snippets_of


@dataclass(frozen=True)
class _Kept:
    """
    A page of results as kept in the cache: what the database worked out and
    the objects shown, with the page cache generation it was made in.
    """

    generation: str
    ranked: tuple
    items: dict


def _results_key(models, words, number, per_page, snippets, whole, language=ENGLISH):
    """
    Where a page of results is kept: a keyed hash of everything the results
    depend on, so the cache never holds the words someone searched for.
    """
    labels = ",".join(model._meta.label for model in models)
    asked = f"{labels}|{language.code}|{' '.join(words)}|{number}|{per_page}|{snippets}|{whole}"
    message = f"{release()}|{asked}"
    return "ribbon:search:" + hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()[:40]


def _items(models, found, whole):
    """
    {(kind, pk): object} for the results shown. Whole objects (`whole`) take one query per kind; otherwise
    every kind's results are read in one query, only what a result shows (each model's `search_only`:
    its title, its address and where it sits), whatever the number of kinds searched.
    """
    by_kind = {}
    for kind, pk in found:
        by_kind.setdefault(kind, []).append(pk)
    items = {}
    if whole:
        for kind, pks in by_kind.items():
            model = models[kind]
            for item in model.objects.filter(pk__in=pks).select_related(*model.search_related):
                items[kind, item.pk] = item
        return items
    rows = None
    for kind, pks in by_kind.items():
        title, slug, *context = models[kind].search_only
        shown = (
            models[kind]
            .objects.filter(pk__in=pks)
            .order_by()
            .annotate(
                shown_kind=Value(kind),
                shown_pk=F("pk"),
                shown_title=F(title),
                shown_slug=F(slug),
                shown_context=F(context[0]) if context else Value("", output_field=CharField()),
                shown_language=F("language"),  # its address is in its language
            )
            .values_list("shown_kind", "shown_pk", "shown_title", "shown_slug", "shown_context", "shown_language")
        )
        rows = shown if rows is None else rows.union(shown, all=True)
    for kind, pk, title, slug, context, language in rows if rows is not None else ():
        model = models[kind]
        item = model(pk=pk, language=language, **{model.search_only[0]: title, model.search_only[1]: slug})
        item.shown_context = context
        items[kind, pk] = item
    return items


class TooManySearches(Exception):
    """This visitor has made RIBBON_SEARCHES_PER_MINUTE new searches in the last minute."""


SEARCH_LIMIT_SECONDS = 60


def _may_work_out(visitor):
    """
    Whether `visitor` (a request, or None: nobody to limit) may have a search
    worked out now, counted as core.clients counts every per-visitor limit:
    results the database works out cost it tens or hundreds of milliseconds,
    and every new string of words is new work, so one visitor (a script) could
    keep it busy. Kept results cost nothing and are never counted.
    """
    limit = settings.RIBBON_SEARCHES_PER_MINUTE
    return visitor is None or limit <= 0 or within_limit(visitor, "search", limit, SEARCH_LIMIT_SECONDS)


def _store():
    return caches[settings.RIBBON_SEARCH_CACHE_ALIAS]


def _kept(key, generation):
    """The page of results kept under `key` in `generation`, or None. A store that does not answer keeps nothing."""
    try:
        kept = _store().get(key)
    except Exception:
        logger.warning("The store of search results did not answer.", exc_info=True)
        return None
    return kept if isinstance(kept, _Kept) and kept.generation == generation else None


def _keep(key, kept):
    try:
        _store().set(key, kept, timeout=generations.lifetime(kept.generation, settings.RIBBON_SEARCH_CACHE_SECONDS))
    except Exception:
        logger.warning("The store of search results did not keep a page of results.", exc_info=True)


def _worked_out(models, words, number, per_page, snippets, whole, visitor, language=ENGLISH):
    """
    (ranked, items) for a page of results, kept for a while: a search everybody
    makes ("chemotherapy") is worked out once per edit rather than on every
    request. Kept in a store of their own (RIBBON_SEARCH_CACHE_ALIAS, bounded),
    never in the page cache, so that searches cannot push pages out of it;
    under the page cache's generation (any committed edit makes them stale at
    once), no longer than RIBBON_SEARCH_CACHE_SECONDS nor past the next go-live
    or expiry. Only a page that shows results is kept: a search that found
    nothing (nonsense, mostly, and different every time) would only push out
    results people ask for again. Results not kept count towards the
    visitor's limit (TooManySearches).
    """
    keeping = settings.RIBBON_SEARCH_CACHE_SECONDS > 0 and not generations.has_uncommitted_changes()
    generation = generations.content_state() if keeping else None
    if generation is not None:
        key = _results_key(models, words, number, per_page, snippets, whole, language)
        kept = _kept(key, generation)
        if kept is not None:
            return kept.ranked, kept.items
    if not _may_work_out(visitor):
        raise TooManySearches
    ranked = _ranked(models, words, number, per_page, snippets, language)
    items = _items(models, ranked[0], whole)
    if generation is not None and ranked[0]:
        _keep(key, _Kept(generation, ranked, items))
    return ranked, items


def search(models, text, number=1, per_page=20, snippets=True, whole=False, visitor=None, language=None):
    """
    Page `number` of the live pages of `models` matching `text`, or None when
    the text has no word to search for.

    Raises django.core.paginator.InvalidPage for a page past the end (a 404
    for the view), and TooManySearches when the results must be worked out
    and `visitor` (the request) has had its share of that this minute
    (search.views.too_many_searches answers it).

    Queries: one ranks and counts, one reads the snippets, one reads the
    results (one per kind shown, for `whole` objects); when nothing matches,
    two more look again allowing for slips (at most 5 in all, or 4 + the kinds
    shown). A page of results, objects and all, is kept until the next edit,
    and then costs no query. Each result's object holds what its model's
    `search_only` names (its title, slug and where it sits), or all of it
    (`whole`). Only rows written in `language` (by default the page's) are
    found, their words stemmed and common words left out as search.languages
    has them for it.
    """
    language = searched_language(get_language()) if language is None else language
    words = query_words(text, language)
    if not words:
        return None
    worked_out = _worked_out(models, words, number, per_page, snippets, whole, visitor, language)
    (found, total, corrected, snippets_of), items = worked_out
    paginator = Paginator(_ResultList(total), per_page)
    page = paginator.page(number)  # validates the number against the total
    page.object_list = [
        Hit(
            item=items[key],
            kind=models[key[0]].search_label,
            snippet=highlight(snippets_of.get(key, "")),
            context=items[key].search_context() if key in items else "",
        )
        for key in found
        if key in items
    ]
    return Results(page=page, corrected=corrected)
