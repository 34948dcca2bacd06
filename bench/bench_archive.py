"""Benchmark: CPU µs per Archive.record() and per stored extraction result (write path).

    .venv/bin/python bench/bench_archive.py [--portals 4] [--pages 150] [--rounds 2]

Feeds the archive the pages a correct crawler fetches from a generated portal farm
(mockportal.farm rendered in-process, no sockets: the same HTML, attachments and 404s
as bench/crawl.py), with Scrapy-shaped headers, into a fresh SQLite archive: first
crawl (every URL new), then a recrawl of the same pages (unchanged: revisits). Then
add_text + add_parse for every candidate page, as ogi.pipeline.store_result does.

CPU time is process time including the batch commits (fsync waits do not count). The
WARC size is printed too, so a change of compression shows what it costs on disk.
Run another checkout's archive package on the same data with ``--root <checkout>``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def fetches(portals: int, pages: int, seed: int) -> list[Any]:
    from archive import FetchRecord
    from mockportal.farm import FarmPlan, reachable, render

    plan = FarmPlan(portals, pages, seed)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for portal in plan.portals:
        base = f"http://{portal.host}:8080"
        for path in reachable(portal):
            status, ctype, body = render(portal, path)
            moment += timedelta(milliseconds=7)
            url = base + path
            out.append(
                FetchRecord(
                    requested_url=url,
                    final_url=url,
                    redirect_chain=(),
                    method="GET",
                    request_headers=(
                        ("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),
                        ("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"),
                        ("User-Agent", "ogi-archive/0.1 (+https://example.org/bot)"),
                        ("Accept-Encoding", "gzip, deflate, br"),
                        ("Referer", base + "/"),
                    ),
                    request_body=b"",
                    status=status,
                    reason="OK" if status == 200 else "Not Found",
                    response_headers=(
                        ("Content-Type", ctype),
                        ("Content-Length", str(len(body))),
                        ("Server", "nginx"),
                        ("Date", "Thu, 01 Jan 2026 00:00:00 GMT"),
                        ("Last-Modified", "Wed, 31 Dec 2025 08:00:00 GMT"),
                        ("Etag", f'"{len(body):x}-{hash(path) & 0xFFFF:x}"'),
                    ),
                    body=body,
                    fetched_at=moment,
                    portal=portal.host,
                    found_from=base + "/",
                    anchor_text="政府信息公开年度报告",
                    depth=path.count("/"),
                    media_type=ctype.split(";")[0],
                    charset="utf-8" if ctype.startswith("text/") else None,
                    ip_address="127.0.0.1",
                    candidate="report" in path or path.endswith((".pdf", ".doc", ".docx")),
                )
            )
    return out


def later(fetch: Any, days: int) -> Any:
    import dataclasses

    return dataclasses.replace(fetch, fetched_at=fetch.fetched_at + timedelta(days=days))


def timed(fn: Any) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def run(args: argparse.Namespace) -> None:
    from archive import Archive

    pages = fetches(args.portals, args.pages, args.seed)
    candidates = [f for f in pages if f.candidate and f.status == 200][: args.texts]
    text = (ROOT / "mockportal" / "data" / "seeds").glob("*.txt")
    sample = next(iter(sorted(text))).read_text(encoding="utf-8")
    result = {f"row{i}": {"value": i, "unit": "件", "label": "政府信息公开申请"} for i in range(60)}
    print(f"{len(pages)} fetches ({sum(len(f.body) for f in pages) / 2**20:.1f} MB of bodies)")
    for rnd in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="ogi-bench-arc-") as tmp:
            arc = Archive.open(Path(tmp) / "a")
            run_id = arc.start_run(software={}, settings_digest="s", portals_digest="p")
            results: list[Any] = []

            def first(run_id: int = run_id, arc: Any = arc, results: list[Any] = results) -> None:
                results.extend(arc.record(f, run_id) for f in pages)
                arc.flush()

            def again(run_id: int = run_id, arc: Any = arc) -> None:
                for f in pages:
                    arc.record(later(f, 1), run_id)
                arc.flush()

            def store(arc: Any = arc, results: list[Any] = results) -> None:
                for i, f in enumerate(candidates):
                    text_id = arc.add_text(
                        sha256=f"{i:064x}",
                        extractor="html",
                        extractor_version="3+bench",
                        options={"ocr": False},
                        text=sample + f"（{i}）",
                        error=None,
                        meta={"title": f.final_url, "charset": "utf-8", "page_meta": {}},
                    )
                    arc.add_parse(
                        text_id=text_id,
                        parser="ogi-report",
                        parser_version="9",
                        result=result,
                        agency="示例县人民政府",
                        year=2024,
                        is_report=True,
                    )
                arc.flush()

            t_new, t_again, t_store = timed(first), timed(again), timed(store)
            arc.close()
            size = sum(p.stat().st_size for p in (Path(tmp) / "a" / "warc").glob("*"))
        n, k = len(pages), max(1, len(candidates))
        print(
            f"round {rnd + 1}: record() new {1e6 * t_new / n:.0f} µs, recrawl "
            f"{1e6 * t_again / n:.0f} µs per capture; add_text+add_parse "
            f"{1e6 * t_store / k:.0f} µs per result ({k}); WARC {size / 2**20:.2f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portals", type=int, default=4)
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose archive to run")
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    run(args)


if __name__ == "__main__":
    main()
