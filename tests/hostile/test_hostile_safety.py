"""Nothing let in: only http(s) is ever requested, paths named by a catalog or an export
never leave their folder, and two `ogi` processes on one SQLite archive never interleave.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from e2e_support import FAST, OGI, ogi
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from archive import Archive, FetchRecord, StorageError
from crawler.limits import LimitsMiddleware
from crawler.portals import PortalFileError, load_portals
from crawler.safety import SafeDestinationMiddleware

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://127.0.0.1/pub/a.pdf", "gopher://127.0.0.1:70/", "s3://b/k"],
)
def test_only_http_and_https_are_ever_requested(url: str) -> None:
    crawler = get_crawler()
    assert crawler.stats is not None
    middleware = SafeDestinationMiddleware(crawler.stats, crawler)
    with pytest.raises(IgnoreRequest, match="refused \\(scheme\\)"):
        asyncio.run(middleware.process_request(Request(url)))
    assert crawler.stats.get_value("ogi/refused/scheme") == 1


def test_control_characters_are_refused_before_any_connection() -> None:
    crawler = get_crawler()
    assert crawler.stats is not None
    limits = LimitsMiddleware(crawler.stats)
    for url in ("http://127.0.0.1:1/a\x00b.html", "http://127.0.0.1:1/%0d%0aSet-Cookie:x=1"):
        with pytest.raises(IgnoreRequest, match="control characters"):
            limits.process_request(Request(url))
    limits.process_request(Request("http://127.0.0.1:1/%E5%B9%B4%E6%8A%A5.html"))  # UTF-8: fine
    assert crawler.stats.get_value("ogi/limits/control_characters") == 2


def test_a_portal_cannot_start_from_another_scheme(tmp_path: Path) -> None:
    path = tmp_path / "portals.toml"
    path.write_text(
        '[[portal]]\nname = "x"\nagency = "a"\nstart_urls = ["file:///etc/"]\n',
        encoding="utf-8",
    )
    with pytest.raises(PortalFileError, match="not an http"):
        load_portals(path)


def _small_archive(path: Path) -> Path:
    with Archive.open(path) as arc:
        run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
        url = "http://127.0.0.1:1/xxgk/a.html"
        body = "<p>年报</p>".encode()
        arc.record(
            FetchRecord(url, url, (), "GET", (), b"", 200, "OK", (), body, datetime.now(UTC)), run
        )
    return path


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode()
    assert proc.returncode != 0 and "Traceback" not in err, err
    (line,) = [ln for ln in err.splitlines() if ln.strip()]
    return line


def test_a_catalog_naming_a_file_outside_the_archive_is_never_followed(tmp_path: Path) -> None:
    archive = _small_archive(tmp_path / "archive")
    secret = tmp_path / "secret.warc.gz"
    secret.write_bytes(b"not yours")
    db = sqlite3.connect(archive / "catalog.sqlite")
    db.execute("update capture set warc_file = ?", ("../../secret.warc.gz",))
    db.commit()
    db.close()
    shown = ogi("show", "1", "--raw", "--archive", archive, check=False)
    assert "outside" in _one_error_line(shown) and shown.stdout == b""
    out = tmp_path / "out.warc.gz"
    assert "outside" in _one_error_line(
        ogi("export", "--out", out, "--archive", archive, check=False)
    )
    assert not out.exists()
    checked = ogi("check", "--archive", archive, "--format", "jsonl", check=False)
    assert checked.returncode == 1 and b'"kind": "wrong_file"' in checked.stdout


def test_an_export_never_writes_through_a_symlink(tmp_path: Path) -> None:
    archive = _small_archive(tmp_path / "archive")
    outside = tmp_path / "elsewhere" / "victim"
    outside.parent.mkdir()
    dangling = tmp_path / "export.warc.gz"
    dangling.symlink_to(outside)  # a link to a file that does not exist (yet)
    line = _one_error_line(ogi("export", "--out", dangling, "--archive", archive, check=False))
    assert "exists" in line and not outside.exists()
    outside.write_bytes(b"keep me")
    target = tmp_path / "second.warc.gz"
    planted = tmp_path / f".{target.name}.{12345}.part"
    planted.symlink_to(outside)  # the temporary name, planted (pid guessed)
    from archive.export import export_warc

    with (
        Archive.open(archive, create=False, readonly=True) as arc,
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setattr(os, "getpid", lambda: 12345)
        with pytest.raises(StorageError, match="File exists"):
            export_warc(arc, target, None)
    assert outside.read_bytes() == b"keep me" and not target.exists()


@pytest.mark.slow
def test_two_ogi_crawls_on_one_archive_never_interleave(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "faults"))
    from faults_site import faults_site

    from mockportal.server import serving

    archive = tmp_path / "archive"
    with serving(faults_site(count=6, pdfs=0)) as base:
        portals = tmp_path / "portals.toml"
        portals.write_text(
            f'[[portal]]\nname = "faults"\nagency = "示例县人民政府"\n'
            f'start_urls = ["{base}/"]\nallow_private = true\n',
            encoding="utf-8",
        )
        args = [*OGI, "crawl", "--portals", str(portals), "--archive", str(archive), *FAST]
        first = subprocess.Popen(
            [*args, "--set", "DOWNLOAD_DELAY=1", "--set", "DOWNLOAD_DELAY_JITTER=0"],
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while not (archive / "warc").exists() and time.monotonic() < deadline:
            time.sleep(0.1)  # the first crawl holds the lock and is writing
        second = subprocess.run(args, capture_output=True, timeout=120, check=False)
        reading = ogi("reports", "--archive", archive, "--format", "jsonl", check=False)
        _, first_err = first.communicate(timeout=300)
    assert first.poll() is None or first.returncode == 0, first_err.decode()[-2000:]
    line = _one_error_line(second)
    assert "in use by another ogi process (pid" in line, line
    assert reading.returncode == 0  # readers are never blocked by the writer
    proc = ogi("check", "--archive", archive, check=False)
    assert proc.returncode == 0, proc.stdout.decode()[-2000:]
    with Archive.open(archive, create=False, readonly=True) as arc:
        assert len(arc.runs()) == 1  # the second crawl never started a run
