"""A truncated WARC tail through the CLI: a record cut mid-write is reported by `ogi
check`, cut off into quarantine/ by the next `ogi crawl` (byte for byte), and every
catalogued capture stays; a cut into catalogued records stops writers, changing nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_hook import committed
from faults_site import faults_site
from faults_support import OGI, check_problems, crawl_args, portals_file, run

from archive import Archive
from mockportal.server import serving

pytestmark = pytest.mark.slow


def _last_record(archive: Path) -> tuple[Path, bytes]:
    """The newest WARC file and the raw gzip member of its last catalogued response."""
    with Archive.open(archive, create=False, readonly=True) as arc:
        last = max(arc.captures(), key=lambda c: (c.warc_file, c.warc_offset))
        member = arc.record_bytes(last.id)
    return archive / "warc" / last.warc_file, member


def test_a_torn_tail_is_reported_then_quarantined_by_the_next_crawl(tmp_path: Path) -> None:
    with serving(faults_site(count=3, pdfs=0)) as base:
        portals = portals_file(tmp_path, base)
        archive = tmp_path / "archive"
        assert run(crawl_args(portals, archive)).returncode == 0
        before = committed(archive)
        path, member = _last_record(archive)
        whole = path.stat().st_size
        torn = member[: len(member) // 2]
        with open(path, "ab") as fh:  # a crash in the middle of writing the next record
            fh.write(torn)
        code, problems, _ = check_problems(archive)
        assert code == 1 and [p["kind"] for p in problems] == ["torn_tail"]
        assert problems[0]["where"] == f"{path.name}:{whole}"
        again = run(crawl_args(portals, archive))
        assert again.returncode == 0, again.stderr.decode()[-2000:]
    assert path.stat().st_size == whole
    (kept,) = (archive / "quarantine").iterdir()
    assert kept.read_bytes() == torn and kept.name.startswith(f"{path.name}.{whole}.")
    assert check_problems(archive)[:2] == (0, [])
    after = {r["id"]: r for r in committed(archive)}
    assert all(after.get(r["id"]) == r for r in before)


def test_a_cut_into_catalogued_records_stops_writers_and_changes_nothing(
    tmp_path: Path,
) -> None:
    with serving(faults_site(count=3, pdfs=0)) as base:
        portals = portals_file(tmp_path, base)
        archive = tmp_path / "archive"
        assert run(crawl_args(portals, archive)).returncode == 0
        path, member = _last_record(archive)
        with open(path, "r+b") as fh:  # lost from the disk: the catalog points past the end
            fh.truncate(path.stat().st_size - len(member) // 2)
        cut = path.read_bytes()
        proc = run(crawl_args(portals, archive))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err, err
    (line,) = [ln for ln in err.splitlines() if ln.startswith("ogi: error:")]
    assert "restore it from a backup" in line and path.name in line
    assert path.read_bytes() == cut and not (archive / "quarantine").exists()
    code, problems, _ = check_problems(archive)
    assert code == 1 and "unreadable_record" in {p["kind"] for p in problems}
    listed = run([*OGI, "reports", "--archive", str(archive), "--format", "jsonl"])
    assert listed.returncode == 0  # readers still work on what is intact
