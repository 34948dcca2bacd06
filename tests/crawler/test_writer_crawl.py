"""Whole crawls of the seeds portal with the archive writer in its own process and
inline: the same captures and counts; a writer killed mid-crawl closes the crawl with
a clear reason and leaves an archive that checks clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_crawl_seeds import mock_portal

from archive import Archive

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def crawl(tmp: Path, base: str, label: str, **env: str) -> tuple[dict, list[dict], Path]:
    portals = tmp / "portals.toml"
    portals.write_text(
        f'[[portal]]\nname = "seeds"\nagency = "示例县人民政府"\nstart_urls = ["{base}/"]\n'
        "allow_private = true\n",
        encoding="utf-8",
    )
    archive, captures = tmp / label, tmp / f"{label}.jsonl"
    proc = subprocess.run(
        [sys.executable, str(HERE / "crawl_child.py"), str(portals), str(archive), str(captures)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, **env},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in captures.read_text(encoding="utf-8").splitlines()]
    return json.loads(proc.stdout.splitlines()[-1]), rows, archive


def _counts(stats: dict) -> dict:
    prefixes = ("ogi/pages", "ogi/captures", "ogi/portal")
    return {k: v for k, v in stats.items() if k.startswith(prefixes)}


def test_process_and_inline_writers_archive_the_same(tmp_path: Path) -> None:
    with mock_portal() as base:
        inline, inline_rows, _ = crawl(tmp_path, base, "inline", OGI_ARCHIVE_WRITER="inline")
        proc, proc_rows, archive = crawl(tmp_path, base, "process", OGI_ARCHIVE_WRITER="process")
    assert proc["per_portal"] == inline["per_portal"] and proc["per_portal"]["seeds"]["pages"] > 5
    assert _counts(proc["stats"]) == _counts(inline["stats"])
    assert proc["stats"]["finish_reason"] == "finished" and proc["run_id"] == 1

    def key(r: dict) -> tuple:
        return (r["requested_url"], r["change"], r["charset"], r["size"], r["candidate"])

    assert sorted(map(key, proc_rows)) == sorted(map(key, inline_rows))
    with Archive.open(archive, readonly=True) as arc:
        (run,) = arc.runs()
        assert _counts(run.stats) == _counts(inline["stats"])  # finish_run got the final stats
        assert arc.check().clean


def test_a_writer_killed_mid_crawl_closes_the_crawl_clearly(tmp_path: Path) -> None:
    with mock_portal() as base:
        outcome, rows, archive = crawl(
            tmp_path,
            base,
            "killed",
            OGI_ARCHIVE_WRITER="process",
            OGI_TEST_KILL_HOOK_PROCESS_AT="4",
        )
    stats = outcome["stats"]
    assert stats["finish_reason"] == "archive_writer_died"
    assert "killed by signal SIGKILL" in stats["ogi/archive_fatal"]
    assert len(rows) == 3  # the hook logged three captures, then its process died
    with Archive.open(archive, readonly=True) as arc:  # the crawl reopened it to finish
        report = arc.check()
        assert report.clean, report.problems
        assert len(list(arc.captures())) <= 4
        (run,) = arc.runs()
        assert "SIGKILL" in run.stats["ogi/archive_fatal"]
