"""The archive-level half of the fault suite, fast: what a writer finds when it opens an
archive whose last writer died between the WARC write and the catalog commit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from archive import Archive

ROOT = Path(__file__).resolve().parents[2]
DIES_BEFORE_COMMIT = textwrap.dedent(
    """
    import os, sys
    from datetime import UTC, datetime
    from archive import Archive, FetchRecord

    def fetch(url, body):
        return FetchRecord(url, url, (), "GET", (), b"", 200, "OK", (), body, datetime.now(UTC))

    arc = Archive.open(sys.argv[1], batch_seconds=3600)
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    arc.record(fetch("http://127.0.0.1:1/a", b"a" * 5000), run)
    arc.flush()
    arc.record(fetch("http://127.0.0.1:1/b", b"b" * 5000), run)
    arc.record(fetch("http://127.0.0.1:1/a", b"a" * 5000), run)  # a revisit of /a
    arc._writer.sync()  # both fetches whole on disk; their commit never happens
    os._exit(9)
    """
)


def test_a_reopened_archive_catalogs_the_fetches_a_kill_left_uncommitted(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", DIES_BEFORE_COMMIT, str(archive)], env=env)
    assert proc.returncode == 9
    with Archive.open(archive, readonly=True) as arc:  # what `ogi check` sees before
        assert [p.kind for p in arc.check().problems] == ["uncatalogued_record"] * 2
    with Archive.open(archive) as arc:  # a writer (the restarted crawl)
        caps = list(arc.captures())
        assert [(c.requested_url[-1], c.is_revisit) for c in caps] == [
            ("a", False),
            ("b", False),
            ("a", True),
        ]
        assert arc.payload(caps[2].id) == b"a" * 5000
        assert {c.run_id for c in caps} == {arc.runs()[0].id}
        assert arc.check().clean
    with Archive.open(archive) as arc:  # a second open adds nothing twice
        assert len(list(arc.captures())) == 3


def test_the_warc_files_of_a_lost_catalog_are_left_to_rebuild_catalog(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", DIES_BEFORE_COMMIT, str(archive)], env=env)
    for db in archive.glob("catalog.sqlite*"):
        db.unlink()
    with Archive.open(archive) as arc:  # a new, empty catalog: nothing is guessed
        assert list(arc.captures()) == []
        assert arc.rebuild_catalog().captures == 3
