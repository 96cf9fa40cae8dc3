"""
One search engine for every kind of page, on SQLite and on PostgreSQL.

A searchable model declares its `search_columns`: its title column (a match
there ranks first) and the columns of plain text to search. The database
keeps its own index of those columns in step with every write, whatever
makes it (a save, a bulk update, a revert, a raw restore, a delete), so the
index is never a copy the application has to remember to refresh:

- PostgreSQL: a stored `search_vector` column (title weighted above the
  rest, accents ignored: the `ribbon_search` configuration, English with
  `unaccent`) filled by a trigger, with a GIN index; queries use
  `websearch_to_tsquery`, `ts_rank` and `ts_headline`; a word found nowhere
  is taken for the nearest word of a title like it (pg_trgm's trigram
  similarity, on the titles' trigram index), so "fatige" still finds fatigue;
- SQLite: an FTS5 table over the same columns (Porter stemming, accents
  ignored), kept in step by triggers; a word found nowhere is taken for the
  nearest word of the index's own vocabulary (fts5vocab).

Both drop the same common words, need every remaining word to match, and
order results the same way: title matches first (the shortest title, the
closest match, first), then by relevance, then by title. `search()` runs
one query for the page of results and its total, then reads the shown rows
and their highlighted snippets (a query per kind).
"""

import difflib
import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Page, Paginator
from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.clients import within_limit
from core.text import search_words

logger = logging.getLogger(__name__)

# Marks around matched words in snippets, escaped with the rest of the text and then made <mark>.
_START, _STOP = "\ue000", "\ue001"
SNIPPET_WORDS = 28
# How like a word of the index a word found nowhere must be to be taken for it: difflib's ratio
# ("fatige" and "fatigue" 0.92, "fatige" and the stem "fatigu" 0.83). On PostgreSQL the candidates are the
# words of titles within pg_trgm's own word similarity threshold (0.6).
TYPO_RATIO = 0.75

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


@dataclass
class Hit:
    """One result: the page's object, its kind's label, where it sits (a topic) and its snippet, words marked."""

    item: object
    kind: str
    snippet: str
    context: str = ""


def query_words(text):
    """The words of a query that are searched for: normalised, without common words."""
    # No operators: a leading minus or plus is part of how people type ("-" before a word is not "without").
    words = (word.lstrip("-+") for word in search_words(text))
    return [word for word in words if word not in STOP_WORDS and any(ch.isalnum() for ch in word)]


def _highlight(text):
    """Text from the database with its match marks: escaped, then the marks made <mark>."""
    return mark_safe(escape(text or "").replace(_START, "<mark>").replace(_STOP, "</mark>"))


def _live_condition(alias):
    """SQL for "the public may see this row now" (core.models.PublishableQuerySet.published)."""
    return (
        f"{alias}.status = 'published' AND ({alias}.go_live_at IS NULL OR {alias}.go_live_at <= %s)"
        f" AND ({alias}.expires_at IS NULL OR {alias}.expires_at > %s)"
    )


def _now():
    return connection.ops.adapt_datetimefield_value(timezone.now())


# Title matches first, and among them the shortest title, the closest ("Immunotherapy" before "How is
# immunotherapy different…"): relevance scores are not comparable between kinds, titles are. Then relevance.
ORDER = "ORDER BY tier DESC, title_length, score DESC, kind, id"


class _Engine:
    """What each database does differently: match and rank (one query), then snippets."""

    def __init__(self, models):
        self.models = models

    corrected = False

    def allowing_slips(self, words):
        """
        Each word the index has nowhere becomes the nearest word like it
        (slip_candidates: one query for all the words); None when no word
        could be corrected.
        """
        words = self.plain(words)
        terms, changed = [], False
        for word, (found, candidates) in zip(words, self.slip_candidates(words), strict=True):
            near = None
            if not found and len(word) >= 4:  # shorter: too short to tell a slip from another word
                best = difflib.get_close_matches(word, set(candidates), n=1, cutoff=TYPO_RATIO)
                near = best[0] if best else None
            terms.append(self.term(word) if near is None else self.near_term(near))
            changed = changed or near is not None
        self.corrected = changed
        return terms if changed else None

    def plain(self, words):
        return words

    def terms(self, words):
        return [self.term(word) for word in self.plain(words)]

    def _union(self, words, raw):
        selects, params = [], []
        for index, model in enumerate(self.models):
            sql, model_params = self.ranked(index, model, words, raw)
            selects.append(sql)
            params += model_params
        return " UNION ALL ".join(f"SELECT * FROM ({select}) AS part{i}" for i, select in enumerate(selects)), params

    def page(self, words, raw, number, per_page):
        """([(model index, pk)], total) for one page of results, best first."""
        union, params = self._union(words, raw)
        sql = f"SELECT kind, id, COUNT(*) OVER () FROM ({union}) AS found {ORDER} LIMIT %s OFFSET %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, per_page, (number - 1) * per_page])
            rows = cursor.fetchall()
        total = rows[0][2] if rows else (self.count(words, raw) if number > 1 else 0)
        return [(kind, pk) for kind, pk, _ in rows], total

    def count(self, words, raw):
        """The total when the page asked for is past the end (its query returned no rows)."""
        union, params = self._union(words, raw)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({union}) AS found", params)
            return cursor.fetchone()[0]


class _PostgresEngine(_Engine):
    def plain(self, words):
        return [word.replace("'", "") for word in words]  # as the stored vectors have them (core.search_index)

    def term(self, word):
        return word

    def near_term(self, near):
        return near

    def slip_candidates(self, words):
        """
        For each word: is it in the index, and the words of the titles most
        like it (pg_trgm's word similarity, on the titles' trigram index):
        titles hold the words people search for, treatment names and the
        words of patients' questions. One query.

        Whether a word is in the index is asked of a materialised CTE: as
        `EXISTS (… WHERE search_vector @@ …)` the planner expects a match
        within the first few rows and reads the table in order, which for a
        word found nowhere is every row, once for each word of the search;
        planned on its own, the CTE reads the GIN index.
        """
        ctes, cte_params, selects, params = [], [], [], []
        for number, word in enumerate(words):
            found, titles = [], []
            for index, model in enumerate(self.models):
                table = connection.ops.quote_name(model._meta.db_table)
                title = model.search_columns[0]
                name = f"has_{number}_{index}"
                ctes.append(
                    f"{name} AS MATERIALIZED (SELECT 1 FROM {table}"
                    " WHERE search_vector @@ plainto_tsquery('ribbon_search', %s))"
                )
                cte_params.append(word)
                found.append(f"EXISTS (SELECT 1 FROM {name})")
                titles.append(
                    f"ARRAY(SELECT {title}::text FROM {table} WHERE %s <%% {title}"
                    f" ORDER BY word_similarity(%s, {title}) DESC LIMIT 10)"
                )
            selects.append(f"SELECT {number} AS n, {' OR '.join(found)}, {' || '.join(titles)}")
            params += [word, word] * len(self.models)
        sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)} ORDER BY n"
        with connection.cursor() as cursor:
            cursor.execute(sql, cte_params + params)
            rows = cursor.fetchall()
        return [(found, [w for text in titles for w in search_words(text)]) for _, found, titles in rows]

    def ranked(self, index, model, words, raw):
        table = connection.ops.quote_name(model._meta.db_table)
        title = model.search_columns[0]
        in_title = f"to_tsvector('ribbon_search', t.{title}) @@ query"
        sql = (
            f"SELECT {index} AS kind, t.id, ({in_title})::int AS tier,"
            f" CASE WHEN {in_title} THEN length(t.{title}) ELSE 0 END AS title_length,"
            # 1: divided by the log of the text's length, as bm25 weighs a match in a short text higher.
            " ts_rank(t.search_vector, query, 1) AS score"
            f" FROM {table} t, websearch_to_tsquery('ribbon_search', %s) query"
            f" WHERE t.search_vector @@ query AND {_live_condition('t')}"
        )
        now = _now()
        return sql, [" ".join(words), now, now]

    def snippets(self, by_kind, words):
        """{(kind, pk): the best passage of its text, matched words marked} for the results shown, in one query."""
        options = f"StartSel={_START}, StopSel={_STOP}, MaxWords={SNIPPET_WORDS}, MinWords=12, ShortWord=2"
        selects, params = [], []
        for kind, pks in by_kind.items():
            model = self.models[kind]
            table = connection.ops.quote_name(model._meta.db_table)
            _, *texts = model.search_columns
            document = " || ' ' || ".join(f"coalesce({column}, '')" for column in texts)
            selects.append(
                f"SELECT {kind}, id, ts_headline('ribbon_search', {document},"
                f" websearch_to_tsquery('ribbon_search', %s), %s) FROM {table} WHERE id = ANY(%s)"
            )
            params += [" ".join(words), options, list(pks)]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            return {(kind, pk): text for kind, pk, text in cursor.fetchall()}


def _next_character(char):
    """
    The first character after `char` that text can hold, or None after the
    last one (U+10FFFF). Surrogates are skipped: no text can hold them, and
    SQLite compares text as UTF-8, in code point order, so nothing lies
    between U+D7FF and U+E000.
    """
    code = ord(char) + 1
    if 0xD800 <= code <= 0xDFFF:
        code = 0xE000
    return chr(code) if code <= 0x10FFFF else None


class _SqliteEngine(_Engine):
    @staticmethod
    def fts(model):
        return f"{model._meta.db_table}_fts"

    @staticmethod
    def _quoted(word):
        """A word as an FTS5 string: never FTS5 syntax (a user's quote or asterisk is just text)."""
        return '"' + word.replace('"', '""') + '"'

    def term(self, word):
        return self._quoted(word)

    def near_term(self, near):
        return self._quoted(near) + "*"  # the index holds stems ("fatigu" for fatigue and fatigued)

    def slip_candidates(self, words):
        """
        For each word: is it in the index, and the index's own words that start
        with the same letter and are about as long (fts5vocab). One query.
        """
        selects, params = [], []
        for number, word in enumerate(words):
            found = " OR ".join(
                f"EXISTS (SELECT 1 FROM {self.fts(model)} WHERE {self.fts(model)} MATCH %s)" for model in self.models
            )
            # The words from this first letter up to the next (none after the last letter there is).
            first, after = word[:1], _next_character(word[:1])
            starting = "term >= %s" if after is None else "term >= %s AND term < %s"
            vocab = " UNION ".join(
                f"SELECT term FROM {self.fts(model)}_vocab WHERE {starting} AND length(term) BETWEEN %s AND %s"
                for model in self.models
            )
            selects.append(f"SELECT {number} AS n, {found}, (SELECT group_concat(term, ' ') FROM ({vocab}))")
            params += [self._quoted(word)] * len(self.models)
            bounds = [first] if after is None else [first, after]
            params += [*bounds, len(word) - 3, len(word) + 2] * len(self.models)
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects) + " ORDER BY n", params)
            rows = cursor.fetchall()
        return [(bool(found), (near or "").split()) for _, found, near in rows]

    def ranked(self, index, model, words, raw):
        """
        Read from the index alone: relevance (bm25) for every match is the cost
        that grows, so nothing else is read per match. Rows the public may not
        see are few (drafts, scheduled) and left out by their ids; a title is
        read only for a title match (its length orders those).
        """
        table = connection.ops.quote_name(model._meta.db_table)
        fts = self.fts(model)
        title, *texts = model.search_columns
        match = " ".join(words)
        weights = ", ".join(["10.0"] + ["1.0"] * len(texts))
        in_title = f"rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)"
        sql = (
            f"SELECT {index} AS kind, rowid AS id, {in_title} AS tier,"
            f" CASE WHEN {in_title} THEN length({title}) ELSE 0 END AS title_length,"
            f" -bm25({fts}, {weights}) AS score FROM {fts}"
            f" WHERE {fts} MATCH %s AND rowid NOT IN ({self.hidden(table)})"
        )
        now = _now()
        title_match = f"{title} : ({match})"
        return sql, [title_match, title_match, match, now, now]

    @staticmethod
    def hidden(table):
        """The ids of rows the public may not see now."""
        return f"SELECT id FROM {table} h WHERE NOT ({_live_condition('h')})"

    def page(self, words, raw, number, per_page):
        """
        The page from the ranked union, with the total counted beside it
        without ranking (a fifth of the time; an uncorrelated subquery, so
        SQLite counts once), in one query.
        """
        union, params = self._union(words, raw)
        counts, count_params = [], []
        match, now = " ".join(words), _now()
        for model in self.models:
            fts, table = self.fts(model), connection.ops.quote_name(model._meta.db_table)
            counts.append(f"(SELECT count(*) FROM {fts} WHERE {fts} MATCH %s AND rowid NOT IN ({self.hidden(table)}))")
            count_params += [match, now, now]
        total = "(SELECT " + " + ".join(counts) + ")"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT kind, id, {total} FROM ({union}) AS found {ORDER} LIMIT %s OFFSET %s",
                           [*count_params, *params, per_page, (number - 1) * per_page])  # fmt: skip
            rows = cursor.fetchall()
        total = rows[0][2] if rows else (self.count(words, raw) if number > 1 else 0)
        return [(kind, pk) for kind, pk, _ in rows], total

    def snippets(self, by_kind, words):
        """
        {(kind, pk): the best passage of its text columns (as long as
        PostgreSQL's), matched words marked} for the results shown, in one
        query; a result matched in its title only shows its text's first words.
        """
        selects, params = [], []
        for kind, pks in by_kind.items():
            model = self.models[kind]
            fts, table = self.fts(model), connection.ops.quote_name(model._meta.db_table)
            _, *texts = model.search_columns
            listed = ", ".join(["%s"] * len(pks))
            # Matches in the title are not shown twice: the passage comes from the text columns.
            in_texts = "{" + " ".join(texts) + "} : (" + " ".join(words) + ")"
            selects.append(
                f"SELECT {kind}, rowid, 1, snippet({fts}, -1, %s, %s, '…', {SNIPPET_WORDS}) FROM {fts}"
                f" WHERE {fts} MATCH %s AND rowid IN ({listed})"
            )
            selects.append(
                f"SELECT {kind}, id, 0, {texts[0]} FROM {table} WHERE id IN ({listed})"
                f" AND id NOT IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)"
            )
            params += [_START, _STOP, in_texts, *pks, *pks, in_texts]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            rows = cursor.fetchall()
        return {(kind, pk): text if passage else _first_words(text) for kind, pk, passage, text in rows}


def _first_words(text):
    words = (text or "").split()
    return " ".join(words[:SNIPPET_WORDS]) + ("…" if len(words) > SNIPPET_WORDS else "")


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


def _ranked(models, words, number, per_page, snippets):
    """What the database works out for a page of results: ([(kind, pk)], total, corrected, {(kind, pk): snippet})."""
    engine = (_PostgresEngine if connection.vendor == "postgresql" else _SqliteEngine)(models)
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


def _results_key(models, words, number, per_page, snippets, whole):
    """
    Where a page of results is kept: a keyed hash of everything the results
    depend on, so the cache never holds the words someone searched for.
    """
    from core import page_cache

    labels = ",".join(model._meta.label for model in models)
    message = f"{page_cache.release()}|{labels}|{' '.join(words)}|{number}|{per_page}|{snippets}|{whole}"
    return "ribbon:search:" + hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()[:40]


def _items(models, found, whole):
    """{(kind, pk): object} for the results shown: one query per kind, only the fields shown unless `whole`."""
    by_kind = {}
    for kind, pk in found:
        by_kind.setdefault(kind, []).append(pk)
    items = {}
    for kind, pks in by_kind.items():
        model = models[kind]
        shown = model.objects.filter(pk__in=pks).select_related(*model.search_related)
        for item in shown if whole else shown.only(*model.search_only):
            items[kind, item.pk] = item
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
    from core import page_cache

    try:
        _store().set(key, kept, timeout=page_cache.lifetime(kept.generation, settings.RIBBON_SEARCH_CACHE_SECONDS))
    except Exception:
        logger.warning("The store of search results did not keep a page of results.", exc_info=True)


def _worked_out(models, words, number, per_page, snippets, whole, visitor):
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
    from core import page_cache

    keeping = settings.RIBBON_SEARCH_CACHE_SECONDS > 0 and not page_cache.has_uncommitted_changes()
    generation = page_cache.current_generation() if keeping else None
    if generation is not None:
        key = _results_key(models, words, number, per_page, snippets, whole)
        kept = _kept(key, generation)
        if kept is not None:
            return kept.ranked, kept.items
    if not _may_work_out(visitor):
        raise TooManySearches
    ranked = _ranked(models, words, number, per_page, snippets)
    items = _items(models, ranked[0], whole)
    if generation is not None and ranked[0]:
        _keep(key, _Kept(generation, ranked, items))
    return ranked, items


def search(models, text, number=1, per_page=20, snippets=True, whole=False, visitor=None):
    """
    Page `number` of the live pages of `models` matching `text`, or None when the
    text has no word to search for. Raises django.core.paginator.InvalidPage
    for a page past the end (a 404 for the view), and TooManySearches when the
    results must be worked out and `visitor` (the request) has had its share
    of that this minute (core.views.too_many_searches answers it). One query
    ranks and counts, one reads the snippets, one per kind shown reads the
    results; when nothing matches, two more look again allowing for slips (at
    most 6 in all). A page of results, objects and all, is kept until the
    next edit (then it costs no query). Each result's object holds its
    model's `search_only` fields, or all (`whole`).
    """
    words = query_words(text)
    if not words:
        return None
    worked_out = _worked_out(models, words, number, per_page, snippets, whole, visitor)
    (found, total, corrected, snippets_of), items = worked_out
    paginator = Paginator(_ResultList(total), per_page)
    page = paginator.page(number)  # validates the number against the total
    page.object_list = [
        Hit(
            item=items[key],
            kind=models[key[0]].search_label,
            snippet=_highlight(snippets_of.get(key, "")),
            context=items[key].search_context() if key in items else "",
        )
        for key in found
        if key in items
    ]
    return Results(page=page, corrected=corrected)
