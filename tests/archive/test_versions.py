"""Versions: unchanged payloads are revisits, changed ones new versions, 404 marks gone."""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from archive_testdata import fetch
from warcio.archiveiterator import ArchiveIterator

from archive import Archive, CaptureNotFound
from archive.resources import canonical_url

URL = "http://127.0.0.1:8000/xxgk/zfxxgknb/t20190327_1.html"
# incompressible, so WARC growth measures whether the body was stored again
V1 = "自治区科技厅 2018 年政府信息公开工作年度报告".encode() + random.Random(1).randbytes(20_000)
V2 = V1 + "（修订）".encode()


def _records(archive: Archive) -> list[str]:
    types = []
    for path in sorted((archive.directory / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            types += [r.rec_type for r in ArchiveIterator(fh)]
    return types


def test_first_capture_is_new_and_round_trips(archive: Archive, run_id: int) -> None:
    result = archive.record(
        fetch(URL, V1, portal="nx-kjt", found_from="http://x/", depth=2), run_id
    )
    archive.flush()
    assert result.change == "new"
    assert result.sha256 == hashlib.sha256(V1).hexdigest()
    info = archive.capture(result.capture_id)
    assert (info.portal, info.found_from, info.depth, info.status) == (
        "nx-kjt",
        "http://x/",
        2,
        200,
    )
    assert archive.payload(result.capture_id) == V1


def test_identical_payload_is_a_revisit_without_new_payload(archive: Archive, run_id: int) -> None:
    first = archive.record(fetch(URL, V1), run_id)
    archive.flush()
    size_before = sum(p.stat().st_size for p in (archive.directory / "warc").glob("*"))
    again = archive.record(fetch(URL, V1), run_id)
    archive.flush()
    grown = sum(p.stat().st_size for p in (archive.directory / "warc").glob("*")) - size_before
    assert again.change == "unchanged"
    assert grown < len(V1) / 4  # a revisit and a request record, not the body again
    assert _records(archive).count("revisit") == 1
    info = archive.capture(again.capture_id)
    assert info.is_revisit and info.revisit_of == first.capture_id
    assert archive.payload(again.capture_id) == V1
    assert [v.change for v in archive.versions(URL)] == ["new", "unchanged"]


def test_changed_payload_is_a_new_version(archive: Archive, run_id: int) -> None:
    archive.record(fetch(URL, V1), run_id)
    second = archive.record(fetch(URL, V2), run_id)
    archive.flush()
    assert second.change == "changed"
    versions = archive.versions(URL)
    assert [v.changed for v in versions] == [False, True]
    assert archive.payload(versions[0].id) == V1
    assert archive.payload(versions[1].id) == V2


def test_404_after_success_marks_gone_and_keeps_old_bytes(archive: Archive, run_id: int) -> None:
    old = archive.record(fetch(URL, V1), run_id)
    gone = archive.record(fetch(URL, b"<h1>404</h1>", 404, reason="Not Found"), run_id)
    archive.flush()
    assert gone.change == "gone"
    assert archive.versions(URL)[-1].gone
    assert hashlib.sha256(archive.payload(old.capture_id)).hexdigest() == old.sha256
    back = archive.record(fetch(URL, V1), run_id)
    assert back.change == "unchanged"


def test_404_never_seen_before_is_an_error_not_gone(archive: Archive, run_id: int) -> None:
    assert archive.record(fetch(URL, b"nf", 404), run_id).change == "error"


def test_not_modified_is_a_revisit_of_the_latest_version(archive: Archive, run_id: int) -> None:
    first = archive.record(fetch(URL, V1), run_id)
    nm = archive.record(fetch(URL, b"", 304, reason="Not Modified"), run_id)
    archive.flush()
    assert nm.change == "unchanged" and nm.sha256 == first.sha256
    assert archive.payload(nm.capture_id) == V1


def test_versions_accepts_a_non_canonical_form(archive: Archive, run_id: int) -> None:
    archive.record(fetch("http://127.0.0.1:8000/a?b=2&a=1", V1), run_id)
    archive.flush()
    assert len(archive.versions("http://127.0.0.1:8000/a?a=1&b=2#top")) == 1


def test_unknown_capture_is_a_clear_error(archive: Archive) -> None:
    with pytest.raises(CaptureNotFound, match="no capture with id 999"):
        archive.capture(999)
    with pytest.raises(CaptureNotFound):
        archive.payload(999)


def test_captures_survive_reopen(open_archive, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    arc = open_archive()
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    cid = arc.record(fetch(URL, V1), run).capture_id
    arc.finish_run(run, {"pages": 1})
    arc.close()
    again = open_archive(create=False, readonly=True)
    assert again.payload(cid) == V1
    assert again.runs()[0].stats == {"pages": 1}


def test_gone_sets_gone_at_and_a_later_success_clears_it(archive: Archive, run_id: int) -> None:
    archive.record(fetch(URL, V1), run_id)
    gone = archive.record(fetch(URL, b"gone", 410, reason="Gone"), run_id)
    again = archive.record(fetch(URL, b"still gone", 404, reason="Not Found"), run_id)
    archive.flush()
    res = archive.resource(URL)
    assert res is not None and res.gone_at == archive.capture(gone.capture_id).fetched_at
    assert (gone.change, again.change) == ("gone", "gone")
    assert res.gone_at is not None and res.gone_at.tzinfo is not None
    back = archive.record(fetch(URL, V2), run_id)
    archive.flush()
    res = archive.resource(URL)
    assert back.change == "changed" and res is not None and res.gone_at is None
    assert res.latest_sha256 == back.sha256 and res.latest_capture_id == back.capture_id


def test_other_errors_are_recorded_but_are_not_versions(archive: Archive, run_id: int) -> None:
    ok = archive.record(fetch(URL, V1), run_id)
    err = archive.record(fetch(URL, b"oops", 500, reason="Internal Server Error"), run_id)
    same = archive.record(fetch(URL, V1), run_id)
    archive.flush()
    assert (err.change, same.change) == ("error", "unchanged")
    assert archive.payload(err.capture_id) == b"oops"
    assert archive.capture(same.capture_id).revisit_of == ok.capture_id


def test_every_capture_field_round_trips(archive: Archive, run_id: int) -> None:
    east8 = timezone(timedelta(hours=8))
    sent = replace(
        fetch("http://127.0.0.1:1/old?id=1", V1, portal="p", anchor_text="年报", candidate=True),
        final_url="http://127.0.0.1:1/new/report.html",
        redirect_chain=("http://127.0.0.1:1/old?id=1", "http://127.0.0.1:1/new/report.html"),
        charset="gb18030",
        fetched_at=datetime(2025, 3, 1, 16, 0, tzinfo=east8),
        ip_address="127.0.0.1",
    )
    done = archive.record(sent, run_id)
    archive.flush()
    info = archive.capture(done.capture_id)
    assert (info.requested_url, info.final_url) == (sent.requested_url, sent.final_url)
    assert info.redirect_chain == sent.redirect_chain
    assert info.response_headers == sent.response_headers
    assert info.fetched_at == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    assert (info.media_type, info.charset, info.run_id) == ("text/html", "gb18030", run_id)
    assert (info.candidate, info.anchor_text, info.portal) == (True, "年报", "p")
    assert (info.size, info.sha256, info.url) == (
        len(V1),
        done.sha256,
        canonical_url(sent.requested_url),
    )
    assert archive.versions(sent.requested_url) == [info]
    assert [c.id for c in archive.captures(candidates_only=True)] == [info.id]


def test_many_urls_and_versions_stay_apart(archive: Archive, run_id: int) -> None:
    for round_ in range(3):
        for i in range(5):
            body = b"page %d" % i + (b" v2" if round_ == 2 and i % 2 else b"")
            archive.record(fetch(f"{URL}?n={i}", body), run_id)
    archive.flush()
    changes = [[c.change for c in archive.versions(f"{URL}?n={i}")] for i in range(5)]
    assert changes[0] == ["new", "unchanged", "unchanged"]
    assert changes[1] == ["new", "unchanged", "changed"]
