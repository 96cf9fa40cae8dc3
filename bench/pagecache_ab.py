"""
Does the page cache's own compression, ETag and Accept-Encoding reading earn
its place? An A/B of cached pages through gunicorn, interleaved in one run:

A  the page cache as it is: each page kept gzip- and brotli-compressed with a
   weak ETag worked out once, the coding chosen by pagecache.encoding, 304
   answered by pagecache.stored;
B  the page cache keeping the plain rendered page (PlainStoredPage below),
   with Django's GZipMiddleware and ConditionalGetMiddleware placed around it
   so that they compress each response and work out its ETag and 304 on the
   way out, as Django's documentation orders them.

Both servers run side by side (production settings, 2 workers, the same
SQLite database from create_volume_data, a page cache folder each); wrk
measures one of them at a time, A then B, then B then A, for as many rounds as
asked, with the static CSS file measured on the same server in the same turn,
so that the machine's drift falls on both alike. Each figure is the median
over the rounds; "× static" is each turn's ratio to its own static figure.

Run: .venv/bin/python bench/pagecache_ab.py [--size 1000] [--rounds 4] [--duration 5]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import timeit
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import BROWSER, WORK, Gunicorn, environment, prepare, static_css_url  # noqa: E402 - after the path

# The same header bench/run.py sends: what Firefox and Chrome send.
BROWSER_ENCODINGS = "gzip, deflate, br"
PAGES = [
    ("home", "/"),
    ("treatment detail", "/treatments/volume-treatment-00001/"),
    ("FAQ", "/faq/"),
    ("campaign", "/donate/volume-campaign-00000/"),
]
CONDITIONAL_PAGE = "treatment detail"
GZIP_NAMED = re.compile(r"\bgzip\b")  # how GZipMiddleware reads Accept-Encoding
B_SETTINGS = "pagecache_ab_settings"

# wrk's own summary, as JSON on its last line: bytes read include the headers, i.e. what crossed the wire.
WRK_SUMMARY = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "non_2xx_3xx": %d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


# Variant B's page cache: the plain page, nothing else -------------------------------------------

from pagecache.middleware import PageCacheMiddleware  # noqa: E402 - after the path
from pagecache.stored import StoredPage  # noqa: E402 - after the path


class PlainStoredPage(StoredPage):
    """The page as rendered, with no coding and no ETag of its own: Django's middleware adds both on every hit."""

    def __init__(self, generation, plain, status, headers):
        self.generation, self.plain, self.status, self.headers = generation, plain, status, headers
        self.gzip = self.br = self.etag = None

    def response_for(self, request):
        from django.conf import settings
        from django.http import HttpResponse
        from django.utils.cache import patch_vary_headers

        response = HttpResponse(self.plain, status=self.status)
        for name, value in self.headers:
            response[name] = value
        response["Cache-Control"] = f"public, max-age={settings.RIBBON_BROWSER_CACHE_SECONDS}"
        patch_vary_headers(response, ("Cookie",))
        return response


class PlainPageCacheMiddleware(PageCacheMiddleware):
    """
    Keeps a PlainStoredPage where A keeps a StoredPage. The first request for a
    page (the miss) is still answered by A's path; wrk's requests are hits.
    """

    def _store(self, key, stored):
        plain = stored.plain if stored.plain is not None else stored.body_for(None)[0]
        super()._store(key, PlainStoredPage(stored.generation, plain, stored.status, stored.headers))


def write_b_settings():
    """config.settings with GZipMiddleware and ConditionalGetMiddleware around variant B's page cache."""
    (WORK / f"{B_SETTINGS}.py").write_text(
        """from config.settings import *  # noqa: F403 - the site's settings, one list changed
from config.settings import MIDDLEWARE as SITE_MIDDLEWARE

_at = SITE_MIDDLEWARE.index("pagecache.middleware.PageCacheMiddleware")
MIDDLEWARE = [
    *SITE_MIDDLEWARE[:_at],
    # Django's order: GZip outermost of the two, so that the ETag is worked out on the plain page.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "bench.pagecache_ab.PlainPageCacheMiddleware",
    *SITE_MIDDLEWARE[_at + 1 :],
]
"""
    )


# Measuring ------------------------------------------------------------------------------------------


def get(url, headers):
    request = urllib.request.Request(url, headers={"User-Agent": BROWSER, **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as answer:  # a 304 is raised as an error by urllib
        return answer.code, answer.headers, answer.read()


def server_output_drained(server):
    for _ in iter(server.process.stderr.readline, b""):
        pass


def measure(url, duration, connections, headers):
    script = WORK / "summary.lua"
    if not script.exists():
        script.write_text(WRK_SUMMARY)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", str(script), url]
    for name, value in {"User-Agent": BROWSER, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    return {
        "requests_per_second": summary["requests"] / (summary["duration_us"] / 1e6),
        "latency_p50_ms": summary["p50_us"] / 1000,
        "latency_p99_ms": summary["p99_us"] / 1000,
        "wire_bytes_per_response": summary["bytes"] / max(summary["requests"], 1),
        "errors": summary["errors"] + summary["non_2xx_3xx"],
    }


def targets(server):
    """(name, path, request headers) measured on one server: the static file, each page, one revalidation."""
    browser = {"Accept-Encoding": BROWSER_ENCODINGS}
    chosen = [("static CSS", static_css_url(server), browser)]
    chosen += [(name, path, browser) for name, path in PAGES]
    path = dict(PAGES)[CONDITIONAL_PAGE]
    status, headers, _ = get(server.base + path, browser)
    assert status == 200, (path, status)
    assert headers.get("ETag"), (path, dict(headers))
    chosen.append((f"{CONDITIONAL_PAGE}, If-None-Match", path, {**browser, "If-None-Match": headers["ETag"]}))
    return chosen


def served_as(server, path, headers):
    """What one request gets: status, Content-Encoding, body bytes, ETag."""
    status, answer, body = get(server.base + path, headers)
    return {
        "status": status,
        "content_encoding": answer.get("Content-Encoding"),
        "body_bytes": len(body),
        "etag": answer.get("ETag"),
    }


def run(size, rounds, duration, connections):
    database_url = f"sqlite:///{WORK / 'pagecache_ab.sqlite3'}"
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    prepare(database_url)
    from django.core.management import call_command

    print(f"== N = {size} treatments, {size * 10} questions", flush=True)
    call_command("create_volume_data", treatments=size, questions=size * 10, campaigns=3, verbosity=0)
    write_b_settings()
    servers = {}
    try:
        for variant, settings_module in (("A", "config.settings"), ("B", B_SETTINGS)):
            env = {
                **environment(database_url),
                "DJANGO_SETTINGS_MODULE": settings_module,
                "RIBBON_CACHE_DIR": str(WORK / f"cache-{variant}"),
                "PYTHONPATH": os.pathsep.join([str(WORK), str(ROOT)]),
            }
            servers[variant] = Gunicorn(env)
            # Production logs a line per request to stderr; read it, or the full pipe stops the workers.
            threading.Thread(target=server_output_drained, args=(servers[variant],), daemon=True).start()
        plan = {variant: targets(server) for variant, server in servers.items()}
        for variant, server in servers.items():  # every page stored before wrk starts
            for _, path, headers in plan[variant]:
                get(server.base + path, headers)
        checks = correctness(servers)
        checks["costs"] = piece_costs(servers["A"])
        results = {variant: {name: [] for name, _, _ in plan[variant]} for variant in servers}
        for round_ in range(rounds):
            order = ("A", "B") if round_ % 2 == 0 else ("B", "A")
            for variant in order:
                server = servers[variant]
                static = None
                for name, path, headers in plan[variant]:
                    result = measure(server.base + path, duration, connections, headers)
                    static = static or result["requests_per_second"]
                    result["ratio_to_static"] = result["requests_per_second"] / static
                    results[variant][name].append(result)
                    print(
                        f"   round {round_ + 1} {variant} {name}: {result['requests_per_second']:,.0f} req/s "
                        f"({result['ratio_to_static']:.2f} × static)",
                        flush=True,
                    )
    finally:
        for server in servers.values():
            server.stop()
    return summarise(results), checks


def summarise(results):
    table = {}
    for variant, per_target in results.items():
        for name, runs in per_target.items():
            table.setdefault(name, {})[variant] = {
                key: statistics.median(run[key] for run in runs) for key in runs[0] if key != "errors"
            } | {"errors": sum(run["errors"] for run in runs), "rounds": len(runs)}
    return table


# What each variant answers: the behaviours tests/test_page_cache.py and test_hostile_requests.py pin -------


CORRECTNESS_HEADERS = [
    "gzip, deflate, br",
    "gzip",
    "gzip;q=0",
    "br;q=0, gzip;q=0",
    "gzip;q=0, *",
    "identity",
    "",
]


def correctness(servers):
    path = dict(PAGES)[CONDITIONAL_PAGE]
    checks = {}
    for variant, server in servers.items():
        rows = {}
        for header in CORRECTNESS_HEADERS:
            first = served_as(server, path, {"Accept-Encoding": header} if header else {})
            second = served_as(server, path, {"Accept-Encoding": header} if header else {})
            revalidated = served_as(
                server, path, {"If-None-Match": first["etag"] or "", **({"Accept-Encoding": header} if header else {})}
            )
            rows[header or "(none)"] = {
                **first,
                "same_etag_twice": first["etag"] == second["etag"],
                "same_bytes_twice": first["body_bytes"] == second["body_bytes"],
                "revalidation": revalidated["status"],
                "revalidation_etag": revalidated["etag"],
            }
        checks[variant] = rows
    return checks


def microseconds(call):
    """Median time of one call, in µs, over five batches of enough calls to take about 50 ms."""
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    number = max(1, number // 4)
    return statistics.median(timer.repeat(5, number)) / number * 1e6


def piece_costs(server):
    """What each request pays in-process for the work B does on every hit and A did once, when it stored the page."""
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.cache import get_conditional_response, set_response_etag
    from django.utils.text import compress_string

    from pagecache.encoding import preferred_encoding
    from pagecache.stored import _etag_matches

    costs = {}
    for name, path in PAGES:
        _, _, plain = get(server.base + path, {"Accept-Encoding": "identity"})
        response = HttpResponse(plain)
        costs[name] = {
            "plain_bytes": len(plain),
            "gzip_per_request_us": microseconds(lambda body=plain: compress_string(body, max_random_bytes=100)),
            "etag_per_request_us": microseconds(lambda page=response: set_response_etag(page)),
        }
    rf = RequestFactory()
    browser = rf.get("/", HTTP_ACCEPT_ENCODING=BROWSER_ENCODINGS)
    costs["Accept-Encoding"] = {
        "own_parser_us": microseconds(lambda: preferred_encoding(browser)),
        "gzip_middleware_regex_us": microseconds(lambda: GZIP_NAMED.search(BROWSER_ENCODINGS)),
    }
    etag = 'W/"a-page-kept-in-the-cache"'
    for label, request in (("match", rf.get("/", HTTP_IF_NONE_MATCH=etag)), ("none", browser)):
        costs[f"If-None-Match, {label}"] = {
            "own_us": microseconds(lambda request=request: _etag_matches(request, etag)),
            "django_us": microseconds(lambda request=request: get_conditional_response(request, etag=etag)),
        }
    return costs


def report(table, checks):
    lines = [
        "| request | A req/s | A × static | A p50 / p99 ms | A bytes | B req/s | B × static | B p50 / p99 ms "
        "| B bytes | B / A |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, variants in table.items():
        a, b = variants["A"], variants["B"]
        cells = [name]
        for row in (a, b):
            cells += [
                f"{row['requests_per_second']:,.0f}",
                f"{row['ratio_to_static']:.2f}",
                f"{row['latency_p50_ms']:.1f} / {row['latency_p99_ms']:.1f}",
                f"{row['wire_bytes_per_response']:,.0f}",
            ]
        cells.append(f"{b['requests_per_second'] / a['requests_per_second']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| Accept-Encoding | A coding, bytes, ETag | A: same ETag / bytes twice, If-None-Match | "
        "B coding, bytes, ETag | B: same ETag / bytes twice, If-None-Match |",
        "|---|---|---|---|---|",
    ]
    for header in CORRECTNESS_HEADERS:
        header = header or "(none)"
        cells = [f"`{header}`"]
        for variant in ("A", "B"):
            row = checks[variant][header]
            etag = row["etag"] or "none"
            cells.append(f"{row['content_encoding'] or 'plain'}, {row['body_bytes']:,}, `{etag[:12]}…`")
            cells.append(
                f"{'yes' if row['same_etag_twice'] else 'no'} / {'yes' if row['same_bytes_twice'] else 'no'}, "
                f"{row['revalidation']} (ETag `{(row['revalidation_etag'] or 'none')[:12]}…`)"
            )
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| page | plain bytes | gzip per request (B), µs | ETag per request (B), µs |",
        "|---|---:|---:|---:|",
    ]
    for name, _ in PAGES:
        cost = checks["costs"][name]
        lines.append(
            f"| {name} | {cost['plain_bytes']:,} | {cost['gzip_per_request_us']:,.0f} "
            f"| {cost['etag_per_request_us']:,.1f} |"
        )
    parser = checks["costs"]["Accept-Encoding"]
    lines.append(
        f"\nAccept-Encoding per request: own parser (lru-cached) {parser['own_parser_us']:.2f} µs, "
        f"GZipMiddleware's regex {parser['gzip_middleware_regex_us']:.2f} µs."
    )
    for label in ("match", "none"):
        cost = checks["costs"][f"If-None-Match, {label}"]
        lines.append(
            f"If-None-Match ({label}) per request: own matcher {cost['own_us']:.2f} µs, "
            f"Django's get_conditional_response {cost['django_us']:.2f} µs."
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000, help="treatments (and 10 × as many questions)")
    parser.add_argument("--rounds", type=int, default=4, help="A-B turns (each turn measures every request once)")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per request and turn")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (Debian's package)")
    table, checks = run(args.size, args.rounds, args.duration, args.connections)
    (WORK / "pagecache_ab.json").write_text(json.dumps({"table": table, "checks": checks}, indent=2) + "\n")
    print()
    print(report(table, checks))
    print(f"\nWritten to {WORK / 'pagecache_ab.json'}.")
    errors = sum(row["errors"] for variants in table.values() for row in variants.values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
