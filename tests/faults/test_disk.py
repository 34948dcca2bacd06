"""A full disk and a read-only archive, through the real `ogi crawl`: a clean one-line
error, a non-zero exit, and afterwards a usable archive that lost nothing.

The disk is a small tmpfs mounted for the test (we run as root). Where mounting is
not permitted, the same tests run against a simulated ENOSPC / EROFS raised at the
WARC file layer (tests/faults/fault_hook.py::disk_fails); each test prints which ran.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fault_hook import committed
from faults_site import faults_site
from faults_support import OGI, check_problems, child_env, crawl_args, portals_file, run

from mockportal.server import Site, serving

pytestmark = pytest.mark.slow


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[bool]:
    """A tmpfs of ``size`` at ``path``; yields False when mounting is not permitted (or
    OGI_TEST_NO_MOUNT=1 asks for the simulated fallback)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.environ.get("OGI_TEST_NO_MOUNT") == "1":
        yield False
        return
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    try:
        yield done.returncode == 0
    finally:
        if done.returncode == 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def revise_reports(site: Site) -> None:
    """Every report page grows by 40 KB of incompressible text: a new version each."""
    for path, page in list(site.pages.items()):
        if "/t20" in path and path.endswith(".html"):
            site.add(path, page.body + b"<p>" + os.urandom(20_000).hex().encode() + b"</p>")


def one_clean_error(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode != 0, err
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("ogi: error:")]
    assert len(errors) == 1, err
    return errors[0]


def fill(folder: Path, leave: int) -> Path:
    st = os.statvfs(folder)
    ballast = folder / "ballast"
    with open(ballast, "wb") as fh:
        fh.write(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))
    return ballast


def simulated(portals: Path, archive: Path, errno_name: str) -> subprocess.CompletedProcess:
    env = child_env({"OGI_FAULT_DISK_AFTER": "3", "OGI_FAULT_ERRNO": errno_name})
    args = crawl_args(portals, archive, "--set", "OGI_ON_CAPTURE=fault_hook.disk_fails")
    return subprocess.run(args, env=env, capture_output=True, timeout=180, check=False)


def test_a_full_disk_stops_the_crawl_with_one_line_and_loses_nothing(tmp_path: Path) -> None:
    site = faults_site()
    with serving(site) as base, tmpfs(tmp_path / "disk", "4m") as mounted:
        print("full disk:", "tmpfs of 4 MiB" if mounted else "simulated ENOSPC (no mount)")
        portals = portals_file(tmp_path, base)
        archive = tmp_path / "disk" / "archive"
        assert run(crawl_args(portals, archive)).returncode == 0
        before = committed(archive)
        revise_reports(site)
        if mounted:
            ballast = fill(tmp_path / "disk", leave=150_000)
            full = run(crawl_args(portals, archive))
        else:
            ballast, full = None, simulated(portals, archive, "ENOSPC")
        line = one_clean_error(full)
        assert "space" in line or "full" in line, line
        if ballast is not None:
            ballast.unlink()  # space freed
        # Nothing damaged: at most a torn last record (cut to quarantine on the next open)
        # and fetches written whose commit failed (catalogued on the next open).
        code, problems, err = check_problems(archive)
        assert {p["kind"] for p in problems} <= {"uncatalogued_record", "torn_tail"}, err
        repaired = run([*OGI, "check", "--repair", "--archive", str(archive)])
        assert repaired.returncode == 0, repaired.stderr.decode()
        assert check_problems(archive)[:2] == (0, [])
        after = {row["id"]: row for row in committed(archive)}
        assert all(after.get(row["id"]) == row for row in before)  # nothing captured is lost
        again = run(crawl_args(portals, archive))
        assert again.returncode == 0, again.stderr.decode()[-2000:]
        code, problems, err = check_problems(archive)
        assert (code, problems) == (0, []), err
        final = committed(archive)
        assert len({r["sha256"] for r in final}) > len({r["sha256"] for r in before})


def test_a_read_only_archive_gives_one_clean_line_and_stays_usable(tmp_path: Path) -> None:
    site = faults_site(count=4, pdfs=0)
    disk = tmp_path / "disk"
    with serving(site) as base, tmpfs(disk, "8m") as mounted:
        print("read-only:", "tmpfs remounted ro" if mounted else "simulated EROFS (no mount)")
        portals = portals_file(tmp_path, base)
        archive = disk / "archive"
        assert run(crawl_args(portals, archive)).returncode == 0
        before = committed(archive)
        revise_reports(site)
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            line = one_clean_error(run(crawl_args(portals, archive)))
            assert "Read-only file system" in line, line
            listed = run([*OGI, "reports", "--archive", str(archive), "--format", "jsonl"])
            assert listed.returncode == 0 or "Traceback" not in listed.stderr.decode()
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        else:
            line = one_clean_error(simulated(portals, archive, "EROFS"))
            assert "Read-only file system" in line, line
        assert check_problems(archive)[:2] == (0, [])
        after = {row["id"]: row for row in committed(archive)}
        assert all(after.get(row["id"]) == row for row in before)
        assert run(crawl_args(portals, archive)).returncode == 0
