"""/healthz and /healthz/live: what a load balancer and a process supervisor ask, and what they are told."""

import json

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from .helpers import SwitchableCache

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_that_fails(tmp_path):
    caches = {
        alias: {"BACKEND": "tests.helpers.SwitchableCache", "LOCATION": str(tmp_path / alias)}
        for alias in ("default", "counters")
    }
    with override_settings(CACHES=caches):
        SwitchableCache.down = True
        yield
    SwitchableCache.down = False


@pytest.fixture
def database_that_fails(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db.internal" (10.0.0.9), port 5432 failed: timeout')

    monkeypatch.setattr(connection, "cursor", refuse)


def answer(client, path="/healthz", **headers):
    response = client.get(path, **headers)
    return response, json.loads(response.content)


def test_a_healthy_server_says_so_with_each_part_checked(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1
        response, body = answer(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body["status"] == "ok"
    assert {part: check["status"] for part, check in body["checks"].items()} == {"database": "ok", "cache": "ok"}
    assert all(check["ms"] >= 0 for check in body["checks"].values())


def test_the_answer_is_never_stored_and_sets_no_cookie(client):
    response, _ = answer(client)
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert "X-Page-Cache" not in response


def test_a_database_that_does_not_answer_is_named_and_its_error_is_not_shown(client, database_that_fails, caplog):
    response, body = answer(client)
    assert response.status_code == 503
    assert body["status"] == "failing"
    assert body["checks"]["database"]["status"] == "failed"
    assert body["checks"]["cache"]["status"] == "ok"
    assert b"db.internal" not in response.content, "the database's address stays in the server's log"
    assert "the database failed: OperationalError" in caplog.text
    assert "db.internal" in caplog.text


def test_a_cache_that_does_not_answer_is_named(client, cache_that_fails):
    response, body = answer(client)
    assert response.status_code == 503
    assert body["checks"] == {
        "database": {"status": "ok", "ms": body["checks"]["database"]["ms"]},
        "cache": {"status": "failed", "ms": body["checks"]["cache"]["ms"]},
    }


def test_each_probe_checks_again(client, monkeypatch):
    assert answer(client)[0].status_code == 200
    monkeypatch.setattr(connection, "cursor", lambda: (_ for _ in ()).throw(OperationalError("gone")))
    assert answer(client)[0].status_code == 503, "a stored 200 would hide the outage"


def test_liveness_touches_neither_the_database_nor_the_cache(
    client, database_that_fails, cache_that_fails, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response, body = answer(client, "/healthz/live")
    assert response.status_code == 200
    assert body == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@override_settings(ALLOWED_HOSTS=["ribbon.example.org"], SECURE_SSL_REDIRECT=True)
@pytest.mark.parametrize("path", ["/healthz", "/healthz/", "/healthz/live"])
def test_a_probe_by_address_over_plain_http_is_answered(client, path):
    """Load balancers probe each server by its own address, over HTTP: neither a 400 nor a redirect to HTTPS."""
    response = client.get(path, HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    # …while an ordinary page keeps both protections.
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.get("/", HTTP_HOST="ribbon.example.org").status_code == 301


@pytest.mark.parametrize("path", ["/healthz", "/healthz/live"])
def test_only_reading_is_allowed(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert client.head(path).status_code == 200


def test_a_neighbouring_address_is_an_ordinary_page(client):
    assert client.get("/healthzz").status_code == 404
