"""
Backups that are proven to restore: `manage.py backup PATH` and
`manage.py restore ARCHIVE`.

A backup is one gzip-compressed tar file, readable by its owner only:

    manifest.json                         what it holds (below)
    manifest.sig                          HMAC-SHA256 of manifest.json, keyed with RIBBON_BACKUP_KEY
    database.sqlite3                      SQLite: the whole database, as of one moment
    database/<table>.copy                 PostgreSQL: the rows of each table, as of one moment
    media/<name>                          every uploaded file, from wherever media live

An archive holds every account's password hash and every gift, and whoever
can write one can make a restore put anything into the site. So:

- The manifest comes first and is signed with a key kept apart from the
  archives. A restore reads the manifest and its signature and refuses the
  archive unless the signature matches, before it reads anything else; the
  manifest gives the size and SHA-256 of every other member, checked as each
  is unpacked. A checksum alone would catch accidents, never tampering:
  whoever rewrote a member could rewrite its checksum too.
- Sessions and login records (django_session, the axes tables) are left out:
  a session key is as good as a password, and login records name staff's
  addresses and browsers. A restored site asks staff to log in again.
- Nothing is written before the manifest's sizes are checked against a cap
  (RIBBON_RESTORE_MAX_MB) and the free space, and no member may hold more
  than the manifest says: a small archive cannot fill the disk.
- On PostgreSQL a backup holds rows only, copied with COPY from one
  snapshot. A restore makes the tables with this code's own migrations (up
  to the migrations the backup had) and loads the rows of those tables
  only, so nothing in an archive can define a function, a trigger, a
  constraint or any other code for the database to run. On SQLite the
  database file is copied whole by SQLite's online backup API (it can hold
  no code that runs outside SQLite, and the signature says this site made it).

The manifest gives the format, the date, the code's release, the database
engine, its applied migrations, the row count of every table, and the size and
SHA-256 of every other file in the archive. A restore checks all of it
before it changes anything: a damaged, truncated or foreign file is refused
with the reason, and the installation is left as it was.

A restore goes onto an empty installation (a fresh database, migrated or not,
and no media). Onto one that holds anything it refuses, unless told to
replace it; then it first backs up what is there, so nothing is lost either
way. The database is replaced in one transaction; the row counts are
compared with the manifest, `migrate` brings a backup made by older code up
to date, and every stored page is made stale.
"""

import datetime
import gzip
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from pagecache.generations import new_generation
from pagecache.release import release
from search.index import index_columns

FORMAT = 2
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SQLITE_FILE = "database.sqlite3"
TABLE_FOLDER = "database/"
MEDIA = "media/"
# What the archives of format 1 (unsigned, with the manifest last) began with.
FORMAT_1_FILES = {"database.sqlite3", "database.pgdump"}
MIGRATIONS_TABLE = "django_migrations"
# Rows that `migrate` makes by itself in a new database: an installation holding only these is empty.
MADE_BY_MIGRATE = {
    MIGRATIONS_TABLE,
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
}
# Sessions and login records: never in an archive (see above).
LEFT_OUT_APPS = ("sessions", "axes")
# Files are read and written in pieces of this size.
CHUNK = 1024 * 1024
# Bounds on what is read before the signature is checked, and on a pax header (a long or non-ASCII name).
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_SIGNATURE_BYTES = 1024
MAX_PAX_BYTES = 64 * 1024
BLOCK = tarfile.BLOCKSIZE
TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


class BackupError(Exception):
    """Why a backup or a restore cannot go ahead, in words for whoever runs it."""


def one_line(error):
    """A database driver's message (often several lines) as one line of a command's error."""
    return " ".join(str(error).split())


def size(count):
    """Django's own file-size wording (8.6 MB), with plain spaces for a terminal or a log."""
    return filesizeformat(count).replace("\xa0", " ")


# Signing ---------------------------------------------------------------------------------------------


def _keys(doing):
    if not settings.BACKUP_KEYS:
        raise BackupError(
            f"RIBBON_BACKUP_KEY is not set: a backup is signed with it so that a restore knows this site made it "
            f"and nobody changed it since, and {doing} without it. Make one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`, keep it apart from the backups, "
            "and set it wherever backup and restore run (README: Backups)."
        )
    return [key.encode() for key in settings.BACKUP_KEYS]


def _sign(data, key):
    return hmac.new(key, data, hashlib.sha256).hexdigest().encode()


def signature_matches(data, signature):
    """True if any key of RIBBON_BACKUP_KEY signed `data` with `signature` (the first signs; older ones verify)."""
    return any(hmac.compare_digest(_sign(data, key), signature.strip()) for key in _keys("none can be restored"))


# What is there ---------------------------------------------------------------------------------


def engine_of(connection):
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups cover SQLite and PostgreSQL; this database is {connection.vendor}.")
    return connection.vendor


def model_tables(connection):
    """The tables of every model (many-to-many tables included) that exist in this database, sorted."""
    existing = set(connection.introspection.table_names())
    return sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)} & existing)


def left_out_tables():
    """The tables of sessions and login records."""
    return {
        model._meta.db_table
        for label in LEFT_OUT_APPS
        if label in apps.app_configs
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


def count_rows(cursor, quote, tables):
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def media_names(storage=None, folder=""):
    """Every file in the media storage, by its storage name (local folder or bucket alike)."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a media folder nothing was ever uploaded to
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from media_names(storage, f"{folder}/{sub}" if folder else sub)


def what_is_there(using="default"):
    """What an installation holds beyond what `migrate` makes: {table: rows} and the number of media files."""
    connection = connections[using]
    tables = [table for table in model_tables(connection) if table not in MADE_BY_MIGRATE]
    with connection.cursor() as cursor:
        counts = count_rows(cursor, connection.ops.quote_name, tables)
    return {table: count for table, count in counts.items() if count}, sum(1 for _ in media_names())


# Writing an archive ----------------------------------------------------------------------------------


class _Hashing:
    """A file whose reads also feed a SHA-256 and a byte count (for files added to the archive)."""

    def __init__(self, file):
        self.file, self.digest, self.size = file, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.file.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _member(name, size):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o600
    return info


def _add(tar, member, file, size, recorded):
    info = _member(member, size)
    reader = _Hashing(file)
    try:
        tar.addfile(info, reader)
    except OSError as error:  # the file changed size while being read
        raise BackupError(f"{member} changed while it was being copied ({error}); run the backup again.") from None
    recorded[member] = {"sha256": reader.digest.hexdigest(), "bytes": reader.size}


def _head(manifest, signature):
    """The archive's first gzip member: the tar entries of the manifest and its signature, and no end marker."""
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0) as out:
        for name, data in ((MANIFEST, manifest), (SIGNATURE, signature)):
            out.write(_member(name, len(data)).tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
            out.write(data + bytes(-len(data) % BLOCK))
    return packed.getvalue()


def _private_file(path):
    """A new file that only its owner may read or write, whatever the umask (os.open's mode is cut by it)."""
    path.unlink(missing_ok=True)  # left by a backup that was killed
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "wb")


# Databases -----------------------------------------------------------------------------------------


def _applied_migrations(cursor):
    cursor.execute(f"SELECT app, name FROM {MIGRATIONS_TABLE} ORDER BY app, name")
    applied = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def dump_sqlite(connection, work):
    """
    A consistent copy made while the site keeps serving, without sessions and login records; then its rows
    and migrations, read from the copy. VACUUM rewrites the copy, so that neither the rows deleted here nor
    any the site deleted earlier linger in its free pages.
    """
    tables = model_tables(connection)
    left_out = sorted(left_out_tables() & set(tables))
    quote = connection.ops.quote_name
    target = Path(work) / SQLITE_FILE
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        for table in left_out:
            copy.execute(f"DELETE FROM {quote(table)}")
        copy.commit()
        copy.execute("VACUUM")
        cursor = copy.cursor()
        counts = count_rows(cursor, quote, [table for table in tables if table not in left_out])
        migrations = _applied_migrations(cursor)
    except sqlite3.Error as error:
        raise BackupError(f"The database could not be copied: {one_line(error)}.") from None
    finally:
        copy.close()
    database = {"engine": "sqlite", "file": SQLITE_FILE, "rows": counts, "migrations": migrations, "left_out": left_out}
    return database, [(SQLITE_FILE, target)]


def dump_postgresql(connection, work):
    """
    The rows of every model's table and of django_migrations, each COPY'd in its columns' order from one
    snapshot, so that counts, rows and migrations agree to the row; and where each table's id sequence stood,
    so that no id is given twice after a restore (a deleted page's history keeps its id).
    """
    left_out = left_out_tables()
    tables = [table for table in model_tables(connection) if table not in left_out]
    derived = index_columns(connection)
    quote = connection.ops.quote_name
    (Path(work) / TABLE_FOLDER).mkdir()
    try:
        raw = connection.get_new_connection(connection.get_connection_params())
    except connection.Database.Error as error:
        raise BackupError(f"The database could not be reached: {one_line(error)}") from None
    described, sequences, files = {}, [], []
    try:
        raw.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with raw.cursor() as cursor:
            counts = count_rows(cursor, quote, [*tables, MIGRATIONS_TABLE])
            migrations = _applied_migrations(cursor)
            for table in [*tables, MIGRATIONS_TABLE]:
                columns = [
                    column.name
                    for column in connection.introspection.get_table_description(cursor, table)
                    if column.name not in derived.get(table, ())
                ]
                member = f"{TABLE_FOLDER}{table}.copy"
                path = Path(work) / member
                with open(path, "wb") as file:
                    listed = ", ".join(quote(column) for column in columns)
                    cursor.copy_expert(f"COPY {quote(table)} ({listed}) TO STDOUT", file, CHUNK)
                described[table] = {"file": member, "columns": columns, "rows": counts[table]}
                files.append((member, path))
                for sequence in connection.introspection.get_sequences(cursor, table):
                    cursor.execute(f"SELECT last_value, is_called FROM {quote(sequence['name'])}")
                    value, called = cursor.fetchone()
                    sequences.append({"table": table, "column": sequence["column"], "value": value, "called": called})
        raw.rollback()
    except connection.Database.Error as error:
        raise BackupError(f"The database could not be read: {one_line(error)}") from None
    finally:
        raw.close()
    del counts[MIGRATIONS_TABLE]
    database = {
        "engine": "postgresql",
        "tables": described,
        "sequences": sequences,
        "rows": counts,
        "migrations": migrations,
        "left_out": sorted(left_out & set(model_tables(connection))),
    }
    return database, files


def load_sqlite(connection, source):
    """SQLite's backup API, the other way: the database's pages replaced in one transaction."""
    connection.ensure_connection()
    copy = sqlite3.connect(source)
    try:
        copy.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(f"The database could not be loaded, and is as it was: {one_line(error)}.") from None
    finally:
        copy.close()
    connection.close()  # nothing Django remembers of the old database survives


def _plan_to(executor, applied):
    """This code's migrations that the backup had applied (a squashed one if it had all it replaces), in order."""
    wanted = {(app, name) for app, names in applied.items() for name in names}
    full = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    return [
        (migration, False)
        for migration, _ in full
        if (migration.app_label, migration.name) in wanted
        or (migration.replaces and all(tuple(replaced) in wanted for replaced in migration.replaces))
    ]


def load_postgresql(connection, database, work, archive):
    """
    In one transaction: the schema emptied, its tables made by this code's migrations up to the ones the
    backup had, every table emptied of what migrations put in it, the backup's rows COPY'd into this code's
    tables and columns only, the id sequences set, the rows counted. If anything fails, the database is
    exactly as it was. No statement comes from the archive: it gives rows, and names of tables and columns
    that must be ones the migrations made. (`migrate` then brings it up to this code and makes the search
    indexes, in transactions of its own: run in this one, the rows just loaded would leave checks pending
    that PostgreSQL will not let an ALTER TABLE or CREATE INDEX pass.)
    """
    try:
        _load_postgresql(connection, database, work, archive)
    except DatabaseError as error:
        raise BackupError(f"The database could not be loaded, and is as it was: {one_line(error)}") from None


def _load_postgresql(connection, database, work, archive):
    quote = connection.ops.quote_name
    introspection = connection.introspection
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        executor = MigrationExecutor(connection)
        executor.migrate(None, plan=_plan_to(executor, database["migrations"]))
        with connection.cursor() as cursor:
            here = sorted(introspection.table_names(cursor))
            allowed = ({*model_tables(connection), MIGRATIONS_TABLE} - left_out_tables()) & set(here)
            columns_of = {}
            for table, entry in sorted(database["tables"].items()):
                if table not in allowed:
                    raise BackupError(
                        f"{archive}: it holds rows for {table}, which is not a table of this code's migrations; "
                        "nothing was restored."
                    )
                columns_of[table] = {column.name for column in introspection.get_table_description(cursor, table)}
                if set(entry["columns"]) != columns_of[table]:
                    raise BackupError(
                        f"{archive}: its rows of {table} have the columns {', '.join(entry['columns'])}; this code's "
                        f"migrations make {', '.join(sorted(columns_of[table]))}. Nothing was restored."
                    )
            connection.check_constraints()  # the checks the migrations' own rows left pending, before TRUNCATE
            cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in here)}")
            for table, entry in sorted(database["tables"].items()):
                listed = ", ".join(quote(column) for column in entry["columns"])
                with open(Path(work) / entry["file"], "rb") as file, connection.wrap_database_errors:
                    # The size is given by position: Django's debug cursor (DEBUG on) takes no size=.
                    cursor.copy_expert(f"COPY {quote(table)} ({listed}) FROM STDIN", file, CHUNK)
            for sequence in database["sequences"]:
                table, column = sequence["table"], sequence["column"]
                if column not in columns_of.get(table, ()):
                    raise BackupError(f"{archive}: it sets a sequence for {table}.{column}, not a column it restores.")
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), column])
                (name,) = cursor.fetchone()
                if name is None:
                    raise BackupError(f"{archive}: it sets a sequence for {table}.{column}, which has none here.")
                cursor.execute("SELECT setval(%s, %s, %s)", [name, sequence["value"], sequence["called"]])
            connection.check_constraints()  # every row's foreign keys, checked now for a clear refusal
            found = count_rows(cursor, quote, sorted(database["tables"]))
        differing = [table for table, entry in sorted(database["tables"].items()) if found[table] != entry["rows"]]
        if differing:
            raise BackupError(
                "The restored database would not hold the rows the manifest counts, in: " + ", ".join(differing)
                + "; it is as it was."
            )  # fmt: skip


# Backup ---------------------------------------------------------------------------------------------


def archive_path(destination, prefix="ribbon"):
    """
    A folder gets a new dated file (ribbon-20261121-020000.tar.gz); a file name is used as given, but
    never over an earlier backup.
    """
    destination = Path(destination)
    if destination.is_dir():
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        archive, number = destination / f"{prefix}-{stamp}.tar.gz", 1
        while archive.exists():  # two backups within a second
            number += 1
            archive = destination / f"{prefix}-{stamp}-{number}.tar.gz"
        return archive
    if destination.exists():
        raise BackupError(
            f"{destination} already exists; a backup never replaces another. Give a new name or a folder."
        )
    if not destination.parent.is_dir():
        raise BackupError(f"{destination.parent} is not a folder.")
    return destination


def make_backup(destination, progress=lambda line: None, using="default", prefix="ribbon"):
    """
    Write one signed archive of the database and every media file; returns (its path, its manifest).
    The members are packed first (each hashed as it is read, once), then the archive is written: the
    signed manifest, then the packed members, as two gzip streams one after the other (one .tar.gz).
    """
    key = _keys("none is made")[0]
    connection = connections[using]
    engine = engine_of(connection)
    archive = archive_path(destination, prefix)
    partial = archive.with_name(archive.name + ".partial")
    files = {}
    try:
        with tempfile.TemporaryDirectory(prefix="ribbon-backup-", dir=archive.parent) as work:
            progress(f"Copying the {engine} database…")
            dump = dump_sqlite if engine == "sqlite" else dump_postgresql
            database, database_files = dump(connection, work)
            body = Path(work) / "members.tar.gz"
            with (
                open(body, "wb") as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as packed,
                tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                for member, path in database_files:
                    with open(path, "rb") as file:
                        _add(tar, member, file, path.stat().st_size, files)
                media_bytes = 0
                for number, name in enumerate(media_names(), start=1):
                    with default_storage.open(name, "rb") as file:
                        size = default_storage.size(name)
                        _add(tar, MEDIA + name, file, size, files)
                    media_bytes += size
                    if number % 100 == 0:
                        progress(f"  {number} media files…")
            manifest = {
                "format": FORMAT,
                "made_at": timezone.now().isoformat(timespec="seconds"),
                "site": settings.SITE_NAME,
                "release": release(),
                "django": django.get_version(),
                "database": database,
                "media": {
                    "storage": default_storage.__class__.__name__,
                    "files": sum(1 for member in files if member.startswith(MEDIA)),
                    "bytes": media_bytes,
                },
                "files": files,
            }
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            with _private_file(partial) as out, open(body, "rb") as members:
                out.write(_head(data, _sign(data, key)))
                shutil.copyfileobj(members, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
        os.replace(partial, archive)  # only a complete archive ever carries the name
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return archive, manifest


def unpacked_size(manifest):
    """What a restore of this archive writes to its temporary folder."""
    return sum(entry["bytes"] for entry in manifest["files"].values())


def keep_newest(folder, count, progress=lambda line: None):
    """
    Remove all but the newest `count` dated backups in `folder` (ribbon-YYYYmmdd-HHMMSS….tar.gz); copies a
    restore kept of what it replaced (ribbon-before-restore-…) and any other file are left alone.
    """
    backups = sorted(Path(folder).glob("ribbon-[0-9]*.tar.gz"), key=lambda path: (path.stat().st_mtime, path.name))
    for old in backups[: max(0, len(backups) - count)]:
        old.unlink()
        progress(f"Removed the older backup {old.name}.")


# Reading an archive ---------------------------------------------------------------------------------
#
# The tar stream is read here rather than by tarfile, whose reader holds a whole pax or GNU long-name
# header in memory, however large its header says it is. Only what this module writes is accepted:
# plain files, each perhaps after a pax header (a long or non-ASCII name) of at most MAX_PAX_BYTES.


def _exactly(stream, count):
    data = bytearray()
    while len(data) < count:
        piece = stream.read(min(count - len(data), CHUNK))
        if not piece:
            raise EOFError("the archive ends in the middle of a member")
        data += piece
    return bytes(data)


def _pax_records(data):
    records, position = {}, 0
    while position < len(data):
        space = data.index(b" ", position)
        length = int(data[position:space])
        record = data[space + 1 : position + length]
        if length <= 0 or not record.endswith(b"\n") or b"=" not in record:
            raise tarfile.HeaderError("a damaged pax header")
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        position += length
    return records


class _Member:
    """One member of the tar stream: its name, its size as its header says, and its data, read in pieces."""

    def __init__(self, stream, name, size, plain):
        self.stream, self.name, self.size, self.plain, self.left = stream, name, size, plain, size

    def read(self, count=CHUNK):
        data = self.stream.read(min(count, self.left)) if self.left else b""
        if self.left and not data:
            raise EOFError("the archive ends in the middle of a member")
        self.left -= len(data)
        return data


def _members(stream):
    """Each member of an uncompressed tar stream; the one before must have been read to its end."""
    pax = {}
    while True:
        header = _exactly(stream, BLOCK)
        if header == bytes(BLOCK):
            return  # the end of the archive
        info = tarfile.TarInfo.frombuf(header, "utf-8", "surrogateescape")
        if info.size < 0:
            raise tarfile.HeaderError("a negative size")
        if info.type == tarfile.XHDTYPE:
            if info.size > MAX_PAX_BYTES:
                raise tarfile.HeaderError("a pax header larger than any this module writes")
            pax = _pax_records(_exactly(stream, info.size + -info.size % BLOCK)[: info.size])
            continue
        size = int(pax.get("size", info.size))
        if size < 0:
            raise tarfile.HeaderError("a negative size")
        plain = info.type in (tarfile.REGTYPE, tarfile.AREGTYPE)
        member = _Member(stream, pax.get("path", info.name), size, plain)
        pax = {}
        yield member
        if member.left:
            raise EOFError("a member was not read to its end")
        _exactly(stream, -member.size % BLOCK)


def _small_member(member, name, limit):
    if member is None or member.name != name or not member.plain or member.size > limit:
        return None
    return _exactly(member, member.size)


def _safe_name(name):
    """A relative path without '..', of a file under media/ or database/, or the SQLite file."""
    path = PurePosixPath(name)
    return (
        isinstance(name, str)
        and str(path) == name
        and not path.is_absolute()
        and all(part not in ("", ".", "..") for part in path.parts)
        and "\x00" not in name
        and (name == SQLITE_FILE or (len(path.parts) > 1 and path.parts[0] + "/" in (MEDIA, TABLE_FOLDER)))
    )


def _well_formed(manifest):
    """The manifest has every part a restore reads, of the right kinds (a signed one may still be from a bug)."""
    files, database = manifest.get("files"), manifest.get("database")
    if not isinstance(files, dict) or not isinstance(database, dict) or not isinstance(manifest.get("media"), dict):
        return False
    for name, entry in files.items():
        if not (_safe_name(name) and isinstance(entry, dict) and isinstance(entry.get("sha256"), str)):
            return False
        if type(entry.get("bytes")) is not int or entry["bytes"] < 0:
            return False
    migrations, rows = database.get("migrations"), database.get("rows")
    if not isinstance(migrations, dict) or not isinstance(rows, dict) or not isinstance(manifest.get("made_at"), str):
        return False
    for names in migrations.values():
        if not (isinstance(names, list) and all(isinstance(name, str) for name in names)):
            return False
    return database.get("engine") in ("sqlite", "postgresql")


def _database_well_formed(database, files):
    """The parts of the manifest that the load of its database engine reads."""
    if database["engine"] == "sqlite":
        return database.get("file") == SQLITE_FILE and SQLITE_FILE in files
    tables, sequences = database.get("tables"), database.get("sequences")
    if not isinstance(tables, dict) or not isinstance(sequences, list):
        return False
    for table, entry in tables.items():
        if not (TABLE_NAME.fullmatch(table) and isinstance(entry, dict) and entry.get("file") in files):
            return False
        columns = entry.get("columns")
        if not (isinstance(columns, list) and columns and all(isinstance(column, str) for column in columns)):
            return False
        if type(entry.get("rows")) is not int:
            return False
    return all(
        isinstance(sequence, dict)
        and isinstance(sequence.get("table"), str)
        and isinstance(sequence.get("column"), str)
        and type(sequence.get("value")) is int
        and type(sequence.get("called")) is bool
        for sequence in sequences
    )


def _signed_manifest(archive, members):
    """The first two members, the manifest and its signature; nothing else is read unless the signature matches."""
    first = next(members, None)
    data = _small_member(first, MANIFEST, MAX_MANIFEST_BYTES)
    if data is None:
        if first is not None and first.name in FORMAT_1_FILES:
            raise BackupError(
                f"{archive}: made by an older version of Ribbon, before backups were signed. Restore it with "
                "that version, then make a new backup."
            )
        raise BackupError(f"{archive}: not a Ribbon backup (it has no readable {MANIFEST}).")
    signature = _small_member(next(members, None), SIGNATURE, MAX_SIGNATURE_BYTES)
    if signature is None:
        raise BackupError(f"{archive}: it is not signed (no {SIGNATURE} after its {MANIFEST}); nothing was restored.")
    if not signature_matches(data, signature):
        raise BackupError(
            f"{archive}: its signature does not match RIBBON_BACKUP_KEY: it was not made by this site's backups, "
            "or it was changed since; nothing was restored."
        )
    try:
        manifest = json.loads(data)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
        raise BackupError(f"{archive}: its {MANIFEST} is not one this version of Ribbon wrote.")
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive}: made in backup format {manifest.get('format')!r}; "
            f"this version of Ribbon reads format {FORMAT}."
        )
    if not _well_formed(manifest):
        raise BackupError(f"{archive}: its {MANIFEST} is not one this version of Ribbon wrote.")
    return manifest


def _check_room(archive, manifest, work):
    total, cap = unpacked_size(manifest), settings.RESTORE_MAX_BYTES
    if total > cap:
        raise BackupError(
            f"{archive}: it unpacks to {size(total)}, more than the {size(cap)} a restore may unpack here "
            "(RIBBON_RESTORE_MAX_MB); nothing was restored."
        )
    free = shutil.disk_usage(work).free
    if total > free:
        raise BackupError(
            f"{archive}: it unpacks to {size(total)}, and the temporary folder {work} has {size(free)} free. "
            "Free some space, or set TMPDIR to a folder with more; nothing was restored."
        )


def _unpack_member(archive, member, expected, work):
    """One member into `work`, never more than the manifest says, its size and SHA-256 checked."""
    path = Path(work, *PurePosixPath(member.name).parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, count = hashlib.sha256(), 0
    with open(path, "xb") as file:
        while chunk := member.read():
            count += len(chunk)
            if count > expected["bytes"]:
                raise BackupError(
                    f"{archive}: {member.name} holds more than the {expected['bytes']:,} bytes its manifest says; "
                    "nothing was restored."
                )
            digest.update(chunk)
            file.write(chunk)
    if count != expected["bytes"] or digest.hexdigest() != expected["sha256"]:
        raise BackupError(
            f"{archive}: {member.name} is damaged (it does not match its checksum); nothing was restored."
        )


def unpack(archive, work):
    """
    The archive's manifest, checked against its signature before anything else is read, and the room it
    needs against the cap and the free space; then every member into `work`, each checked against the
    manifest as it is written. Returns the manifest.
    """
    archive, work = Path(archive), Path(work)
    _keys("none can be restored")
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file.")
    try:
        with open(archive, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            members = _members(stream)
            manifest = _signed_manifest(archive, members)
            _check_room(archive, manifest, work)
            files, seen = manifest["files"], set()
            for member in members:
                expected = files.get(member.name)
                if not member.plain:
                    raise BackupError(f"{archive}: {member.name} is not a file a Ribbon backup holds.")
                if expected is None:
                    raise BackupError(f"{archive}: {member.name} is not in the manifest; nothing was restored.")
                if member.name in seen:
                    raise BackupError(f"{archive}: {member.name} is in it twice; nothing was restored.")
                seen.add(member.name)
                if member.size > expected["bytes"]:
                    raise BackupError(
                        f"{archive}: {member.name} holds {member.size:,} bytes, more than the {expected['bytes']:,} "
                        "its manifest says; nothing was restored."
                    )
                _unpack_member(archive, member, expected, work)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, ValueError):
        raise BackupError(f"{archive}: not a Ribbon backup, or damaged (not a complete .tar.gz archive).") from None
    except OSError as error:
        raise BackupError(f"{archive} could not be unpacked: {error.strerror or error}.") from None
    if set(files) - seen:
        missing = sorted(set(files) - seen)[0]
        raise BackupError(f"{archive}: {missing} is listed in the manifest but missing; nothing was restored.")
    return manifest


def check_compatible(manifest, archive, using="default"):
    """The backup fits this installation: the same database engine, and no migration this code lacks."""
    connection = connections[using]
    engine = engine_of(connection)
    made_on = manifest["database"]["engine"]
    if made_on != engine:
        raise BackupError(
            f"{archive}: a backup of a {made_on} database; this installation uses {engine}. "
            f"Restore it onto a {made_on} installation."
        )
    if not _database_well_formed(manifest["database"], manifest["files"]):
        raise BackupError(f"{archive}: its {MANIFEST} is not one this version of Ribbon wrote.")
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}"
        for app, names in manifest["database"]["migrations"].items()
        for name in names
        if (app, name) not in known
    )
    if unknown:
        shown = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
        raise BackupError(
            f"{archive}: made by a newer version of Ribbon (it has migrations this code does not: {shown}). "
            "Restore it with that version."
        )


# Restore --------------------------------------------------------------------------------------------


def describe_contents(rows, media_files):
    """'57 rows in 9 tables (treatments_treatment, …) and 12 media files', for a refusal."""
    parts = []
    if rows:
        largest = sorted(rows, key=lambda table: -rows[table])
        shown = ", ".join(largest[:3]) + (", …" if len(largest) > 3 else "")
        parts.append(f"{sum(rows.values())} rows in {len(rows)} tables ({shown})")
    if media_files:
        parts.append(f"{media_files} media files")
    return " and ".join(parts)


def restore_backup(archive, *, replace=False, check_only=False, progress=lambda line: None, using="default"):
    """Put an archive back; returns (its manifest, the safety backup made first or None)."""
    connection = connections[using]
    archive = Path(archive)
    with tempfile.TemporaryDirectory(prefix="ribbon-restore-") as work:
        progress(f"Checking {archive}…")
        manifest = unpack(archive, work)
        check_compatible(manifest, archive, using)
        if check_only:
            return manifest, None
        rows, media_files = what_is_there(using)
        safety = None
        if rows or media_files:
            if not replace:
                raise BackupError(
                    f"This installation is not empty: it holds {describe_contents(rows, media_files)}. "
                    "Restore onto an empty one, or add --replace to replace all of it "
                    "(what is there is backed up first)."
                )
            safety, _ = make_backup(archive.parent, progress, using, prefix="ribbon-before-restore")
            progress(f"What was there is saved in {safety}.")
        written = []
        database = manifest["database"]
        try:
            names = sorted(member.removeprefix(MEDIA) for member in manifest["files"] if member.startswith(MEDIA))
            progress(f"Putting back {len(names)} media files…")
            for number, name in enumerate(names, start=1):
                if safety is not None and default_storage.exists(name):  # an empty installation has none
                    default_storage.delete(name)
                with open(Path(work) / (MEDIA + name), "rb") as file:
                    saved = default_storage.save(name, File(file, name=name))
                written.append(saved)
                if saved != name:
                    raise BackupError(f"The media storage stored {name} as {saved}; nothing else was changed.")
                if number % 100 == 0:
                    progress(f"  {number} media files…")
            progress(f"Loading the {database['engine']} database…")
            if database["engine"] == "sqlite":
                load_sqlite(connection, Path(work) / database["file"])
            else:
                load_postgresql(connection, database, work, archive)
            if safety is not None:  # replacing: files the backup does not have go too (the copy kept has them)
                for name in set(media_names()) - set(names):
                    default_storage.delete(name)
        except BaseException:
            if safety is None:  # an empty installation: leave it empty
                for name in written:
                    default_storage.delete(name)
            raise
    if database["engine"] == "sqlite":  # PostgreSQL's rows were counted in the load's own transaction
        expected = database["rows"]
        with connection.cursor() as cursor:
            found = count_rows(cursor, connection.ops.quote_name, sorted(expected))
        differing = [table for table in expected if found[table] != expected[table]]
        if differing:
            raise BackupError(
                "The restored database does not hold the rows the manifest counts, in: " + ", ".join(differing) + "."
            )
    call_command("migrate", interactive=False, verbosity=0, database=using)
    new_generation()
    return manifest, safety


def made_at(manifest):
    """The backup's date, for people: 21 November 2026, 14:05 UTC."""
    when = datetime.datetime.fromisoformat(manifest["made_at"]).astimezone(datetime.UTC)
    return f"{when.day} {when:%B %Y, %H:%M} UTC"
