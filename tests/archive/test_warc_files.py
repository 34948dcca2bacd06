"""The WARC files themselves: standard, digest-checked, rotated, repaired, exported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from archive_testdata import fetch
from warcio.archiveiterator import ArchiveIterator

from archive import Archive, ArchiveLocked, ArchiveNotFound

BIN = Path(sys.executable).parent


def _warcs(archive: Archive) -> list[Path]:
    return sorted((archive.directory / "warc").glob("*.warc.gz"))


def _fill(archive: Archive, run_id: int, n: int, size: int = 3000) -> list[int]:
    ids = []
    for i in range(n):
        body = f"第{i}页 ".encode() * (size // 8)
        ids.append(archive.record(fetch(f"http://127.0.0.1:1/p{i}.html", body), run_id).capture_id)
    archive.flush()
    return ids


def test_records_are_warc_1_1_with_sha256_digests_that_warcio_verifies(
    archive: Archive, run_id: int
) -> None:
    _fill(archive, run_id, 3)
    archive.record(fetch("http://127.0.0.1:1/p0.html", "第0页 ".encode() * 375), run_id)
    archive.flush()
    (path,) = _warcs(archive)
    check = subprocess.run(
        [BIN / "warcio", "check", "-v", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout
    with open(path, "rb") as fh:
        records = list(ArchiveIterator(fh))
    with open(path, "rb") as fh:
        info = next(iter(ArchiveIterator(fh))).content_stream().read().decode()
    assert [r.rec_type for r in records][:3] == ["warcinfo", "response", "request"]
    assert all(r.rec_headers.protocol == "WARC/1.1" for r in records)
    assert "software: ogi-archive" in info and "ogi-crawl-run:" in info and "hostname:" in info
    revisit = next(r for r in records if r.rec_type == "revisit")
    assert revisit.rec_headers.get_header("WARC-Profile").endswith("identical-payload-digest")
    assert revisit.rec_headers.get_header("WARC-Payload-Digest").startswith("sha256:")


def test_cdxj_indexer_indexes_the_files(archive: Archive, run_id: int) -> None:
    _fill(archive, run_id, 2)
    out = subprocess.run(
        [BIN / "cdxj-indexer", *map(str, _warcs(archive))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line for line in out.splitlines() if "/p" in line]
    assert len(lines) == 2 and '"status": "200"' in lines[0]


def test_files_rotate_at_the_size_limit(open_archive) -> None:  # type: ignore[no-untyped-def]
    arc = open_archive(warc_max_bytes=4000)
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    ids = _fill(arc, run, 12, size=6000)
    assert len(_warcs(arc)) >= 3
    for path in _warcs(arc):
        with open(path, "rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"
    assert all(arc.payload(i).startswith("第".encode()) for i in ids)


def test_torn_last_record_is_cut_and_quarantined_on_open(open_archive) -> None:  # type: ignore[no-untyped-def]
    arc = open_archive()
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    ids = _fill(arc, run, 3)
    arc.close()
    (path,) = _warcs(arc)
    good_size = path.stat().st_size
    with open(path, "ab") as fh:  # a crash in the middle of writing the next record
        fh.write(_fill_member_prefix())
    again = open_archive()
    assert path.stat().st_size == good_size
    quarantined = list((again.directory / "quarantine").iterdir())
    assert len(quarantined) == 1 and quarantined[0].stat().st_size == len(_fill_member_prefix())
    assert all(again.payload(i) for i in ids)
    check = subprocess.run([BIN / "warcio", "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0


def _fill_member_prefix() -> bytes:
    import gzip

    whole = gzip.compress(
        b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 5000\r\n\r\n" + b"x" * 900
    )
    return whole[: len(whole) // 2]


def test_second_writer_gets_a_clear_error(open_archive) -> None:  # type: ignore[no-untyped-def]
    open_archive()
    with pytest.raises(ArchiveLocked, match="in use by another ogi process"):
        open_archive(lock_wait=0.3)


def test_missing_archive_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveNotFound, match="no archive at"):
        Archive.open(tmp_path / "nothing", create=False, readonly=True)


def test_export_is_a_standalone_verified_warc(
    archive: Archive, run_id: int, tmp_path: Path
) -> None:
    ids = _fill(archive, run_id, 2)
    archive.record(fetch("http://127.0.0.1:1/p1.html", "第1页 ".encode() * 375), run_id)
    archive.flush()
    out = tmp_path / "export.warc.gz"
    assert archive.export_warc(out) == 3
    check = subprocess.run(
        [BIN / "warcio", "check", "-v", str(out)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout
    with open(out, "rb") as fh:
        types = [r.rec_type for r in ArchiveIterator(fh)]
    assert types.count("response") == 2 and types.count("revisit") == 1
    assert types.count("request") == 3 and types[0] == "warcinfo"
    assert ids
