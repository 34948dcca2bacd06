"""The exports read a PostgreSQL catalog the same way as SQLite: rows equal `ogi reports`."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from e2e_support import FAST, jsonl, mock_portal, ogi, portals_file

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_export_from_a_postgresql_catalog(tmp_path: Path, pg_catalog_url: str) -> None:
    where = ["--archive", str(tmp_path / "archive"), "--catalog", pg_catalog_url]
    with mock_portal() as base:
        ogi("crawl", "--portals", portals_file(tmp_path, base), *where, *FAST, "-q")
    reports = jsonl(ogi("reports", *where, "--format", "jsonl"))
    out = tmp_path / "out"
    ogi("export", *where, "--format", "jsonl", "--out", out)
    lines = (out / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == reports
    ogi("export", *where, "--format", "parquet", "--table", "stats", "--out", out / "pq")
    stats = pq.read_table(out / "pq" / "stats.parquet").to_pylist()
    assert len(stats) == sum(len(r["stats"]) for r in reports) > 0
    hit = [
        s["value"] for s in stats if s["agency"] == "自治区科技厅" and s["key"] == "active.total"
    ]
    assert hit == [2427.0]
