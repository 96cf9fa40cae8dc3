"""
One search engine for every kind of page, on SQLite and on PostgreSQL.

A searchable model declares its `search_columns`: its title column (a match
there ranks first) and the columns of plain text to search. The database
keeps its own index of those columns in step with every write, whatever
makes it (a save, a bulk update, a revert, a raw restore, a delete), so the
index is never a copy the application has to remember to refresh:

- PostgreSQL: a stored `search_vector` column (title weighted above the
  rest, accents ignored, each row stemmed by its language's configuration:
  `ribbon_search`, English with `unaccent`, or `ribbon_search_es`) filled by
  a trigger, with a GIN index; queries use `websearch_to_tsquery`, `ts_rank`
  and `ts_headline`; a word found nowhere is taken for the nearest word of a
  title like it (pg_trgm's trigram similarity, on the titles' trigram
  index), so "fatige" still finds fatigue;
- SQLite: an FTS5 table over the same columns (Porter stemming, accents
  ignored), kept in step by triggers, and one per language FTS5 cannot stem
  (Spanish: its words unstemmed, matched by their Snowball stems); a word
  found nowhere is taken for the nearest word of the index's own vocabulary
  (fts5vocab).

Both drop the same common words, need every remaining word to match, and
order results the same way: title matches first (the shortest title, the
closest match, first), then by relevance, then by title. `search.results`
asks an engine for a page of results and its total in one query, then for
the shown rows' highlighted snippets.
"""

import difflib
import logging

from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.text import search_words
from search.languages import ENGLISH, stem

logger = logging.getLogger(__name__)

# Marks around matched words in snippets, escaped with the rest of the text and then made <mark>.
_START, _STOP = "\ue000", "\ue001"
SNIPPET_WORDS = 28
# How like a word of the index a word found nowhere must be to be taken for it: difflib's ratio
# ("fatige" and "fatigue" 0.92, "fatige" and the stem "fatigu" 0.83). On PostgreSQL the candidates are the
# words of titles within pg_trgm's own word similarity threshold (0.6).
TYPO_RATIO = 0.75


def highlight(text):
    """Text from the database with its match marks: escaped, then the marks made <mark>."""
    return mark_safe(escape(text or "").replace(_START, "<mark>").replace(_STOP, "</mark>"))


def _live_condition(alias):
    """
    SQL for "the public may see this row now, in the language searched"
    (core.models.PublishableQuerySet.published and in_language); its parameters are _live_params'.
    """
    return (
        f"{alias}.status = 'published' AND ({alias}.go_live_at IS NULL OR {alias}.go_live_at <= %s)"
        f" AND ({alias}.expires_at IS NULL OR {alias}.expires_at > %s) AND {alias}.language = %s"
    )


def _live_params(language):
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return [now, now, language.code]


# Title matches first, and among them the shortest title, the closest ("Immunotherapy" before "How is
# immunotherapy different…"): relevance scores are not comparable between kinds, titles are. Then relevance.
ORDER = "ORDER BY tier DESC, title_length, score DESC, kind, id"


class _Engine:
    """What each database does differently: match and rank (one query), then snippets."""

    def __init__(self, models, language=ENGLISH):
        self.models = models
        self.language = language

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
        return [word.replace("'", "") for word in words]  # as the stored vectors have them (search.index)

    def term(self, word):
        return word

    def near_term(self, near):
        return near

    def slip_candidates(self, words):
        """
        For each word: is it in the index, and the words of the titles most
        like it (pg_trgm's word similarity, on the titles' trigram index):
        titles hold the words people search for, treatment names and the
        words of patients' questions. Both in the language searched, as on
        SQLite, where each language with a stemmer of its own has its own
        index. One query.

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
                    f" WHERE search_vector @@ plainto_tsquery('{self.language.configuration}', %s) AND language = %s)"
                )
                cte_params += [word, self.language.code]
                found.append(f"EXISTS (SELECT 1 FROM {name})")
                titles.append(
                    f"ARRAY(SELECT {title}::text FROM {table} WHERE %s <%% {title} AND language = %s"
                    f" ORDER BY word_similarity(%s, {title}) DESC LIMIT 10)"
                )
            selects.append(f"SELECT {number} AS n, {' OR '.join(found)}, {' || '.join(titles)}")
            params += [word, self.language.code, word] * len(self.models)
        sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)} ORDER BY n"
        with connection.cursor() as cursor:
            cursor.execute(sql, cte_params + params)
            rows = cursor.fetchall()
        return [(found, [w for text in titles for w in search_words(text)]) for _, found, titles in rows]

    def ranked(self, index, model, words, raw):
        table = connection.ops.quote_name(model._meta.db_table)
        title = model.search_columns[0]
        in_title = f"to_tsvector('{self.language.configuration}', t.{title}) @@ query"
        sql = (
            f"SELECT {index} AS kind, t.id, ({in_title})::int AS tier,"
            f" CASE WHEN {in_title} THEN length(t.{title}) ELSE 0 END AS title_length,"
            # 1: divided by the log of the text's length, as bm25 weighs a match in a short text higher.
            " ts_rank(t.search_vector, query, 1) AS score"
            f" FROM {table} t, websearch_to_tsquery('{self.language.configuration}', %s) query"
            f" WHERE t.search_vector @@ query AND {_live_condition('t')}"
        )
        return sql, [" ".join(words), *_live_params(self.language)]

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
                f"SELECT {kind}, id, ts_headline('{self.language.configuration}', {document},"
                f" websearch_to_tsquery('{self.language.configuration}', %s), %s) FROM {table} WHERE id = ANY(%s)"
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


def _after_prefix(prefix):
    """The first text after every text that starts with `prefix`, or None when there is none."""
    for end in range(len(prefix) - 1, -1, -1):
        after = _next_character(prefix[end])
        if after is not None:
            return prefix[:end] + after
    return None


# SQLite: the connection's function that gives a word's Snowball stem (registered by search.apps).
STEM_FUNCTION = "ribbon_stem"


class _SqliteEngine(_Engine):
    """
    FTS5 stems English only (its porter tokenizer). A language with a
    Snowball algorithm has an index of its own holding its words unstemmed,
    and each searched word is matched as every word of that index with the
    same stem ("inmunoterapia" as "inmunoterapia" OR "inmunoterapias"): the
    words are read from the index's vocabulary within the query itself, so a
    search costs the same number of queries in every language, and nothing
    but SQL runs when a row is written.
    """

    def fts(self, model):
        return f"{model._meta.db_table}_fts{self.language.index_suffix}"

    @staticmethod
    def _quoted(word):
        """A word as an FTS5 string: never FTS5 syntax (a user's quote or asterisk is just text)."""
        return '"' + word.replace('"', '""') + '"'

    def term(self, word):
        return word if self.language.snowball else self._quoted(word)

    def near_term(self, near):
        if self.language.snowball:
            return near  # a word of the index, matched as the others are
        return self._quoted(near) + "*"  # the index holds stems ("fatigu" for fatigue and fatigued)

    def match(self, model, terms, columns=""):
        """
        (SQL, parameters): the FTS5 query of `terms` in `model`'s index,
        within `columns` ("title", "{summary body}") when given.
        """
        if not self.language.snowball:
            query = " ".join(terms)
            return "%s", [f"{columns} : ({query})" if columns else query]
        parts, params = [], []
        if columns:
            parts.append("%s")
            params.append(f"{columns} : (")
        for word in terms:
            sql, word_params = self._same_stem(model, word)
            parts.append(sql)
            params += word_params
            parts.append("' AND '")  # FTS5 reads two groups in brackets side by side as an error, not as AND
        parts[-1:] = ["')'"] if columns else []
        return "(" + " || ".join(parts) + ")", params

    def _same_stem(self, model, word):
        """
        (SQL, parameters): the words of `model`'s index with `word`'s stem, as
        an FTS5 query ("inmunoterapia" OR "inmunoterapias"); the word itself,
        found nowhere, when none has.
        """
        stemmed = stem(self.language.snowball, word)
        # The words with a stem start with it, but for the one ending Snowball's Spanish replaces with other
        # letters ("competencia" is "competent"): its last letter is left out of the range of words read.
        prefix = stemmed[: max(1, len(stemmed) - 1)]
        after = _after_prefix(prefix)
        within = "term >= %s" if after is None else "term >= %s AND term < %s"
        sql = (
            "(SELECT coalesce('(' || group_concat('\"' || replace(term, '\"', '\"\"') || '\"', ' OR ') || ')', %s)"
            f" FROM {self.fts(model)}_vocab WHERE {within} AND {STEM_FUNCTION}(%s, term) = %s)"
        )
        bounds = [prefix] if after is None else [prefix, after]
        return sql, [self._quoted(word), *bounds, self.language.snowball, stemmed]

    def slip_candidates(self, words):
        """
        For each word: is it in the index, and the index's own words that start
        with the same letter and are about as long (fts5vocab). One query.
        """
        selects, params = [], []
        for number, word in enumerate(words):
            found = []
            for model in self.models:
                match, match_params = self.match(model, [self.term(word)])
                found.append(f"EXISTS (SELECT 1 FROM {self.fts(model)} WHERE {self.fts(model)} MATCH {match})")
                params += match_params
            # The words from this first letter up to the next (none after the last letter there is).
            first, after = word[:1], _next_character(word[:1])
            starting = "term >= %s" if after is None else "term >= %s AND term < %s"
            vocab = " UNION ".join(
                f"SELECT term FROM {self.fts(model)}_vocab WHERE {starting} AND length(term) BETWEEN %s AND %s"
                for model in self.models
            )
            selects.append(
                f"SELECT {number} AS n, {' OR '.join(found)}, (SELECT group_concat(term, ' ') FROM ({vocab}))"
            )
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
        weights = ", ".join(["10.0"] + ["1.0"] * len(texts))
        title_match, title_params = self.match(model, words, title)
        match, match_params = self.match(model, words)
        in_title = f"rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH {title_match})"
        sql = (
            f"SELECT {index} AS kind, rowid AS id, {in_title} AS tier,"
            f" CASE WHEN {in_title} THEN length({title}) ELSE 0 END AS title_length,"
            f" -bm25({fts}, {weights}) AS score FROM {fts}"
            f" WHERE {fts} MATCH {match} AND rowid NOT IN ({self.hidden(table)})"
        )
        return sql, [*title_params, *title_params, *match_params, *_live_params(self.language)]

    @staticmethod
    def hidden(table):
        """The ids of rows the public may not see now in the language searched."""
        return f"SELECT id FROM {table} h WHERE NOT ({_live_condition('h')})"

    def page(self, words, raw, number, per_page):
        """
        The page from the ranked union, with the total counted beside it
        without ranking (a fifth of the time; an uncorrelated subquery, so
        SQLite counts once), in one query.
        """
        union, params = self._union(words, raw)
        counts, count_params = [], []
        for model in self.models:
            fts, table = self.fts(model), connection.ops.quote_name(model._meta.db_table)
            match, match_params = self.match(model, words)
            counts.append(
                f"(SELECT count(*) FROM {fts} WHERE {fts} MATCH {match} AND rowid NOT IN ({self.hidden(table)}))"
            )
            count_params += [*match_params, *_live_params(self.language)]
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
            in_texts, in_texts_params = self.match(model, words, "{" + " ".join(texts) + "}")
            selects.append(
                f"SELECT {kind}, rowid, 1, snippet({fts}, -1, %s, %s, '…', {SNIPPET_WORDS}) FROM {fts}"
                f" WHERE {fts} MATCH {in_texts} AND rowid IN ({listed})"
            )
            selects.append(
                f"SELECT {kind}, id, 0, {texts[0]} FROM {table} WHERE id IN ({listed})"
                f" AND id NOT IN (SELECT rowid FROM {fts} WHERE {fts} MATCH {in_texts})"
            )
            params += [_START, _STOP, *in_texts_params, *pks, *pks, *in_texts_params]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            rows = cursor.fetchall()
        return {(kind, pk): text if passage else _first_words(text) for kind, pk, passage, text in rows}


def _first_words(text):
    words = (text or "").split()
    return " ".join(words[:SNIPPET_WORDS]) + ("…" if len(words) > SNIPPET_WORDS else "")


def engine_for(models, language=ENGLISH):
    """The engine of the database in use, over `models` in `language`."""
    return (_PostgresEngine if connection.vendor == "postgresql" else _SqliteEngine)(models, language)
