"""
Ribbon's performance benchmark: `make bench`.

At N = 10, 100 and 1,000 treatments (with 10 × N questions and N articles) it measures every
public page:

1. SQL queries per uncached request;
2. server time in-process: median and p95 over REQUESTS test-client requests
   with the page cache off (the cost of really rendering the page);
3. throughput and latency through gunicorn (production settings, 2 workers)
   under wrk for DURATION seconds at 16 connections, as served (anonymous
   pages from the page cache) and, for the treatment and article pages at every N and for
   every page at the largest N, with the page cache switched off; each figure
   is divided by the throughput of a static CSS file served by the same
   gunicorn and whitenoise in the same run, because absolute numbers differ
   from machine to machine;
4. bytes on the wire: the HTML, and HTML + CSS + JS, compressed (brotli and gzip).

It prints one table, writes it to docs/performance.json and
docs/performance.md (with the date and the CPU), and exits non-zero if a
target below is missed. The database is a throw-away SQLite file in
bench/work/ unless BENCH_DATABASE_URL names another (e.g. PostgreSQL).
"""

import argparse
import datetime
import gzip
import itertools
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
BIN = Path(sys.executable).parent
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
ACCEPT_ENCODING = "gzip, deflate, br"

# Targets: what every public page must meet at every N (docs/performance.md says why each).
MAX_QUERIES = 6
CACHED_MIN_RATIO = 0.80
UNCACHED_DETAIL_MIN_RATIO = 0.15
MAX_PAGE_BYTES = 50 * 1024
# An admin save of a treatment: at most 30 queries for the save itself, plus keeping its version, which
# costs the same whatever the page holds (tests/test_content_pipeline.py checks that it does not grow with the rows).
MAX_ADMIN_SAVE_QUERIES = 30 + 12  # 10 to keep the version, 2 to check that nobody saved in between
# Every search served through gunicorn at 1,000 treatments and 10,000 questions, on SQLite and PostgreSQL.
SEARCH_MIN_RATIO = 0.10
SEARCH_PAGES = ("FAQ search", "site search", "site search, one page", "site search, a slip", "Spanish site search")
# Pages of one item, rendered with the page cache off at every N: at least UNCACHED_DETAIL_MIN_RATIO × static.
DETAIL_PAGES = ("treatment detail", "Spanish treatment detail", "article detail")


def pages():
    """(name, path, cached?) for every public page; volume data gives the paths."""
    return [
        ("home", "/", True),
        ("treatment list", "/treatments/", True),
        ("treatment detail", "/treatments/volume-treatment-00001/", True),
        ("Spanish treatment detail", "/es/treatments/volume-tratamiento-00001/", True),
        ("FAQ", "/faq/", True),
        ("FAQ topic", "/faq/topic/volume-topic-1/", True),
        ("article list", "/articles/", True),
        ("article detail", "/articles/volume-article-00001/", True),
        ("FAQ search", "/faq/?q=treatment+cost", False),
        # Searches: words in nine pages of ten (the worst case for ranking), one page, and a slip.
        ("site search", "/search/?q=treatment+cost", False),
        ("site search, one page", "/search/?q=volume+question+00001", False),
        ("site search, a slip", "/search/?q=tirednes", False),
        ("Spanish site search", "/es/search/?q=costo+del+tratamiento", False),
        ("campaign", "/donate/volume-campaign-00000/", True),
        ("donate redirect", "/donate/volume-campaign-00000/give/?amount=25", False),
    ]


def environment(database_url, page_cache_seconds=300, work=WORK, redis_url=""):
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "RIBBON_", "AWS_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url,
        # Without it, pages are kept in a folder shared by the workers of one server.
        "REDIS_URL": redis_url,
        # The gifts of appeal night arrive as the payment provider sends them: signed (bench/appeal_night.py).
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "RIBBON_CACHE_DIR": str(work / "cache"),
        "RIBBON_PAGE_CACHE_SECONDS": str(page_cache_seconds),
        # "Cache off" is off for kept search results too: every search is worked out.
        "RIBBON_SEARCH_CACHE_SECONDS": str(page_cache_seconds),
        # wrk is one visitor asking as fast as it can: the bench measures the work, not the per-visitor limit.
        "RIBBON_SEARCHES_PER_MINUTE": "0",
    }


SECRET = secrets.token_urlsafe(50)
WEBHOOK_SECRET = "whsec_" + secrets.token_urlsafe(24)
# The part of docs/performance.md written by hand, after the figures: a new run keeps it.
NOTES_HEADING = "\n## Notes\n"


# gunicorn and wrk ------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, env, workers=2, root=ROOT, log_name="gunicorn"):
        self.port = free_port()
        # Its log (one line per request in production) goes to a file: a pipe nobody reads fills up
        # after a few hundred requests and then holds every worker still.
        self.log = WORK / f"{log_name}.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
                    "--workers", str(workers), "--no-control-socket", "--log-level", "warning",
                ],
                cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/", timeout=2) as response:
                    response.read()
                return
            except OSError as error:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn did not start:\n{self.log.read_text()[-5000:]}") from error
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not answer within 30 s")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wrk(url, duration, connections, script=None, host=None):
    """
    Run wrk (asking for `url`, or for the addresses a Lua `script` gives, with
    `host` as the Host header); returns requests/s, latency percentiles (ms),
    errors and non-2xx/3xx responses.
    """
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s",
        "-H", f"Accept-Encoding: {ACCEPT_ENCODING}", "-H", f"User-Agent: {BROWSER}", url,
    ]  # fmt: skip
    if script is not None:
        command[1:1] = ["-s", str(script)]
    if host is not None:
        command[1:1] = ["-H", f"Host: {host}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {}
    for percentile in ("50", "99"):
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        latency[percentile] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    total = int(re.search(r"(\d+) requests in", output).group(1))
    return {
        "requests_per_second": rate,
        "latency_p50_ms": round(latency["50"], 2),
        "latency_p99_ms": round(latency["99"], 2),
        "socket_errors": errors,
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "requests": total,
    }


# In-process measurements -------------------------------------------------------


class AssetLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.assets.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])


def fetch(url, encoding):
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding, "User-Agent": "ribbon-bench"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read(), response.headers


def wire_bytes(server, path):
    """Compressed bytes of the page and of the CSS and JS it loads, as served by gunicorn."""
    sizes = {}
    for encoding in ("br", "gzip"):
        body, headers = fetch(server.base + path, encoding)
        assert headers.get("Content-Encoding") == encoding, (path, encoding, headers.get("Content-Encoding"))
        html = brotli.decompress(body) if encoding == "br" else gzip.decompress(body)
        parser = AssetLinks()
        parser.feed(html.decode())
        assets = 0
        for asset in parser.assets:
            asset_body, _ = fetch(server.base + asset, encoding)
            assets += len(asset_body)
        sizes[f"html_{encoding}"] = len(body)
        sizes[f"total_{encoding}"] = len(body) + assets
    return sizes


_visitors = itertools.count()


def _visitor():
    """A new client address (from the benchmarking range 198.18.0.0/15) for each request, so that
    every donate click is one that counts (core.clients.within_limit), the path with the most work."""
    number = next(_visitors)
    return f"198.18.{number // 250 % 250}.{number % 250 + 1}"


def in_process(client, path, requests):
    """
    (queries, queries of the first request, median ms, p95 ms) of uncached
    requests through the test client, each from its own visitor. The first
    request after an edit may cost more than the next: a live treatment
    page's content is then rendered and kept in the worker until the next
    edit (treatments.page), which also finds out, once per edit, when
    anything next goes live or expires.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    counts = []
    with override_settings(RIBBON_PAGE_CACHE_SECONDS=0, RIBBON_SEARCH_CACHE_SECONDS=0):
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=_visitor())
            # Counted now: the log is emptied at the start of the next request.
            counts.append(len(captured.captured_queries))
            assert response.status_code in (200, 302), (path, response.status_code)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=_visitor())
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    median, p95 = round(statistics.median(timings), 2), round(timings[int(len(timings) * 0.95) - 1], 2)
    return counts[1], counts[0], median, p95


ADMIN_SAVE_ROUNDS = 15


def admin_saves(client, treatment_slug, size):
    """
    One admin save of a treatment with every inline row changed (its 8 points and a
    reference): the most a save of that page can write. Its queries, and its median
    time over ADMIN_SAVE_ROUNDS saves with versions kept and as many without (the
    revision turned off: what keeping versions costs), interleaved so the machine's
    drift falls on both alike.
    """
    import contextlib
    from unittest import mock

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.admin import VersionedAdmin
    from tests.helpers import form_values, soup_of
    from treatments.models import Treatment

    user, _ = get_user_model().objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    user.is_superuser = user.is_staff = True
    user.save()
    client.force_login(user)
    treatment = Treatment.objects.get(slug=treatment_slug)
    change = f"/admin/treatments/treatment/{treatment.pk}/change/"

    def save(label):
        data = form_values(client.get(change).content)
        # Texts new at each save, so that every row really changes.
        data["summary"] = f"{treatment.summary[:200]} (edited at N = {size}, {label})"
        for index in range(treatment.points.count()):
            data[f"points-{index}-text"] = f"Point {index}, edited for the benchmark at N = {size}, {label}."
        data["references-0-title"] = f"A source, renamed at N = {size}, {label}"
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(change, data)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 302:  # a saved form redirects, with no page to read
            errors = [error.get_text(" ", strip=True) for error in soup_of(response).select(".errornote, .errorlist")]
            raise AssertionError(f"the admin refused the save: {errors}")
        return len(captured.captured_queries), elapsed

    @contextlib.contextmanager
    def no_revision(admin_, request):
        yield

    on, off = [], []
    for round_ in range(ADMIN_SAVE_ROUNDS):
        on.append(save(f"on {round_}"))
        with mock.patch.object(VersionedAdmin, "create_revision", no_revision):
            off.append(save(f"off {round_}"))
    client.logout()
    return {
        "admin_save_queries": on[-1][0],
        "admin_save_queries_without_versions": off[-1][0],
        "admin_save_ms": round(statistics.median(ms for _, ms in on), 1),
        "admin_save_ms_without_versions": round(statistics.median(ms for _, ms in off), 1),
    }


# The run -----------------------------------------------------------------------


def prepare(database_url, redis_url=""):
    import django
    from django.core.management import call_command

    os.environ.update(environment(database_url, redis_url=redis_url))
    sys.path.insert(0, str(ROOT))
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)


def fresh_postgresql(database_url):
    """An empty PostgreSQL database at `database_url` (dropped and made again): the bench starts from nothing."""
    import psycopg2

    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    server = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()


def run(sizes, duration, connections, requests, only=None, appeal=None):
    """
    The page rows, and appeal night's rows at the largest N when `appeal`
    ({"duration": s, "servers": n, "redis_url": …}) asks for them.
    """
    from django.test import Client

    chosen = [page for page in pages() if only is None or page[0] in only]
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{WORK / 'bench.sqlite3'}"
    redis_url = (appeal or {}).get("redis_url", "")
    shutil.rmtree(WORK, ignore_errors=True)
    if database_url.startswith("postgres"):
        fresh_postgresql(database_url)
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()  # the bench's own database in Redis: it starts from nothing
    WORK.mkdir(parents=True, exist_ok=True)
    prepare(database_url, redis_url)
    from django.core.management import call_command

    client = Client()
    rows = []
    for size in sizes:
        print(f"== N = {size} treatments, {size * 10} questions, {size} articles", flush=True)
        call_command(
            "create_volume_data",
            treatments=size,
            questions=size * 10,
            campaigns=3,
            articles=size,
            translations=size,
            verbosity=0,
        )
        measured = {name: {"n": size, "page": name, "path": path, "cached": cached} for name, path, cached in chosen}
        for name, path, _ in chosen:
            queries, first, median, p95 = in_process(client, path, requests)
            measured[name].update(
                queries=queries, queries_first=first, inprocess_median_ms=median, inprocess_p95_ms=p95
            )
        saves = admin_saves(client, "volume-treatment-00002", size)
        print(
            "   admin save of a treatment with 8 points and 2 references (every row changed): "
            f"{saves['admin_save_queries']} queries, {saves['admin_save_ms']} ms; without versions "
            f"{saves['admin_save_queries_without_versions']} queries, {saves['admin_save_ms_without_versions']} ms"
        )
        for row in measured.values():
            row.update(saves)
        served = Gunicorn(environment(database_url))
        try:
            static = wrk(served.base + static_css_url(served), duration, connections)
            print(f"   static CSS: {static['requests_per_second']:.0f} req/s", flush=True)
            for name, path, _ in chosen:
                if name != "donate redirect":
                    measured[name].update(wire_bytes(served, path))
                result = wrk(served.base + path, duration, connections)
                measured[name]["served"] = result
                measured[name]["served_ratio"] = round(result["requests_per_second"] / static["requests_per_second"], 3)
                print(f"   {name}: {result['requests_per_second']:.0f} req/s", flush=True)
        finally:
            served.stop()
        uncached_pages = [
            name
            for name, _, cached in chosen
            if (cached or name in SEARCH_PAGES) and (size == sizes[-1] or name in DETAIL_PAGES)
        ]
        uncached = Gunicorn(environment(database_url, page_cache_seconds=0))
        try:
            for name in uncached_pages:
                result = wrk(uncached.base + measured[name]["path"], duration, connections)
                measured[name]["uncached"] = result
                measured[name]["uncached_ratio"] = round(
                    result["requests_per_second"] / static["requests_per_second"], 3
                )
                print(f"   {name} (page cache off): {result['requests_per_second']:.0f} req/s", flush=True)
        finally:
            uncached.stop()
        for row in measured.values():
            row["static_requests_per_second"] = static["requests_per_second"]
            rows.append(row)
    appeal_rows = appeal_night(database_url, connections, **appeal) if appeal else []
    return rows, appeal_rows


def appeal_night(database_url, connections, duration, servers, redis_url):
    """bench/appeal_night.py's four runs, through `servers` gunicorns (2 workers each) sharing the cache."""
    import appeal_night as appeal

    env = environment(database_url, redis_url=redis_url)
    started = [Gunicorn(env, log_name=f"gunicorn-appeal-{number}") for number in range(servers)]
    bases = [server.base for server in started]

    def read(script, seconds):
        # One wrk per server, the connections shared out, the same Host to each: as a balancer in front would.
        results = [None] * len(bases)

        def one(index):
            results[index] = wrk(bases[index] + "/", seconds, connections // len(bases), script, appeal.HOST)

        threads = [threading.Thread(target=one, args=(index,)) for index in range(len(bases))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        combined = {key: sum(result[key] for result in results) for key in ("requests_per_second", "requests")}
        for key in ("latency_p50_ms", "latency_p99_ms"):
            combined[key] = max(result[key] for result in results)  # the slower server's
        for key in ("socket_errors", "non_2xx_3xx"):
            combined[key] = sum(result[key] for result in results)
        return combined

    try:
        return appeal.run_rounds(bases, appeal.mix(), WORK, duration, read, WEBHOOK_SECRET, "volume-campaign-00000")
    finally:
        for server in started:
            server.stop()


def static_css_url(server):
    body, _ = fetch(server.base + "/", "identity")
    parser = AssetLinks()
    parser.feed(body.decode())
    return next(asset for asset in parser.assets if asset.endswith(".css"))


# Judging and reporting -----------------------------------------------------------


def check_targets(rows, sizes):
    failures = []
    by_page = {}
    for row in rows:
        by_page.setdefault(row["page"], {})[row["n"]] = row
        if row["queries"] > MAX_QUERIES:
            failures.append(f"{row['page']} at N={row['n']}: {row['queries']} queries (at most {MAX_QUERIES})")
        for run_name in ("served", "uncached"):
            result = row.get(run_name)
            if result and (result["socket_errors"] or result["non_2xx_3xx"]):
                errors, bad = result["socket_errors"], result["non_2xx_3xx"]
                failures.append(f"{row['page']} at N={row['n']} ({run_name}): {errors} errors, {bad} non-2xx/3xx")
        if row["cached"] and row["served_ratio"] < CACHED_MIN_RATIO:
            ratio = row["served_ratio"]
            failures.append(
                f"{row['page']} at N={row['n']}: cached at {ratio:.0%} of static (target {CACHED_MIN_RATIO:.0%})"
            )
        if row["page"] in DETAIL_PAGES and row["uncached_ratio"] < UNCACHED_DETAIL_MIN_RATIO:
            ratio, target = row["uncached_ratio"], UNCACHED_DETAIL_MIN_RATIO
            failures.append(f"{row['page']} at N={row['n']}: uncached at {ratio:.0%} of static (target {target:.0%})")
        if row["page"] in SEARCH_PAGES and row["n"] >= 1000 and row["served_ratio"] < SEARCH_MIN_RATIO:
            ratio = row["served_ratio"]
            failures.append(f"{row['page']} at N={row['n']}: {ratio:.0%} of static (target {SEARCH_MIN_RATIO:.0%})")
        for key in ("total_br", "total_gzip"):
            if key in row and row[key] >= MAX_PAGE_BYTES:
                failures.append(f"{row['page']} at N={row['n']}: {row[key]} bytes ({key}, limit {MAX_PAGE_BYTES})")
    for row in rows:
        if row["page"] == "home" and row["admin_save_queries"] > MAX_ADMIN_SAVE_QUERIES:
            saves = row["admin_save_queries"]
            failures.append(f"admin save at N={row['n']}: {saves} queries (at most {MAX_ADMIN_SAVE_QUERIES})")
    for page, per_size in by_page.items():
        counts = {size: per_size[size]["queries"] for size in sizes}
        if page in SEARCH_PAGES:
            # A page of results reads each kind it shows (treatments, questions): one kind or both, whatever
            # the size; what must not happen is more queries with more content.
            if counts[sizes[-1]] > max(counts[sizes[0]], 4 if page != "site search, a slip" else 6):
                failures.append(f"{page}: queries grow with N: {counts}")
        elif len(set(counts.values())) != 1:
            failures.append(f"{page}: queries change with N: {counts}")
    return failures


def kb(value):
    return f"{value / 1024:.1f}" if isinstance(value, int) else "–"


def table(rows):
    columns = [
        "N", "page", "queries", "in-process median / p95 ms", "served req/s", "× static", "p50 / p99 ms",
        "cache off × static", "HTML br / gzip KB", "HTML+CSS+JS br / gzip KB", "errors",
    ]  # fmt: skip
    lines = ["| " + " | ".join(columns) + " |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        served = row["served"]
        uncached = f"{row['uncached_ratio']:.2f}" if "uncached_ratio" in row else "–"
        errors = (
            served["socket_errors"]
            + served["non_2xx_3xx"]
            + sum(row.get("uncached", {}).get(k, 0) for k in ("socket_errors", "non_2xx_3xx"))
        )
        cells = [
            f"{row['n']:,}",
            row["page"],
            str(row["queries"])
            + (f" ({row['queries_first']} first)" if row["queries_first"] != row["queries"] else ""),
            f"{row['inprocess_median_ms']:.1f} / {row['inprocess_p95_ms']:.1f}",
            f"{served['requests_per_second']:,.0f}",
            f"{row['served_ratio']:.2f}",
            f"{served['latency_p50_ms']:.1f} / {served['latency_p99_ms']:.1f}",
            uncached,
            f"{kb(row.get('html_br'))} / {kb(row.get('html_gzip'))}",
            f"{kb(row.get('total_br'))} / {kb(row.get('total_gzip'))}",
            str(errors),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_report(rows, sizes, failures, args, elapsed, appeal_rows=()):
    now = datetime.datetime.now(datetime.UTC)
    machine = f"{cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    database = "PostgreSQL" if "postgres" in (os.environ.get("BENCH_DATABASE_URL") or "") else "SQLite"
    report = {
        "date": now.isoformat(timespec="seconds"),
        "machine": machine,
        "database": database,
        "settings": {
            "duration_s": args.duration,
            "connections": args.connections,
            "inprocess_requests": args.requests,
            "sizes": sizes,
        },
        "elapsed_s": round(elapsed),
        "targets_missed": failures,
        "rows": rows,
        "appeal_night": {"setup": appeal_label(args), "rows": list(appeal_rows)} if appeal_rows else None,
    }
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    (docs / f"{args.report}.json").write_text(json.dumps(report, indent=2) + "\n")
    summary = "All targets met." if not failures else "Targets missed:\n" + "\n".join(f"- {f}" for f in failures)
    report_file = docs / f"{args.report}.md"
    # What engineers wrote below the figures (comparisons, profiles) is kept when the figures are new.
    notes = report_file.read_text().partition(NOTES_HEADING)[2] if report_file.exists() else ""
    report_file.write_text(
        f"""# Performance

The latest `make bench`, run on {now:%Y-%m-%d} on {machine}, {database}, in {elapsed / 60:.1f} minutes.
The same figures, with more detail, are in `{args.report}.json`.

- N treatments (each with its Spanish page) and 10 × N questions, made by `create_volume_data`.
- *queries*: SQL queries for one uncached request; "(9 first)": the first request after an edit made more.
- *in-process*: server time through Django's test client with the page cache off, over {args.requests} requests,
  each from its own client address, so every donate click is one that is counted.
- *served*: gunicorn (production settings, 2 workers) under `wrk` for {args.duration} s
  at {args.connections} connections, as an anonymous visitor gets the page (from the page cache; searches
  and the donate redirect are never cached). wrk is one client, so after its first 3 donate clicks in an
  hour the rest are sent on without being counted: that row is the cost of a client that repeats itself.
- *× static*: that throughput divided by the throughput of the site's CSS file served by the same gunicorn
  and whitenoise in the same run, so the figures compare across machines.
- *cache off × static*: the same with `RIBBON_PAGE_CACHE_SECONDS=0` (every request rendered).
- *bytes*: as sent with `Accept-Encoding: br` and `gzip`; the page alone, and with the CSS and JS it loads.

{table(rows)}

Admin save of a treatment with 8 points and 2 references, every row changed (the most one save writes),
in-process, median of {ADMIN_SAVE_ROUNDS} saves; "without versions" turns the revision off (what versions cost):

| N | queries | ms | queries without versions | ms without versions |
|---|---|---|---|---|
{admin_save_table(rows)}

{appeal_night_report(appeal_rows, args)}{summary}

Targets: queries the same at every N and at most {MAX_QUERIES}; cached pages at least
{CACHED_MIN_RATIO:.0%} of the static file's throughput; the uncached treatment page at least
{UNCACHED_DETAIL_MIN_RATIO:.0%}; no errors and no response outside 2xx/3xx; every page's HTML + CSS + JS under
{MAX_PAGE_BYTES // 1024} KB compressed; an admin save of a treatment with 8 points at most
{MAX_ADMIN_SAVE_QUERIES} queries; every search at N = 1,000 served at least {SEARCH_MIN_RATIO:.0%} of
the static file's throughput (kept results: a search repeated before the next edit is not ranked again); the
"cache off" column is the same search worked out every time.
"""
        + (NOTES_HEADING + notes if notes else "")
    )


APPEAL_NIGHT = "appeal night"


def appeal_night_module():
    import appeal_night

    return appeal_night


def appeal_label(args):
    database = "PostgreSQL" if "postgres" in (os.environ.get("BENCH_DATABASE_URL") or "") else "SQLite"
    cache = "Redis" if args.redis else "a folder"
    servers = "one server" if args.servers == 1 else f"{args.servers} servers"
    return f"{database}, pages in {cache}, {servers} of 2 workers"


def appeal_night_report(appeal_rows, args):
    if not appeal_rows:
        return ""
    appeal = appeal_night_module()
    pages, minimum, most = appeal_rows[0]["pages"], appeal.MIN_THROUGHPUT, appeal.MAX_P99
    size = args.sizes.split(",")[-1]
    return f"""Appeal night at N = {size} ({appeal_label(args)}): wrk at {args.connections} connections
over a mix of {pages} public pages for {args.appeal_duration} s a run, every page warmed first; each busy run against
the calm run before it (targets: throughput at least {minimum} × calm, p99 at most {most} × calm; the last change
must be what the site then shows). bench/appeal_night.py says how each change is made.

{appeal.table(appeal_rows)}

"""


def admin_save_table(rows):
    return "\n".join(
        f"| {row['n']:,} | {row['admin_save_queries']} | {row['admin_save_ms']} | "
        f"{row['admin_save_queries_without_versions']} | {row['admin_save_ms_without_versions']} |"
        for row in rows
        if row["page"] == "home"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000", help="treatment counts, comma-separated")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=200, help="in-process requests per page")
    parser.add_argument(
        "--pages",
        default="",
        help="only these pages, comma-separated; 'search' for the searches, 'appeal night' for bench/appeal_night.py",
    )
    parser.add_argument("--appeal-duration", type=int, default=20, help="seconds of wrk per appeal-night run")
    parser.add_argument("--servers", type=int, default=1, help="gunicorns (2 workers each) for appeal night")
    parser.add_argument("--redis", default="", help="REDIS_URL for appeal night (a database the bench empties)")
    parser.add_argument("--report", default="performance", help="docs/<report>.md and .json")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="N = 10, 1 s of wrk and 3 in-process requests a page: proves the bench still runs to its end "
        "(CI runs it so); writes no report and checks no target, since figures that short mean nothing",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (Debian's package)")
    if args.smoke:
        args.sizes, args.duration, args.requests, args.appeal_duration = "10", 1, 3, 3
    sizes = [int(size) for size in args.sizes.split(",")]
    started = time.monotonic()
    only = None  # every page, and appeal night
    for name in filter(None, (name.strip() for name in args.pages.split(","))):
        only = (only or set()) | (set(SEARCH_PAGES) if name == "search" else {name})
    appeal = None
    if only is None or APPEAL_NIGHT in only:
        appeal = {"duration": args.appeal_duration, "servers": args.servers, "redis_url": args.redis}
    chosen = None if only is None else only - {APPEAL_NIGHT}
    rows, appeal_rows = run(sizes, args.duration, args.connections, args.requests, chosen, appeal)
    if args.smoke:
        print(table(rows))
        if appeal_rows:
            print(appeal_night_module().table(appeal_rows))
        print(f"\nThe bench ran to its end in {(time.monotonic() - started) / 60:.1f} minutes (--smoke: no report).")
        return 0
    failures = check_targets(rows, sizes)
    if appeal_rows:
        failures += appeal_night_module().failures(appeal_rows, appeal_label(args))
    elapsed = time.monotonic() - started
    write_report(rows, sizes, failures, args, elapsed, appeal_rows)
    print()
    print(table(rows))
    if appeal_rows:
        print(appeal_night_module().table(appeal_rows))
    print()
    print(f"Benchmark took {elapsed / 60:.1f} minutes; written to docs/{args.report}.md and .json.")
    if failures:
        print("TARGETS MISSED:\n" + "\n".join(f"- {failure}" for failure in failures))
        return 1
    print("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
