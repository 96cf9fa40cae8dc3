"""
Browser tests: Playwright driving Debian's Chromium against pytest-django's
live server. They are marked `browser`. Without Chromium they are skipped
with one line saying how to install it, except on CI (CI=true), where a
missing browser fails the run.
"""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from ..helpers import DESKTOP, PHONE

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RIBBON_CHROMIUM", "/usr/bin/chromium")
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# A person's browser: HeadlessChrome is, on purpose, not counted as a donor.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _missing(what):
    message = f"{what}: browser tests need it (apt-get install -y chromium; make test installs axe-core with npm)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
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
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def demo_site(transactional_db):
    call_command("load_demo", stdout=StringIO())


class Visit:
    """A browser tab at a given size that remembers console errors and CSP reports."""

    def __init__(self, browser, base_url, viewport, **options):
        self.base_url = base_url
        self.context = browser.new_context(viewport=viewport, user_agent=USER_AGENT, **options)
        # Nothing leaves the machine: any request to another host is refused.
        self.context.route(lambda url: not url.startswith(base_url), lambda route: route.abort())
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

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, live_server):
    opened = []

    def open_tab(viewport=PHONE, **options):
        tab = Visit(browser, live_server.url, viewport, **options)
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        tab.close()


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
