"""
Backups that are proven to restore: `manage.py backup PATH` and
`manage.py restore ARCHIVE`.

A backup is one gzip-compressed tar file:

    database.sqlite3 or database.pgdump   the whole database, as of one moment
    media/<name>                          every uploaded file, from wherever media live
    manifest.json                         what it holds (below), written last

The database is copied with the engine's own tools, never by reading rows
through Django: SQLite's online backup API (a consistent copy while the site
keeps serving) or `pg_dump` in its custom format. On PostgreSQL the rows are
counted in the very snapshot pg_dump copies (`--snapshot`), so the counts
describe exactly what the dump holds.

The manifest gives the format, the date, the code's release, the database
engine, its applied migrations, the row count of every table, and the size and
SHA-256 of every other file in the archive. A restore checks all of it
before it changes anything: a damaged, truncated or foreign file is refused
with the reason, and the installation is left as it was.

A restore goes onto an empty installation (a fresh database, migrated or not,
and no media). Onto one that holds anything it refuses, unless told to
replace it; then it first backs up what is there, so nothing is lost either
way. The database is replaced in one transaction; after it the row counts
are compared with the manifest, `migrate` brings a backup made by older code
up to date, and every stored page is made stale.
"""

import datetime
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
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
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from core import page_cache

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media/"
# Rows that `migrate` makes by itself in a new database: an installation holding only these is empty.
MADE_BY_MIGRATE = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
}
# Files are read and written in pieces of this size.
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Why a backup or a restore cannot go ahead, in words for whoever runs it."""


def one_line(error):
    """A database driver's message (often several lines) as one line of a command's error."""
    return " ".join(str(error).split())


# What is there ---------------------------------------------------------------------------------


def engine_of(connection):
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backups cover SQLite and PostgreSQL; this database is {connection.vendor}.")
    return connection.vendor


def model_tables(connection):
    """The tables of every model (many-to-many tables included) that exist in this database, sorted."""
    existing = set(connection.introspection.table_names())
    return sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)} & existing)


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


# Hashing while copying ----------------------------------------------------------------------------


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
    info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o644
    return info


def _add(tar, member, file, size, recorded):
    info = _member(member, size)
    reader = _Hashing(file)
    try:
        tar.addfile(info, reader)
    except OSError as error:  # the file changed size while being read
        raise BackupError(f"{member} changed while it was being copied ({error}); run the backup again.") from None
    recorded[member] = {"sha256": reader.digest.hexdigest(), "bytes": reader.size}


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# Databases -----------------------------------------------------------------------------------------


def _postgresql_environment(connection):
    """libpq's variables for the command-line tools: the password never appears in a process list."""
    params = connection.settings_dict
    options = params.get("OPTIONS", {})
    values = {
        "PGHOST": params.get("HOST"),
        "PGPORT": params.get("PORT"),
        "PGUSER": params.get("USER"),
        "PGPASSWORD": params.get("PASSWORD"),
        "PGDATABASE": params.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    return {**os.environ, **{name: str(value) for name, value in values.items() if value not in (None, "")}}


def _run_tool(command, connection, what):
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(
            f"{command[0]} was not found: install PostgreSQL's client programs "
            "(the same major version as the server or newer) and run this again."
        )
    result = subprocess.run(
        [tool, *command[1:]], env=_postgresql_environment(connection), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-3:]) or f"exit status {result.returncode}"
        raise BackupError(f"{what} failed: {detail}")
    return result


def _applied_migrations(cursor):
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def dump_sqlite(connection, target):
    """A consistent copy made while the site keeps serving; then its rows and migrations, read from the copy."""
    tables = model_tables(connection)
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        return count_rows(cursor, connection.ops.quote_name, tables), _applied_migrations(cursor)
    except sqlite3.Error as error:
        raise BackupError(f"The database could not be copied: {one_line(error)}.") from None
    finally:
        copy.close()


def dump_postgresql(connection, target):
    """pg_dump of the snapshot in which the rows are counted: counts and dump agree to the row."""
    tables = model_tables(connection)
    try:
        raw = connection.get_new_connection(connection.get_connection_params())
    except connection.Database.Error as error:
        raise BackupError(f"The database could not be reached: {one_line(error)}") from None
    try:
        raw.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = count_rows(cursor, connection.ops.quote_name, tables)
            migrations = _applied_migrations(cursor)
            _run_tool(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                ],
                connection,
                "pg_dump",
            )
        raw.rollback()
    finally:
        raw.close()
    return counts, migrations


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


def load_postgresql(connection, source, work):
    """
    The dump as SQL, run by psql in one transaction after emptying the schema: the database is either
    wholly the backup's or, if anything fails, exactly as it was.
    """
    script = Path(work) / "restore.sql"
    _run_tool(
        ["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(source)], connection, "pg_restore"
    )
    connection.close()
    _run_tool(
        [
            "psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
            "--command=DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
            f"--file={script}",
        ],
        connection,
        "Loading the database",
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
    """Write one archive of the database and every media file; returns (its path, its manifest)."""
    connection = connections[using]
    engine = engine_of(connection)
    archive = archive_path(destination, prefix)
    partial = archive.with_name(archive.name + ".partial")
    files = {}
    try:
        with tempfile.TemporaryDirectory(prefix="ribbon-backup-", dir=archive.parent) as work:
            database = Path(work) / DATABASE_FILES[engine]
            progress(f"Copying the {engine} database…")
            dump = dump_sqlite if engine == "sqlite" else dump_postgresql
            counts, migrations = dump(connection, database)
            with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
                with open(database, "rb") as file:
                    _add(tar, database.name, file, database.stat().st_size, files)
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
                    "release": page_cache.release(),
                    "django": django.get_version(),
                    "database": {
                        "engine": engine,
                        "file": database.name,
                        "rows": counts,
                        "migrations": migrations,
                    },
                    "media": {
                        "storage": default_storage.__class__.__name__,
                        "files": sum(1 for member in files if member.startswith(MEDIA)),
                        "bytes": media_bytes,
                    },
                    "files": files,
                }
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                tar.addfile(_member(MANIFEST, len(data)), io.BytesIO(data))
        os.replace(partial, archive)  # only a complete archive ever carries the name
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return archive, manifest


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


def unpack(archive, work):
    """Every file of the archive into `work`, then checked against the manifest; returns the manifest."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file.")
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                if not member.isfile() or name.is_absolute() or ".." in name.parts:
                    raise BackupError(f"{archive}: {member.name} is not a file a Ribbon backup holds.")
                tar.extract(member, work, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile):
        raise BackupError(f"{archive}: not a Ribbon backup, or damaged (not a complete .tar.gz archive).") from None
    except OSError as error:
        raise BackupError(f"{archive} could not be unpacked: {error.strerror or error}.") from None
    manifest_path = Path(work) / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        raise BackupError(f"{archive}: not a Ribbon backup (it has no readable {MANIFEST}).") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{archive}: its {MANIFEST} is not one this version of Ribbon wrote.")
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive}: made in backup format {manifest.get('format')!r}; "
            f"this version of Ribbon reads format {FORMAT}."
        )
    present = {path.relative_to(work).as_posix() for path in Path(work).rglob("*") if path.is_file()} - {MANIFEST}
    listed = set(manifest["files"])
    if listed - present:
        missing = sorted(listed - present)[0]
        raise BackupError(f"{archive}: {missing} is listed in the manifest but missing; nothing was restored.")
    if present - listed:
        extra = sorted(present - listed)[0]
        raise BackupError(f"{archive}: {extra} is not in the manifest; nothing was restored.")
    for member, expected in sorted(manifest["files"].items()):
        path = Path(work) / member
        if path.stat().st_size != expected.get("bytes") or sha256_of(path) != expected.get("sha256"):
            raise BackupError(f"{archive}: {member} is damaged (it does not match its checksum); nothing was restored.")
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
            progress(f"Loading the {manifest['database']['engine']} database…")
            database = Path(work) / manifest["database"]["file"]
            if manifest["database"]["engine"] == "sqlite":
                load_sqlite(connection, database)
            else:
                load_postgresql(connection, database, work)
            if safety is not None:  # replacing: files the backup does not have go too (the copy kept has them)
                for name in set(media_names()) - set(names):
                    default_storage.delete(name)
        except BaseException:
            if safety is None:  # an empty installation: leave it empty
                for name in written:
                    default_storage.delete(name)
            raise
    expected = manifest["database"]["rows"]
    with connection.cursor() as cursor:
        found = count_rows(cursor, connection.ops.quote_name, sorted(expected))
    differing = [table for table in expected if found[table] != expected[table]]
    if differing:
        raise BackupError(
            "The restored database does not hold the rows the manifest counts, in: " + ", ".join(differing) + "."
        )
    call_command("migrate", interactive=False, verbosity=0, database=using)
    page_cache.new_generation()
    return manifest, safety


def made_at(manifest):
    """The backup's date, for people: 21 November 2026, 14:05 UTC."""
    when = datetime.datetime.fromisoformat(manifest["made_at"]).astimezone(datetime.UTC)
    return f"{when.day} {when:%B %Y, %H:%M} UTC"
