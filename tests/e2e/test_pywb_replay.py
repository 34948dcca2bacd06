"""pywb, the reference replay tool, indexes our WARC files as they are and replays a
captured report byte for byte (pywb lives in its own venv: `make test` builds it)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from e2e_support import FAST, control, jsonl, mock_portal, ogi, portals_file
from pywb_tools import pywb_bin, wayback_replay

pytestmark = pytest.mark.slow


def test_pywb_indexes_and_replays_our_warcs(tmp_path: Path) -> None:
    pywb = pywb_bin()
    archive = tmp_path / "archive"
    with mock_portal() as base:
        portals = portals_file(tmp_path, base)
        ogi("crawl", "--portals", portals, "--archive", archive, *FAST, "-q")
        # a report page taken down: the recrawl records its 404 (and revisits the rest)
        control(base, "delete", {"path": "/xxgk/zfxxgknb/201903/t20190315_106.html"})
        ogi("crawl", "--portals", portals, "--archive", archive, *FAST, "-q")
    rows = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    pdf = next(r for r in rows if r["media_type"] == "application/pdf")

    work = tmp_path / "pywb"
    work.mkdir()
    subprocess.run([pywb / "wb-manager", "init", "ogi"], cwd=work, check=True, capture_output=True)
    warcs = sorted(str(p) for p in (archive / "warc").glob("*.warc.gz"))
    subprocess.run(
        [pywb / "wb-manager", "add", "ogi", *warcs], cwd=work, check=True, capture_output=True
    )
    index = (work / "collections" / "ogi" / "indexes" / "index.cdxj").read_text()
    assert pdf["url"] in index and '"status": "404"' in index

    replayed = wayback_replay(pywb, work, "ogi", pdf["url"])
    assert hashlib.sha256(replayed).hexdigest() == pdf["sha256"]
