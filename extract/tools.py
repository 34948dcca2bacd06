"""Running external programs (LibreOffice, antiword, tesseract) with limits.

Each run gets its own process group, a wall-clock timeout and an address-space limit,
so a converter that hangs or balloons on a hostile file is killed as a whole group
(LibreOffice forks soffice.bin behind its launcher). A missing program is reported as
ToolMissing naming it, which extractors turn into error "tool_missing".
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Sequence

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 2048


class ToolMissing(Exception):
    """The program is not installed (its name is the message)."""


class ToolFailed(Exception):
    """The program ran but failed: non-zero exit, timeout, or killed."""


def find_tool(name: str) -> str | None:
    """Absolute path of an installed program, or None."""
    return shutil.which(name)


def require_tool(*names: str) -> str:
    """Path of the first installed program among `names`; ToolMissing names the first."""
    for name in names:
        path = find_tool(name)
        if path:
            return path
    raise ToolMissing(names[0])


def tool_version(argv: Sequence[str], *, timeout_s: float = 10.0) -> str:
    """First line a `--version`-style call prints ("unknown" if it cannot run)."""
    try:
        done = run_tool(argv, timeout_s=timeout_s)
    except (ToolMissing, ToolFailed):
        return "unknown"
    out = (done.stdout or done.stderr).decode("utf-8", "replace").strip()
    return out.splitlines()[0].strip() if out else "unknown"


def _limit(memory_mb: int) -> None:
    """In the child before exec: cap its address space (never above the inherited hard cap)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def run_tool(
    argv: Sequence[str],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `argv`; its whole process group is SIGKILLed after `timeout_s`.

    Raises ToolMissing when argv[0] is not installed, ToolFailed on timeout or a
    non-zero exit (the message carries the tail of stderr).
    """
    exe = argv[0] if os.path.isabs(argv[0]) else find_tool(argv[0])
    if not exe or not os.path.exists(exe):
        raise ToolMissing(os.path.basename(argv[0]))
    try:
        proc = subprocess.Popen(
            [exe, *argv[1:]],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            process_group=0,
            preexec_fn=lambda: _limit(memory_mb),
        )
    except FileNotFoundError as exc:
        raise ToolMissing(os.path.basename(argv[0])) from exc
    try:
        out, err = proc.communicate(stdin, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        raise ToolFailed(f"{os.path.basename(exe)}: timed out after {timeout_s:g} s") from None
    finally:
        _kill_group(proc.pid)  # stray grandchildren (soffice.bin) must not outlive the call
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ToolFailed(f"{os.path.basename(exe)}: exit {proc.returncode} {tail[0][:200]}")
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
