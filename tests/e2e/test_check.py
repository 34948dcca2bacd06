"""`ogi check`: a clean archive passes; a damaged record or an unknown one is reported."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from e2e_support import ogi

from archive import Archive, FetchRecord

pytestmark = pytest.mark.slow


def _archive(path: Path) -> Path:
    from datetime import UTC, datetime

    with Archive.open(path) as arc:
        run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
        for i in range(3):
            url = f"http://127.0.0.1:1/xxgk/年报/{i}.html"
            body = f"<p>第{i}份报告</p>".encode() * 200
            arc.record(
                FetchRecord(url, url, (), "GET", (), b"", 200, "OK", (), body, datetime.now(UTC)),
                run,
            )
    return path


def _problems(path: Path) -> tuple[int, list[dict]]:
    proc = ogi("check", "--archive", path, "--format", "jsonl", check=False)
    return proc.returncode, [json.loads(x) for x in proc.stdout.decode().splitlines() if x]


def test_a_clean_archive_checks_clean(tmp_path: Path) -> None:
    code, problems = _problems(_archive(tmp_path / "a"))
    assert (code, problems) == (0, [])


def test_a_flipped_byte_is_reported_with_its_capture(tmp_path: Path) -> None:
    path = _archive(tmp_path / "a")
    with Archive.open(path, create=False, readonly=True) as arc:
        second = arc.capture(2)
    warc = path / "warc" / second.warc_file
    data = bytearray(warc.read_bytes())
    member = gzip.decompress(
        bytes(data[second.warc_offset : second.warc_offset + second.warc_length])
    )
    damaged = gzip.compress(member.replace("第1份".encode(), "第9份".encode()))
    data[second.warc_offset : second.warc_offset + second.warc_length] = damaged
    warc.write_bytes(bytes(data))
    code, problems = _problems(path)
    assert code == 1
    assert any(p["kind"] == "unreadable_record" and "capture 2 " in p["where"] for p in problems)


def test_records_the_catalog_lost_are_reported(tmp_path: Path) -> None:
    path = _archive(tmp_path / "a")
    copy = tmp_path / "b"
    shutil.copytree(path, copy)
    (copy / "catalog.sqlite").unlink()
    for extra in copy.glob("catalog.sqlite-*"):
        extra.unlink()
    with Archive.open(copy):
        pass  # a new, empty catalog beside the old WARC files
    code, problems = _problems(copy)
    assert code == 1
    assert sorted(p["kind"] for p in problems) == ["uncatalogued_record"] * 3
    repaired = ogi("check", "--repair", "--archive", copy, check=False)
    assert repaired.returncode == 0 and b"re-indexed 3 captures" in repaired.stderr
    assert _problems(copy) == (0, [])
