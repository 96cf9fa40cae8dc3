"""
Appeal night: the site read by many while staff publish and gifts arrive.

wrk reads a mix of public pages (every kind, most of them treatment and
question pages), all warmed first, for a while in each of four runs:

1. calm: nothing changes;
2. an approved treatment change every 2 s: an editor's change to a
   published treatment, submitted, and a medical reviewer's approval;
3. calm again;
4. 2 confirmed gifts a second: signed webhooks, as the payment provider
   sends them, to the same servers.

Each busy run is judged against the calm run just before it: throughput at
least MIN_THROUGHPUT × calm and p99 at most MAX_P99 × calm. After each busy
run, the last change must be on its pages (what the bench measured is a
cache that still tells the truth).
"""

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

# The site's name in every request, whichever server takes it (as behind a balancer): the servers share
# their stored pages, which are kept per host.
HOST = "localhost"
MIN_THROUGHPUT = 0.8
MAX_P99 = 2.0
CHANGE_EVERY_SECONDS = 2.0
GIFTS_PER_SECOND = 2
TREATMENTS_IN_MIX = 200
QUESTIONS_IN_MIX = 200
LIST_PAGES_IN_MIX = 10


def mix():
    """The addresses wrk reads: every kind of public page, as the volume data fills them."""
    from django.conf import settings
    from django.urls import reverse

    from donations.models import Campaign
    from faq.models import Question, Topic
    from treatments.models import Treatment
    from treatments.views import TREATMENTS_PER_PAGE

    paths = [reverse("home"), reverse("treatments:list"), reverse("faq:index"), reverse("glossary:index")]
    paths += [reverse("donations:index")] + [row.get_absolute_url() for row in Campaign.objects.published()]
    english = Treatment.objects.published().in_language(settings.LANGUAGE_CODE)  # the list and pages at these addresses
    list_pages = min(LIST_PAGES_IN_MIX, -(-english.count() // TREATMENTS_PER_PAGE) - 1)
    paths += [f"{reverse('treatments:list')}?page={number}" for number in range(2, list_pages + 2)]
    paths += [topic.get_absolute_url() for topic in Topic.objects.all()[:LIST_PAGES_IN_MIX]]
    treatments = list(english.order_by("slug").values_list("slug", flat=True)[:TREATMENTS_IN_MIX])
    paths += [reverse("treatments:detail", args=[slug]) for slug in treatments]
    paths += [row.get_absolute_url() for row in Question.objects.published().order_by("slug")[:QUESTIONS_IN_MIX]]
    compare = reverse("treatments:compare")
    paths += [f"{compare}?t={one}&t={other}" for one, other in zip(treatments[:10], treatments[10:20], strict=False)]
    return paths


def lua_script(paths, folder):
    """A wrk script that asks for `paths` in turn, each thread from its own place in the list."""
    script = Path(folder) / "appeal-mix.lua"
    quoted = ",\n".join(json.dumps(path) for path in paths)
    script.write_text(
        f"local paths = {{\n{quoted}\n}}\n"
        "local next_path = 0\n"
        "function setup(thread) thread:set('start', math.random(#paths)) end\n"
        "function init(args) next_path = start or 0 end\n"
        "function request()\n"
        "  next_path = next_path % #paths + 1\n"
        "  return wrk.format('GET', paths[next_path])\n"
        "end\n"
    )
    return script


def warm(bases, paths):
    """Every page asked for once (stored), then once more: the share of the second asks served from the cache."""
    for path in paths:
        _get(bases[0] + path)
    hits = sum(_get(bases[-1] + path) == "hit" for path in paths)
    return hits / len(paths)


def _get(url):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br", "User-Agent": "ribbon-bench", "Host": HOST})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.headers.get("X-Page-Cache")
    except urllib.error.HTTPError as error:
        raise SystemExit(f"appeal night: {url} answered {error.code}; the mix holds only pages that exist") from None


# What happens while wrk reads --------------------------------------------------------------


class Every:
    """Runs `action(n)` every `seconds` in a thread until stopped; counts what it did and what failed."""

    def __init__(self, seconds, action):
        self.seconds, self.action = seconds, action
        self.done, self.failed = 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self):
        from django.db import connection

        try:
            next_at = time.monotonic()
            while not self._stop.is_set():
                try:
                    self.action(self.done)
                    self.done += 1
                except Exception as error:  # noqa: BLE001 - reported with the figures, never silently
                    self.failed.append(repr(error))
                next_at += self.seconds
                self._stop.wait(max(0.0, next_at - time.monotonic()))
        finally:
            connection.close()


class ApprovedChanges:
    """An editor changes a published treatment's summary and submits it; a medical reviewer approves it."""

    def __init__(self, paths):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from review.models import MEDICAL_REVIEWERS, Reviewer

        users = get_user_model()
        self.editor, _ = users.objects.get_or_create(username="bench-appeal-editor", defaults={"is_staff": True})
        self.editor.groups.add(Group.objects.get(name="Editors"))
        self.reviewer, _ = users.objects.get_or_create(username="bench-appeal-reviewer", defaults={"is_staff": True})
        self.reviewer.groups.add(Group.objects.get(name=MEDICAL_REVIEWERS))
        Reviewer.objects.get_or_create(
            user=self.reviewer, defaults={"display_name": "Dr Bench Reviewer", "credentials": "oncologist"}
        )
        self.slugs = [path.split("/")[2] for path in paths if path.count("/") == 3 and path.startswith("/treatments/")]
        self.slugs = [slug for slug in self.slugs if slug not in {"", "compare"}]
        self.last = None

    def __call__(self, number):
        from django.test import Client

        from tests.helpers import form_values
        from treatments.models import Treatment

        # Spread over the mix, as staff's edits are: not the first pages of every list each time.
        treatment = Treatment.objects.get(slug=self.slugs[number * 37 % len(self.slugs)])
        staff = Client()
        staff.force_login(self.editor)
        change = f"/admin/treatments/treatment/{treatment.pk}/change/"
        data = form_values(staff.get(change).content)
        summary = f"Approved change {number} on appeal night, {time.time():.3f}."
        data.update(summary=summary, _submit_for_review="Submit for review")
        response = staff.post(change, data)
        if response.status_code != 302:
            raise RuntimeError(f"the editor's change was refused ({response.status_code})")
        Treatment.objects.get(pk=treatment.pk).approve(self.reviewer)
        self.last = (treatment.get_absolute_url(), summary)


class Gifts:
    """
    A gift to the appeal (the featured campaign, on the home page too) confirmed by the payment
    provider: a signed checkout.session.completed webhook to the site, as Stripe sends it.
    """

    def __init__(self, bases, secret, campaign_slug):
        from donations.models import Campaign

        self.bases, self.secret, self.campaign_slug = bases, secret, campaign_slug
        self.last = None
        appeal = Campaign.objects.get(slug=campaign_slug)
        if not appeal.is_featured:
            appeal.is_featured = True
            appeal.save()

    def __call__(self, number):
        import stripe

        event = {
            "id": f"evt_bench_{time.time_ns()}",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "livemode": False,
            "data": {
                "object": {
                    "id": f"cs_bench_{time.time_ns()}",
                    "object": "checkout.session",
                    "client_reference_id": self.campaign_slug,
                    "amount_total": 2500,
                    "currency": "usd",
                    "mode": "payment",
                    "payment_status": "paid",
                    "payment_intent": f"pi_bench_{time.time_ns()}",
                }
            },
        }
        body = json.dumps(event)
        request = urllib.request.Request(
            self.bases[number % len(self.bases)] + "/donate/webhooks/stripe/",
            data=body.encode(),
            # At the site's own address, as the provider sends it: pages are kept per host.
            headers={
                "Host": HOST,
                "Content-Type": "application/json",
                "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(body, self.secret),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        if answer.get("outcome") != "gift counted":
            raise RuntimeError(f"the gift was not counted: {answer}")
        self.last = number


def gifts_counted(campaign_slug):
    from donations.models import Gift

    return Gift.objects.filter(campaign__slug=campaign_slug, transaction_id__startswith="cs_bench_").count()


# The four runs -----------------------------------------------------------------------------


def run_rounds(bases, paths, folder, duration, read, secret, campaign_slug):
    """
    The four runs against servers at `bases`, wrk through `read(script, duration)`
    ({requests_per_second, latency_p50_ms, latency_p99_ms, socket_errors,
    non_2xx_3xx}). Returns one row per run, each busy one with its ratios to the
    calm run before it and what it changed.
    """
    script = lua_script(paths, folder)
    changes = ApprovedChanges(paths)
    gifts = Gifts(bases, secret, campaign_slug)
    gifts_before = gifts_counted(campaign_slug)
    rows = []
    for name, busy in (
        ("nothing changes", None),
        (f"an approved treatment change every {CHANGE_EVERY_SECONDS:g} s", Every(CHANGE_EVERY_SECONDS, changes)),
        ("nothing changes (again)", None),
        (f"{GIFTS_PER_SECOND} confirmed gifts a second", Every(1 / GIFTS_PER_SECOND, gifts)),
    ):
        warmed = warm(bases, paths)
        if busy is None:
            result = read(script, duration)
            calm = result
        else:
            with busy:
                result = read(script, duration)
            result["changes"], result["change_failures"] = busy.done, busy.failed[:3]
            result["throughput_ratio"] = round(result["requests_per_second"] / calm["requests_per_second"], 3)
            result["p99_ratio"] = round(result["latency_p99_ms"] / calm["latency_p99_ms"], 3)
        result.update(scenario=name, warmed_hit_share=round(warmed, 3), pages=len(paths))
        print(
            f"   appeal night, {name}: {result['requests_per_second']:.0f} req/s, p99 {result['latency_p99_ms']} ms"
            + (f" ({result['changes']} changes)" if busy is not None else ""),
            flush=True,
        )
        rows.append(result)
    rows[1]["shown"] = _shows(bases[0], *changes.last) if changes.last else False
    rows[3]["shown"] = gifts_counted(campaign_slug) - gifts_before == rows[3]["changes"]
    return rows


def _shows(base, path, text):
    """Whether the page at `path` now shows `text` as served (from the cache, if it is there)."""
    request = urllib.request.Request(base + path, headers={"User-Agent": "ribbon-bench", "Host": HOST})
    with urllib.request.urlopen(request, timeout=30) as response:
        return text.encode() in response.read()


def failures(rows, label):
    found = []
    for row in rows:
        where = f"appeal night ({label}), {row['scenario']}"
        if row["socket_errors"] or row["non_2xx_3xx"]:
            found.append(f"{where}: {row['socket_errors']} errors, {row['non_2xx_3xx']} non-2xx/3xx")
        if "throughput_ratio" not in row:
            continue
        if row["throughput_ratio"] < MIN_THROUGHPUT:
            found.append(f"{where}: {row['throughput_ratio']:.2f} × calm throughput (target {MIN_THROUGHPUT})")
        if row["p99_ratio"] > MAX_P99:
            found.append(f"{where}: p99 {row['p99_ratio']:.2f} × calm (target at most {MAX_P99})")
        if row["change_failures"] or not row["changes"]:
            found.append(f"{where}: {row['changes']} changes made, failures: {row['change_failures']}")
        if not row.get("shown"):
            found.append(f"{where}: the last change is not what the site shows")
    return found


def table(rows):
    lines = [
        "| while | req/s | × calm | p50 / p99 ms | p99 × calm | changes | pages warmed, then hit | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        busy = "throughput_ratio" in row
        cells = [
            row["scenario"],
            f"{row['requests_per_second']:,.0f}",
            f"{row['throughput_ratio']:.2f}" if busy else "–",
            f"{row['latency_p50_ms']:.1f} / {row['latency_p99_ms']:.1f}",
            f"{row['p99_ratio']:.2f}" if busy else "–",
            str(row["changes"]) if busy else "–",
            f"{row['warmed_hit_share']:.0%} of {row['pages']}",
            str(row["socket_errors"] + row["non_2xx_3xx"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
