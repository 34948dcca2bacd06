"""Benchmark: the crawler and catalog at national scale, each number measured in this run.

    .venv/bin/python bench/scale.py [--quick] [--urls 100000] [--captures 1000000]
                                    [--seconds 900] [--only a,b,c,d]

(a) politeness-bound throughput: a loopback farm of 200 portals (one 127.77.x.y host
    each), the project's politeness (1 request/s per host, jitter, AutoThrottle), one
    crawler process: pages/s in the steady window against the ideal, portals x 1/s.
    Target >= 0.8 of ideal.
(b) CPU-bound scaling: the same crawler without delays, 1 process vs 2 processes
    sharing a Redis frontier and a PostgreSQL catalog, same duration. Target >= 1.6x.
(c) memory: RSS of one crawler process sampled every second over a crawl of --urls
    URLs; prints the peak of each quarter of the crawl. Target: flat (last quarter's
    peak <= 1.25x the second quarter's).
(d) catalog queries with --captures captures (bulk-inserted with SQL) on SQLite and
    PostgreSQL, as the CLI runs them (the first page of 100): `ogi reports` (and its
    second page), `ogi reports --year Y` (and with --agency), `ogi versions URL`; the
    median of 5 runs after one warm-up. Target < 100 ms. `ogi reports --all` (every
    report, one in 20 captures) is printed too: its time grows with its answer.

Every crawl is bounded by CLOSESPIDER_TIMEOUT; Redis keys and PostgreSQL schemas made
here are removed afterwards. --quick shrinks everything to a smoke run (~1-2 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("OGI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("OGI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 4}


# ---------------------------------------------------------------- child: one crawl process
def child(spec: dict[str, Any]) -> None:
    """Run one crawl in this process (CrawlerProcess runs once per process)."""
    import logging

    from crawler.portals import load_portals
    from crawler.run import run_crawl

    logging.disable(logging.WARNING)
    outcome = run_crawl(
        load_portals(Path(spec["portals"])),
        archive_dir=Path(spec["archive"]),
        catalog_url=spec.get("catalog"),
        settings={"LOG_LEVEL": "ERROR", **spec["settings"]},
    )
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    stats = outcome.stats
    report = {
        "pages": stats.get("ogi/pages", 0),
        "cpu_crawl": own.ru_utime + own.ru_stime,  # the crawl process alone
        "requests": stats.get("scheduler/enqueued", 0),  # the frontier found so far
    }
    print(json.dumps(report), flush=True)


def start_crawl(portals: Path, archive: Path, catalog: str | None, **settings: Any) -> Any:
    spec = {"portals": str(portals), "archive": str(archive), "catalog": catalog}
    spec["settings"] = settings
    return subprocess.Popen(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )


def fetch_times(catalog: str) -> dict[int, list[float]]:
    """Capture times (epoch seconds) per crawl run, i.e. per crawler process."""
    import sqlalchemy as sa

    engine = sa.create_engine(catalog)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select run_id, fetched_at from capture")).all()
    engine.dispose()
    out: dict[int, list[float]] = {}
    for run, t in rows:
        t = datetime.fromisoformat(t) if isinstance(t, str) else t
        out.setdefault(run, []).append((t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp())
    return {run: sorted(ts) for run, ts in out.items()}


def steady_rate(times: dict[int, list[float]], warmup: float) -> float:
    """Pages/s of all processes together while all of them run: from ``warmup`` s after
    the last one's first capture to 1 s before the first one's last capture."""
    if not times or min(len(ts) for ts in times.values()) < 10:
        return 0.0
    start = max(ts[0] for ts in times.values()) + warmup
    end = min(ts[-1] for ts in times.values()) - 1
    inside = sum(start <= t <= end for ts in times.values() for t in ts)
    return inside / max(end - start, 1e-9)


@contextmanager
def pg_schema() -> Iterator[str]:
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    try:
        yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        engine.dispose()


@contextmanager
def redis_prefix() -> Iterator[str]:
    import redis

    prefix = f"bench-{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


# ---------------------------------------------------------------- (a) politeness
def bench_politeness(portals: int, seconds: int) -> None:
    from mockportal.farm import farm

    with (
        farm(portals=portals, pages=400, seed=1, process=True) as f,
        tempfile.TemporaryDirectory() as tmp,
    ):
        archive = Path(tmp) / "a"
        before = children_cpu()
        proc = start_crawl(f.portals_path, archive, None, CLOSESPIDER_TIMEOUT=seconds)
        out, _ = proc.communicate(timeout=seconds + 120)
        cpu = children_cpu() - before  # the crawl process and the workers it waited for
        times = fetch_times(f"sqlite:///{archive / 'catalog.sqlite'}")
    report = child_report(out)
    rate = steady_rate(times, warmup=min(5.0, seconds / 4))
    pages = sum(len(ts) for ts in times.values())
    ideal = portals * 1.0
    print(
        f"(a) politeness-bound: {portals} portals at 1 req/s/host, {seconds} s: "
        f"{rate:.1f} pages/s vs ideal {ideal:.0f} -> {rate / ideal:.2f} of ideal (target >= 0.80);"
        f" {pages} pages, crawler CPU {cpu * 1000 / max(pages, 1):.1f} ms/page"
        f" ({cpu / seconds:.2f} cores), of which the crawl process"
        f" {report.get('cpu_crawl', 0) * 1000 / max(pages, 1):.1f} ms/page; requests queued"
        f" {report.get('requests', 0)} ({report.get('requests', 0) / max(pages, 1):.1f} per page:"
        " the frontier found ahead of the fetching)"
    )


def child_report(out: bytes | None) -> dict[str, Any]:
    """What the crawl child printed last (pages, its own CPU seconds), or {}."""
    lines = (out or b"").decode().strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def children_cpu() -> float:
    """User + system CPU seconds of the children waited for so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------- (b) 1 vs 2 processes
def bench_processes(portals: int, seconds: int) -> None:
    from mockportal.farm import farm

    rates = {}
    with farm(portals=portals, pages=2000, seed=2, process=True) as f:
        for n in (1, 2):
            with (
                pg_schema() as catalog,
                redis_prefix() as prefix,
                tempfile.TemporaryDirectory() as tmp,
            ):
                settings = {
                    **FAST,
                    "CLOSESPIDER_TIMEOUT": seconds,
                    "OGI_DISTRIBUTED": REDIS_URL,
                    "OGI_DISTRIBUTED_KEY": prefix,
                }
                procs = [
                    start_crawl(f.portals_path, Path(tmp), catalog, **settings) for _ in range(n)
                ]
                for proc in procs:
                    proc.wait(seconds + 120)
                rates[n] = steady_rate(fetch_times(catalog), warmup=min(5.0, seconds / 4))
    print(
        f"(b) CPU-bound, Redis frontier + PostgreSQL: 1 process {rates[1]:.1f} pages/s, "
        f"2 processes {rates[2]:.1f} pages/s -> {rates[2] / max(rates[1], 1e-9):.2f}x "
        "(target >= 1.6x)"
    )


# ---------------------------------------------------------------- (c) memory
def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def farm_for(urls: int) -> tuple[int, int]:
    """(portals, pages) of a farm with at least ``urls`` reachable URLs."""
    from mockportal.farm import FarmPlan, reachable

    portals = 50
    pages = 40
    while True:
        plan = FarmPlan(portals, pages, 3)
        total = sum(len(reachable(p)) for p in plan.portals)
        if total >= urls:
            return portals, pages
        pages = int(pages * max(1.2, urls / max(total, 1)))


def bench_memory(urls: int, limit: int) -> None:
    from mockportal.farm import farm

    portals, pages = farm_for(urls)
    with (
        farm(portals=portals, pages=pages, seed=3, process=True) as f,
        tempfile.TemporaryDirectory() as tmp,
    ):
        settings = {**FAST, "CLOSESPIDER_ITEMCOUNT": urls, "CLOSESPIDER_TIMEOUT": limit}
        proc = start_crawl(f.portals_path, Path(tmp) / "m", None, **settings)
        samples: list[tuple[float, int]] = []
        began = time.monotonic()
        while proc.poll() is None:
            samples.append((time.monotonic() - began, rss_kb(proc.pid)))
            time.sleep(1.0)
        report = child_report(proc.stdout.read() if proc.stdout else None)
        times = sorted(
            t
            for ts in fetch_times(f"sqlite:///{Path(tmp) / 'm' / 'catalog.sqlite'}").values()
            for t in ts
        )
    pages_done = report.get("pages", 0)
    span = samples[-1][0] if samples else 1
    quarters = [
        max((kb for t, kb in samples if q * span / 4 <= t <= (q + 1) * span / 4), default=0)
        for q in range(4)
    ]
    flat = quarters[3] / max(quarters[1], 1)
    first = quarters[3] / max(quarters[0], 1)
    cpu_ms = report.get("cpu_crawl", 0) * 1000 / max(pages_done, 1)
    print(
        f"(c) memory: {pages_done} pages in {span:.0f} s; peak RSS per quarter "
        + " / ".join(f"{kb / 1024:.0f}" for kb in quarters)
        + f" MB -> last/second quarter {flat:.2f}, last/first {first:.2f} (target <= 1.25, flat);"
        + f" crawl process CPU {cpu_ms:.1f} ms/page; "
        + "pages/s per quarter of the pages "
        + " / ".join(f"{r:.1f}" for r in quarter_rates(times))
        + " (falling = a cost that grows with the crawl)"
    )


def quarter_rates(times: list[float]) -> list[float]:
    """Pages/s over each quarter of the captures (sorted capture times)."""
    if len(times) < 8:
        return []
    cuts = [times[len(times) * q // 4] for q in range(4)] + [times[-1]]
    return [(len(times) // 4) / max(b - a, 1e-9) for a, b in pairwise(cuts)]


# ---------------------------------------------------------------- (d) catalog queries
def bulk_sql(dialect: str, captures: int) -> list[str]:
    """Resources (4 versions each), captures, texts for 1 payload in 10, parses of them."""
    resources = max(captures // 4, 1)
    pg = dialect == "postgresql"
    series = (
        "generate_series(1, {n}) as s(n)"
        if pg
        else "(with recursive s(n) as (select 1 union all select n + 1 from s where n < {n})"
        " select n from s) as s"
    )
    hexed = "lpad(to_hex({x}), 64, '0')" if pg else "printf('%064x', {x})"
    moment = (
        "timestamptz '2020-01-01' + ({x}) * interval '1 second'"
        if pg
        else "strftime('%Y-%m-%d %H:%M:%f', '2020-01-01', '+' || ({x}) || ' seconds')"
    )
    js = "::json" if pg else ""
    true, false = ("true", "false") if pg else ("1", "0")
    return [
        "insert into crawl_run (id, started_at, finished_at, host, pid, software,"
        " settings_digest, portals_digest, stats) values (1, "
        + moment.format(x="0")
        + ", null, 'bench', 1, '{}'"
        + js
        + ", 's', 'p', '{}'"
        + js
        + ")",
        "insert into resource (id, url, url_hash, first_seen, last_seen, ever_ok) "
        f"select n, 'http://127.0.0.1:1/p/' || n || '.html', {hexed.format(x='n')}, "
        f"{moment.format(x='n')}, {moment.format(x='n')}, {true} from "
        + series.format(n=resources),
        "insert into capture (id, resource_id, run_id, requested_url, final_url,"
        " redirect_chain, method, status, reason, request_headers, response_headers,"
        " fetched_at, sha256, size, media_type, warc_file, warc_offset, warc_length,"
        " warc_record_id, request_offset, request_length, portal, depth, candidate,"
        " is_revisit, change, changed, gone) "
        f"select n, 1 + (n - 1) % {resources}, 1, 'http://127.0.0.1:1/p/' || (1 + (n - 1) % "
        f"{resources}) || '.html', 'http://127.0.0.1:1/p/' || (1 + (n - 1) % {resources}) ||"
        f" '.html', '[]'{js}, 'GET', 200, 'OK', '[]'{js}, '[]'{js}, "
        f"{moment.format(x='n')}, {hexed.format(x='n')}, 1000, 'text/html', 'bench.warc.gz',"
        f" n * 2000, 1000, 'urn:uuid:' || n, n * 2000 + 1000, 500, 'p' || (n % 2000), 1,"
        f" {true}, {false}, 'new', {false}, {false} from " + series.format(n=captures),
        "insert into text (id, sha256, extractor, extractor_version, options_digest, options,"
        " text, meta, created_at) "
        f"select n, {hexed.format(x='n * 10')}, 'bench', '1', 'o', '{{}}'{js}, 'text', "
        f"'{{}}'{js}, {moment.format(x='n')} from " + series.format(n=captures // 10),
        "insert into parse (id, text_id, parser, parser_version, result, agency, year,"
        " is_report, created_at) "
        "select n, n, 'ogi-parser', 'bench', '{\"title\": \"报告\"}'" + js + ", "
        "'某某县' || (n % 3000) || '局', 2008 + n % 16, "
        + "(n % 2 = 0)"
        + f", {moment.format(x='n')} from "
        + series.format(n=captures // 10),
    ]


def bench_queries(captures: int) -> None:
    import sqlalchemy as sa

    from archive import Archive
    from archive.resources import url_hash
    from ogi.reports import PAGE_SIZE, ReportFilter, report_page, report_rows

    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", None, Path(tmp) / "s")]
        with pg_schema() as pg:
            targets.append(("postgresql", pg, Path(tmp) / "p"))
            for name, catalog, folder in targets:
                Archive.open(folder, catalog).close()  # the schema, migrated to head
                engine = sa.create_engine(catalog or f"sqlite:///{folder / 'catalog.sqlite'}")
                began = time.monotonic()
                with engine.begin() as conn:
                    for stmt in bulk_sql(engine.dialect.name, captures):
                        conn.execute(sa.text(stmt))
                    url = "http://127.0.0.1:1/p/7.html"
                    conn.execute(
                        sa.text("update resource set url_hash = :h where id = 7"),
                        {"h": url_hash(url)},
                    )
                    if name == "postgresql":
                        conn.execute(sa.text("analyze"))
                loaded = time.monotonic() - began
                engine.dispose()
                with Archive.open(folder, catalog, readonly=True) as arc:
                    # What `ogi reports` / `ogi versions` run: the first page (ogi.commands).
                    def page(flt: ReportFilter, arc: Any = arc) -> Any:
                        return report_page(arc, "ogi-parser", flt, after=None, limit=PAGE_SIZE)

                    def second(flt: ReportFilter, arc: Any = arc) -> Any:
                        _, after = page(flt)
                        return report_page(arc, "ogi-parser", flt, after=after, limit=PAGE_SIZE)

                    times: dict[str, Any] = {
                        "reports": lambda: page(ReportFilter(None, None, "bench")),
                        "reports (2nd page)": lambda: second(ReportFilter(None, None, "bench")),
                        "reports --year": lambda: page(ReportFilter(2015, None, "bench")),
                        "reports --year --agency": lambda: page(
                            ReportFilter(2015, "某某县12", "bench")
                        ),
                        "versions": lambda: arc.versions(
                            "http://127.0.0.1:1/p/7.html", limit=PAGE_SIZE + 1
                        ),
                        # every report at once: bound by the size of the answer, not a target
                        "reports --all (not a target)": lambda: report_rows(
                            arc, "ogi-parser", ReportFilter(None, None, "bench")
                        ),
                    }
                    results = {k: median_ms(fn) for k, fn in times.items()}
                print(
                    f"(d) {name}, {captures} captures (loaded in {loaded:.0f} s): "
                    + ", ".join(f"{k} {v:.0f} ms" for k, v in results.items())
                    + " (target < 100 ms)"
                )


def median_ms(fn: Any, runs: int = 5) -> float:
    fn()
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        out.append((time.perf_counter() - began) * 1000)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run with small sizes")
    ap.add_argument("--urls", type=int, default=None, help="URLs in the memory crawl (c)")
    ap.add_argument("--captures", type=int, default=None, help="captures in the catalog (d)")
    ap.add_argument(
        "--seconds", type=int, default=None, help="wall-time bound of the memory crawl (c)"
    )
    ap.add_argument("--only", default="a,b,c,d", help="which parts, e.g. a,d")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    parts = set(args.only.split(","))
    quick = args.quick
    if "a" in parts:
        bench_politeness(portals=20 if quick else 200, seconds=10 if quick else 60)
    if "b" in parts:
        bench_processes(portals=10 if quick else 40, seconds=20 if quick else 60)
    if "c" in parts:
        urls = args.urls or (1500 if quick else 100_000)
        bench_memory(urls, limit=args.seconds or (120 if quick else 3600))
    if "d" in parts:
        bench_queries(args.captures or (20_000 if quick else 1_000_000))


if __name__ == "__main__":
    main()
