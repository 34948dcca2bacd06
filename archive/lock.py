"""One writer per archive directory: an advisory lock file, so two crawls never interleave."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO

from archive.errors import ArchiveLocked, StorageError

LOCK_NAME = ".lock"


class ArchiveLock:
    """An exclusive ``fcntl.flock`` on ``<archive>/.lock``, held while open for writing.

    The kernel drops it when the process dies, so a crash never leaves a stale lock.
    """

    def __init__(self, handle: IO[str]) -> None:
        self._handle: IO[str] | None = handle

    @classmethod
    def acquire(cls, directory: Path, *, wait: float) -> ArchiveLock:
        """Take the lock, waiting up to ``wait`` seconds for another writer to finish."""
        try:
            handle = open(directory / LOCK_NAME, "a+")  # noqa: SIM115 - held until release()
        except OSError as exc:
            raise StorageError(
                f"cannot create the lock file in {directory}: {exc.strerror or exc}; "
                "check the folder's permissions"
            ) from exc
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    holder = _holder(handle)
                    handle.close()
                    raise ArchiveLocked(
                        f"archive {directory} is in use by another ogi process{holder}; "
                        "wait for it to finish, or open with readonly=True to read"
                    ) from exc
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return cls(handle)

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f" (pid {pid})" if pid.isdigit() else ""
