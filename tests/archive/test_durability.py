"""Crash safety: WARC before catalog, torn tails cut and kept, retries, one writer."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from archive_testdata import fetch
from warcio.archiveiterator import ArchiveIterator

from archive import Archive, ArchiveLocked, CorruptWarc, ReadOnlyArchive, StorageError
from archive import catalog as catalog_mod
from archive import warcfile as warcfile_mod
from archive.batch import CatalogBatch
from archive.catalog import is_transient

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parents[2]


def _catalogued(arc: Archive) -> int:
    """Captures committed, as any other connection sees them."""
    with arc.engine.connect() as conn:
        return int(conn.execute(sa.text("select count(*) from capture")).scalar() or 0)


def _warcs(arc_dir: Path) -> list[Path]:
    return sorted((arc_dir / "warc").glob("*.warc.gz"))


def _locked() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))


def test_a_capture_is_only_committed_after_flush(archive: Archive, run_id: int) -> None:
    archive.batch_seconds = 3600
    result = archive.record(fetch("http://127.0.0.1:1/a", b"body"), run_id)
    assert _catalogued(archive) == 0  # staged, not committed: a crash now loses no catalog row
    assert archive.capture(result.capture_id).status == 200  # the writer sees its own rows
    archive.flush()
    assert _catalogued(archive) == 1


def test_the_warc_is_fsynced_before_the_commit(
    archive: Archive, run_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_commit = os.fsync, CatalogBatch.commit

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def commit(self: CatalogBatch) -> None:
        events.append(f"commit:{_catalogued(arc)}")
        real_commit(self)

    arc = archive
    archive.batch_seconds = 3600
    archive.record(fetch("http://127.0.0.1:1/a", b"body"), run_id)
    monkeypatch.setattr(warcfile_mod.os, "fsync", fsync)
    monkeypatch.setattr(CatalogBatch, "commit", commit)
    archive.flush()
    assert events[:2] == ["fsync", "commit:0"]
    assert _catalogued(archive) == 1


def test_batches_commit_by_size(archive: Archive, run_id: int) -> None:
    archive.batch_seconds = 3600
    archive.batch_size = 5
    for i in range(12):
        archive.record(fetch(f"http://127.0.0.1:1/{i}", f"b{i}".encode()), run_id)
    assert _catalogued(archive) == 10
    archive.flush()
    assert _catalogued(archive) == 12


def test_batches_commit_by_age(archive: Archive, run_id: int) -> None:
    archive.batch_seconds = 0
    archive.record(fetch("http://127.0.0.1:1/a", b"a"), run_id)
    assert _catalogued(archive) == 1


def test_a_dropped_connection_mid_batch_is_replayed(archive: Archive, run_id: int) -> None:
    archive.batch_seconds = 3600
    ids = [archive.record(fetch(f"http://127.0.0.1:1/{i}", b"%d" % i), run_id) for i in range(2)]
    conn = archive._batch._conn
    assert conn is not None
    real = conn.execute
    calls = []

    def drop_once(*args: object, **kw: object) -> object:
        if not calls:
            calls.append(1)
            raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))
        return real(*args, **kw)  # type: ignore[arg-type]

    conn.execute = drop_once  # type: ignore[method-assign]
    third = archive.record(fetch("http://127.0.0.1:1/2", b"2"), run_id)
    archive.flush()
    assert _catalogued(archive) == 3
    want = [r.capture_id for r in ids] + [third.capture_id]
    assert [archive.capture(i).id for i in want] == want


def test_a_failed_commit_is_replayed_with_the_same_ids(archive: Archive, run_id: int) -> None:
    archive.batch_seconds = 3600
    ids = [
        archive.record(fetch(f"http://127.0.0.1:1/{i}", b"x%d" % i), run_id).capture_id
        for i in range(3)
    ]
    conn = archive._batch._conn
    assert conn is not None
    conn.rollback()  # as if the server dropped the transaction

    def broken() -> None:
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection"))

    conn.commit = broken  # type: ignore[method-assign]
    archive.flush()
    assert _catalogued(archive) == 3
    assert [archive.capture(i).id for i in ids] == ids


def test_persistent_lock_errors_end_in_a_clear_storage_error(
    archive: Archive, run_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive.batch_seconds = 3600
    first = archive.record(fetch("http://127.0.0.1:1/a", b"a"), run_id)
    tries = []

    def locked(self: CatalogBatch) -> None:
        tries.append(1)
        raise _locked()

    monkeypatch.setattr(CatalogBatch, "_connection", locked)
    with pytest.raises(StorageError, match=r"database is locked.*run again") as err:
        archive.capture(first.capture_id)  # a read of a staged row writes the batch first
    assert isinstance(err.value.__cause__, sa.exc.OperationalError)
    assert len(tries) == catalog_mod.RETRY_TRIES and "\n" not in str(err.value)
    monkeypatch.undo()
    archive.flush()  # the staged capture was kept and is committed now
    assert archive.capture(first.capture_id).requested_url.endswith("/a")


def test_transient_errors_are_recognised() -> None:
    syntax = sa.exc.OperationalError("x", {}, Exception("syntax error near FROM"))
    assert is_transient(_locked()) and not is_transient(syntax)


CRASHING_WRITER = textwrap.dedent(
    """
    import os, sys
    from archive_testdata import fetch
    from archive import Archive

    arc = Archive.open(sys.argv[1], sys.argv[2] or None, batch_seconds=3600)
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    for i in range(3):
        arc.record(fetch(f"http://127.0.0.1:1/p{i}", b"kept %d" % i * 500), run)
    arc.flush()
    arc.record(fetch("http://127.0.0.1:1/late", os.urandom(30000)), run)
    arc._writer.sync()  # the records reach the disk, the catalog commit never happens
    os._exit(9)
    """
)


def test_crash_then_torn_tail_is_cut_quarantined_and_records_stay(
    arc_dir: Path, catalog_url: str | None, open_archive: Callable[..., Archive]
) -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'tests' / 'support'}{os.pathsep}{ROOT}"}
    args = [sys.executable, "-c", CRASHING_WRITER, str(arc_dir), catalog_url or ""]
    assert subprocess.run(args, env=env, capture_output=True).returncode == 9
    (path,) = _warcs(arc_dir)
    whole = path.stat().st_size
    with open(path, "r+b") as fh:  # the crash also tore the last record
        fh.truncate(whole - 100)
    arc = open_archive()  # the dead writer's lock went with its process
    assert _catalogued(arc) == 3
    (tail,) = (arc_dir / "quarantine").iterdir()
    assert path.stat().st_size + tail.stat().st_size == whole - 100
    for info in arc.captures():
        assert arc.payload(info.id) == f"kept {info.requested_url[-1]}".encode() * 500
    check = subprocess.run([BIN / "warcio", "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with open(path, "rb") as fh:  # the file ends with the last whole fetch (response, request)
        assert [r.rec_type for r in ArchiveIterator(fh)][-2:] == ["response", "request"]
    with open(tail, "rb") as fh:  # the late response lost its request: kept in quarantine
        first = next(iter(ArchiveIterator(fh)))
        assert first.rec_headers.get_header("WARC-Target-URI") == "http://127.0.0.1:1/late"


def test_torn_fake_member_is_cut_on_open(open_archive: Callable[..., Archive]) -> None:
    import gzip

    arc = open_archive()
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    cid = arc.record(fetch("http://127.0.0.1:1/a", b"a" * 3000), run).capture_id
    arc.close()
    (path,) = _warcs(arc.directory)
    good = path.stat().st_size
    member = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 5000\r\n\r\n")
    with open(path, "ab") as fh:
        fh.write(member)  # a whole gzip member holding a partial record
    again = open_archive()
    assert path.stat().st_size == good
    assert again.payload(cid) == b"a" * 3000


def test_a_catalog_pointing_past_the_file_end_stops_writers(
    open_archive: Callable[..., Archive],
) -> None:
    arc = open_archive()
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    ok = arc.record(fetch("http://127.0.0.1:1/a", b"a" * 3000), run).capture_id
    lost = arc.record(fetch("http://127.0.0.1:1/b", b"b" * 3000), run).capture_id
    arc.close()
    (path,) = _warcs(arc.directory)
    cut = path.stat().st_size - 50
    with open(path, "r+b") as fh:  # damage from outside: a committed record lost its end
        fh.truncate(cut)
    with pytest.raises(CorruptWarc, match="restore it from a backup"):
        open_archive()
    assert path.stat().st_size == cut and not (arc.directory / "quarantine").exists()
    reader = open_archive(readonly=True)
    assert reader.payload(ok) == b"a" * 3000
    with pytest.raises(CorruptWarc):
        reader.record_bytes(lost, request=True)


def test_second_writer_gets_a_clear_error_readers_do_not(
    open_archive: Callable[..., Archive], catalog_url: str | None
) -> None:
    writer = open_archive()
    if catalog_url is None:  # SQLite: one writer; PostgreSQL takes several (tests/scale)
        with pytest.raises(ArchiveLocked, match=r"in use by another ogi process.*wait"):
            open_archive(lock_wait=0.3)
    reader = open_archive(readonly=True)
    assert reader.runs() == []
    with pytest.raises(ReadOnlyArchive):
        reader.start_run(software={}, settings_digest="s", portals_digest="p")
    writer.close()
    open_archive(lock_wait=0.3).close()  # released on close


def test_a_full_disk_is_a_storage_error_that_is_also_an_oserror(
    archive: Archive, run_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    first = archive.record(fetch("http://127.0.0.1:1/a", b"a"), run_id)
    archive.flush()

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive._writer._out, "write", full)  # type: ignore[union-attr]
    with pytest.raises(StorageError, match="free disk space") as err:
        archive.record(fetch("http://127.0.0.1:1/b", b"b"), run_id)
    assert isinstance(err.value, OSError) and err.value.errno == errno.ENOSPC
    monkeypatch.undo()
    second = archive.record(fetch("http://127.0.0.1:1/c", b"c"), run_id)
    archive.flush()
    assert archive.payload(first.capture_id) == b"a" and archive.payload(second.capture_id) == b"c"
    assert len(_warcs(archive.directory)) == 2  # the next write started a new file


def test_a_really_dropped_server_connection_is_survived(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    with Archive.open(tmp_path / "a", pg_catalog_url, batch_seconds=3600) as arc:
        run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
        ids = [arc.record(fetch(f"http://127.0.0.1:1/{i}", b"%d" % i), run) for i in range(2)]
        assert arc._batch._conn is not None
        pid = arc._batch._conn.exec_driver_sql("select pg_backend_pid()").scalar()
        killer = sa.create_engine(pg_catalog_url)
        with killer.begin() as conn:
            conn.execute(sa.text("select pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        third = arc.record(fetch("http://127.0.0.1:1/2", b"2"), run)
        arc.flush()
        assert _catalogued(arc) == 3
        assert [arc.capture(r.capture_id).id for r in [*ids, third]] == [1, 2, 3]


def test_a_really_locked_sqlite_database_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3
    import threading

    monkeypatch.setattr(catalog_mod, "SQLITE_BUSY_SECONDS", 0.05)
    monkeypatch.setattr(catalog_mod, "RETRY_BACKOFF", 0.1)
    with Archive.open(tmp_path / "a") as arc:
        run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
        blocker = sqlite3.connect(tmp_path / "a" / "catalog.sqlite", check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
        threading.Timer(0.4, blocker.commit).start()
        done = arc.record(fetch("http://127.0.0.1:1/a", b"a"), run)
        arc.flush()
        assert _catalogued(arc) == 1 and arc.payload(done.capture_id) == b"a"
        blocker.close()
    assert "database is locked" in caplog.text  # it was retried, not just lucky
