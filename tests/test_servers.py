"""
Ribbon served as in production, by real gunicorn processes.

On one machine with no extra server (`make serve`: SQLite, no Redis, two
workers), an edit reaches every worker at once. On more than one server, two
gunicorn servers on two ports share one PostgreSQL database and one Redis
cache (and one S3-compatible object store): an edit saved through server A
is what server B shows at once, and a picture uploaded through A is served to
B's readers. Those need PostgreSQL and Redis, which `.ci/run` provides: they
run in its PostgreSQL pass and are skipped (with the reason) on SQLite.
"""

import contextlib
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.hashers import make_password
from django.db import connection
from PIL import Image

from .helpers import form_values, free_port, image_bytes, server_environment, wait_for

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REDIS = ("127.0.0.1", 6379)
# The Redis database the two servers share, each test under a key prefix of its own: another number
# (RIBBON_TEST_REDIS_URL) keeps a run apart from other users of the same Redis.
REDIS_URL = os.environ.get("RIBBON_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = secrets.token_urlsafe(16)


def _listening(address):
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def server_logs(tmp_path):
    return "\n".join(path.read_text(errors="replace")[-3000:] for path in sorted(tmp_path.glob("server-*.log")))


@pytest.fixture
def shared_services(transactional_db):
    """The database URL of the test database (committed data, visible to other processes) and Redis."""
    if connection.vendor != "postgresql":
        pytest.skip("two servers need a shared database server: .ci/run runs this in its PostgreSQL pass")
    if not _listening(REDIS):
        message = "Redis is not answering on 127.0.0.1:6379"
        if os.environ.get("CI") == "true" or os.environ.get("RIBBON_TEST_REQUIRE_REDIS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    settings = connection.settings_dict
    credentials = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return f"postgres://{credentials}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.fixture
def start_servers(shared_services, collected_static, tmp_path):
    """Start two gunicorn servers with the same settings; returns their base URLs."""
    processes = []

    def start(extra):
        cache_prefix = f"ribbon-test-{uuid.uuid4().hex[:8]}"  # a fresh cache for each test
        settings = {"REDIS_URL": REDIS_URL, "RIBBON_CACHE_KEY_PREFIX": cache_prefix,
                    "MEDIA_ROOT": str(tmp_path / "media-never-used"), **extra}  # fmt: skip
        bases = []
        for _ in range(2):
            port = free_port()
            log = open(tmp_path / f"server-{port}.log", "wb")  # noqa: SIM115 - closed with the process
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                 "--no-control-socket", "--log-level", "warning"],
                cwd=ROOT, env=server_environment(shared_services, collected_static, settings),
                stdout=log, stderr=log,
            )  # fmt: skip
            processes.append(process)
            bases.append(f"http://127.0.0.1:{port}")
            wait_for(bases[-1] + "/", process)
        return bases

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


class Visitor:
    """A browser for one server: cookies, forms with their CSRF token."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read(), response.headers

    def status(self, path):
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.headers

    def post(self, path, data, files=None):
        if files:
            body, content_type = _multipart(data, files)
        else:
            body, content_type = urllib.parse.urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body, headers={"Content-Type": content_type})
        with self.opener.open(request, timeout=30) as response:
            return response.read(), response.geturl()

    def log_in(self, username, password=PASSWORD):
        page, _ = self.get("/admin/login/")
        data = form_values(page, "#login-form")
        data.update(username=username, password=password)
        _, landed = self.post("/admin/login/", data)
        assert not landed.rstrip("/").endswith("/admin/login"), "staff login through the server failed"


def _multipart(data, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        header = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(header.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def staff_and_treatment(full_treatment, django_user_model):
    # Hashed as production hashes, so that the servers (with production settings) can check it.
    django_user_model.objects.create(
        username="editor-a", password=make_password(PASSWORD, hasher="pbkdf2_sha256"), is_staff=True, is_superuser=True
    )
    return full_treatment


def open_change_form(server, treatment):
    """Log in to a server's admin and read the treatment's change form: (visitor, its address, its fields)."""
    editor = Visitor(server)
    editor.log_in("editor-a")
    change = f"/admin/treatments/treatment/{treatment.pk}/change/"
    form, _ = editor.get(change)
    return editor, change, form_values(form)


def test_an_edit_saved_through_one_server_shows_at_once_on_the_other(start_servers, staff_and_treatment, tmp_path):
    server_a, server_b = start_servers({})
    reader = Visitor(server_b)
    page = staff_and_treatment.get_absolute_url()
    _before, _ = reader.get(page)
    again, headers = reader.get(page)
    assert headers["X-Page-Cache"] == "hit", "server B serves the page from the shared cache"
    assert b"A sentence nobody has written yet." not in again

    editor, change, data = open_change_form(server_a, staff_and_treatment)
    data["summary"] = "A sentence nobody has written yet."
    _, landed = editor.post(change, data)
    assert landed.endswith("/admin/treatments/treatment/"), "the admin saved the change"

    after, headers = reader.get(page)
    assert headers["X-Page-Cache"] == "miss", server_logs(tmp_path)
    assert b"A sentence nobody has written yet." in after
    listing, _ = reader.get("/treatments/")
    assert b"A sentence nobody has written yet." in listing


def test_a_picture_uploaded_through_one_server_is_served_to_the_other(
    start_servers, staff_and_treatment, object_storage
):
    server_a, server_b = start_servers(object_storage["settings"])
    editor, change, data = open_change_form(server_a, staff_and_treatment)
    data["hero_image_alt"] = "A nurse adjusting an infusion pump"
    upload = ("infusion.jpg", image_bytes("JPEG", size=(2000, 1200)), "image/jpeg")
    _, landed = editor.post(change, data, files={"hero_image": upload})
    assert landed.endswith("/admin/treatments/treatment/"), "the admin saved the picture"

    stored = [item["Key"] for item in object_storage["client"].list_objects_v2(Bucket="ribbon-media")["Contents"]]
    assert any(key.startswith("media/treatments/") for key in stored), stored
    assert sum(key.startswith("media/renditions/") for key in stored) == 6  # 3 widths × WebP and JPEG

    reader = Visitor(server_b)
    page, headers = reader.get(staff_and_treatment.get_absolute_url())
    assert object_storage["endpoint"] in headers["Content-Security-Policy"], "the CSP allows pictures from the bucket"
    image = BeautifulSoup(page, "html.parser").select_one("figure.hero img")
    assert image["alt"] == "A nurse adjusting an infusion pump"
    assert image["src"].startswith(object_storage["endpoint"] + "/ribbon-media/media/renditions/")
    with urllib.request.urlopen(image["src"], timeout=10) as response:
        picture = Image.open(io.BytesIO(response.read()))
        assert picture.format == "JPEG"
        assert (picture.width, picture.height) == (int(image["width"]), int(image["height"]))
        assert "immutable" in response.headers.get("Cache-Control", "")


# One machine, no extra server -------------------------------------------------------------


def _warm_workers(served, paths, rounds=10):
    """
    The workers' memory once they are warm: the first requests of each kind
    a worker answers load code and fill caches, which is no growth to blame
    on what comes after. Each round asks for every path, four at a time (so
    that one worker alone cannot take every request), until a round leaves
    every worker within 256 KB of where it was.
    """
    before = _worker_memory_kb(served["pid"])
    for _ in range(rounds):
        with ThreadPoolExecutor(4) as asking:
            answers = set(asking.map(lambda path: Visitor(served["base"]).status(path)[0], paths * 10))
        assert answers <= {200, 301}, answers
        after = _worker_memory_kb(served["pid"])
        if len(after) == len(before) and all(abs(now - then) < 256 for now, then in zip(after, before, strict=True)):
            return after
        before = after
    return before


def _worker_memory_kb(master_pid):
    """Resident memory of each of a gunicorn master's workers, in KB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master_pid):
            sizes.append(int(fields["VmRSS"].split()[0]))
    return sizes


@contextlib.contextmanager
def serving(tmp_path, variables, collected_static):
    """
    `make serve` as a charity runs it: scripts/serve, SQLite, no REDIS_URL, its default two workers
    (and the `variables` given), until the block ends. Its static files are those of an earlier start
    (collectstatic then finds them current, as on a second start); the database is new.
    """
    shutil.copytree(collected_static, tmp_path / "static")
    port = free_port()
    environment = server_environment(
        f"sqlite:///{tmp_path / 'site.sqlite3'}",
        tmp_path / "static",
        {
            "PORT": str(port),
            "BIN": str(BIN),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "RIBBON_CACHE_DIR": str(tmp_path / "cache"),
            **variables,
        },
    )
    for name in ("DJANGO_DEBUG", "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_HSTS_SECONDS"):
        environment.pop(name)  # scripts/serve sets these itself
    log_path = tmp_path / "server-serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(ROOT / "scripts" / "serve")], cwd=ROOT, env=environment, stdout=log, stderr=log)
    try:
        wait_for(f"http://127.0.0.1:{port}/", process, seconds=120)
        output = log_path.read_text()
        password = next(line.split(": ", 1)[1] for line in output.splitlines() if line.strip().startswith("password:"))
        yield {"base": f"http://127.0.0.1:{port}", "password": password, "pid": process.pid, "log": log_path}
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def make_serve(tmp_path, request, collected_static):
    """A site of its own for a test that changes it (any variables it passes with indirect parametrisation)."""
    with serving(tmp_path, getattr(request, "param", {}), collected_static) as site:
        yield site


@pytest.fixture(scope="module")
def served(tmp_path_factory, collected_static):
    """
    One site for the tests that only read: they change no row, no setting and no file of it, and each
    reads only the lines its own requests add to the log.
    """
    with serving(tmp_path_factory.mktemp("served"), {}, collected_static) as site:
        yield site


def test_make_serve_without_redis_never_serves_an_unpublished_page(make_serve):
    """Measured before: after an editor unpublished a treatment, 6 of the next 8 anonymous requests still got it."""
    reader = Visitor(make_serve["base"])
    page = "/treatments/immunotherapy/"
    answers = [reader.status(page) for _ in range(8)]
    assert {status for status, _ in answers} == {200}
    assert "hit" in {headers["X-Page-Cache"] for _, headers in answers}, "the page cache was in play"
    assert len(_worker_memory_kb(make_serve["pid"])) == 2, "two workers serve"

    editor = Visitor(make_serve["base"])
    editor.log_in("admin", make_serve["password"])
    changelist, _ = editor.get("/admin/treatments/treatment/?q=Immunotherapy")
    data = form_values(changelist, "#changelist-form")
    chosen = BeautifulSoup(changelist, "html.parser").select_one("input[name=_selected_action]")["value"]
    data.update(action="unpublish", _selected_action=chosen, index="0")
    editor.post("/admin/treatments/treatment/?q=Immunotherapy", data)

    assert [reader.status(page)[0] for _ in range(8)] == [404] * 8, make_serve["log"].read_text()[-3000:]


def test_make_serve_keeps_its_memory_under_a_flood_of_junk_addresses(served):
    """Measured before: 200 junk variants of one page grew a worker from 70 MB to 105 MB."""
    reader = Visitor(served["base"])
    before = _warm_workers(served, ["/treatments/", "/treatments/?page=01", "/treatments/?utm_x=1"])
    statuses = set()
    for number in range(300):
        # page=01, page=001 …: each was once a page of its own, rendered, compressed and kept in a worker.
        for path in ("/treatments/?page=" + "0" * number + "1", f"/treatments/?utm_x={number}{'!' * 200}"):
            statuses.add(reader.status(path)[0])
    after = _worker_memory_kb(served["pid"])
    assert statuses <= {200, 301, 404}
    growth_mb = (sum(after) - sum(before)) / 1024
    assert growth_mb < 3, f"workers grew by {growth_mb:.1f} MB ({before} -> {after} KB)"


def test_make_serve_never_sends_a_coding_the_client_refused(served):
    """WhiteNoise alone answered `br;q=0` with brotli; pages and static files now read the weights."""
    home, _ = Visitor(served["base"]).get("/")
    stylesheet = BeautifulSoup(home, "html.parser").select_one("link[rel=stylesheet]")["href"]
    for path in ("/", "/treatments/", stylesheet):
        for header, allowed in [
            ("br;Q=0, gzip", {"gzip"}),
            ("gzip;q=0, *", {"br"}),
            ("br;q=0", {None}),
            ("*;q=0", {None}),
        ]:
            request = urllib.request.Request(served["base"] + path, headers={"Accept-Encoding": header})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.headers.get("Content-Encoding") in allowed, (path, header)


def _ask_as_a_patient(base):
    """A search, a page with a campaign's tracking parameter, a 404 and a probe, each with a session cookie."""
    for path in ("/search/?q=lump+under+my+arm", "/treatments/?utm_source=newsletter", "/no-such-page/", "/healthz"):
        request = urllib.request.Request(
            base + path, headers={"Cookie": "sessionid=patient-session-cookie", "User-Agent": "PatientBrowser/1.0"}
        )
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=10).close()


PRIVATE = ("lump", "newsletter", "patient-session-cookie", "PatientBrowser", "127.0.0.1 -")


def written_since(log_path, since, until, seconds=20):
    """
    (the whole log, the whole lines written to it after its first `since` bytes), once `until(those lines)`
    is true: a test waits for the line its own last request writes (and fails with the log if it never
    comes), whatever was written before it asked.
    """
    deadline = time.monotonic() + seconds
    while True:
        stored = log_path.read_bytes()
        log, new = stored.decode(errors="replace"), stored[since:].decode(errors="replace")
        lines = [line for line in new.splitlines(keepends=True) if line.endswith("\n")]
        if until(lines):
            return log, lines
        assert time.monotonic() < deadline, f"not in the log after {seconds} s:\n{log[-3000:]}"
        time.sleep(0.05)


def test_make_serve_logs_one_plain_line_per_request_and_nothing_private(served):
    since = served["log"].stat().st_size
    _ask_as_a_patient(served["base"])
    log, lines = written_since(
        served["log"], since, lambda lines: any(" INFO ribbon.requests GET /healthz " in line for line in lines)
    )
    asked = [line.split(" ribbon.requests ", 1)[1] for line in lines if " INFO ribbon.requests " in line]
    assert [" ".join(line.split()[:3]) for line in asked] == [
        "GET /search/ 200",
        "GET /treatments/ 200",
        "GET /no-such-page/ 404",
        "GET /healthz 200",
    ], log[-3000:]
    assert all(line.split()[3].endswith("ms") for line in asked)
    # A session cookie means somebody may be logged in: the page cache stays out of it.
    assert [line.split()[-1] for line in asked] == ["cache=-"] * 4
    for private in PRIVATE:
        assert private not in log


def _treatments_asked_three_times(lines):
    return sum('"ribbon.requests"' in line and '"/treatments/"' in line for line in lines) == 3


@pytest.mark.parametrize("make_serve", [{"RIBBON_LOG_FORMAT": "json"}], indirect=True)
def test_make_serve_logs_json_when_asked(make_serve):
    since = make_serve["log"].stat().st_size
    _ask_as_a_patient(make_serve["base"])
    Visitor(make_serve["base"]).get("/treatments/")
    Visitor(make_serve["base"]).get("/treatments/")
    log, lines = written_since(make_serve["log"], since, _treatments_asked_three_times)
    written = [json.loads(line) for line in lines if line.startswith("{")]
    requests = [line for line in written if line["logger"] == "ribbon.requests"]
    assert [(line["method"], line["path"], line["status"]) for line in requests] == [
        ("GET", "/search/", 200),
        ("GET", "/treatments/", 200),
        ("GET", "/no-such-page/", 404),
        ("GET", "/healthz", 200),
        ("GET", "/treatments/", 200),
        ("GET", "/treatments/", 200),
    ], log[-3000:]
    assert [line["cache"] for line in requests[-2:]] == ["miss", "hit"]
    assert all(line["level"] == "INFO" and line["duration_ms"] >= 0 for line in requests)
    serving = log.splitlines().index(next(line for line in log.splitlines() if line.startswith("Serving http://")))
    from_gunicorn_on = [line for line in log.splitlines()[serving + 1 :] if line.strip()]
    assert all(line.startswith("{") for line in from_gunicorn_on), "gunicorn's own lines are JSON too"
    assert any(json.loads(line)["logger"] == "gunicorn.error" for line in from_gunicorn_on)
    not_found = [line for line in written if line["logger"] == "django.request"]
    assert not_found[0]["message"] == "Not Found: /no-such-page/"
    for private in PRIVATE:
        assert private not in log
