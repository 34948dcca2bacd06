"""Top-level (picklable) functions the sandbox tests run in worker processes."""

from __future__ import annotations

import ctypes
import os
import subprocess
import time


def double(x: int) -> int:
    return 2 * x


def worker_pid() -> int:
    return os.getpid()


def sleep_then(seconds: float, value: object = "woke") -> object:
    time.sleep(seconds)
    return value


def allocate(mb: int) -> int:
    return len(bytearray(mb * 1024 * 1024))


def segfault() -> None:
    ctypes.string_at(0)


def abort() -> None:
    ctypes.CDLL(None).abort()


def malloc_until_it_fails_then_abort(hold_s: float = 0.6) -> None:
    """What PDFium does when an allocation fails under RLIMIT_AS: abort(), no MemoryError.

    It reaches the cap over seconds; holding there a moment lets the pool, which samples
    address space every 0.1 s, see that too.
    """
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    while libc.malloc(8 << 20):
        pass
    time.sleep(hold_s)
    libc.abort()


def hard_exit(code: int) -> None:
    os._exit(code)


def raise_value_error(message: str) -> None:
    raise ValueError(message)


def unpicklable_result() -> object:
    return lambda: None


def start_converter_then_hang(pid_file: str) -> None:
    """Start a long child process the way run_tool does (own process group), then hang."""
    child = subprocess.Popen(["sleep", "60"], process_group=0)
    with open(pid_file, "w") as fh:
        fh.write(str(child.pid))
    time.sleep(60)
