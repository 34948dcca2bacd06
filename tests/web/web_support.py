"""A test archive made by really crawling the seeds mock portal twice (a report revised in
between, with an injected ``<script>`` and a changed number), and `ogi serve` over it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from e2e_support import FAST, control, jsonl, mock_portal, ogi, portals_file

ROOT = Path(__file__).parents[2]

__all__ = ["FAST", "jsonl", "ogi"]

REVISED = ("自治区科技厅", 2018)
INJECTED = '<script>alert("xss")</script>'
CORRECTION = "（本报告于2019年4月更正）"


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def build_archive(tmp: Path) -> dict:
    """Crawl, revise one report (a number, a correction line, an escaped script), recrawl.

    Returns the revised report's row from `ogi reports --format jsonl` and the paths."""
    archive = tmp / "archive"
    with mock_portal() as base:
        portals = portals_file(tmp, base)
        crawl = ["crawl", "--portals", portals, "--archive", archive, *FAST, "-q"]
        ogi(*crawl)
        rows = {(r["agency"], r["year"]): r for r in _reports(archive)}
        target = rows[REVISED]
        page = _get(target["url"]).decode("utf-8")
        escaped = INJECTED.replace("<", "&lt;").replace(">", "&gt;")
        editor = '<div class="TRS_Editor">'
        revised = page.replace("2427", "2428", 1).replace(
            editor, f"{editor}<p>{CORRECTION}</p><p>{escaped}</p>", 1
        )
        path = target["url"][len(base) :]
        body = {
            "path": path,
            "status": 200,
            "body_text": revised,
            "content_type": "text/html; charset=utf-8",
        }
        control(base, "set", body)
        ogi(*crawl)
    return {"archive": archive, "portals": portals, "target": target}


def _reports(archive: Path) -> list[dict]:
    return jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))


@contextmanager
def running_server(archive: Path, portals: Path) -> Iterator[str]:
    """`ogi serve --port 0` as its own process; yields the base URL it prints."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ogi",
            "serve",
            "--archive",
            str(archive),
            "--port",
            "0",
            "--portals",
            str(portals),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            proc.kill()
            raise AssertionError(f"ogi serve did not start: {url!r} {proc.stderr.read()[-2000:]}")
        yield url.rstrip("/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def in_ci() -> bool:
    """As tests/conftest.py: under CI=true a missing browser fails instead of skipping."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
