"""Benchmark: p50/p95 of the workbench's pages and API (`ogi serve`) on a large archive.

    .venv/bin/python bench/serve.py [--reports 20000] [--requests 40]

Builds a throw-away archive of ``--reports`` reports (agencies × years; one in ten
revised, so two versions) by bulk SQL inserts through the catalog's own tables (the five
seed texts, varied, with their real parse results), starts `ogi serve` on it as its own
process, warms it up, then times ``--requests`` sequential requests per endpoint over
one keep-alive connection. Target: p95 < 200 ms for every page and API call. Baselines
from the same run: a constant endpoint through the same server stack (/api/health), and
a direct indexed catalog query in this process.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import sqlalchemy as sa

import parser as report_parser
from archive import Archive
from archive.models import Capture, ParseRow, Resource, TextRow
from archive.resources import url_hash

SEEDS = Path(__file__).parents[1] / "mockportal" / "data" / "seeds"
TARGET_MS = 200.0
YEARS = list(range(2014, 2024))
CHUNK = 1000
SEARCH_TERMS = [
    "依申请公开",
    "行政复议",
    "政府信息公开工作",
    "复议",
    "诉讼",
    "主动公开",
    "专项经费",
]


def _seed_parses() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out.append((text, report_parser.parse(text).to_dict()))
    return out


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(table), rows[i : i + CHUNK])


def build(directory: Path, reports: int) -> dict:
    """The archive, and what the timed requests ask for (report paths, diff pairs)."""
    seeds = _seed_parses()
    start = datetime(2024, 3, 1, tzinfo=UTC)
    resources, captures, texts, parses = [], [], [], []
    paths, pairs = [], []
    cid = tid = 0
    with Archive.open(directory) as arc:
        run_ids = [
            arc.start_run(software={"bench": "1"}, settings_digest="s", portals_digest="p")
            for _ in range(3)
        ]
        for r in run_ids:
            stats = {f"ogi/portal/p{k}/{c}": k for k in range(20) for c in ("pages", "new")}
            arc.finish_run(r, {**stats, "log_count/ERROR": 2, "finish_reason": "finished"})
    for n in range(reports):
        agency, year = f"第{n // len(YEARS):05d}号县人民政府", YEARS[n % len(YEARS)]
        text, result = seeds[n % len(seeds)]
        url = f"http://127.0.0.1:9/xxgk/{n // len(YEARS)}/{year}/report.html"
        rid = n + 1
        versions = 2 if n % 10 == 0 else 1
        resources.append(
            {
                "id": rid,
                "url": url,
                "url_hash": url_hash(url),
                "first_seen": start,
                "last_seen": start,
                "ever_ok": True,
                "latest_sha256": None,
            }
        )
        for v in range(versions):
            cid += 1
            tid += 1
            body = f"{text}\n（{agency}{year}年 第{v + 1}版）\n"
            sha = hashlib.sha256(body.encode()).hexdigest()
            moment = start + timedelta(days=v * 30, seconds=n)
            captures.append(_capture(cid, rid, url, sha, moment, run_ids[v], n, v))
            texts.append(
                {
                    "id": tid,
                    "sha256": sha,
                    "extractor": "bench",
                    "extractor_version": "1",
                    "options_digest": "0",
                    "options": {},
                    "text": body,
                    "error": None,
                    "meta": {},
                    "created_at": moment,
                }
            )
            res = {
                **result,
                "agency": agency,
                "agency_normalized": agency,
                "year": year,
                "title": f"{agency}{year}年政府信息公开工作年度报告",
            }
            parses.append(
                {
                    "text_id": tid,
                    "parser": report_parser.PARSER_NAME,
                    "parser_version": report_parser.PARSER_VERSION,
                    "result": res,
                    "agency": agency,
                    "year": year,
                    "is_report": True,
                    "created_at": moment,
                }
            )
            resources[-1]["latest_sha256"], resources[-1]["latest_payload_capture_id"] = sha, cid
        paths.append(f"/reports/{year}/{quote(agency)}")
        if versions == 2:
            pairs.append((cid - 1, cid))
    engine = sa.create_engine(f"sqlite:///{directory / 'catalog.sqlite'}")
    with engine.begin() as conn:
        # a throw-away archive: no fsync per page, and room for the indexes in memory
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.exec_driver_sql("PRAGMA cache_size=-262144")
        _insert(conn, Resource.__table__, resources)
        _insert(conn, Capture.__table__, captures)
        _insert(conn, TextRow.__table__, texts)  # the triggers index them for search
        _insert(conn, ParseRow.__table__, parses)
    engine.dispose()
    return {"paths": paths, "pairs": pairs, "texts": len(texts)}


def _capture(
    cid: int, rid: int, url: str, sha: str, moment: datetime, run: int, n: int, v: int
) -> dict:
    return {
        "id": cid,
        "resource_id": rid,
        "run_id": run,
        "requested_url": url,
        "final_url": url,
        "redirect_chain": [],
        "method": "GET",
        "status": 200,
        "reason": "OK",
        "request_headers": [],
        "response_headers": [["Content-Type", "text/html"]],
        "fetched_at": moment,
        "sha256": sha,
        "size": 5000,
        "media_type": "text/html",
        "charset": "utf-8",
        "warc_file": "bench.warc.gz",
        "warc_offset": 0,
        "warc_length": 0,
        "warc_record_id": f"<urn:uuid:{cid}>",
        "request_offset": 0,
        "request_length": 0,
        "portal": f"p{n % 20}",
        "found_from": "http://127.0.0.1:9/xxgk/",
        "anchor_text": "年报",
        "depth": 2,
        "candidate": True,
        "is_revisit": False,
        "revisit_of": None,
        "change": "new" if v == 0 else "changed",
        "changed": v > 0,
        "gone": False,
    }


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def timed(fn: Callable[[], object], count: int) -> list[float]:
    out = []
    for _ in range(count):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def serve(directory: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ogi",
            "serve",
            "--archive",
            str(directory),
            "--port",
            "0",
            "--portals",
            "/nonexistent",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip().rstrip("/")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=20_000)
    ap.add_argument("--requests", type=int, default=40, help="timed requests per endpoint")
    args = ap.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="ogi-bench-serve-") as tmp:
        directory = Path(tmp) / "archive"
        t = time.perf_counter()
        plan = build(directory, args.reports)
        print(
            f"built {args.reports} reports ({plan['texts']} texts) in "
            f"{time.perf_counter() - t:.1f} s"
        )
        t = time.perf_counter()
        proc, base = serve(directory)
        print(f"ogi serve ready in {time.perf_counter() - t:.1f} s (report index built)")
        try:
            measure(base, directory, plan, args.requests, rng)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def measure(base: str, directory: Path, plan: dict, count: int, rng: random.Random) -> None:
    paths, pairs = plan["paths"], plan["pairs"] or [(1, 1)]
    endpoints: dict[str, Callable[[], str]] = {
        "coverage page /": lambda: "/",
        "coverage API": lambda: "/api/coverage?limit=100",
        "report page": lambda: rng.choice(paths),
        "report API": lambda: "/api" + rng.choice(paths),
        "reports API list": lambda: f"/api/reports?limit=50&offset={rng.randrange(0, 1000)}",
        "search page": lambda: f"/search?q={quote(rng.choice(SEARCH_TERMS))}",
        "search API": lambda: f"/api/search?q={quote(rng.choice(SEARCH_TERMS))}&limit=20",
        "search API filtered": lambda: (
            f"/api/search?q={quote(rng.choice(SEARCH_TERMS))}&year={rng.choice(YEARS)}"
        ),
        "diff page": lambda: "/diff?a={}&b={}".format(*rng.choice(pairs)),
        "runs page": lambda: "/runs",
        "runs API": lambda: "/api/runs",
    }
    engine = sa.create_engine(f"sqlite:///{directory / 'catalog.sqlite'}")
    # TCP_NODELAY: without it Nagle + delayed ACKs add ~40 ms to every request
    nodelay = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    with httpx.Client(base_url=base, timeout=30, transport=nodelay) as client:

        def get(path: str) -> None:
            resp = client.get(path)
            if resp.status_code != 200:
                raise SystemExit(f"{path}: HTTP {resp.status_code}: {resp.text[:200]}")

        for make in endpoints.values():  # warm-up: caches, first template compile
            get(make())
        health = percentiles(timed(lambda: get("/api/health"), count))
        with engine.connect() as conn:
            ids = [rng.randrange(1, plan["texts"]) for _ in range(count)]
            q = sa.select(Capture.__table__).where(Capture.__table__.c.id == sa.bindparam("i"))
            direct = percentiles(timed(lambda: conn.execute(q, {"i": ids.pop()}).all(), count))
        print(f"baseline /api/health      p50 {health[0]:7.1f} ms  p95 {health[1]:7.1f} ms")
        print(f"baseline direct SQL query p50 {direct[0]:7.1f} ms  p95 {direct[1]:7.1f} ms")
        worst = 0.0
        for name, make in endpoints.items():
            p50, p95 = percentiles(timed(lambda make=make: get(make()), count))
            worst = max(worst, p95)
            verdict = "ok" if p95 < TARGET_MS else "OVER"
            print(
                f"{name:22s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"p95/target {p95 / TARGET_MS:5.2f}  p95/health {p95 / health[1]:6.1f}x  "
                f"{verdict}"
            )
    engine.dispose()
    print(
        f"worst p95 {worst:.1f} ms against the {TARGET_MS:.0f} ms target: "
        + ("met" if worst < TARGET_MS else "NOT met")
    )


if __name__ == "__main__":
    main()
