"""
The W3C Nu Html Checker (vnu.jar, the npm package vnu-jar that `make test`
installs) over every public page of the demo site, found as tests/test_site.py
finds them, over the site's error pages and over the draft banner staff see.
One Java process checks them all; an error or a warning fails the test.

It needs a Java runtime (17 or later): without `java` on the PATH the test is
skipped with one line saying how to install it, except on CI (CI=true), where
that fails the run.
"""

import datetime
import json
import os
import re
import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.test import RequestFactory, override_settings
from django.utils import timezone

from pages.views import permission_denied, server_error

from .helpers import ROOT, html_pages, soup_of

pytestmark = pytest.mark.django_db

# HTML's date, and its "global date and time": seconds optional, at most three digits of a fraction, an offset.
TIME_DATETIME = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:?\d\d))?")
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_command():
    """The command that runs the checker; the test is skipped (failed on CI) when Java or vnu.jar is missing."""
    java = shutil.which("java")
    if java and VNU_JAR.exists():
        return [java, "-jar", str(VNU_JAR)]
    if not java:
        message = "HTML check skipped: java was not found (install it: apt-get install -y default-jre-headless)"
    else:
        message = f"HTML check skipped: {VNU_JAR.relative_to(ROOT)} was not found (make test installs it with npm)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def error_pages(client):
    """{name: HTML} of each error page as a visitor gets it."""
    pages = {
        "400 (a forged Host header)": client.get("/", headers={"host": "evil.example"}),
        "404 /no-such-page/": client.get("/no-such-page/"),
    }
    with override_settings(RIBBON_SEARCHES_PER_MINUTE=1):
        searcher = {"REMOTE_ADDR": "192.0.2.29"}
        client.get("/search/", {"q": "zzzz"}, **searcher)
        pages["429 (new searches from one visitor, over the limit)"] = client.get("/search/", {"q": "hair"}, **searcher)
    assert [response.status_code for response in pages.values()] == [400, 404, 429]
    pages = {name: response.content for name, response in pages.items()}
    # The 403, 500 and 503 pages, from the handlers Django calls (tests/test_security.py raises each).
    request = RequestFactory().get("/")
    pages["403"] = permission_denied(request, PermissionDenied()).content
    pages["500"] = server_error(request).content
    try:
        raise OperationalError("the database is not answering")
    except OperationalError:
        pages["503 (the database is not answering)"] = server_error(request).content
    return pages


def scheduled_pages(client, editor, make_treatment, make_question):
    """{name: HTML} of a treatment and a question scheduled to go live tomorrow, as an editor previews them."""
    tomorrow = timezone.now() + datetime.timedelta(days=1, microseconds=123456)
    treatment = make_treatment(
        "Cold cap therapy", go_live_at=tomorrow, expires_at=tomorrow + datetime.timedelta(days=30)
    )
    question = make_question("Does a cold cap hurt?", go_live_at=tomorrow)
    client.force_login(editor)
    pages = {}
    for item in (treatment, question):
        response = client.get(item.get_absolute_url())
        assert response.status_code == 200
        assert soup_of(response).select_one(".draft-banner time")
        pages[f"{item.get_absolute_url()} (scheduled, as an editor previews it)"] = response.content
    client.logout()
    return pages


def check_html(command, documents, folder):
    """
    The Nu Html Checker's messages on {name: HTML}, from one run of `command`:
    [(name, message), …], each message the checker's JSON (type, subType,
    lastLine, message, extract).
    """
    names = {}
    for number, (name, html) in enumerate(documents.items()):
        path = folder / f"page-{number:04}.html"
        path.write_bytes(html)
        names[path.name] = name
    result = subprocess.run(
        [*command, "--format", "json", "--exit-zero-always", "--stdout", *map(str, folder.iterdir())],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = []
    for message in json.loads(result.stdout)["messages"]:
        file_name = message.get("url", "").rsplit("/", 1)[-1]
        found.append((names.get(file_name, file_name), message))
    return found


def test_every_time_element_gives_a_datetime_html_accepts(site_pages, client, editor, make_treatment, make_question):
    """Checked here without Java too: the campaign's "Updated …" and the draft banner's go-live and expiry."""
    documents = {address: response.content for address, response in html_pages(site_pages).items()}
    documents.update(scheduled_pages(client, editor, make_treatment, make_question))
    moments = 0
    for name, html in documents.items():
        for time in soup_of(html).find_all("time"):
            assert TIME_DATETIME.fullmatch(time["datetime"]), f"{name}: {time}"
            moments += "T" in time["datetime"]
    assert moments >= 3


def test_every_public_page_and_error_page_passes_the_nu_html_checker(
    site_pages, client, editor, make_treatment, make_question, tmp_path
):
    command = vnu_command()
    documents = {address: response.content for address, response in html_pages(site_pages).items()}
    assert len(documents) > 30
    documents.update(error_pages(client))
    documents.update(scheduled_pages(client, editor, make_treatment, make_question))
    messages = check_html(command, documents, tmp_path)
    # Errors, and warnings too: none is left, and each one the checker gives is worth a look.
    problems = [
        f"{message.get('subType', message['type'])}: {name} line {message.get('lastLine', '?')}: {message['message']}"
        for name, message in messages
        if message["type"] != "info" or message.get("subType") == "warning"
    ]
    assert not problems, f"{len(problems)} on {len(documents)} pages:\n" + "\n".join(problems)
