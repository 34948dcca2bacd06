"""Run `ogi crawl` as a child process and SIGKILL it at a chosen point; read the catalog."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fault_hook import committed

HERE = Path(__file__).resolve().parent
OGI = [sys.executable, "-m", "ogi"]
FAST = ["--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=False", "-q"]


@dataclass(frozen=True)
class Point:
    """Where to kill: at the k-th capture from inside (``hook``), when the test sees the
    k-th capture logged (``count``), or ``seconds`` after the child started (``time``)."""

    kind: str
    value: float
    flush_first: bool = False

    def __str__(self) -> str:
        flush = "+flush" if self.flush_first else ""
        return f"{self.kind}{flush}@{self.value:g}"


@dataclass(frozen=True)
class Killed:
    killed: bool  # False: the crawl ended before the point was reached
    snapshot: list[dict]  # what the catalog had committed just before the kill
    logged: int  # captures the hook saw before the kill
    stderr: str


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def crawl_args(portals: Path, archive: Path, *extra: str) -> list[str]:
    return [*OGI, "crawl", "--portals", str(portals), "--archive", str(archive), *FAST, *extra]


def crawl_and_kill(portals: Path, archive: Path, point: Point, work: Path) -> Killed:
    log, snap = work / "captures.jsonl", work / "snapshot.json"
    for path in (log, snap):
        path.unlink(missing_ok=True)
    env = {"OGI_FAULT_LOG": str(log), "OGI_FAULT_SNAPSHOT": str(snap)}
    if point.kind == "hook":
        env["OGI_FAULT_KILL_AT"] = str(int(point.value))
        env["OGI_FAULT_FLUSH_FIRST"] = "1" if point.flush_first else "0"
    proc = subprocess.Popen(
        crawl_args(portals, archive, "--set", "OGI_ON_CAPTURE=fault_hook.on_capture"),
        env=child_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: extraction workers die with it
    )
    started = time.monotonic()
    snapshot: list[dict] | None = None
    while proc.poll() is None and point.kind != "hook":
        due = (
            time.monotonic() - started >= point.value
            if point.kind == "time"
            else _lines(log) >= point.value
        )
        if due:
            snapshot = committed(archive)
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    _, err = proc.communicate(timeout=120)
    killed = proc.returncode == -signal.SIGKILL
    if point.kind == "hook" and killed:
        snapshot = json.loads(snap.read_text(encoding="utf-8"))
    return Killed(killed, snapshot or [], _lines(log), err.decode(errors="replace"))


def _lines(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return sum(1 for _ in fh)
    except FileNotFoundError:
        return 0


def run(args: list[str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, timeout=timeout, check=False)


def check_problems(archive: Path) -> tuple[int, list[dict], str]:
    proc = run([*OGI, "check", "--archive", str(archive), "--format", "jsonl"])
    rows = [json.loads(x) for x in proc.stdout.decode().splitlines() if x.strip()]
    return proc.returncode, rows, proc.stderr.decode(errors="replace")


def portals_file(tmp: Path, base: str) -> Path:
    """A one-portal list for the fault site on 127.0.0.1 (loopback, so it opts in)."""
    path = tmp / "portals.toml"
    path.write_text(
        f'[[portal]]\nname = "faults"\nagency = "示例县人民政府"\n'
        f'start_urls = ["{base}/"]\nallow_private = true\n',
        encoding="utf-8",
    )
    return path
