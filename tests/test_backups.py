"""
Backups proven to restore: a site with content, versions, pictures and gifts
is backed up with `manage.py backup`, restored with `manage.py restore` into
a fresh database and media store, and every row of every table, every public
page and every media file is the same. Each site is real processes on its own
database: SQLite files in `make test`, new PostgreSQL databases in `.ci/run`'s
PostgreSQL pass (the run's DATABASE_URL says which); media in a folder, or in
buckets of a local S3-compatible server (moto).

An archive is nobody's way in: it is readable by its owner only, holds no
session or login record, is signed with a key kept apart from it (a changed
or unsigned archive is refused before anything in it is unpacked), cannot
unpack to more than its manifest says or than a cap, and on PostgreSQL
brings back rows only, into tables this code's migrations make.
"""

import contextlib
import gzip
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tracemalloc
import uuid
import weakref
from pathlib import Path

import dj_database_url
import pytest

from .helpers import ROOT, server_environment

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
# Served from this address in both sites, so that pages name pictures the same way whichever bucket holds them.
MEDIA_DOMAIN = "media.ribbon.example"
# The key every site of these tests signs and checks backups with (RIBBON_BACKUP_KEY).
KEY = "the-backup-key-of-these-tests-" + "k" * 20
ONLY_ON_POSTGRESQL = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="PostgreSQL's own restore; .ci/run runs this in its PostgreSQL pass"
)


class Site:
    """
    One installation: a database, a media store, a page cache; commands run as `manage.py` processes,
    each forked from one that started Django with the site's settings (tests/forked_manage.py).
    """

    def __init__(self, database_url, media, folder, static_root):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.environment = server_environment(
            database_url, static_root, {"RIBBON_CACHE_DIR": str(folder / "cache"), "RIBBON_BACKUP_KEY": KEY, **media}
        )
        # Once a command has run: (the environment it started with, the process or None, its finalizer).
        self._forks = None

    def manage(self, *args, expect_failure=False, umask=None):
        forks = self._forking()
        if forks is None:
            result = subprocess.run(
                [sys.executable, "manage.py", *map(str, args)],
                cwd=ROOT, env=self.environment, capture_output=True, text=True, timeout=300,
                preexec_fn=None if umask is None else (lambda: os.umask(umask)),
            )  # fmt: skip
        else:
            forks.stdin.write(json.dumps({"args": list(map(str, args)), "umask": umask}) + "\n")
            forks.stdin.flush()
            result = subprocess.CompletedProcess(args, **json.loads(forks.stdout.readline()))
        if expect_failure:
            assert result.returncode != 0, result.stdout
        else:
            assert result.returncode == 0, result.stderr[-3000:]
        return result

    def _forking(self):
        """The process commands are forked from, started again when a test has changed the environment."""
        if self._forks and self._forks[0] != self.environment:
            self.close()
        if self._forks is None:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.forked_manage"],
                cwd=ROOT, env=self.environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True,
            )  # fmt: skip
            # It ends when this site is no longer used (or the tests end).
            stop = weakref.finalize(self, _stop, process)
            ready = json.loads(process.stdout.readline())["ready"]
            self._forks = (dict(self.environment), process if ready else None, stop)
        return self._forks[1]

    def close(self):
        if self._forks:
            self._forks[2]()
        self._forks = None

    def migrate(self):
        """
        Its tables, as `migrate` makes them. On SQLite, after the first, a copy of the database file that
        `migrate` made then: the same tables, rows and content types, without paying for it again.
        """
        if ON_POSTGRESQL:
            self.manage("migrate", "--noinput", "-v", "0")
            return
        database = Path(dj_database_url.parse(self.environment["DATABASE_URL"])["NAME"])
        if "sqlite" not in _migrated:
            self.manage("migrate", "--noinput", "-v", "0")
            _migrated["sqlite"] = database.with_name("migrated-once.sqlite3")
            shutil.copyfile(database, _migrated["sqlite"])
        else:
            shutil.copyfile(_migrated["sqlite"], database)

    def build(self):
        self.migrate()
        self.manage("shell", "--no-imports", "-c", "from tests.backup_site import build; build()")

    def describe(self):
        code = "from tests.backup_site import describe; describe()"
        return json.loads(self.manage("shell", "--no-imports", "-c", code).stdout)

    def backup(self, destination):
        output = self.manage("backup", destination).stdout
        return Path(output.strip().splitlines()[-1].split(" to ", 1)[1].rsplit(" (", 1)[0])


_migrated = {}  # on SQLite: a database file just as `migrate` left it


def _stop(process):
    process.stdin.close()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def new_database(tmp_path_factory):
    """`new_database()`: the address of a database nobody has used, of the kind this run tests."""
    made = []
    folder = tmp_path_factory.mktemp("databases")

    def make():
        name = f"ribbon_backup_{uuid.uuid4().hex[:12]}"
        if not ON_POSTGRESQL:
            return f"sqlite:///{folder / (name + '.sqlite3')}"
        import psycopg2

        server = dj_database_url.parse(os.environ["DATABASE_URL"])
        administration = psycopg2.connect(
            dbname="postgres",
            user=server["USER"],
            password=server["PASSWORD"],
            host=server["HOST"],
            port=server["PORT"],
        )
        administration.autocommit = True
        with administration.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        made.append((administration, name))
        return f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{name}"

    yield make
    for administration, name in made:
        with administration.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        administration.close()


@pytest.fixture(params=["folder", "bucket"])
def media_store(request, tmp_path):
    """`media_store(name)`: an empty media store of the kind this test runs with."""
    if request.param == "folder":
        return lambda name: {"MEDIA_ROOT": str(tmp_path / name / "media")}
    storage = request.getfixturevalue("object_storage")

    def bucket(name):
        storage["client"].create_bucket(Bucket=name.replace("_", "-"))
        return {
            **storage["settings"],
            "AWS_STORAGE_BUCKET_NAME": name.replace("_", "-"),
            "AWS_S3_CUSTOM_DOMAIN": MEDIA_DOMAIN,
        }

    return bucket


def differences(before, after):
    """What differs between two descriptions, by part and name: short enough to read in a failure."""
    found = []
    for part in ("tables", "pages", "media"):
        for name in sorted(set(before[part]) | set(after[part])):
            if before[part].get(name) != after[part].get(name):
                found.append(f"{part}: {name}: {before[part].get(name)} != {after[part].get(name)}")
    return found


def manifest_of(archive):
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def signature(data, key=KEY):
    """What RIBBON_BACKUP_KEY makes of a manifest: HMAC-SHA256, in hex."""
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest().encode()


def test_a_backup_restores_to_an_identical_site(tmp_path, new_database, media_store, collected_static):
    site = Site(new_database(), media_store("site"), tmp_path / "site", collected_static)
    site.build()
    before = site.describe()
    assert len(before["media"]) == 8, "a hero picture, its six renditions and a picture in a treatment's text"
    assert before["tables"]["donations_gift"]["rows"] == 5
    assert before["tables"]["reversion_version"]["rows"] > 0
    (tmp_path / "backups").mkdir()
    archive = site.backup(tmp_path / "backups")
    assert archive.parent == tmp_path / "backups"
    assert archive.name.startswith("ribbon-")

    manifest = manifest_of(archive)
    assert manifest["format"] == 2
    assert manifest["database"]["engine"] == ("postgresql" if ON_POSTGRESQL else "sqlite")
    assert manifest["database"]["rows"]["treatments_treatment"] == 10  # five in English, five in Spanish
    assert manifest["database"]["rows"]["donations_refund"] == 1
    latest = max(path.stem for path in (ROOT / "donations" / "migrations").glob("0*.py"))
    assert manifest["database"]["migrations"]["donations"][-1] == latest, "it names the migrations it was made at"
    assert manifest["media"]["files"] == 8
    for name, digest in before["media"].items():
        assert manifest["files"]["media/" + name]["sha256"] == digest

    restored = Site(new_database(), media_store("restored"), tmp_path / "restored", collected_static)
    output = restored.manage("restore", archive).stdout
    assert f"Restored {sum(manifest['database']['rows'].values())} rows" in output
    after = restored.describe()
    assert len(after["pages"]) > 40
    assert differences(before, after) == []


# Refusals: everything is checked before anything changes ------------------------------------------------


@pytest.fixture(scope="module")
def a_backup(tmp_path_factory, new_database, collected_static):
    """A built site (media in a folder), its description, and a backup of it."""
    folder = tmp_path_factory.mktemp("backed-up")
    site = Site(new_database(), {"MEDIA_ROOT": str(folder / "media")}, folder / "site", collected_static)
    site.build()
    (folder / "backups").mkdir()
    return {"site": site, "description": site.describe(), "archive": site.backup(folder / "backups")}


@pytest.fixture
def empty_site(tmp_path, new_database, collected_static):
    def make(name="empty"):
        return Site(new_database(), {"MEDIA_ROOT": str(tmp_path / name / "media")}, tmp_path / name, collected_static)

    return make


def holds(site):
    """What an installation holds beyond what `migrate` makes: ({table: rows}, media files)."""
    code = "from operations.backups import what_is_there; print(repr(what_is_there()))"
    return site.manage("shell", "--no-imports", "-c", code).stdout.strip()


def refusal(site, *args):
    """The one line a refused command ends with (and no traceback)."""
    result = site.manage(*args, expect_failure=True)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def rewritten(archive, target, change):
    """A copy of `archive` whose members pass through `change(name, data)` (None leaves one out)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        members = [(member.name, source.extractfile(member).read()) for member in source]
        for name, data in [*members, *change.extra]:
            data = change(name, data)
            if data is not None:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                copy.addfile(info, io.BytesIO(data))
    return target


def _damaged(kind):
    def change(name, data):
        if kind == "a picture changed" and name.startswith("media/renditions/"):
            return data[:100] + bytes([data[100] ^ 1]) + data[101:]
        if kind == "no manifest" and name == "manifest.json":
            return None
        if name == "manifest.json" and kind in {"newer code", "another engine"}:
            manifest = json.loads(data)
            if kind == "newer code":
                manifest["database"]["migrations"]["treatments"].append("9999_from_the_future")
            else:
                manifest["database"]["engine"] = "sqlite" if ON_POSTGRESQL else "postgresql"
            change.signed = json.dumps(manifest).encode()  # as made by newer code or on another engine, with this key
            return change.signed
        if name == "manifest.sig" and getattr(change, "signed", None):
            return signature(change.signed)
        return data

    change.extra = [("media/uninvited.png", b"not in the manifest")] if kind == "a file it does not list" else []
    return change


DAMAGE = {
    "a picture changed": r"media/renditions/\S+ is damaged \(it does not match its checksum\); nothing was restored\.",
    "no manifest": r"not a Ribbon backup \(it has no readable manifest\.json\)\.",
    "a file it does not list": r"media/uninvited\.png is not in the manifest; nothing was restored\.",
    "newer code": r"made by a newer version of Ribbon \(it has migrations this code does not: "
    r"treatments\.9999_from_the_future\)\. Restore it with that version\.",
    "another engine": r"a backup of a (sqlite|postgresql) database; this installation uses (postgresql|sqlite)\.",
}


def test_a_damaged_cut_short_or_foreign_archive_changes_nothing(a_backup, empty_site, tmp_path):
    site = empty_site()
    nothing = holds(site)
    assert nothing == "({}, 0)"
    archive = a_backup["archive"]
    for kind, expected in DAMAGE.items():
        damaged = rewritten(archive, tmp_path / f"{kind}.tar.gz", _damaged(kind))
        assert re.search(expected, refusal(site, "restore", damaged)), kind
    cut_short = tmp_path / "cut-short.tar.gz"
    cut_short.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    not_an_archive = tmp_path / "notes.tar.gz"
    not_an_archive.write_text("Remember to back up the site.")
    for path in (cut_short, not_an_archive):
        assert refusal(site, "restore", path).endswith(
            f"{path}: not a Ribbon backup, or damaged (not a complete .tar.gz archive)."
        )
    assert refusal(site, "restore", tmp_path / "missing.tar.gz").endswith("missing.tar.gz: no such file.")
    assert holds(site) == nothing, "nothing was written"


def test_check_reads_everything_and_changes_nothing(a_backup, empty_site):
    site = empty_site()
    output = site.manage("restore", "--check", a_backup["archive"]).stdout
    assert "is whole and fits this installation" in output
    assert holds(site) == "({}, 0)"


def test_a_migrated_installation_with_nothing_in_it_counts_as_empty(a_backup, empty_site):
    site = empty_site()
    site.manage("migrate", "--noinput", "-v", "0")
    site.manage("restore", a_backup["archive"])
    assert differences(a_backup["description"], site.describe()) == []


def test_a_site_that_is_not_empty_is_refused_then_replaced_with_a_copy_of_it_kept(a_backup, empty_site):
    site = empty_site("in-use")
    site.migrate()
    site.manage("load_demo")
    upload = "from django.core.files.storage import default_storage as media; "
    upload += "media.save('markdownx/old.png', open('static/favicon.ico', 'rb'))"
    site.manage("shell", "--no-imports", "-c", upload)
    before = site.describe()
    assert list(before["media"]) == ["markdownx/old.png"]
    line = refusal(site, "restore", a_backup["archive"])
    assert re.search(r"This installation is not empty: it holds \d+ rows in \d+ tables \(", line), line
    assert "add --replace" in line
    assert differences(before, site.describe()) == [], "the refusal changed nothing"

    output = site.manage("restore", "--replace", a_backup["archive"]).stdout
    kept = Path(re.search(r"What was here before is in (\S+): keep it", output).group(1))
    assert kept.name.startswith("ribbon-before-restore-")
    assert kept.stat().st_mode & 0o777 == 0o600, "the copy of what was replaced is a backup like any other"
    assert differences(a_backup["description"], site.describe()) == []

    # The copy kept of what was replaced is itself a backup that restores.
    elsewhere = empty_site("what-was-replaced")
    elsewhere.manage("restore", kept)
    assert differences(before, elsewhere.describe()) == []


def test_a_backup_never_replaces_another_and_a_folder_keeps_the_newest(a_backup, tmp_path):
    site = a_backup["site"]
    line = refusal(site, "backup", a_backup["archive"])
    assert line.endswith("already exists; a backup never replaces another. Give a new name or a folder.")
    assert refusal(site, "backup", tmp_path / "no-such-folder" / "x.tar.gz").endswith("no-such-folder is not a folder.")
    assert "--keep needs PATH to be a folder" in refusal(site, "backup", tmp_path / "one.tar.gz", "--keep", "2")

    nightly = tmp_path / "nightly"
    nightly.mkdir()
    (nightly / "ribbon-before-restore-20261101-000000.tar.gz").write_bytes(b"kept by a restore")
    made = [site.backup(nightly) for _ in range(3)]
    assert len(set(made)) == 3, "three backups in a row get three names"
    output = site.manage("backup", nightly, "--keep", "2").stdout
    assert f"Removed the older backup {made[0].name}." in output
    assert f"Removed the older backup {made[1].name}." in output
    remaining = sorted(path.name for path in nightly.iterdir())
    assert len(remaining) == 3
    assert made[2].name in remaining
    assert "ribbon-before-restore-20261101-000000.tar.gz" in remaining
    assert not list(nightly.glob("*.partial"))


def test_a_database_that_does_not_answer_is_one_line_not_a_traceback(tmp_path, collected_static):
    nowhere = Site(
        "postgres://postgres@127.0.0.1:1/ribbon", {"MEDIA_ROOT": str(tmp_path / "m")}, tmp_path, collected_static
    )
    for command in (["backup", tmp_path], ["restore", tmp_path / "any.tar.gz"]):
        line = refusal(nowhere, *command)
        assert "could not be reached" in line or "no such file" in line, line
    (tmp_path / "backups").mkdir()
    assert refusal(nowhere, "backup", tmp_path / "backups").startswith(
        "CommandError: The database could not be reached"
    )
    assert list((tmp_path / "backups").iterdir()) == [], "no partial archive is left behind"


# Nobody's way in -----------------------------------------------------------------------------------------


def test_an_archive_is_readable_by_its_owner_only_whatever_the_umask(a_backup, tmp_path):
    archive = a_backup["site"].backup(tmp_path)
    assert archive.stat().st_mode & 0o777 == 0o600
    output = a_backup["site"].manage("backup", tmp_path / "under-umask-022.tar.gz", umask=0o022).stdout
    assert "Backed up" in output
    assert (tmp_path / "under-umask-022.tar.gz").stat().st_mode & 0o777 == 0o600


LOG_IN = """
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="StaffBrowser/7.7 (backup test)")
answer = client.post("/" + settings.ADMIN_URL + "login/", {"username": "editor", "password": "a-password-for-the-test"})
assert answer.status_code == 302, answer.status_code
print(client.cookies["sessionid"].value)
"""

WHO_IS_IT = """
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
client.cookies["sessionid"] = "{key}"
answer = client.get("/" + settings.ADMIN_URL)
print(answer.status_code, answer.get("Location", ""))
"""


def logged_in(site, key):
    status, _, _ = site.manage("shell", "--no-imports", "-c", WHO_IS_IT.format(key=key)).stdout.strip().partition(" ")
    return status == "200"


def test_sessions_and_login_records_stay_out_and_a_restored_site_asks_staff_to_log_in(a_backup, empty_site, tmp_path):
    site = a_backup["site"]
    key = site.manage("shell", "--no-imports", "-c", LOG_IN).stdout.strip().splitlines()[-1]
    assert logged_in(site, key), "the session works on the site it was made on"
    archive = site.backup(tmp_path)
    assert logged_in(site, key), "a backup logs nobody out of the site it copies"

    manifest = manifest_of(archive)
    kept = [table for table in manifest["database"]["rows"] if table == "django_session" or table.startswith("axes_")]
    assert kept == [], "sessions and login records are not in the archive"
    everything = gzip.decompress(archive.read_bytes())
    for secret in (key, "203.0.113.7", "StaffBrowser/7.7"):
        assert secret.encode() not in everything, f"{secret} is in the archive"

    restored = empty_site("restored")
    restored.environment["DJANGO_DEBUG"] = "1"  # as on a laptop (`make run`), with Django's debug cursor
    restored.manage("restore", archive)
    assert not logged_in(restored, key), "a session from before the backup logs nobody in after a restore"


def tamper(name, data, folder):
    """The editor made a superuser in the archive's database (None: not the database)."""
    if name == "database.sqlite3":
        copy = folder / "changed.sqlite3"
        copy.write_bytes(data)
        with contextlib.closing(sqlite3.connect(copy)) as database, database:
            assert database.execute("UPDATE auth_user SET is_superuser = 1 WHERE username = 'editor'").rowcount == 1
        return copy.read_bytes()
    if name == "database/auth_user.copy":
        assert b"\tf\teditor\t" in data
        return data.replace(b"\tf\teditor\t", b"\tt\teditor\t")
    if name == "database.pgdump":  # made by the code before signed archives
        return data + b"\0"
    return None


def test_a_changed_database_with_its_manifest_rewritten_to_match_is_refused(a_backup, empty_site, tmp_path):
    members = {}
    with tarfile.open(a_backup["archive"]) as source:
        for member in source:
            members[member.name] = source.extractfile(member).read()
    manifest = json.loads(members["manifest.json"])
    changed = {name: tamper(name, data, tmp_path) for name, data in members.items()}
    changed = {name: data for name, data in changed.items() if data is not None}
    assert changed, "the archive holds a database"
    for name, data in changed.items():
        members[name] = data
        manifest["files"][name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    members["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True).encode()
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

    site = empty_site()
    for command in (["restore", "--check", forged], ["restore", forged]):
        line = refusal(site, *command)
        assert line.endswith(
            f"{forged}: its signature does not match RIBBON_BACKUP_KEY: it was not made by this site's backups, "
            "or it was changed since; nothing was restored."
        ), line
    assert holds(site) == "({}, 0)"


def unpacking(archive, work, settings, **changes):
    """operations.backups.unpack in this process, with the backup settings given; returns its refusal or None."""
    from operations.backups import BackupError, unpack

    settings.BACKUP_KEYS = changes.get("keys", [KEY])
    settings.RESTORE_MAX_BYTES = changes.get("cap", 10 * 1024**3)
    work.mkdir()
    try:
        unpack(archive, work)
    except BackupError as error:
        return str(error)
    return None


def written(work):
    """Every byte under `work`: what an unpacking wrote to disk."""
    return sum(path.stat().st_size for path in work.rglob("*") if path.is_file())


class Zeros(io.RawIOBase):
    """`size` zero bytes, made as they are read: a member that packs to almost nothing."""

    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def crafted(path, manifest, members, sign_with=KEY, signature_bytes=None):
    """A .tar.gz that begins with `manifest` and its signature, then `members` [(name, header size, file)]."""
    data = json.dumps(manifest).encode()
    signed = signature_bytes if signature_bytes is not None else signature(data, sign_with)
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for name, content in (("manifest.json", data), ("manifest.sig", signed)):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        for name, size, file in members:
            info = tarfile.TarInfo(name)
            info.size = size
            tar.addfile(info, file)
    return path


BOMB = 100 * 1024 * 1024  # 100 MiB of zeros: about 100 KB packed
ZEROS_SHA256 = hashlib.sha256(bytes(BOMB)).hexdigest()


def bomb_manifest(claimed_bytes, sha256):
    return {
        "format": 2,
        "made_at": "2026-11-21T02:30:00+00:00",
        "database": {"engine": "sqlite", "file": "database.sqlite3", "rows": {}, "migrations": {}, "left_out": []},
        "media": {"storage": "FileSystemStorage", "files": 1, "bytes": claimed_bytes},
        "files": {
            "database.sqlite3": {"bytes": 0, "sha256": hashlib.sha256(b"").hexdigest()},
            "media/markdownx/bomb.png": {"bytes": claimed_bytes, "sha256": sha256},
        },
    }


def test_an_archive_without_a_valid_signature_is_refused_before_anything_is_unpacked(
    a_backup, empty_site, tmp_path, settings
):
    archive = a_backup["archive"]
    refused = unpacking(archive, tmp_path / "another-key", settings, keys=["another-sites-backup-key-" + "x" * 20])
    assert refused == (
        f"{archive}: its signature does not match RIBBON_BACKUP_KEY: it was not made by this site's backups, "
        "or it was changed since; nothing was restored."
    )
    assert written(tmp_path / "another-key") == 0, "nothing was unpacked"

    def without_signature(name, data):
        return None if name == "manifest.sig" else data

    without_signature.extra = []
    unsigned = rewritten(archive, tmp_path / "unsigned.tar.gz", without_signature)
    refused = unpacking(unsigned, tmp_path / "unsigned", settings)
    assert refused == f"{unsigned}: it is not signed (no manifest.sig after its manifest.json); nothing was restored."
    assert written(tmp_path / "unsigned") == 0

    # A bomb behind a signature that does not match: not a byte of it is unpacked.
    bomb = crafted(
        tmp_path / "bomb.tar.gz",
        bomb_manifest(BOMB, ZEROS_SHA256),
        [("media/markdownx/bomb.png", BOMB, Zeros(BOMB))],
        signature_bytes=b"0" * 64,
    )
    assert "its signature does not match RIBBON_BACKUP_KEY" in unpacking(bomb, tmp_path / "bomb", settings)
    assert written(tmp_path / "bomb") == 0

    # The command says the same in one line, and nothing changes.
    site = empty_site()
    site.environment["RIBBON_BACKUP_KEY"] = "another-sites-backup-key-" + "x" * 20
    assert "its signature does not match RIBBON_BACKUP_KEY" in refusal(site, "restore", "--check", archive)
    assert holds(site) == "({}, 0)"


def test_an_archive_cannot_unpack_to_more_than_its_manifest_says_or_than_the_cap(tmp_path, settings, empty_site):
    cap = 1024 * 1024
    # The manifest (signed) says 1,000 bytes; the member is 100 MiB of zeros.
    lying = crafted(
        tmp_path / "lying.tar.gz",
        bomb_manifest(1000, ZEROS_SHA256),
        [("media/markdownx/bomb.png", BOMB, Zeros(BOMB))],
    )
    assert lying.stat().st_size < 1024 * 1024, "a small archive"
    refused = unpacking(lying, tmp_path / "lying", settings, cap=cap)
    assert written(tmp_path / "lying") <= 1000, "no more than the manifest says was written"
    assert refused == (
        f"{lying}: media/markdownx/bomb.png holds 104,857,600 bytes, more than the 1,000 its manifest says; "
        "nothing was restored."
    )

    # The manifest says 100 MiB, truly: over the cap, refused before a byte is written.
    honest = crafted(
        tmp_path / "honest.tar.gz",
        bomb_manifest(BOMB, ZEROS_SHA256),
        [("media/markdownx/bomb.png", BOMB, Zeros(BOMB))],
    )
    refused = unpacking(honest, tmp_path / "honest", settings, cap=cap)
    assert written(tmp_path / "honest") == 0, "nothing was written"
    assert refused == (
        f"{honest}: it unpacks to 100.0 MB, more than the 1.0 MB a restore may unpack here "
        "(RIBBON_RESTORE_MAX_MB); nothing was restored."
    )

    # The command: one line, and the same cap from the environment.
    site = empty_site()
    site.environment["RIBBON_RESTORE_MAX_MB"] = "1"
    assert "more than the 1.0 MB a restore may unpack here" in refusal(site, "restore", "--check", honest)
    site.environment["RIBBON_RESTORE_MAX_MB"] = "lots"
    assert refusal(site, "restore", "--check", honest) == (
        "Ribbon is not configured: RIBBON_RESTORE_MAX_MB must be a whole number (got 'lots')."
    )


def test_a_header_that_says_it_is_huge_is_refused_without_being_read(tmp_path, settings):
    """A pax header (a long name's) as large as it likes, before the signature: never held in memory."""
    huge = tmp_path / "huge-header.tar.gz"
    with tarfile.open(huge, "w:gz", compresslevel=1, format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("manifest.json")
        info.pax_headers = {"comment": "x" * BOMB}
        tar.addfile(info, io.BytesIO())
    tracemalloc.start()
    try:
        refused = unpacking(huge, tmp_path / "work", settings)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024, f"{peak:,} bytes held in memory"
    assert written(tmp_path / "work") == 0
    assert refused == f"{huge}: not a Ribbon backup, or damaged (not a complete .tar.gz archive)."


def test_without_a_key_no_archive_is_made_and_a_malformed_key_is_one_line(a_backup, tmp_path):
    site = a_backup["site"]
    key = site.environment.pop("RIBBON_BACKUP_KEY")
    try:
        line = refusal(site, "backup", tmp_path)
        assert line.startswith("CommandError: RIBBON_BACKUP_KEY is not set: a backup is signed with it"), line
        assert list(tmp_path.iterdir()) == [], "no archive, not even an unsigned one"
        line = refusal(site, "restore", "--check", a_backup["archive"])
        assert line.startswith("CommandError: RIBBON_BACKUP_KEY is not set"), line
        site.environment["RIBBON_BACKUP_KEY"] = "too-short"
        assert refusal(site, "backup", tmp_path) == (
            "Ribbon is not configured: RIBBON_BACKUP_KEY must be at least 32 characters with no spaces "
            "(make one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)."
        )
        assert list(tmp_path.iterdir()) == []
    finally:
        site.environment["RIBBON_BACKUP_KEY"] = key


def test_while_the_key_is_rolled_over_archives_signed_with_the_old_one_restore(a_backup, tmp_path, settings):
    archive, new_key = a_backup["archive"], "the-next-backup-key-" + "n" * 20
    assert "its signature does not match" in unpacking(archive, tmp_path / "new-key-only", settings, keys=[new_key])
    assert unpacking(archive, tmp_path / "both", settings, keys=[new_key, KEY]) is None
    assert written(tmp_path / "both") > 0


# PostgreSQL: rows only, into tables this code makes ----------------------------------------------------


def _administration(url):
    """A connection to the database at `url` that commits each statement, closed on leaving `with`."""
    import psycopg2

    server = dj_database_url.parse(url)
    connection = psycopg2.connect(
        dbname=server["NAME"],
        user=server["USER"],
        password=server["PASSWORD"],
        host=server["HOST"],
        port=server["PORT"],
    )
    connection.autocommit = True
    return contextlib.closing(connection)


PLANT = """
CREATE FUNCTION public.ribbon_planted(id bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'touch {marker}' || current_database());
    INSERT INTO public.ribbon_planted_calls VALUES (id);
    RETURN true;
END $$;
CREATE TABLE public.ribbon_planted_calls (id bigint);
ALTER TABLE public.treatments_treatment ADD CONSTRAINT ribbon_planted CHECK (public.ribbon_planted(id));
"""


@ONLY_ON_POSTGRESQL
def test_a_function_in_the_backed_up_database_never_runs_at_a_restore(new_database, tmp_path, collected_static):
    source_url, target_url = new_database(), new_database()
    site = Site(source_url, {"MEDIA_ROOT": str(tmp_path / "media")}, tmp_path / "site", collected_static)
    site.manage("migrate", "--noinput", "-v", "0")
    site.manage("load_demo")
    marker = f"/tmp/ribbon-planted-{uuid.uuid4().hex}-"
    source_name, target_name = source_url.rsplit("/", 1)[1], target_url.rsplit("/", 1)[1]
    try:
        with _administration(source_url) as connection, connection.cursor() as cursor:
            cursor.execute(PLANT.format(marker=marker))
            cursor.execute("SELECT COUNT(*) FROM treatments_treatment")
            treatments = cursor.fetchone()[0]
        assert treatments > 0
        assert Path(marker + source_name).exists(), "the planted function runs whenever it is called"
        archive = site.backup(tmp_path)

        restored = Site(target_url, {"MEDIA_ROOT": str(tmp_path / "restored")}, tmp_path / "restored", collected_static)
        restored.manage("restore", archive)
        assert not Path(marker + target_name).exists(), "the function ran during the restore"
        with _administration(target_url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT to_regproc('public.ribbon_planted'), to_regclass('public.ribbon_planted_calls')")
            assert cursor.fetchone() == (None, None), "the function and its table are not in the restored database"
            cursor.execute("SELECT COUNT(*) FROM pg_constraint WHERE conname = 'ribbon_planted'")
            assert cursor.fetchone()[0] == 0
            cursor.execute("SELECT COUNT(*) FROM treatments_treatment")
            assert cursor.fetchone()[0] == treatments, "the rows came back"
    finally:
        for name in (source_name, target_name):
            Path(marker + name).unlink(missing_ok=True)


@ONLY_ON_POSTGRESQL
def test_the_role_the_readme_recommends_backs_up_and_restores_an_identical_site(tmp_path, collected_static):
    """The README's SQL: a role that logs in, owns its database, and is no superuser."""
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    role = f"ribbon_role_{uuid.uuid4().hex[:10]}"
    names = [f"{role}_site", f"{role}_restored"]
    where = dj_database_url.parse(os.environ["DATABASE_URL"])
    address = f"postgres://{role}:a-password-for-the-test@{where['HOST']}:{where['PORT']}"
    with _administration(f"{server}/postgres") as administration, administration.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'a-password-for-the-test'")
        try:
            for name in names:
                cursor.execute(f"CREATE DATABASE {name} OWNER {role}")
            cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s", [role])
            assert cursor.fetchone() == (False, False, False)
            site = Site(f"{address}/{names[0]}", {"MEDIA_ROOT": str(tmp_path / "m1")}, tmp_path / "s", collected_static)
            site.build()
            before = site.describe()
            archive = site.backup(tmp_path)
            restored = Site(
                f"{address}/{names[1]}", {"MEDIA_ROOT": str(tmp_path / "m2")}, tmp_path / "r", collected_static
            )
            restored.manage("restore", archive)
            assert differences(before, restored.describe()) == []
        finally:
            for name in names:
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute(f"DROP ROLE IF EXISTS {role}")
