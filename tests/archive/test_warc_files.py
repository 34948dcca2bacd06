"""The WARC files themselves: standard, digest-checked, rotated, repaired, exported."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from archive_testdata import fetch
from warcio.archiveiterator import ArchiveIterator

from archive import Archive, ArchiveNotFound, CaptureNotFound, StorageError
from archive.store import payload_digest

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


def test_file_names_are_unique_and_say_when_where_and_who(archive: Archive, run_id: int) -> None:
    _fill(archive, run_id, 1)
    (path,) = _warcs(archive)
    assert re.fullmatch(rf"ogi-\d{{20}}-[\w.-]+-{os.getpid()}-00001\.warc\.gz", path.name)


def test_every_digest_is_sha256_and_verifies(archive: Archive, run_id: int) -> None:
    _fill(archive, run_id, 2)
    archive.record(fetch("http://127.0.0.1:1/p0.html", "第0页 ".encode() * 375), run_id)
    archive.flush()
    (path,) = _warcs(archive)
    with open(path, "rb") as fh:  # "raise": any digest mismatch is an exception
        for record in ArchiveIterator(fh, check_digests="raise"):
            record.content_stream().read()
            assert record.rec_headers.get_header("WARC-Block-Digest").startswith("sha256:")
    with open(path, "rb") as fh:  # warcio does not check revisit digests, so do it here
        for record in ArchiveIterator(fh, no_record_parse=True):
            if record.rec_type == "revisit":
                block = record.raw_stream.read()
                digest = base64.b32encode(hashlib.sha256(block).digest()).decode()
                assert record.rec_headers.get_header("WARC-Block-Digest") == f"sha256:{digest}"


def test_decoded_bodies_carry_rewritten_headers(archive: Archive, run_id: int) -> None:
    received = (
        ("Content-Type", "application/pdf"),
        ("Content-Encoding", "gzip"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Length", "12"),
    )
    body = b"%PDF-1.4 decoded body"
    done = archive.record(
        replace(fetch("http://127.0.0.1:1/r.pdf", body), response_headers=received), run_id
    )
    archive.flush()
    (path,) = _warcs(archive)
    with open(path, "rb") as fh:
        response = next(r for r in ArchiveIterator(fh) if r.rec_type == "response")
        headers = response.http_headers
        assert response.content_stream().read() == body
    assert headers.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert headers.get_header("Content-Encoding") is None
    assert headers.get_header("Transfer-Encoding") is None
    assert headers.get_header("Content-Length") == str(len(body))
    assert archive.capture(done.capture_id).response_headers == received  # as received
    assert response.rec_headers.get_header("WARC-Payload-Digest") == payload_digest(body)


def test_rotation_keeps_files_under_the_limit_and_catalog_right(
    open_archive: Callable[..., Archive],
) -> None:
    arc = open_archive(warc_max_bytes=9000)
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    bodies = [random.Random(i).randbytes(2500) for i in range(10)]
    ids = [
        arc.record(fetch(f"http://127.0.0.1:1/r{i}", b), run).capture_id
        for i, b in enumerate(bodies)
    ]
    arc.flush()
    files = _warcs(arc)
    assert len(files) >= 3 and all(p.stat().st_size <= 9000 for p in files)
    assert {arc.capture(i).warc_file for i in ids} == {p.name for p in files}
    assert [arc.payload(i) for i in ids] == bodies


def test_a_single_fetch_larger_than_the_limit_gets_a_file_of_its_own(
    open_archive: Callable[..., Archive],
) -> None:
    arc = open_archive(warc_max_bytes=1000)
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    big = random.Random(3).randbytes(5000)
    a = arc.record(fetch("http://127.0.0.1:1/big", big), run).capture_id
    b = arc.record(fetch("http://127.0.0.1:1/small", b"s"), run).capture_id
    assert arc.capture(a).warc_file != arc.capture(b).warc_file and arc.payload(a) == big


def test_a_new_run_starts_a_file_whose_warcinfo_names_it(archive: Archive, run_id: int) -> None:
    _fill(archive, run_id, 1)
    second = archive.start_run(software={"ogi": "2"}, settings_digest="s", portals_digest="p")
    archive.record(fetch("http://127.0.0.1:1/next", b"n"), second)
    archive.flush()
    infos = []
    for path in _warcs(archive):
        with open(path, "rb") as fh:
            infos.append(next(iter(ArchiveIterator(fh))).content_stream().read().decode())
    assert [f"ogi-crawl-run: {run_id}" in infos[0], f"ogi-crawl-run: {second}" in infos[1]] == [
        True,
        True,
    ]


def test_export_of_a_revisit_brings_its_original_and_indexes(
    archive: Archive, run_id: int, tmp_path: Path
) -> None:
    _fill(archive, run_id, 2)
    again = archive.record(fetch("http://127.0.0.1:1/p1.html", "第1页 ".encode() * 375), run_id)
    archive.flush()
    out = tmp_path / "one.warc.gz"
    assert archive.export_warc(out, [again.capture_id]) == 2
    cdx = subprocess.run(
        [BIN / "cdxj-indexer", str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(cdx) == 2 and '"mime": "warc/revisit"' in cdx[1]
    with open(out, "rb") as fh:
        records = [
            r
            for r in ArchiveIterator(fh, check_digests="raise")
            if r.content_stream().read() is not None
        ]
    ids = {r.rec_headers.get_header("WARC-Record-ID") for r in records}
    revisit = next(r for r in records if r.rec_type == "revisit")
    assert revisit.rec_headers.get_header("WARC-Refers-To") in ids


def test_export_refuses_unknown_ids_and_existing_files(
    archive: Archive, run_id: int, tmp_path: Path
) -> None:
    _fill(archive, run_id, 1)
    out = tmp_path / "x.warc.gz"
    with pytest.raises(CaptureNotFound):
        archive.export_warc(out, [12345])
    assert not out.exists() and list(tmp_path.glob("*.part")) == []
    out.write_bytes(b"keep me")
    with pytest.raises(StorageError, match="exists"):
        archive.export_warc(out)
    assert out.read_bytes() == b"keep me"


def test_provenance_travels_in_the_warc_record(archive: Archive, run_id: int) -> None:
    """The WARCs are the source of truth: provenance must be readable from them alone."""
    from urllib.parse import unquote

    url = "http://127.0.0.1:1/xxgk/年报/t1.html"
    record = replace(
        fetch(url, b"<p>report</p>"),
        portal="nx-kjt",
        found_from="http://127.0.0.1:1/xxgk/index.html",
        anchor_text="2018年政府信息公开工作年度报告",
        depth=3,
        candidate=True,
        charset="gb18030",
        requested_url="http://127.0.0.1:1/old",
        redirect_chain=("http://127.0.0.1:1/old", url),
    )
    archive.record(record, run_id)
    archive.flush()
    with open(_warcs(archive)[0], "rb") as fh:
        response = next(r for r in ArchiveIterator(fh) if r.rec_type == "response")
    h = response.rec_headers
    assert h.get_header("WARC-Ogi-Portal") == "nx-kjt"
    assert h.get_header("WARC-Ogi-Requested-URI") == "http://127.0.0.1:1/old"
    assert len(h.get_header("WARC-Ogi-Redirect-Chain").split()) == 2
    assert unquote(h.get_header("WARC-Ogi-Anchor")) == "2018年政府信息公开工作年度报告"
    assert h.get_header("WARC-Ogi-Found-From").endswith("/xxgk/index.html")
    assert (h.get_header("WARC-Ogi-Depth"), h.get_header("WARC-Ogi-Candidate")) == ("3", "1")
    assert h.get_header("WARC-Ogi-Charset") == "gb18030"
