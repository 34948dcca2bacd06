"""pywb and other installed tools for the tests that check our WARCs in real replay tools.

pywb lives in its own venv (`make test` builds .venv-pywb); under CI a missing tool fails
the test instead of skipping it, so a broken install can never pass unnoticed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def installed_tool(env: str, default: Path, name: str) -> Path:
    """``name`` in the folder ``$env`` names (else ``default``); skip, or fail under CI."""
    found = Path(os.environ.get(env, default))
    if not (found / name).exists():
        reason = f"{name} not installed at {found} (make test installs it)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return found / name


def pywb_bin() -> Path:
    """The folder holding pywb's `wayback` and `wb-manager`."""
    return installed_tool("OGI_PYWB_BIN", ROOT / ".venv-pywb" / "bin", "wayback").parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_until(url: str, deadline: float) -> bytes:
    """GET ``url``, retrying while the server is still starting, until ``deadline``."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return resp.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def wayback_replay(pywb: Path, work: Path, collection: str, url: str) -> bytes:
    """Start pywb's wayback over ``work``'s collections and fetch ``url`` as it was
    captured (the ``id_`` modifier: the payload without pywb's rewriting)."""
    port = free_port()
    server = subprocess.Popen(
        [pywb / "wayback", "-p", str(port), "-b", "127.0.0.1"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        replay_url = f"http://127.0.0.1:{port}/{collection}/2000id_/{url}"
        return get_until(replay_url, time.monotonic() + 30)
    finally:
        server.terminate()
        server.wait(timeout=10)
