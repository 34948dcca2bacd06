"""pywb, the reference replay tool, indexes our WARC files as they are and replays a
captured report byte for byte (pywb lives in its own venv: `make test` builds it)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from e2e_support import FAST, control, jsonl, mock_portal, ogi, portals_file

pytestmark = pytest.mark.slow


def _pywb_bin() -> Path:
    found = Path(os.environ.get("OGI_PYWB_BIN", Path(__file__).parents[2] / ".venv-pywb" / "bin"))
    if not (found / "wayback").exists():
        reason = f"pywb not installed at {found} (make test installs it)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, deadline: float) -> bytes:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_pywb_indexes_and_replays_our_warcs(tmp_path: Path) -> None:
    pywb = _pywb_bin()
    archive = tmp_path / "archive"
    with mock_portal() as base:
        portals = portals_file(tmp_path, base)
        ogi("crawl", "--portals", portals, "--archive", archive, *FAST, "-q")
        # a report page taken down: the recrawl records its 404 (and revisits the rest)
        control(base, "delete", {"path": "/xxgk/zfxxgknb/201903/t20190315_106.html"})
        ogi("crawl", "--portals", portals, "--archive", archive, *FAST, "-q")
    rows = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    pdf = next(r for r in rows if r["media_type"] == "application/pdf")

    work = tmp_path / "pywb"
    work.mkdir()
    subprocess.run([pywb / "wb-manager", "init", "ogi"], cwd=work, check=True, capture_output=True)
    warcs = sorted(str(p) for p in (archive / "warc").glob("*.warc.gz"))
    subprocess.run(
        [pywb / "wb-manager", "add", "ogi", *warcs], cwd=work, check=True, capture_output=True
    )
    index = (work / "collections" / "ogi" / "indexes" / "index.cdxj").read_text()
    assert pdf["url"] in index and '"status": "404"' in index

    port = _free_port()
    server = subprocess.Popen(
        [pywb / "wayback", "-p", str(port), "-b", "127.0.0.1"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        replayed = _get(f"http://127.0.0.1:{port}/ogi/2000id_/{pdf['url']}", time.monotonic() + 30)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert hashlib.sha256(replayed).hexdigest() == pdf["sha256"]
