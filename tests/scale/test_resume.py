"""One process, no Redis: `ogi crawl --resume` after a SIGKILL replays what was archived."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from scale_support import FAST, captures, duplicates

from archive import Archive
from mockportal.farm import farm


def test_resume_after_sigkill_fetches_the_rest_and_nothing_twice(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    catalog = f"sqlite:///{archive / 'catalog.sqlite'}"
    with farm(portals=3, pages=30, seed=11) as f:
        cmd = [sys.executable, "-m", "ogi", "crawl", "--portals", str(f.portals_path)]
        cmd += ["--archive", str(archive), "-q", "--workers", "1", *FAST]
        victim = subprocess.Popen(
            [*cmd, "--set", "DOWNLOAD_DELAY=0.3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (archive / "catalog.sqlite").exists() and len(captures(catalog)) >= 20:
                break
            time.sleep(0.2)
        assert victim.poll() is None, "the crawl ended before it could be killed"
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        before = {url for url, *_ in captures(catalog)}
        resumed = subprocess.run([*cmd, "--resume"], capture_output=True, timeout=180)
        assert resumed.returncode == 0, resumed.stderr.decode()[-3000:]
        assert b"resuming the crawl" in resumed.stderr
        rows = captures(catalog)
        expected = set(f.expected_reports)
    urls = {url for url, *_ in rows}
    assert before < urls
    assert not sorted(expected - urls), "reports lost"
    assert not duplicates(rows), f"captured twice: {list(duplicates(rows))[:3]}"
    with Archive.open(archive) as arc:
        report = arc.check()
    assert report.clean, report.problems[:5]
