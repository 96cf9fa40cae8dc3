"""
What the tests share: reading pages and forms, making files, filling admin
forms, starting servers. Tests import from here, never from each other.
"""

import html
import io
import itertools
import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bs4 import BeautifulSoup
from django.apps import apps
from django.conf import settings
from django.urls import LocalePrefixPattern, URLPattern, URLResolver, get_resolver, resolve
from django.utils import translation
from PIL import Image

from pagecache.backends import PageFileCache
from treatments.models import TreatmentPoint

ROOT = Path(__file__).resolve().parents[1]

# Pages ---------------------------------------------------------------------------


def soup_of(response_or_html):
    content = getattr(response_or_html, "content", response_or_html)
    return BeautifulSoup(content, "html.parser")


def visible(text):
    """Text as a reader sees it: runs of white space are one space."""
    return " ".join(text.split())


def form_values(html, form_selector="#content-main form"):
    """The fields of the page's form (by default the admin's main form) with their current values, as POST data."""
    soup = BeautifulSoup(html, "html.parser")
    form = soup.select_one(form_selector)
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.name == "textarea":
            value = field.text.removeprefix("\n")
        elif field.name == "select":
            chosen = field.select("option[selected]")
            if field.has_attr("multiple"):
                data[name] = [option.get("value", option.text) for option in chosen]
                continue
            option = chosen[0] if chosen else field.select_one("option")
            value = option.get("value", option.text) if option else ""
        else:
            kind = field.get("type", "text")
            if kind in {"submit", "button", "image", "file", "reset"}:
                continue
            if kind in {"checkbox", "radio"}:
                if not field.has_attr("checked"):
                    continue
                if kind == "checkbox" and name in data:
                    existing = data[name] if isinstance(data[name], list) else [data[name]]
                    data[name] = [*existing, field.get("value", "on")]
                    continue
                value = field.get("value", "on")
            else:
                value = field.get("value", "")
        data[name] = value
    return data


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background", "srcset", "cite"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
FORBIDDEN_ELEMENTS = {
    "iframe",
    "object",
    "embed",
    "base",
    "svg",
    "math",
    "style",
    "link",
    "frame",
    "frameset",
    "applet",
}


def assert_page_is_inert(url, content):
    page = BeautifulSoup(content, "html.parser")
    for script in page.find_all("script"):
        if script.get("type") == "application/ld+json":
            json.loads(script.string)  # data, and well-formed: nothing broke out of it
            continue
        assert script.get("src", "").startswith("/static/"), f"{url}: executable script {script}"
        assert not script.string, f"{url}: executable script {script}"
    for element in page.find_all(True):
        name = element.name.lower()
        if name == "link":
            assert element.get("rel") in (["stylesheet"], ["icon"], ["canonical"], ["alternate"]), f"{url}: {element}"
            assert element["href"].startswith(("/static/", "http://testserver/")), f"{url}: {element}"
            continue
        assert name not in FORBIDDEN_ELEMENTS, f"{url}: <{name}> element"
        if name == "meta":
            assert "http-equiv" not in element.attrs, f"{url}: {element}"
        if name == "form":
            assert re.sub(r"^/es/", "/", element["action"]).startswith(
                ("/faq/", "/donate/", "/admin/", "/search/", "/treatments/compare/", "/feedback/")
            ), f"{url}: {element}"
        for attribute, value in element.attrs.items():
            attribute = attribute.lower()
            assert not attribute.startswith("on"), f"{url}: event handler {attribute}= on <{name}>"
            assert attribute != "style", f"{url}: style attribute on <{name}>"
            if attribute in URL_ATTRIBUTES:
                values = value if isinstance(value, list) else [value]
                for item in values:
                    cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(item)).lower()
                    assert not cleaned.startswith(DANGEROUS_SCHEMES), f"{url}: {attribute}={item!r} on <{name}>"


# Files ---------------------------------------------------------------------------


def image_bytes(fmt="PNG", size=(40, 30), color=(200, 30, 90), **save_args):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save_args)
    return buffer.getvalue()


# The organisation's format, in our own words, with the damage real files carry:
# a curly apostrophe saved through the wrong encoding ("patientâ€™s").
ORGANISATION_FILE = """---
title: "Cold Cap Therapy"
id: "41"
description: "Cooling the scalp during chemotherapy to reduce hair loss."
tags: "scalp cooling, chemotherapy"
heroImage: "https://images.example.org/cold-cap.jpg"
---

**Cold cap therapy** cools the patientâ€™s scalp during chemotherapy sessions.

## Pros and Cons

**Pros:**

- Many people keep much of their hair.
- Nothing is added to the chemotherapy itself.

**Cons:**

- The cap is cold and can cause headaches.
- It does not work with every chemotherapy medicine.

## Short and Long Term Effects

**Short Term:**

- Feeling chilly during sessions.

**Long Term:**

- No known lasting effects on the scalp.

## Cost and Return on Investment

**Cost:**

- Typically ranges from $1,500 to $3,000 per course of treatment in total, depending on the clinic.
- Some insurers pay part of the cost.

**Return on Investment:**

- Keeping hair matters a great deal to many people's wellbeing.
"""


# Admin forms, as a browser would post them ------------------------------------------

Kind = TreatmentPoint.Kind


def signed_off(item):
    """Save medical content as published, as an import or a reviewer's approval would."""
    item.status = "published"
    item.authorise_publication("Set up by a test")
    item.save()
    return item


def treatment_form(**overrides):
    data = {
        "title": "Cold Cap Therapy",
        "slug": "cold-cap-therapy",
        "summary": "Cooling the scalp to reduce hair loss during chemotherapy.",
        "status": "draft",
        "hero_image_alt": "",
        "hero_image_credit": "",
        "hero_image_source_url": "",
        "body": "## How it works\n\nA **cold** cap.",
        "cost_min": "1500",
        "cost_max": "3000",
        "cost_currency": "USD",
        "cost_period": "one-off",
        "review_interval_months": "12",
        "source_id": "",
        "points-TOTAL_FORMS": "3",
        "points-INITIAL_FORMS": "0",
        "points-MIN_NUM_FORMS": "0",
        "points-MAX_NUM_FORMS": "1000",
        "points-0-kind": str(Kind.PRO),
        "points-0-text": "Many people keep their hair.",
        "points-0-order": "1",
        "points-1-kind": str(Kind.CON),
        "points-1-text": "The cap is cold.",
        "points-1-order": "1",
        "points-2-kind": str(Kind.PRO),
        "points-2-text": "Nothing is added to the chemotherapy.",
        "points-2-order": "2",
        "references-TOTAL_FORMS": "1",
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
        "references-0-title": "Scalp cooling — NCI",
        "references-0-url": "https://www.cancer.gov/scalp-cooling",
        "references-0-order": "0",
    }
    data.update(overrides)
    return data


def campaign_form(**overrides):
    data = {
        "title": "Spring appeal",
        "slug": "spring-appeal",
        "summary": "Research grants.",
        "status": "published",
        "starts_on": "2026-01-01",
        "ends_on": "",
        "donate_url": "https://buy.stripe.com/test_spring",
        "monthly_donate_url": "",
        "goal": "1000",
        "currency": "USD",
        "hero_image_alt": "",
        "story": "Why.",
        "thank_you_message": "Thanks.",
        "amounts-TOTAL_FORMS": "2",
        "amounts-INITIAL_FORMS": "0",
        "amounts-MIN_NUM_FORMS": "0",
        "amounts-MAX_NUM_FORMS": "1000",
        "amounts-0-amount": "25",
        "amounts-0-impact": "one thing",
        "amounts-0-order": "1",
        "amounts-1-amount": "50",
        "amounts-1-impact": "another",
        "amounts-1-order": "2",
        "amounts-1-is_default": "on",
        "offline_gifts-TOTAL_FORMS": "0",
        "offline_gifts-INITIAL_FORMS": "0",
        "offline_gifts-MIN_NUM_FORMS": "0",
        "offline_gifts-MAX_NUM_FORMS": "1000",
        # The campaign's words in other languages (none here).
        "texts-TOTAL_FORMS": "0",
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "0",
        "texts-MAX_NUM_FORMS": "1",
    }
    data.update(overrides)
    return data


# What is stored ------------------------------------------------------------------------


def unreadable_gifts():
    """
    (record, errors) for each gift, refund and provider event that does not
    read back or that its model's own checks refuse: what no path may store.
    """
    from django.core.exceptions import ValidationError

    from donations.models import Gift, ProviderEvent, Refund

    found = []
    for model in (Gift, Refund, ProviderEvent):
        relations = [field.name for field in model._meta.concrete_fields if field.is_relation]
        for record in model.objects.all():
            try:
                record.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                found.append((record, error.message_dict))
    return found


# The payment provider ------------------------------------------------------------------

# Stripe's notifications, signed by the `stripe` library's own code (WebhookSignature.generate_signature_header)
# as Stripe signs them, with the secret a test gives the site (settings.STRIPE_WEBHOOK_SECRETS).
STRIPE_SECRET = "whsec_test_ribbon_secret"
STRIPE_WEBHOOK_URL = "/donate/webhooks/stripe/"
_stripe_ids = itertools.count(1)


def stripe_event(kind, obj, event_id=None, created=None):
    return {
        "id": event_id or f"evt_test_{next(_stripe_ids)}",
        "object": "event",
        "type": kind,
        "created": created or int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }


def paid_session(reference, amount_total=5000, currency="usd", mode="payment", status="paid", session_id=None):
    number = next(_stripe_ids)
    return {
        "id": session_id or f"cs_test_{number}",
        "object": "checkout.session",
        "client_reference_id": reference,
        "amount_total": amount_total,
        "currency": currency,
        "mode": mode,
        "payment_status": status,
        "payment_intent": f"pi_test_{number}" if mode == "payment" else None,
        "invoice": f"in_test_{number}" if mode == "subscription" else None,
        # What Stripe sends about the donor; Ribbon must keep none of it.
        "customer_details": {
            "name": "Jane Donor",
            "email": "jane.donor@example.org",
            "address": {"line1": "1 Private Road", "postal_code": "AB1 2CD"},
        },
    }


def gift_event(campaign_or_reference, **session):
    """A paid Checkout Session for a campaign (or a reference Ribbon made for one)."""
    reference = getattr(campaign_or_reference, "slug", campaign_or_reference)
    return stripe_event("checkout.session.completed", paid_session(reference, **session))


def refunded_charge(gift, amount_refunded, currency="usd"):
    """The charge of `gift`'s payment, with `amount_refunded` (minor units) returned so far."""
    return {
        "id": "ch_test_1",
        "object": "charge",
        "payment_intent": gift.payment_id,
        "amount": 250000,
        "amount_refunded": amount_refunded,
        "currency": currency,
        "refunded": amount_refunded == 250000,
    }


def post_to_stripe(client, payload, secret=STRIPE_SECRET, timestamp=None, header=None, body=None):
    """Deliver `payload` to the site's webhook as Stripe does: signed now with `secret`, unless told otherwise."""
    import stripe  # a large package, imported only by the tests that deliver events

    body = body if body is not None else json.dumps(payload)
    if header is None:
        header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return client.post(
        STRIPE_WEBHOOK_URL, data=body, content_type="application/json", headers={"Stripe-Signature": header}
    )


def pages_rendered_again(seconds=30):
    """Wait for the pages a change has made stale to be rendered again by this process (pagecache.refresh)."""
    from pagecache.refresh import THREAD_NAME

    for thread in threading.enumerate():
        if thread.name == THREAD_NAME:
            thread.join(seconds)
            assert not thread.is_alive(), f"pages were still being rendered again after {seconds} s"


# Servers ---------------------------------------------------------------------------


def free_port():
    """A port nothing listens on (until someone binds it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServer:
    """
    A small web server on 127.0.0.1 for fetches: `routes` maps a path to
    (status, headers, body), or to a callable returning them. It records the
    paths asked for, and what was posted (path, headers, body) in `received`.
    With `tls` (an ssl.SSLContext holding a certificate) it speaks HTTPS.
    A subclass answers otherwise by overriding `answer_to`. Use as a context manager.
    """

    def __init__(self, routes=None, tls=None):
        self.routes = routes or {}
        self.requested = []
        self.received = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.received.append((self.path, dict(self.headers), body))
                self.do_GET()

            def do_GET(self):
                status, headers, body = server.answer_to(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers and not callable(body):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if callable(body):
                        body(self.wfile)  # streams, for slow or endless answers
                    else:
                        self.wfile.write(body)
                except OSError:
                    pass  # the client hung up, as it should on a refused answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"

    def answer_to(self, request):
        """(status, headers, body) for a request (a BaseHTTPRequestHandler): by its path, from `routes`."""
        self.requested.append(request.path)
        route = self.routes.get(request.path, (404, {}, b"not here"))
        return route() if callable(route) else route

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(url, process, seconds=30):
    """Until `url` answers (any status), failing early if the server process exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the server exited (its log is in the test's tmp_path)")
        try:
            # Once connected, wait for the answer however slow the first page is on a busy machine:
            # asking again would put a second request in the server's log.
            with urllib.request.urlopen(url, timeout=max(deadline - time.monotonic(), 1)):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def server_environment(database_url, static_root, extra):
    """
    The environment of a production-like server process (DJANGO_DEBUG=0) on `database_url`: none of
    this run's own settings, and the `extra` variables a test adds.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "RIBBON_", "AWS_")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    environment.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "two-servers-share-this-secret-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_SESSION_COOKIE_SECURE": "0",
            "DJANGO_CSRF_COOKIE_SECURE": "0",
            "DATABASE_URL": database_url,
            "STATIC_ROOT": str(static_root),
            **extra,
        }
    )
    return environment


def drip(seconds_between, chunks):
    """A body that sends one byte at a time, slowly."""

    def send(wfile):
        for _ in range(chunks):
            wfile.write(b"x")
            wfile.flush()
            time.sleep(seconds_between)

    return send


# Routes ------------------------------------------------------------------------------

# Where the site keeps what is not a public page: the admin, the editor's (staff-only) endpoints, media, static files.
# Not pages: the admin, endpoints that forms and scripts send to (with the page a sent form answers with), files.
NOT_PAGES = (
    "/" + settings.ADMIN_URL,
    "/markdownx/",
    "/feedback/",
    "/donate/webhooks/",  # for the payment provider's signed POSTs, not people
    "/" + settings.MEDIA_URL.lstrip("/"),
    "/static/",
)


def not_a_page(path):
    """Whether an address, in any language (/es/feedback/ as /feedback/), is one of NOT_PAGES."""
    language = translation.get_language_from_path(path)
    return (path.removeprefix(f"/{language}") if language else path).startswith(NOT_PAGES)


def resolved(path):
    """resolve(path) in the language of the address, as the site resolves it (core.languages)."""
    with translation.override(translation.get_language_from_path(path) or settings.LANGUAGE_CODE):
        return resolve(path)


def routes(patterns=None, prefix=""):
    """
    (route text, pattern) for every route of the URL configuration, includes expanded: the public
    pages' once in each language (/treatments/, /es/treatments/…).
    """
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern.pattern, LocalePrefixPattern):
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    text = prefix + str(pattern.pattern)
                yield from routes(pattern.url_patterns, text)
            continue
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            yield text, pattern


def public_routes():
    return [(text, pattern) for text, pattern in routes() if not not_a_page("/" + text.lstrip("^"))]


def slugs_in_the_content():
    """Every slug a row of the project's apps has: what fills a route's <slug:…>."""
    found = []
    for model in apps.get_models():
        if Path(model._meta.app_config.path).parent != ROOT or "slug" not in {f.name for f in model._meta.fields}:
            continue
        rows = model._default_manager.all()
        if hasattr(rows, "published"):
            rows = rows.published()
        found += list(rows.values_list("slug", flat=True))
    return found


def addresses_for(text, pattern, slugs=None):
    """The addresses a route answers, filled from the content (`slugs`, if given: else every slug there is)."""
    converters = pattern.pattern.converters
    route = "/" + text.replace("^", "").replace("$", "")
    if not converters:
        return [route]
    assert set(converters) == {"slug"}, f"/{text}: teach this test where its {set(converters)} come from"
    return [route.replace("<slug:slug>", slug) for slug in (slugs_in_the_content() if slugs is None else slugs)]


MAX_PAGES = 400


def crawl_site(client, max_pages=MAX_PAGES):
    """
    Every public page the site answers: each route of the URL configuration
    (its slug, if it has one, taken from the content), then every same-site
    link and GET form found on a page, followed. Returns
    {"responses": {address: response}, "covered": {route: reached?}}.
    """
    responses, queue, covered = {}, [], {}
    for text, pattern in public_routes():
        covered[text] = False
        for address in addresses_for(text, pattern):
            response = client.get(address)
            if response.status_code in (200, 301, 302):
                responses[address] = response
                covered[text] = True
                queue.append(address)
    while queue and len(responses) < max_pages:
        for link in same_site_links(responses[queue.pop(0)]):
            if link not in responses:
                responses[link] = client.get(link)
                queue.append(link)
    return {"responses": responses, "covered": covered}


def same_site_links(response):
    """
    The same-site addresses a page leads to: its links, and its GET forms sent
    as a browser sends them untouched (a search box with a word typed in).
    """
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return []
    page = soup_of(response)
    targets = [anchor["href"] for anchor in page.find_all("a", href=True)]
    for form in page.find_all("form", method="get", action=True):
        fields = []
        for field in form.find_all("input", attrs={"name": True}):
            kind = field.get("type", "text")
            # Checkboxes are the visitor's choice (which treatments to compare): followed unticked here;
            # tests/test_compare.py submits the choices, right and wrong.
            if kind in {"submit", "button", "reset", "checkbox"} or (kind == "radio" and not field.has_attr("checked")):
                continue
            fields.append((field["name"], field.get("value") or ("treatment" if kind == "search" else "")))
        targets.append(form["action"] + "?" + urlencode(fields))
    links = []
    for target in targets:
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or not_a_page(parts.path):
            continue
        links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def html_pages(site_pages):
    """{address: response} of the crawled pages that are web pages (not redirects, robots.txt or the sitemap)."""
    return {
        address: response
        for address, response in site_pages["responses"].items()
        if response.status_code == 200 and response["Content-Type"].startswith("text/html")
    }


# Browser tests -----------------------------------------------------------------------

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


# Caches --------------------------------------------------------------------------


class SwitchableCache(PageFileCache):
    """The real folder cache, which a test can switch off to play an outage (a blip, Redis restarting)."""

    down = False

    def _answer(self):
        if SwitchableCache.down:
            raise ConnectionError("the cache is not answering")

    def get(self, *args, **kwargs):
        self._answer()
        return super().get(*args, **kwargs)

    def set(self, *args, **kwargs):
        self._answer()
        return super().set(*args, **kwargs)

    def add(self, *args, **kwargs):
        self._answer()
        return super().add(*args, **kwargs)

    def has_key(self, *args, **kwargs):
        self._answer()
        return super().has_key(*args, **kwargs)

    def tag_versions(self):
        self._answer()
        return super().tag_versions()


def cache_entries(cache_settings):
    """How many pages (and generation markers) a folder cache holds."""
    return len(list(Path(cache_settings["default"]["LOCATION"]).glob("*.djcache")))


# The rows of a comparison of treatments, in the order the page shows them.
COMPARISON_ROWS = [
    "Summary",
    "Who it is for",
    "Pros",
    "Cons",
    "Short-term effects",
    "Long-term effects",
    "Typical cost",
    "Questions to ask your care team",
    "Medical review",
]
