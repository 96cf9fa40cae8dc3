"""
Errors reach Sentry when SENTRY_DSN is set, and nothing about the person
using the site goes with them; without it, nothing changes.

The real thing: a gunicorn server whose database has lost its tables, and a
stand-in for Sentry's ingest endpoint on 127.0.0.1 that keeps what it is sent.
"""

import gzip
import json
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import brotli
import pytest

from operations.error_reports import without_personal_data

from .helpers import ROOT, WebServer, form_values, free_port, server_environment, wait_for

PASSWORD = "correct horse battery staple"
SEARCH = "lump under my arm"


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=server_environment("sqlite:///:memory:", ROOT / "staticfiles", env),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_without_a_dsn_sentry_is_not_even_loaded():
    loaded = "import sys; print('sentry_sdk' in sys.modules)"
    assert manage("shell", "-c", loaded).stdout.split()[-1] == "False"
    assert manage("shell", "-c", loaded, SENTRY_DSN="https://key@sentry.example.org/42").stdout.split()[-1] == "True"


def test_a_dsn_that_is_not_one_stops_with_one_line():
    result = manage("check", SENTRY_DSN="sentry.example.org/42")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SENTRY_DSN is not a Sentry DSN" in lines[0]


def test_a_report_keeps_the_method_path_and_a_few_headers_only():
    event = {
        "user": {"ip_address": "203.0.113.9"},
        "request": {
            "method": "GET",
            "url": "https://ribbon.example.org/search/?q=lump",
            "query_string": "q=lump",
            "cookies": {"sessionid": "abc"},
            "data": {"comment": "my name is Josephine"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
            "headers": {"User-Agent": "Browser/1.0", "Referer": "https://ribbon.example.org/search/?q=lump"},
        },
    }
    assert without_personal_data(event) == {
        "request": {
            "method": "GET",
            "url": "https://ribbon.example.org/search/",
            "headers": {"User-Agent": "Browser/1.0"},
        }
    }


@pytest.fixture
def sentry_stand_in():
    with WebServer({"/api/42/envelope/": (200, {"Content-Type": "application/json"}, b"{}")}) as server:
        server.dsn = f"http://publickey@127.0.0.1:{server.port}/42"
        yield server


def envelopes(server):
    """What Sentry was sent, as text: each envelope decompressed as its Content-Encoding says."""
    found = []
    for path, headers, body in server.received:
        assert path == "/api/42/envelope/"
        encoding = {name.lower(): value for name, value in headers.items()}.get("content-encoding")
        found.append(
            (
                brotli.decompress(body) if encoding == "br" else gzip.decompress(body) if encoding == "gzip" else body
            ).decode()
        )
    return found


def events_in(texts):
    events = []
    for text in texts:
        lines = text.splitlines()
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


@pytest.fixture
def broken_server(tmp_path, collected_static, sentry_stand_in):
    """gunicorn on a database file with no tables (as after a botched restore), reporting to the stand-in."""
    database = tmp_path / "empty.sqlite3"
    sqlite3.connect(database).close()
    port = free_port()
    environment = server_environment(
        f"sqlite:///{database}",
        collected_static,
        {
            "SENTRY_DSN": sentry_stand_in.dsn,
            "SENTRY_ENVIRONMENT": "test",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "RIBBON_CACHE_DIR": str(tmp_path / "cache"),
        },
    )
    log_path = tmp_path / "server-gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT, env=environment, stdout=log, stderr=log,
        )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz/live", process)
        yield {"base": f"http://127.0.0.1:{port}", "log": log_path}
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_an_error_reaches_sentry_without_anything_personal(broken_server, sentry_stand_in):
    base = broken_server["base"]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    cookie = {"Cookie": "sessionid=patient-session-cookie", "Referer": f"{base}/search/?q=lump"}
    # A patient's search, and a staff member logging in, while the database has lost its tables: each is
    # answered "try again shortly" (pages.views.server_error), and reported.
    search = urllib.request.Request(f"{base}/search/?{urllib.parse.urlencode({'q': SEARCH})}", headers=cookie)
    with pytest.raises(urllib.error.HTTPError) as failed:
        opener.open(search, timeout=10)
    assert failed.value.code == 503
    with opener.open(f"{base}/admin/login/", timeout=10) as page:
        data = form_values(page.read().decode(), "#login-form")
    data.update(username="editor", password=PASSWORD)
    with pytest.raises(urllib.error.HTTPError) as failed:
        opener.open(f"{base}/admin/login/", urllib.parse.urlencode(data).encode(), timeout=10)
    assert failed.value.code == 503

    deadline = time.monotonic() + 15
    while len(events_in(envelopes(sentry_stand_in))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    texts = envelopes(sentry_stand_in)
    events = events_in(texts)
    assert len(events) == 2, "one report per failure"
    for event in events:
        (exception,) = event["exception"]["values"][-1:]
        assert exception["type"] == "OperationalError"
        assert exception["value"].startswith("no such table: ")
        assert event["environment"] == "test"
        assert "user" not in event
        assert set(event["request"]) <= {"method", "url", "headers"}
        assert "Referer" not in event["request"]["headers"]
        assert all("vars" not in frame for frame in exception["stacktrace"]["frames"]), "no local variables"
    assert [(event["request"]["method"], urllib.parse.urlsplit(event["request"]["url"]).path) for event in events] == [
        ("GET", "/search/"),
        ("POST", "/admin/login/"),
    ]
    everything = "\n".join(texts)
    for private in (
        "lump",
        PASSWORD,
        "patient-session-cookie",
        data["csrfmiddlewaretoken"],
        "REMOTE_ADDR",
        '"ip_address"',  # as a field: a breadcrumb's SQL may name the column, never its value
    ):
        assert private not in everything
