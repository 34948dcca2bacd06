"""Run the real `ogi` command and the mock portal as separate processes, like a user would."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OGI = [sys.executable, "-m", "ogi"]
FAST = ["--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=False"]


def ogi(*args: str | Path, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [*OGI, *map(str, args)], capture_output=True, timeout=timeout, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"ogi {' '.join(map(str, args))} exited {proc.returncode}:\n"
            f"{proc.stderr.decode(errors='replace')[-3000:]}"
        )
    return proc


def jsonl(proc: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]


@contextmanager
def mock_portal(site: str = "seeds") -> Iterator[str]:
    """`python -m mockportal` on 127.0.0.1, port 0; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockportal", "--site", site, "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().rstrip("/")
        assert base.startswith("http://127.0.0.1:"), base
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def control(base: str, action: str, payload: dict | None = None) -> object:
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(
        f"{base}/__control__/{action}", data=data, method="POST" if data else "GET"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def portals_file(tmp: Path, base: str, name: str = "seeds") -> Path:
    path = tmp / "portals.toml"
    path.write_text(
        f'[[portal]]\nname = "{name}"\nagency = "示例县人民政府"\n'
        f'start_urls = ["{base}/"]\nallow_private = true\n',
        encoding="utf-8",
    )
    return path
