"""Two writers on one PostgreSQL catalog race on its unique keys; no capture is lost.

Each session stages rows with ids of its own and writes them at its commit. When the
other session committed a row with the same unique key in between (the same extracted
text of a payload both fetched, the same URL found by both), the batch still commits:
the row that lost is not written, what pointed at it points at the winner's row.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from archive_testdata import fetch

from archive import Archive
from archive import catalog as catalog_mod

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_mod, "RETRY_BACKOFF", 0)


def _run(arc: Archive) -> int:
    return arc.start_run(software={"test": "1"}, settings_digest="s", portals_digest="p")


def _text(arc: Archive, sha256: str, text: str = "报告全文") -> int:
    return arc.add_text(
        sha256=sha256,
        extractor="pdf",
        extractor_version="1+test",
        options={"ocr": False},
        text=text,
        error=None,
        meta={},
    )


def _parse(arc: Archive, text_id: int) -> int:
    return arc.add_parse(
        text_id=text_id,
        parser="report",
        parser_version="1",
        result={"ok": True},
        agency="某县财政局",
        year=2024,
        is_report=True,
    )


def _rows(url: str, table: str) -> list[Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(f"select * from {table} order by id")))
    finally:
        engine.dispose()


def _two(tmp_path: Path, url: str) -> tuple[Archive, Archive]:
    return Archive.open(tmp_path, url), Archive.open(tmp_path, url)


def test_a_text_the_other_writer_committed_first_costs_no_capture(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    one, two = _two(tmp_path, pg_catalog_url)
    body = b"%PDF-1.4 the same seed report" * 20
    first = one.record(fetch("http://127.0.0.1:1/a.pdf", body), _run(one))
    staged_text = _text(one, first.sha256)  # staged, not written yet
    second = two.record(fetch("http://127.0.0.1:1/b.pdf", body), _run(two))
    winner = _text(two, second.sha256)
    two.flush()  # the other writer commits the same text first
    one.flush()  # used to raise: the unique key discarded the whole batch
    # a parse staged after the commit with the id add_text returned lands on the winner
    _parse(one, staged_text)
    one.flush()
    two.close()
    one.close()

    texts = _rows(pg_catalog_url, "text")
    assert [t.id for t in texts] == [winner]
    (parse,) = _rows(pg_catalog_url, "parse")
    assert parse.text_id == winner
    with Archive.open(tmp_path, pg_catalog_url, readonly=True) as arc:
        assert arc.capture(first.capture_id).sha256 == arc.capture(second.capture_id).sha256
        report = arc.check()
    assert report.clean, report.problems[:5]


def test_a_url_both_writers_found_is_one_resource_with_both_captures(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    one, two = _two(tmp_path, pg_catalog_url)
    url = "http://127.0.0.1:1/list.html"
    early = one.record(fetch(url, b"<html>first version</html>"), _run(one))
    late = two.record(fetch(url, b"<html>second version</html>"), _run(two))
    two.flush()
    one.flush()
    # the loser's next capture is judged against the URL's whole history
    again = one.record(fetch(url, b"<html>first version</html>"), None)
    assert again.change == "changed"  # the latest version was two's, not its own
    one.close()
    two.close()

    (resource,) = _rows(pg_catalog_url, "resource")
    captures = _rows(pg_catalog_url, "capture")
    assert {c.id for c in captures} == {early.capture_id, late.capture_id, again.capture_id}
    assert {c.resource_id for c in captures} == {resource.id}
    # the newest capture is the resource's latest version; the older one did not win
    assert resource.latest_payload_capture_id == again.capture_id
    assert resource.last_seen == max(c.fetched_at for c in captures)
    with Archive.open(tmp_path, pg_catalog_url, readonly=True) as arc:
        versions = [c.id for c in arc.versions(url)]
        report = arc.check()
    assert versions == [early.capture_id, late.capture_id, again.capture_id]
    assert report.clean, report.problems[:5]


def test_the_older_of_two_captures_does_not_become_the_latest_version(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    """The loser's capture is the newer one: it becomes the URL's latest version."""
    one, two = _two(tmp_path, pg_catalog_url)
    url = "http://127.0.0.1:1/report.html"
    older = two.record(fetch(url, b"<html>old</html>"), _run(two))
    newer = one.record(fetch(url, b"<html>new</html>"), _run(one))
    two.flush()
    one.flush()
    one.close()
    two.close()
    (resource,) = _rows(pg_catalog_url, "resource")
    assert resource.latest_payload_capture_id == newer.capture_id != older.capture_id
    assert resource.ever_ok and resource.gone_at is None
    with Archive.open(tmp_path, pg_catalog_url, readonly=True) as arc:
        report = arc.check()
    assert report.clean, report.problems[:5]


def test_a_writer_waiting_on_the_others_open_transaction_takes_its_rows(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    """Session 1's rows are already written (not committed) when session 2 writes the
    same keys: session 2's INSERT waits for session 1's commit, then yields to it."""
    one, two = _two(tmp_path, pg_catalog_url)
    body = b"%PDF-1.4 shared attachment" * 20
    url = "http://127.0.0.1:1/shared.pdf"
    mine = one.record(fetch(url, body), _run(one))
    _text(one, mine.sha256)
    one.texts_for(mine.sha256)  # a read that needs the staged text: the rows are written
    run_two = _run(two)
    theirs = two.record(fetch(url, body), run_two)
    _text(two, theirs.sha256)
    failure: list[BaseException] = []

    def commit_two() -> None:
        try:
            two.flush()
        except BaseException as exc:  # reported by the assertion below
            failure.append(exc)

    thread = threading.Thread(target=commit_two)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "session 2 did not wait for session 1's open transaction"
    one.flush()
    thread.join(30)
    assert not thread.is_alive() and not failure, failure
    one.close()
    two.close()

    assert len(_rows(pg_catalog_url, "text")) == 1
    assert len(_rows(pg_catalog_url, "resource")) == 1
    assert {c.id for c in _rows(pg_catalog_url, "capture")} == {mine.capture_id, theirs.capture_id}
    with Archive.open(tmp_path, pg_catalog_url, readonly=True) as arc:
        report = arc.check()
    assert report.clean, report.problems[:5]


def test_reparse_rows_another_writer_stored_first_are_skipped(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    one, two = _two(tmp_path, pg_catalog_url)
    got = one.record(fetch("http://127.0.0.1:1/r.pdf", b"%PDF report" * 30), _run(one))
    text_id = _text(one, got.sha256)
    one.flush()
    _parse(two, text_id)
    two.flush()
    row = {"text_id": text_id, "parser": "report", "parser_version": "1", "result": {}}
    row |= {"agency": None, "year": None, "is_report": False}
    # as if one had read the parsed ids just before two's commit
    one.parsed_text_ids = lambda parser, version: set()  # type: ignore[method-assign]
    assert one.add_parses([row]) == 0  # parsed meanwhile by the other writer: kept as is
    one.close()
    two.close()
    (parse,) = _rows(pg_catalog_url, "parse")
    assert parse.agency == "某县财政局"


@pytest.mark.parametrize("catalog", ["sqlite", "postgresql"])
def test_a_row_written_behind_the_archives_back_is_taken_not_duplicated(
    tmp_path: Path, catalog: str, request: pytest.FixtureRequest
) -> None:
    """The same conflict path on both databases (SQLite has one archive writer, but any
    other program may still have written the row)."""
    url = request.getfixturevalue("pg_catalog_url") if catalog == "postgresql" else None
    arc = Archive.open(tmp_path, url)
    got = arc.record(fetch("http://127.0.0.1:1/x.pdf", b"%PDF x" * 40), _run(arc))
    _text(arc, got.sha256, text="staged")
    db = url or catalog_mod.sqlite_url(tmp_path)
    engine = sa.create_engine(db)
    row = {"sha256": got.sha256, "extractor": "pdf", "extractor_version": "1+test"}
    row |= {"options_digest": _digest({"ocr": False}), "text": "theirs"}
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into text (id, sha256, extractor, extractor_version, options_digest,"
                " options, text, meta, created_at) values (100000, :sha256, :extractor,"
                " :extractor_version, :options_digest, '{}', :text, '{}', CURRENT_TIMESTAMP)"
            ),
            row,
        )
    engine.dispose()
    arc.flush()
    arc.close()
    with Archive.open(tmp_path, url, readonly=True) as arc:
        (text,) = list(arc.texts())
        assert (text.id, text.text) == (100000, "theirs")  # the first one stays, unchanged
        assert arc.capture(got.capture_id).sha256 == got.sha256
        report = arc.check()
    assert report.clean, report.problems[:5]


def _digest(options: dict[str, Any]) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()


def test_two_writers_waiting_on_each_others_keys_both_commit(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    """Each holds (written, uncommitted) the key the other wants next: PostgreSQL aborts
    one with a deadlock, which retries on a fresh connection instead of losing its batch."""
    one, two = _two(tmp_path, pg_catalog_url)
    a = one.record(fetch("http://127.0.0.1:1/a.pdf", b"%PDF a" * 40), _run(one))
    b = two.record(fetch("http://127.0.0.1:1/b.pdf", b"%PDF b" * 40), _run(two))
    _text(one, a.sha256)
    one.texts_for(a.sha256)  # one's transaction holds a's text key
    _text(two, b.sha256)
    two.texts_for(b.sha256)  # two's holds b's
    done: list[Archive] = []
    failure: list[BaseException] = []

    def wants(arc: Archive, sha256: str) -> None:
        try:
            _text(arc, sha256)
            arc.texts_for(sha256)
            done.append(arc)
        except BaseException as exc:  # reported by the assertion below
            failure.append(exc)

    threads = [threading.Thread(target=wants, args=(one, b.sha256))]
    threads.append(threading.Thread(target=wants, args=(two, a.sha256)))
    threads[0].start()
    time.sleep(0.3)
    threads[1].start()
    deadline = time.monotonic() + 30
    while not done and not failure and time.monotonic() < deadline:
        time.sleep(0.05)  # the server finds the deadlock after deadlock_timeout (1 s)
    assert len(done) == 1 and not failure, failure
    done[0].flush()  # the survivor commits; the retried one then yields to its rows
    for thread in threads:
        thread.join(30)
    assert len(done) == 2 and not failure, failure
    done[1].flush()
    one.close()
    two.close()
    texts = _rows(pg_catalog_url, "text")
    assert sorted(t.sha256 for t in texts) == sorted([a.sha256, b.sha256])
    assert len(_rows(pg_catalog_url, "capture")) == 2
    with Archive.open(tmp_path, pg_catalog_url, readonly=True) as arc:
        report = arc.check()
    assert report.clean, report.problems[:5]


@pytest.mark.parametrize("catalog", ["sqlite", "postgresql"])
def test_a_url_row_written_behind_the_archives_back_takes_the_newer_capture(
    tmp_path: Path, catalog: str, request: pytest.FixtureRequest
) -> None:
    from archive.resources import canonical_url, url_hash

    url = request.getfixturevalue("pg_catalog_url") if catalog == "postgresql" else None
    arc = Archive.open(tmp_path, url)
    page = "http://127.0.0.1:1/late.html"
    got = arc.record(fetch(page, b"<html>ours</html>"), _run(arc))
    engine = sa.create_engine(url or catalog_mod.sqlite_url(tmp_path))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into resource (id, url, url_hash, first_seen, last_seen, ever_ok)"
                " values (100000, :url, :hash, '2020-01-01 00:00:00+00:00',"
                " '2020-01-01 00:00:00+00:00', false)"
            ),
            {"url": canonical_url(page), "hash": url_hash(canonical_url(page))},
        )
    engine.dispose()
    arc.flush()
    arc.close()
    with Archive.open(tmp_path, url, readonly=True) as arc:
        info = arc.resource(page)
        assert info is not None and info.id == 100000
        assert [c.id for c in arc.versions(page)] == [got.capture_id]
        assert info.latest_sha256 == got.sha256  # ours is the newer capture
        report = arc.check()
    assert report.clean, report.problems[:5]
