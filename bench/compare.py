"""
Two versions of Ribbon side by side in one run: `make bench-compare A=<rev> B=<rev>`.

Throughput on a shared machine drifts from one minute to the next (the
static file alone has been measured at 2,100 and at 4,300 requests per
second in two runs of `make bench`), so figures from two runs cannot be set
against each other. This tool checks out each version in a git worktree of
its own under bench/work/compare/, gives each the same generated content
(create_volume_data at N treatments and 10 × N questions), and measures
them in the same minutes: for each page, with the page cache off and then
on, it alternates A, B, A, B … under wrk for several rounds, so that any
drift falls on both alike. It reports per version the median requests per
second, the ratio B/A, the static CSS file's throughput (measured the same
way), and the queries and in-process time of one uncached request.

A version is a git revision plus, optionally, settings given as environment
variables (--a-env/--b-env NAME=VALUE), so two settings of the same code
compare as well as two commits. Both versions run with this checkout's
virtualenv: a revision that needs other packages cannot be measured here.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse

from run import (
    BIN,
    ROOT,
    WORK,
    Gunicorn,
    environment,
    fresh_postgresql,
    in_process,
    pages,
    static_css_url,
    wrk,
)

COMPARE = WORK / "compare"
MODES = {"off": 0, "on": 300}  # page cache off (every request rendered) and on (as served), in seconds kept


class Version:
    """One side of the comparison: a revision checked out under bench/work/compare/<name>, its data and settings."""

    def __init__(self, name, revision, settings, size):
        self.name = name
        self.revision = revision
        self.settings = settings
        self.size = size
        self.root = COMPARE / name / "code"
        self.work = COMPARE / name / "data"
        self.commit = ""

    def describe(self):
        settings = " ".join(f"{name}={value}" for name, value in self.settings.items())
        return f"{self.revision} ({self.commit}){' with ' + settings if settings else ''}"

    def database_url(self):
        shared = os.environ.get("BENCH_DATABASE_URL")
        if shared and shared.startswith("postgres"):
            parts = urllib.parse.urlsplit(shared)
            return urllib.parse.urlunsplit(parts._replace(path=f"{parts.path}_{self.name.lower()}"))
        return f"sqlite:///{self.work / 'bench.sqlite3'}"

    def environment(self, page_cache_seconds):
        return {**environment(self.database_url(), page_cache_seconds, work=self.work), **self.settings}

    def check_out(self):
        if self.root.exists():
            git("worktree", "remove", "--force", str(self.root))
        git("worktree", "prune")
        git("worktree", "add", "--detach", str(self.root), self.revision)
        self.commit = git("rev-parse", "--short", "HEAD", cwd=self.root).strip()

    def fill(self):
        """Migrations, static files and the generated content, with this version's own code, from nothing."""
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        if self.database_url().startswith("postgres"):
            fresh_postgresql(self.database_url())
        env = self.environment(0)
        for command in (
            ["migrate", "--noinput", "--verbosity", "0"],
            ["collectstatic", "--noinput", "--verbosity", "0"],
            ["create_volume_data", f"--treatments={self.size}", f"--questions={self.size * 10}", "--campaigns=3"],
        ):
            subprocess.run([str(BIN / "python"), "manage.py", *command], cwd=self.root, env=env, check=True)

    def probe(self, paths, requests):
        """{path: (queries, queries of the first request, in-process median ms)}, uncached, in this version."""
        output = subprocess.run(
            [sys.executable, __file__, "--probe", str(self.root), json.dumps(paths), "--requests", str(requests)],
            cwd=self.root, env=self.environment(0), check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        return json.loads(output.splitlines()[-1])

    def serve(self, mode):
        return Gunicorn(self.environment(MODES[mode]), root=self.root, log_name=f"compare-{self.name}-{mode}")


def git(*arguments, cwd=ROOT):
    return subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True, text=True).stdout


def probe_here(root, paths, requests):
    """The --probe side: runs inside a version's worktree, with its code first on the path."""
    sys.path.insert(0, str(root))
    import django

    django.setup()
    from django.test import Client

    client = Client()
    found = {}
    for path in paths:
        queries, first, median, _ = in_process(client, path, requests)
        found[path] = (queries, first, median)
    print(json.dumps(found))


def measure(versions, chosen, modes, rounds, duration, connections):
    """{(page, mode): {version: [req/s per round]}}, the versions alternating within every round."""
    results = {}
    for mode in modes:
        servers = {}
        try:
            for version in versions:
                servers[version.name] = version.serve(mode)
            # Each version's own CSS file: its name carries a hash of its content.
            static = {name: static_css_url(server) for name, server in servers.items()}
            for name, path in [("static CSS", None), *chosen]:
                if name == "static CSS" and mode != modes[0]:
                    continue  # whitenoise answers before the page cache: measured once
                print(f"   {name}, page cache {mode}", end="", flush=True)
                urls = {v.name: servers[v.name].base + (path or static[v.name]) for v in versions}
                for version in versions:  # warm up: templates loaded, connections open, the page kept
                    wrk(urls[version.name], 1, connections)
                runs = results.setdefault((name, mode), {version.name: [] for version in versions})
                for _ in range(rounds):
                    for version in versions:
                        result = wrk(urls[version.name], duration, connections)
                        if result["socket_errors"] or result["non_2xx_3xx"]:
                            raise SystemExit(f"{version.name} {name} (cache {mode}): errors in {result}")
                        runs[version.name].append(result["requests_per_second"])
                        print(".", end="", flush=True)
                print(flush=True)
        finally:
            for server in servers.values():
                server.stop()
    return results


def report(versions, chosen, results, probes):
    a, b = (version.name for version in versions)
    measured = next(rates for (page, _), rates in results.items() if page == "static CSS")
    static = {name: statistics.median(rates) for name, rates in measured.items()}
    lines = [
        f"A = {versions[0].describe()}",
        f"B = {versions[1].describe()}",
        "",
        "| page | page cache | A req/s | B req/s | B / A | A × static | B × static | queries A / B "
        "| in-process ms A / B |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| static CSS | – | {static[a]:,.0f} | {static[b]:,.0f} | {static[b] / static[a]:.2f} | 1.00 | 1.00 | – | – |",
    ]
    for name, path in chosen:
        for (page, mode), rates in results.items():
            if page != name:
                continue
            median = {version: statistics.median(values) for version, values in rates.items()}
            (queries_a, first_a, ms_a), (queries_b, first_b, ms_b) = probes[a][path], probes[b][path]
            lines.append(
                f"| {name} | {mode} | {median[a]:,.0f} | {median[b]:,.0f} | {median[b] / median[a]:.2f} | "
                f"{median[a] / static[a]:.2f} | {median[b] / static[b]:.2f} | "
                f"{queries_a} / {queries_b} (first {first_a} / {first_b}) | "
                f"{ms_a:.2f} / {ms_b:.2f} |"
            )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", nargs="?", help="revision A (the one measured against), e.g. main")
    parser.add_argument("b", nargs="?", help="revision B, e.g. HEAD")
    parser.add_argument("--a-env", action="append", default=[], metavar="NAME=VALUE", help="a setting for A only")
    parser.add_argument("--b-env", action="append", default=[], metavar="NAME=VALUE", help="a setting for B only")
    parser.add_argument("--size", type=int, default=1000, help="treatments (and 10 × as many questions)")
    parser.add_argument("--pages", default="", help="only these pages (bench/run.py's names), comma-separated")
    parser.add_argument("--cache", default="off,on", help="page cache off, on, or both (off,on)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of A then B per page")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=200, help="in-process requests per page")
    parser.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)  # a worktree and its paths (JSON)
    args = parser.parse_args()
    if args.probe:
        return probe_here(args.probe[0], json.loads(args.probe[1]), args.requests)
    if not (args.a and args.b):
        parser.error("name two revisions: A and B")
    started = time.monotonic()
    only = {name for name in args.pages.split(",") if name}
    chosen = [(name, path) for name, path, _ in pages() if not only or name in only]
    if only - {name for name, _ in chosen}:
        parser.error(f"no such page: {', '.join(sorted(only - {name for name, _ in chosen}))}")
    modes = [mode for mode in args.cache.split(",") if mode]
    versions = [
        Version("A", args.a, dict(setting.split("=", 1) for setting in args.a_env), args.size),
        Version("B", args.b, dict(setting.split("=", 1) for setting in args.b_env), args.size),
    ]
    COMPARE.mkdir(parents=True, exist_ok=True)
    probes = {}
    for version in versions:
        print(f"== {version.name}: {version.revision}, N = {args.size}", flush=True)
        version.check_out()
        version.fill()
        probes[version.name] = version.probe([path for _, path in chosen], args.requests)
    results = measure(versions, chosen, modes, args.rounds, args.duration, args.connections)
    table = report(versions, chosen, results, probes)
    elapsed = time.monotonic() - started
    print()
    print(table)
    print(
        f"\n{args.rounds} rounds of {args.duration} s per page and version, N = {args.size}; "
        f"took {elapsed / 60:.1f} minutes; written to {COMPARE / 'results.json'}."
    )
    (COMPARE / "results.json").write_text(
        json.dumps(
            {
                "versions": [
                    {"name": v.name, "revision": v.revision, "commit": v.commit, "settings": v.settings}
                    for v in versions
                ],
                "size": args.size,
                "rounds": args.rounds,
                "duration_s": args.duration,
                "requests_per_second": [
                    {"page": page, "page_cache": mode, **rates} for (page, mode), rates in results.items()
                ],
                "in_process": probes,
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
