"""Who may write an archive at once: one writer on SQLite, several on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from archive_testdata import fetch

from archive import Archive, ArchiveLocked


def _run(arc: Archive) -> int:
    return arc.start_run(software={}, settings_digest="s", portals_digest="p")


def test_postgresql_takes_several_writers_each_with_its_own_warc_file(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    one, two = Archive.open(tmp_path, pg_catalog_url), Archive.open(tmp_path, pg_catalog_url)
    a = one.record(fetch("http://127.0.0.1:1/a", b"a" * 100), _run(one))
    b = two.record(fetch("http://127.0.0.1:1/b", b"b" * 100), _run(two))
    one.close()
    two.close()
    with Archive.open(tmp_path, pg_catalog_url, readonly=True) as arc:
        assert arc.capture(a.capture_id).warc_file != arc.capture(b.capture_id).warc_file
        assert arc.check().clean


def test_a_sqlite_writer_excludes_server_catalog_writers_and_back(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    shared = Archive.open(tmp_path, pg_catalog_url)
    with pytest.raises(ArchiveLocked):
        Archive.open(tmp_path, lock_wait=0.2)  # SQLite: exclusive
    shared.close()
    only = Archive.open(tmp_path)
    with pytest.raises(ArchiveLocked):
        Archive.open(tmp_path, pg_catalog_url, lock_wait=0.2)
    only.close()


def test_a_new_writer_leaves_a_live_writers_young_tail_alone(
    tmp_path: Path, pg_catalog_url: str
) -> None:
    live = Archive.open(tmp_path, pg_catalog_url)
    live.record(fetch("http://127.0.0.1:1/a", b"a" * 100), _run(live))
    live.flush()
    (path,) = (tmp_path / "warc").glob("*.warc.gz")
    with open(path, "ab") as fh:  # what a record half-way through its write looks like
        fh.write(b"\x1f\x8b\x08\x00partial")
    size = path.stat().st_size
    Archive.open(tmp_path, pg_catalog_url).close()
    assert path.stat().st_size == size and not (tmp_path / "quarantine").exists()
    live._writer.close()  # type: ignore[union-attr]  # the writer is gone (as after a crash)
    live.close()
    Archive.open(tmp_path, pg_catalog_url).close()
    assert path.stat().st_size < size and (tmp_path / "quarantine").is_dir()
