"""Who may write an archive directory at once: advisory ``flock`` locks the kernel drops on exit.

* ``<archive>/.lock``: exclusive for a SQLite catalog (one writer, SQLite's own rule and
  the WARC naming's), *shared* for a server catalog (PostgreSQL): several crawler
  processes write their own WARC files and the database serialises the catalog. An
  exclusive holder (a SQLite writer, or a maintenance command asking for it) still
  excludes every shared one, and the other way round, so the SQLite guarantee is intact.
* every WARC file a writer has open is ``flock``-ed by it, so recovery in another process
  (cutting torn tails, re-cataloguing uncommitted records) leaves a live writer's file
  alone and only touches files whose writer is gone.

On Linux, flock over NFS is carried by NFS byte-range locks, so the rules hold for a
directory shared between machines (NFSv4); see docs/scaling.md.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO

from archive.errors import ArchiveLocked, StorageError

LOCK_NAME = ".lock"


class ArchiveLock:
    """A ``fcntl.flock`` on ``<archive>/<name>``, held while open for writing.

    The kernel drops it when the process dies, so a crash never leaves a stale lock.
    """

    def __init__(self, handle: IO[str]) -> None:
        self._handle: IO[str] | None = handle

    @classmethod
    def acquire(
        cls, directory: Path, *, wait: float, shared: bool = False, name: str = LOCK_NAME
    ) -> ArchiveLock:
        """Take the lock, waiting up to ``wait`` seconds for a conflicting holder to finish."""
        try:
            handle = open(directory / name, "a+")  # noqa: SIM115 - held until release()
        except OSError as exc:
            raise StorageError(
                f"cannot create the lock file in {directory}: {exc.strerror or exc}; "
                "check the folder's permissions"
            ) from exc
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
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
        if not shared:  # shared holders are many: the pid names only an exclusive one
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


def hold_file(fd: int) -> None:
    """Mark a WARC file as being written by this process (released when ``fd`` closes)."""
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def is_live(path: Path) -> bool:
    """Whether a live writer holds ``path`` (another process, or another handle of ours)."""
    try:
        fd = os.open(path, os.O_RDWR)  # NFS needs a writable handle for an exclusive lock
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops our probe lock, if we got it
    return False
