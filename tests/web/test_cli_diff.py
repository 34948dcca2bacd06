"""`ogi diff A B`: the same comparison as the workbench's diff page, on the command line."""

from __future__ import annotations

import json

import pytest
from web_support import CORRECTION, REVISED, jsonl, ogi

pytestmark = pytest.mark.slow


def _versions(crawled: dict) -> list[int]:
    rows = jsonl(ogi("reports", "--archive", crawled["archive"], "--format", "jsonl"))
    row = next(r for r in rows if (r["agency"], r["year"]) == REVISED)
    return [c["capture_id"] for c in row["captures"]]


def test_diff_prints_unified_text_and_changed_stats(crawled: dict) -> None:
    a, b = _versions(crawled)
    out = ogi("diff", a, b, "--archive", crawled["archive"]).stdout.decode()
    assert out.startswith(f"--- capture {a} ") and f"+++ capture {b} " in out
    assert "+（本报告于2019年4月更正）" in out or f"+{CORRECTION}" in out
    assert "2427" in out and "2428" in out and "changed" in out  # the statistics table


def test_diff_json_and_errors(crawled: dict) -> None:
    a, b = _versions(crawled)
    doc = json.loads(ogi("diff", a, b, "--archive", crawled["archive"], "-f", "json").stdout)
    assert doc["a"]["capture_id"] == a and doc["b"]["capture_id"] == b
    assert [(s["before"], s["after"]) for s in doc["stats"]] == [(2427, 2428)]
    same = json.loads(ogi("diff", a, a, "--archive", crawled["archive"], "-f", "json").stdout)
    assert same["same_text"] and same["unified"] == [] and same["stats"] == []
    bad = ogi("diff", a, 999999, "--archive", crawled["archive"], check=False)
    assert bad.returncode == 2 and bad.stderr.decode().startswith("ogi: error: no capture")
    fmt = ogi("diff", a, b, "--archive", crawled["archive"], "-f", "xml", check=False)
    assert fmt.returncode == 2 and b"unknown format" in fmt.stderr


def test_serve_refuses_a_missing_archive_in_one_line(tmp_path) -> None:
    proc = ogi("serve", "--archive", tmp_path / "none", "--port", "0", check=False)
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("ogi: error: no archive at")
    assert proc.stdout == b""
