"""One log line per request in production, plain or JSON, that never carries a query string or a cookie."""

import json
import logging

import pytest

from operations.logs import JsonFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_log(settings, caplog):
    settings.RIBBON_REQUEST_LOG = True
    caplog.set_level(logging.INFO, logger="ribbon.requests")

    def lines():
        return [record for record in caplog.records if record.name == "ribbon.requests"]

    return lines


def test_each_request_is_one_line_with_what_was_asked_and_answered(client, make_treatment, commit, request_log):
    with commit():
        make_treatment("Radiotherapy")
    client.get("/treatments/radiotherapy/")
    client.get("/treatments/radiotherapy/")
    client.get("/treatments/nothing-here/")
    client.cookies["sessionid"] = "staff"
    client.get("/treatments/radiotherapy/")
    first, second, missing, logged_in = request_log()
    assert first.getMessage().startswith("GET /treatments/radiotherapy/ 200 ")
    assert first.getMessage().endswith("ms cache=miss")
    assert (first.method, first.path, first.status, first.cache) == ("GET", "/treatments/radiotherapy/", 200, "miss")
    assert second.cache == "hit", "the second visitor got the stored page"
    assert first.duration_ms >= 0
    assert second.duration_ms >= 0
    assert (missing.status, missing.cache) == (404, "bypass")
    assert logged_in.cache == "-", "somebody logged in never meets the page cache"


def test_a_line_carries_no_query_string_cookie_or_address(client, make_treatment, request_log, caplog):
    make_treatment("Radiotherapy")
    client.cookies["sessionid"] = "a-session-cookie-value"
    client.get("/search/?q=lump+under+my+arm", HTTP_USER_AGENT="Browser/1.0", REMOTE_ADDR="203.0.113.9")
    client.post("/feedback/", {"page": "/treatments/radiotherapy/", "helpful": "no", "comment": "my name is Josephine"})
    lines = request_log()
    assert [line.path for line in lines] == ["/search/", "/feedback/"]
    for secret in ("lump", "a-session-cookie-value", "Browser/1.0", "203.0.113.9", "Josephine"):
        assert secret not in caplog.text


def test_a_path_cannot_forge_a_second_line(client, request_log):
    client.get("/treatments/%0A2026-11-21 INFO ribbon.requests GET /forged 200/")
    (line,) = request_log()
    assert "\n" not in line.getMessage()
    assert line.path.startswith("/treatments/%0A2026-11-21%20INFO")


def test_health_probes_are_logged_too(client, request_log):
    client.get("/healthz")
    (line,) = request_log()
    assert (line.path, line.status, line.cache) == ("/healthz", 200, "-")


def test_nothing_is_logged_while_developing(client, settings, caplog):
    settings.RIBBON_REQUEST_LOG = False
    caplog.set_level(logging.INFO, logger="ribbon.requests")
    client.get("/treatments/")
    assert not [record for record in caplog.records if record.name == "ribbon.requests"]


def test_json_lines_hold_the_same_facts_as_fields(client, make_treatment, commit, request_log):
    with commit():
        make_treatment("Radiotherapy")
    client.get("/treatments/radiotherapy/?utm_source=newsletter")
    (line,) = request_log()
    written = json.loads(JsonFormatter().format(line))
    assert written["level"] == "INFO"
    assert written["logger"] == "ribbon.requests"
    assert written["message"].startswith("GET /treatments/radiotherapy/ 200 ")
    assert {key: written[key] for key in ("method", "path", "status", "cache")} == {
        "method": "GET",
        "path": "/treatments/radiotherapy/",
        "status": 200,
        "cache": "miss",
    }
    assert isinstance(written["duration_ms"], float)
    assert written["timestamp"].endswith("+00:00")


def test_django_s_own_error_lines_leave_out_the_request_in_json(client, caplog):
    """Django attaches the request to "Not Found" lines; written out it would show the query string."""
    caplog.set_level(logging.WARNING, logger="django.request")
    client.get("/treatments/nothing-here/?q=my+diagnosis")
    (record,) = [record for record in caplog.records if record.name == "django.request"]
    written = JsonFormatter().format(record)
    assert "diagnosis" not in written
    assert json.loads(written)["message"] == "Not Found: /treatments/nothing-here/"
