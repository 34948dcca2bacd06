"""Benchmark: `ogi export` of reports + long-form statistics against `ogi reports`.

    .venv/bin/python bench/bench_export.py [--reports 2000]

Builds a throw-away archive of N report captures (the five seed reports' parse results,
each under its own agency so every one is a report of its own), then times, in the same
run, the baseline `ogi reports --format jsonl` (the same catalog read and grouping) and
`ogi export` in jsonl, csv and parquet (both tables and datapackage.json) and wacz, and
prints each as a ratio to the baseline. The export adds writing about 60 statistic rows
per report; a ratio near 1-3x means the catalog read, not the writers, dominates.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import parser as report_parser
from archive import Archive, FetchRecord
from ogi import commands
from ogi.export_rows import ExportFilter

SEEDS = Path(__file__).parents[1] / "mockportal" / "data" / "seeds"


def _fetch(i: int, body: bytes) -> FetchRecord:
    return FetchRecord(
        requested_url=f"http://127.0.0.1:9/report/{i}.html",
        final_url=f"http://127.0.0.1:9/report/{i}.html",
        redirect_chain=(),
        method="GET",
        request_headers=(("User-Agent", "ogi-bench"),),
        request_body=b"",
        status=200,
        reason="OK",
        response_headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=body,
        fetched_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=i),
        portal="bench",
        media_type="text/html",
        candidate=True,
    )


def build(directory: Path, count: int) -> None:
    seeds = [
        report_parser.parse(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))
    ]
    with Archive.open(directory) as arc:
        run = arc.start_run(software={}, settings_digest="-", portals_digest="-")
        for i in range(count):
            report = seeds[i % len(seeds)].to_dict()
            report["agency"] = report["agency_normalized"] = f"{report['agency']}{i}"
            body = f"<html><body>report {i}</body></html>".encode()
            captured = arc.record(_fetch(i, body), run)
            arc.flush()
            text_id = arc.add_text(
                sha256=captured.sha256, extractor="bench", extractor_version="1",
                options={}, text=f"report {i}", error=None, meta={},
            )  # fmt: skip
            arc.add_parse(
                text_id=text_id, parser=report_parser.PARSER_NAME,
                parser_version=report_parser.PARSER_VERSION, result=report,
                agency=report["agency"], year=report["year"], is_report=True,
            )  # fmt: skip
        arc.finish_run(run, {})


def _timed(action) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        action()
    return time.perf_counter() - start


def _export(archive: Path, fmt: str, target: Path) -> None:
    with redirect_stderr(io.StringIO()):
        commands.export(archive, None, fmt, target, "all", ExportFilter())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=2000)
    n = ap.parse_args().reports
    with tempfile.TemporaryDirectory() as tmp:
        archive, out = Path(tmp) / "archive", Path(tmp) / "out"
        build(archive, n)
        _export(archive, "parquet", out / "warm-up")  # imports and caches out of the timing
        base = _timed(lambda: commands.reports(archive, None, "jsonl", None, None, None))
        print(f"reports: {n}; baseline `ogi reports --format jsonl`: {base:.2f} s")
        for fmt in ("jsonl", "csv", "parquet", "wacz"):
            target = out / (f"all.{fmt}" if fmt == "wacz" else fmt)
            out.mkdir(exist_ok=True)
            took = _timed(lambda f=fmt, t=target: _export(archive, f, t))
            print(f"export {fmt:8s} {took:6.2f} s  ratio to baseline {took / base:5.2f}x")


if __name__ == "__main__":
    main()
