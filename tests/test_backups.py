"""
Backups proven to restore: a site with content, versions, pictures and gifts
is backed up with `manage.py backup`, restored with `manage.py restore` into
a fresh database and media store, and every row of every table, every public
page and every media file is the same. Each site is real processes on its own
database: SQLite files in `make test`, new PostgreSQL databases in `.ci/run`'s
PostgreSQL pass (the run's DATABASE_URL says which); media in a folder, or in
buckets of a local S3-compatible server (moto).
"""

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import dj_database_url
import pytest

from .helpers import ROOT, server_environment

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
# Served from this address in both sites, so that pages name pictures the same way whichever bucket holds them.
MEDIA_DOMAIN = "media.ribbon.example"


class Site:
    """One installation: a database, a media store, a page cache; commands run as `manage.py` processes."""

    def __init__(self, database_url, media, folder, static_root):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.environment = server_environment(
            database_url, static_root, {"RIBBON_CACHE_DIR": str(folder / "cache"), **media}
        )

    def manage(self, *args, expect_failure=False):
        result = subprocess.run(
            [sys.executable, "manage.py", *map(str, args)],
            cwd=ROOT, env=self.environment, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if expect_failure:
            assert result.returncode != 0, result.stdout
        else:
            assert result.returncode == 0, result.stderr[-3000:]
        return result

    def build(self):
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("shell", "--no-imports", "-c", "from tests.backup_site import build; build()")

    def describe(self):
        code = "from tests.backup_site import describe; describe()"
        return json.loads(self.manage("shell", "--no-imports", "-c", code).stdout)

    def backup(self, destination):
        output = self.manage("backup", destination).stdout
        return Path(output.strip().splitlines()[-1].split(" to ", 1)[1].rsplit(" (", 1)[0])


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
    assert manifest["format"] == 1
    assert manifest["database"]["engine"] == ("postgresql" if ON_POSTGRESQL else "sqlite")
    assert manifest["database"]["rows"]["treatments_treatment"] == 5
    assert manifest["database"]["rows"]["donations_refund"] == 1
    assert manifest["database"]["migrations"]["donations"][-1] == "0012_amounts_and_dates_checked"
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
    code = "from core.backup import what_is_there; print(repr(what_is_there()))"
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
            return json.dumps(manifest).encode()
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
    site.manage("migrate", "--noinput", "-v", "0")
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
