"""
Browser tests: Playwright driving Debian's Chromium against pytest-django's
live server. They are marked `browser`. Without Chromium they are skipped
with one line saying how to install it, except on CI (CI=true), where a
missing browser fails the run.

The rule for journeys (tests/browser/README.md says why):

- A browser test never answers a request of this site itself: no
  `page.route` or `context.route` on its addresses. Every request the
  browser makes to the live server is answered by Ribbon, redirects
  included, exactly as a visitor's would be.
- Other sites' hosts are routed at the network layer: Chromium starts with
  host-resolver rules that send every host but this one to `OtherSites`, a
  stand-in on 127.0.0.1 that speaks HTTPS with its own certificate (the only
  one Chromium is told to accept). It answers as the test asks and records
  what the browser asked for, so a journey checks that the browser really
  went there (`other_sites.asked(host)`). Nothing leaves the machine.
- Every promise in the README that a person sees in a browser has a journey
  here that fails if the promise breaks.
"""

import base64
import hashlib
import os
import sqlite3
import ssl
import threading
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from ..helpers import DESKTOP, PHONE, WebServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RIBBON_CHROMIUM", "/usr/bin/chromium")
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# What each tab showed when a browser test failed (git-ignored).
FAILURES = ROOT / "test-artifacts" / "failures"
# A person's browser: HeadlessChrome is, on purpose, not counted as a donor.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if "demo_site" in item.fixturenames:
                # First: a copy of the demo database (below) replaces whatever was written before it.
                item.fixturenames.remove("demo_site")
                item.fixturenames.insert(0, "demo_site")


def _missing(what):
    message = f"{what}: browser tests need it (apt-get install -y chromium; make test installs axe-core with npm)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


class OtherSites(WebServer):
    """
    Every other site on the web, as the test's Chromium sees it: one HTTPS
    server on 127.0.0.1 to which the browser's host resolver sends every host
    but this site's. Each request is recorded as the full address the browser
    asked for; a test says how a host answers with `answer(host, respond)`,
    where `respond(path)` gives (status, headers, body). Unanswered hosts get
    a plain page naming them.
    """

    def __init__(self):
        import trustme
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self.asked_for = []
        self.answers = {}
        self._lock = threading.Lock()
        certificate = trustme.CA().issue_cert("other-sites.test")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        certificate.configure_cert(context)
        super().__init__(tls=context)
        # Chromium accepts this certificate by its public key, for any host name, and no other.
        leaf = x509.load_pem_x509_certificate(certificate.cert_chain_pems[0].bytes())
        key = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        self.public_key_pin = base64.b64encode(hashlib.sha256(key).digest()).decode()

    def answer_to(self, request):
        # Chromium's own services (updates, accounts) are sent here too and are recorded like the rest.
        host = (request.headers.get("Host") or "").split(":")[0].lower()
        with self._lock:
            self.asked_for.append(f"https://{host}{request.path}")
            respond = self.answers.get(host, self._plain_page(host))
        status, headers, body = respond(request.path)
        return (
            status,
            {"Content-Type": "text/html; charset=utf-8", **headers},
            body.encode() if isinstance(body, str) else body,
        )

    @staticmethod
    def _plain_page(host):
        page = f'<!doctype html><html lang="en"><title>{host}</title><h1>A page of {host}</h1></html>'
        return lambda path: (200, {}, page)

    def chromium_arguments(self):
        return [
            f"--host-resolver-rules=MAP * 127.0.0.1:{self.port}, EXCLUDE localhost, EXCLUDE 127.0.0.1",
            f"--ignore-certificate-errors-spki-list={self.public_key_pin}",
        ]

    def answer(self, host, respond):
        with self._lock:
            self.answers[host] = respond

    def asked(self, host=None):
        """
        The addresses the browser asked other sites for (on `host` only, if given), in order; not the
        icon it fetches by itself for every page it shows.
        """
        with self._lock:
            return [
                url
                for url in self.asked_for
                if (host is None or urlsplit(url).hostname == host) and urlsplit(url).path != "/favicon.ico"
            ]

    def forget(self):
        with self._lock:
            self.asked_for.clear()
            self.answers.clear()
            self.received.clear()


@pytest.fixture(scope="session")
def other_sites_server():
    with OtherSites() as sites:
        yield sites


@pytest.fixture
def other_sites(other_sites_server):
    """The stand-in for every other site, with nothing asked of it yet in this test."""
    other_sites_server.forget()
    yield other_sites_server
    other_sites_server.forget()


@pytest.fixture(scope="session")
def browser(other_sites_server):
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium not found at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the test's own
    # database access (fixtures, assertions) is still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                *other_sites_server.chromium_arguments(),
            ],
        )
        yield chromium
        chromium.close()


_demo_database = {}  # on SQLite: the database just after the first load_demo of this process


@pytest.fixture
def demo_site(transactional_db):
    """
    The demo content, committed, as the live server sees it. On SQLite (an in-memory database that the
    live server shares) the first test of a process loads it and keeps a byte-for-byte copy of the
    database (sqlite3's backup); each later test starts from that copy instead of loading it again,
    which was most of a browser test's set-up. Elsewhere every test loads it.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        call_command("load_demo", stdout=StringIO())
        return
    connection.ensure_connection()
    if "copy" in _demo_database:
        _demo_database["copy"].backup(connection.connection)
        # Rows now have the ids they had in the copy: nothing remembered from the database may outlive it.
        ContentType.objects.clear_cache()
    else:
        call_command("load_demo", stdout=StringIO())
        _demo_database["copy"] = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(_demo_database["copy"])


class Visit:
    """A browser tab at a given size that remembers console errors and CSP reports."""

    def __init__(self, browser, base_url, viewport, **options):
        self.base_url = base_url
        # Requests to other hosts reach the OtherSites stand-in through the browser's host resolver.
        self.context = browser.new_context(viewport=viewport, user_agent=USER_AGENT, **options)
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message):
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(message.text)

    def go(self, path):
        response = self.page.goto(self.base_url + path)
        return response

    def follow(self, link):
        """
        Click a link once its page has finished loading, and wait for the page it leads to. The admin's
        scripts move its content as they run on load (date shortcuts, inline rows), and a click that lands
        in that moment hits whatever has moved under the pointer, so the journey never leaves the page.
        """
        self.page.wait_for_load_state("load")
        with self.page.expect_navigation():
            link.click()

    def close(self):
        self.context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report


@pytest.fixture
def visit(browser, live_server, other_sites, request):
    opened = []

    def open_tab(viewport=PHONE, **options):
        tab = Visit(browser, live_server.url, viewport, **options)
        opened.append(tab)
        return tab

    yield open_tab
    if getattr(request.node, "failed_call", False):
        _keep_what_the_tabs_showed(request.node.name, opened)
    for tab in opened:
        tab.close()


def _keep_what_the_tabs_showed(test, tabs):
    """A failed journey leaves each tab's page as it was, a screenshot and its HTML, to read afterwards."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    for number, tab in enumerate(tabs, 1):
        name = f"{test[:120]}-tab{number}"
        try:
            (FAILURES / f"{name}.html").write_text(f"<!-- {tab.page.url} -->\n{tab.page.content()}")
            tab.page.screenshot(path=str(FAILURES / f"{name}.png"), full_page=True)
        except Exception as problem:  # noqa: BLE001 - a tab that cannot be read must not hide the failure itself
            (FAILURES / f"{name}.txt").write_text(f"could not keep this tab: {problem!r}")


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_SCRIPT.exists():
        _missing(f"axe-core not found at {AXE_SCRIPT.relative_to(ROOT)}")
    return AXE_SCRIPT.read_text()


def log_in(tab, username, password):
    tab.go("/admin/login/")
    tab.page.fill("#id_username", username)
    tab.page.fill("#id_password", password)
    tab.page.click("input[type=submit]")
    expect(tab.page.locator("#site-name")).to_be_visible()
    return tab


@pytest.fixture
def admin_tab(visit, admin_user):
    """A desktop tab logged in to the admin as pytest-django's `admin` superuser."""
    return log_in(visit(DESKTOP), "admin", "password")
