"""
Backups proven to restore: a site with content, versions, pictures and gifts
is backed up with `manage.py backup`, restored with `manage.py restore` into
a fresh database and media store, and every row of every table, every public
page and every media file is the same. Each site is real processes on its own
database: SQLite files in `make test`, new PostgreSQL databases in `.ci/run`'s
PostgreSQL pass (the run's DATABASE_URL says which); media in a folder, or in
buckets of a local S3-compatible server (moto).
"""

import json
import os
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


@pytest.fixture
def new_database(tmp_path):
    """`new_database()`: the address of a database nobody has used, of the kind this run tests."""
    made = []

    def make():
        name = f"ribbon_backup_{uuid.uuid4().hex[:12]}"
        if not ON_POSTGRESQL:
            return f"sqlite:///{tmp_path / (name + '.sqlite3')}"
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
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        return f"{url}/{name}"

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
    assert manifest["database"]["migrations"]["donations"][-1] == "0011_editors_see_gifts"
    assert manifest["media"]["files"] == 8
    for name, digest in before["media"].items():
        assert manifest["files"]["media/" + name]["sha256"] == digest

    restored = Site(new_database(), media_store("restored"), tmp_path / "restored", collected_static)
    output = restored.manage("restore", archive).stdout
    assert f"Restored {sum(manifest['database']['rows'].values())} rows" in output
    after = restored.describe()
    assert len(after["pages"]) > 40
    assert differences(before, after) == []
