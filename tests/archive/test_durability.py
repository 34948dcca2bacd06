"""Crash safety: nothing enters the catalog before its WARC record; failed commits replay."""

from __future__ import annotations

import sqlalchemy as sa
from archive_testdata import fetch

from archive import Archive
from archive.catalog import is_transient


def _catalogued(archive: Archive) -> int:
    with archive.engine.connect() as conn:
        return int(conn.execute(sa.text("select count(*) from capture")).scalar() or 0)


def test_a_capture_is_only_committed_after_flush(archive: Archive, run_id: int) -> None:
    archive.batch_seconds = 3600
    archive.record(fetch("http://127.0.0.1:1/a", b"body"), run_id)
    assert _catalogued(archive) == 0  # staged, not committed: a crash now loses no catalog row
    archive.flush()
    assert _catalogued(archive) == 1


def test_batches_commit_by_size(archive: Archive, run_id: int) -> None:
    archive.batch_seconds = 3600
    archive.batch_size = 5
    for i in range(12):
        archive.record(fetch(f"http://127.0.0.1:1/{i}", f"b{i}".encode()), run_id)
    assert _catalogued(archive) >= 5


def test_a_failed_commit_is_replayed_with_the_same_ids(archive: Archive, run_id: int) -> None:
    archive.batch_seconds = 3600
    ids = [
        archive.record(fetch(f"http://127.0.0.1:1/{i}", b"x%d" % i), run_id).capture_id
        for i in range(3)
    ]
    conn = archive._conn
    assert conn is not None
    conn.rollback()  # as if the server dropped the transaction
    conn.commit = _fail_once(conn.commit)  # type: ignore[method-assign]
    archive.flush()
    assert _catalogued(archive) == 3
    assert [archive.capture(i).id for i in ids] == ids


def _fail_once(commit):  # type: ignore[no-untyped-def]
    def broken() -> None:
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"))

    return broken


def test_transient_errors_are_recognised() -> None:
    locked = sa.exc.OperationalError("x", {}, Exception("database is locked"))
    syntax = sa.exc.OperationalError("x", {}, Exception("syntax error near FROM"))
    assert is_transient(locked) and not is_transient(syntax)
