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

from search.languages import ENGLISH
from search.models import SearchableModel

# Which indexes _ensure_postgresql makes: a change here makes them again on the next migrate.
INDEXES = "vector without apostrophes, title trigrams, ribbon_search configuration"
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


def _sqlite_statements(model):
    table = model._meta.db_table
    fts = f"{table}_fts"
    columns = list(model.search_columns)
    listed = ", ".join(columns)
    new_values = ", ".join(f"new.{column}" for column in columns)
    old_values = ", ".join(f"old.{column}" for column in columns)
    add = f"INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new_values});"
    remove = f"INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old_values});"
    return fts, [
        # External content: the index reads the table's own columns, so it holds no copy of the text.
        f"CREATE VIRTUAL TABLE {fts} USING fts5({listed}, content='{table}', content_rowid='id',"
        f" tokenize='{ENGLISH.tokenizer}')",
        f"CREATE VIRTUAL TABLE {fts}_vocab USING fts5vocab({fts}, 'row')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {listed} ON {table} BEGIN {remove} {add} END",
    ]


def _ensure_sqlite(connection, model):
    fts, statements = _sqlite_statements(model)
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
        cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    return True


def _postgresql_document(model, row="NEW."):
    title, *texts = model.search_columns
    rest = " || ' ' || ".join(f"coalesce({row}{column}, '')" for column in texts)
    # Apostrophes dropped ("don’t" is "dont"), as search.results drops them from queries: PostgreSQL's English
    # would otherwise split the word into two it ignores, while SQLite finds it.
    title_text = WITHOUT_APOSTROPHES.format(f"coalesce({row}{title}, '')")
    return (
        f"setweight(to_tsvector('{ENGLISH.configuration}', {title_text}), 'A')"
        f" || setweight(to_tsvector('{ENGLISH.configuration}', {WITHOUT_APOSTROPHES.format(rest)}), 'B')"
    )


def _ensure_configuration(cursor, language=ENGLISH):
    """
    The language's configuration (`ribbon_search` for English): PostgreSQL's
    own for the language (stemming, common words) that also ignores accents,
    so "chimiotherapie" finds "chimiothérapie" as on SQLite. PostgreSQL's
    own, unchanged, where the unaccent extension could not be made.
    """
    cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [language.configuration])
    if cursor.fetchone():
        return
    cursor.execute(
        f"CREATE TEXT SEARCH CONFIGURATION {language.configuration} (COPY = pg_catalog.{language.copied_from})"
    )
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'")
    if cursor.fetchone():
        cursor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {language.configuration}"
            f" ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {language.stemmer}"
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
        _ensure_configuration(cursor)
        if "search_vector" not in existing:
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector")
        cursor.execute(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$")
        columns = ", ".join(model.search_columns)
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
