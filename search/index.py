"""
The database's own search index for each searchable model (see search.results),
made after every `migrate` (and every flush) by `ensure_search_indexes`.

It is made here rather than in migrations because it must follow the
models wherever they go: on SQLite, Django rebuilds a table to alter it,
which drops the table's triggers, and a change to a model's
`search_columns` must rebuild its index on the next deploy. Each index
carries a fingerprint of its definition; one that is missing or different
is made again and filled from the rows, one that is current costs a lookup.
"""

import hashlib

from django.apps import apps
from django.db import DatabaseError, connections, transaction

from search.languages import ENGLISH, LANGUAGES, OWN_INDEXES
from search.models import SearchableModel

# Which indexes _ensure_postgresql makes: a change here makes them again on the next migrate.
INDEXES = "vector without apostrophes, title trigrams, a configuration per language"
# PostgreSQL: the text without its apostrophes, straight and curly (U+2019).
WITHOUT_APOSTROPHES = "translate({}, E'\\u2019\\'', '')"


def searchable_models():
    return [model for model in apps.get_models() if issubclass(model, SearchableModel) and model.search_columns]


def index_columns(connection):
    """
    {table: columns} that this module adds beside a model's own (PostgreSQL's search_vector). They are
    worked out from the row and made again after every migrate, so a backup leaves them out.
    """
    if connection.vendor != "postgresql":
        return {}
    return {model._meta.db_table: {"search_vector"} for model in searchable_models()}


def _fingerprint(*parts):
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def ensure_search_indexes(using="default", verbosity=0, **kwargs):
    connection = connections[using]
    made = []
    for model in searchable_models():
        if model._meta.db_table not in connection.introspection.table_names():
            continue  # migrated backwards, or not migrated yet
        ensure = _ensure_postgresql if connection.vendor == "postgresql" else _ensure_sqlite
        with transaction.atomic(using=using):
            changed = ensure(connection, model)
        if changed:
            made.append(str(model._meta.verbose_name_plural))
    if made and verbosity:
        print(f"  Search index made again for: {', '.join(made)}")


def _in_index(language, row):
    """SQL for "`row` (new, old or the table) belongs in `language`'s FTS5 index"; None: every row does."""
    if language.index_suffix:
        return f"{row}.language = '{language.code}'"
    others = ", ".join(f"'{other.code}'" for other in OWN_INDEXES)
    return f"{row}.language NOT IN ({others})" if others else None


def _sqlite_statements(model, language=ENGLISH):
    table = model._meta.db_table
    fts = f"{table}_fts{language.index_suffix}"
    columns = list(model.search_columns)
    listed = ", ".join(columns)

    def where(row):
        condition = _in_index(language, row)
        return f" WHERE {condition}" if condition else ""

    new_values = ", ".join(f"new.{column}" for column in columns)
    old_values = ", ".join(f"old.{column}" for column in columns)
    add = f"INSERT INTO {fts}(rowid, {listed}) SELECT new.id, {new_values}{where('new')};"
    remove = f"INSERT INTO {fts}({fts}, rowid, {listed}) SELECT 'delete', old.id, {old_values}{where('old')};"
    statements = [
        # External content: the index reads the table's own columns, so it holds no copy of the text.
        f"CREATE VIRTUAL TABLE {fts} USING fts5({listed}, content='{table}', content_rowid='id',"
        f" tokenize='{language.tokenizer}')",
        f"CREATE VIRTUAL TABLE {fts}_vocab USING fts5vocab({fts}, 'row')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        # A row whose language changes moves from one language's index to the other's.
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {listed}, language ON {table} BEGIN {remove} {add} END",
    ]
    # The index holds its language's rows only: filled from them ('rebuild' would read every row).
    fill = f"INSERT INTO {fts}(rowid, {listed}) SELECT id, {listed} FROM {table}{where(table)}"
    return fts, statements, fill


def _ensure_sqlite(connection, model):
    # Every language's index is checked: not only those up to the first that had to be made again.
    made = [_ensure_sqlite_index(connection, model, language) for language in (ENGLISH, *OWN_INDEXES)]
    return any(made)


def _ensure_sqlite_index(connection, model, language):
    fts, statements, fill = _sqlite_statements(model, language)
    names = [fts, f"{fts}_vocab", f"{fts}_insert", f"{fts}_delete", f"{fts}_update"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE name IN ({', '.join(['%s'] * len(names))})", names)
        present = dict(cursor.fetchall())
        if all(present.get(name) == sql for name, sql in zip(names, statements, strict=True)):
            return False
        for name in reversed(names):
            kind = "TRIGGER" if name.endswith(("_insert", "_delete", "_update")) else "TABLE"
            cursor.execute(f"DROP {kind} IF EXISTS {name}")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(fill)
    return True


def _configuration_of(row):
    """SQL for the text search configuration of `row`'s language: each row is stemmed by its own language's rules."""
    cases = " ".join(
        f"WHEN '{language.code}' THEN '{language.configuration}'" for language in LANGUAGES if language is not ENGLISH
    )
    return f"(CASE {row}language {cases} ELSE '{ENGLISH.configuration}' END)::regconfig"


def _postgresql_document(model, row="NEW."):
    title, *texts = model.search_columns
    rest = " || ' ' || ".join(f"coalesce({row}{column}, '')" for column in texts)
    # Apostrophes dropped ("don’t" is "dont"), as search.results drops them from queries: PostgreSQL's English
    # would otherwise split the word into two it ignores, while SQLite finds it.
    title_text = WITHOUT_APOSTROPHES.format(f"coalesce({row}{title}, '')")
    configuration = _configuration_of(row)
    return (
        f"setweight(to_tsvector({configuration}, {title_text}), 'A')"
        f" || setweight(to_tsvector({configuration}, {WITHOUT_APOSTROPHES.format(rest)}), 'B')"
    )


def _ensure_configuration(cursor, language=ENGLISH):
    """
    The language's configuration (`ribbon_search` for English): PostgreSQL's
    own for the language (stemming, common words) that also ignores accents,
    so "chimiotherapie" finds "chimiothérapie" as on SQLite. PostgreSQL's
    own, unchanged, where the unaccent extension could not be made.

    A language with a Snowball algorithm of its own (Spanish) is stemmed by a
    dictionary Ribbon makes from it without PostgreSQL's list of common
    words, for every kind of word: the words left out are its list in
    search.languages, the same on SQLite, rather than PostgreSQL's.
    """
    cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [language.configuration])
    if cursor.fetchone():
        return
    kinds = "hword, hword_part, word"
    if language.snowball:
        cursor.execute("SELECT 1 FROM pg_ts_dict WHERE dictname = %s", [language.stemmer])
        if not cursor.fetchone():
            cursor.execute(
                f"CREATE TEXT SEARCH DICTIONARY {language.stemmer}"
                f" (TEMPLATE = snowball, Language = {language.snowball})"
            )
        kinds += ", asciiword, asciihword, hword_asciipart"
    cursor.execute(
        f"CREATE TEXT SEARCH CONFIGURATION {language.configuration} (COPY = pg_catalog.{language.copied_from})"
    )
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'")
    if cursor.fetchone():
        cursor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {language.configuration}"
            f" ALTER MAPPING FOR {kinds} WITH unaccent, {language.stemmer}"
        )
    elif language.snowball:
        cursor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {language.configuration}"
            f" ALTER MAPPING FOR {kinds} WITH {language.stemmer}"
        )


def _ensure_postgresql(connection, model):
    table = model._meta.db_table
    title, *texts = model.search_columns
    function = f"{table}_search_vector"
    body = f"BEGIN NEW.search_vector := {_postgresql_document(model)}; RETURN NEW; END"
    fingerprint = _fingerprint(body, texts, INDEXES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(to_regproc(%s), 'pg_proc')", [function])
        row = cursor.fetchone()
        existing = {column.name for column in connection.introspection.get_table_description(cursor, table)}
        # The function outlives its table: a table a migration dropped and made again has lost the column.
        if row and row[0] == fingerprint and "search_vector" in existing:
            return False
        for extension in ("pg_trgm", "unaccent"):
            try:
                with transaction.atomic(using=connection.alias):
                    cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
            except DatabaseError:
                pass  # a role without the right: search still works, without forgiving slips or accents
        for language in LANGUAGES:
            _ensure_configuration(cursor, language)
        if "search_vector" not in existing:
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector")
        cursor.execute(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$")
        columns = ", ".join([*model.search_columns, "language"])  # a row in another language is stemmed again
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {function} BEFORE INSERT OR UPDATE OF {columns} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        cursor.execute(f"UPDATE {table} SET search_vector = {_postgresql_document(model, row='')}")
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        indexes = {name for (name,) in cursor.fetchall()}
        wanted = {f"{table}_search": "USING gin (search_vector)"}
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            wanted[f"{table}_search_title_trgm"] = f"USING gin ({title} gin_trgm_ops)"  # what a slip is compared with
        for name in indexes - set(wanted):
            if name.startswith((f"{table}_search_trgm_", f"{table}_search_text_trgm")):
                cursor.execute(f"DROP INDEX {name}")  # made by an earlier version for the texts' trigrams
        for name, how in wanted.items():
            if name not in indexes:
                cursor.execute(f"CREATE INDEX {name} ON {table} {how}")
        cursor.execute(f"COMMENT ON FUNCTION {function}() IS %s", [fingerprint])
    return True
