"""Ship closed WARC files to the WARC store, verified, once, and resumably.

A WARC file is written locally (archive.warcfile); once its writer has closed it (a
rollover, the end of a run, or a writer that died: the next writer's open finds it
unlocked) it is immutable, and this module copies it to ``OGI_WARC_STORE``:

1. ``flock`` the file (a live writer or another shipper holds it: leave it to them);
2. hash it (size + SHA-256);
3. if the store already has an object of that name: the same bytes (an upload whose
   catalog row a crash prevented) are adopted, never written again; different bytes are
   an error, and nothing is overwritten;
4. else upload (object stores put whole objects atomically; other filesystems get a
   temporary name, then a rename), read the object back and compare size and SHA-256;
5. record name, size, SHA-256, URL and ETag in the catalog (``warc_file``);
6. with ``OGI_WARC_KEEP_LOCAL=0``, delete the local copy, but only when the catalog
   covers the whole file (every record committed: a dead writer's uncatalogued tail
   must stay readable for the recovery that catalogues it).

Transient store failures are retried (tenacity); a store that stays unreachable leaves
the local file as it was, and the next writer's open or `ogi ship` tries again.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from fsspec.implementations.local import LocalFileSystem
from fsspec.spec import AbstractFileSystem
from sqlalchemy.engine import Engine

from archive.catalog import guarded
from archive.remote import (
    RemoteStoreError,
    StoreConfig,
    digest_local,
    digest_remote,
    resolve,
    store_error,
    with_retries,
)
from archive.sources import Shipped, add_shipped, catalogued_end, shipped_file

log = logging.getLogger(__name__)
T = TypeVar("T")
# Object stores make a PUT visible whole or not at all; anything else gets temp + rename.
ATOMIC_PUT = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "memory"}


@dataclass
class ShipReport:
    """What one round of shipping did."""

    shipped: list[str] = field(default_factory=list)  # uploaded and verified now
    adopted: list[str] = field(default_factory=list)  # already in the store, verified
    removed_local: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # locked by a writer or another shipper
    errors: list[str] = field(default_factory=list)

    def add(self, other: ShipReport) -> None:
        for name in ("shipped", "adopted", "removed_local", "busy", "errors"):
            getattr(self, name).extend(getattr(other, name))


class Shipper:
    """Ships files on one background thread (the writer goes on writing meanwhile)."""

    def __init__(self, folder: Path, engine: Engine, store: StoreConfig) -> None:
        if store.url is None:
            raise ValueError("a Shipper needs a store URL")
        resolve(store.url, store.options)  # a bad URL or a missing backend fails now
        self.folder = folder
        self.engine = engine
        self.store = store
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[str, Future[ShipReport]] = {}

    def submit(self, names: Iterable[str]) -> None:
        """Queue files for shipping (a file already queued is not queued twice)."""
        for name in names:
            if name in self._pending:
                continue
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ogi-ship")
            self._pending[name] = self._pool.submit(self.ship_one, name)

    def drain(self) -> ShipReport:
        """Wait for everything queued; the errors are in the report, not raised."""
        report = ShipReport()
        pending, self._pending = self._pending, {}
        for name, future in pending.items():
            try:
                report.add(future.result())
            except Exception as exc:  # ship_one reports its own failures; this is a bug's
                report.errors.append(f"{name}: {exc}")
        return report

    def close(self) -> ShipReport:
        report = self.drain()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        return report

    # ------------------------------------------------------------------ one file
    def ship_one(self, name: str) -> ShipReport:
        report = ShipReport()
        path = self.folder / name
        try:
            with _held(path) as held:
                if not held:
                    if path.exists():
                        report.busy.append(name)
                    return report
                self._ship_held(path, report)
        except Exception as exc:
            message = str(exc) if isinstance(exc, RemoteStoreError) else f"{name}: {exc}"
            report.errors.append(message)
            log.error("%s; %s stays in %s", message, name, self.folder)
        return report

    def _ship_held(self, path: Path, report: ShipReport) -> None:
        existing = self._shipped(path.name)
        size, sha = digest_local(path)
        if existing is None:
            url = self.store.file_url(path.name)
            etag, fresh = self._retrying(lambda: self._put_verified(path, url, size, sha))
            row = {"name": path.name, "size": size, "sha256": sha, "url": url, "etag": etag}
            row["shipped_at"] = datetime.now(UTC)
            guarded(lambda: self._insert(row), "recording a shipped WARC file")
            (report.shipped if fresh else report.adopted).append(path.name)
            log.info("shipped %s to %s (%d bytes, sha256 %s)", path.name, url, size, sha)
        elif (existing.size, existing.sha256) != (size, sha):
            raise RemoteStoreError(
                f"local WARC file {path} differs from the copy shipped to {existing.url} "
                f"(catalog: {existing.size} bytes, sha256 {existing.sha256}): the local "
                "copy was changed after it was closed; restore it from the shipped copy"
            )
        if not self.store.keep_local and self._covered(path.name, size):
            path.unlink()
            report.removed_local.append(path.name)

    def _put_verified(self, path: Path, url: str, size: int, sha: str) -> tuple[str | None, bool]:
        """Upload unless the same bytes are there; read back and verify. (etag, uploaded?)"""
        fs, rpath = resolve(url, self.store.options)
        fs.invalidate_cache()
        fresh = not fs.exists(rpath)
        if fresh:
            _put(fs, path, rpath)
        try:
            got = digest_remote(fs, rpath)
        except FileNotFoundError as exc:
            raise RemoteStoreError(f"{url} vanished right after its upload") from exc
        if got != (size, sha):
            if not fresh:
                raise RemoteStoreError(
                    f"WARC store object {url} holds {got[0]} bytes (sha256 {got[1]}), not "
                    f"the local {path.name} ({size} bytes, sha256 {sha}); it was not "
                    "overwritten: inspect it and remove it if it is damaged"
                )
            with contextlib.suppress(Exception):
                fs.rm_file(rpath)  # our own unverified upload: never leave it for an adopt
            raise RemoteStoreError(f"the upload of {path.name} to {url} did not verify")
        etag = _etag(fs, rpath)
        return etag, fresh

    def _retrying(self, fn: Callable[[], T]) -> T:
        url = self.store.url or ""
        try:
            return with_retries(fn, self.store.tries, f"WARC store {url}")
        except RemoteStoreError:
            raise
        except Exception as exc:
            raise store_error(exc, url, "shipping a WARC file") from exc

    def _shipped(self, name: str) -> Shipped | None:
        def read() -> Shipped | None:
            with self.engine.connect() as conn:
                return shipped_file(conn, name)

        return guarded(read, "reading the WARC file list")

    def _insert(self, row: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            add_shipped(conn, row)

    def _covered(self, name: str, size: int) -> bool:
        def read() -> int:
            with self.engine.connect() as conn:
                return catalogued_end(conn, name)

        return guarded(read, "reading the catalog") == size


def _put(fs: AbstractFileSystem, path: Path, rpath: str) -> None:
    protocols = {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)
    if protocols & ATOMIC_PUT:
        fs.put_file(str(path), rpath)
        return
    parent = fs._parent(rpath)
    fs.makedirs(parent, exist_ok=True)
    tmp = f"{parent}/.{path.name}.{uuid.uuid4().hex[:12]}.part"
    try:
        fs.put_file(str(path), tmp)
        if isinstance(fs, LocalFileSystem):
            _fsync(tmp)
        fs.mv(tmp, rpath)
    finally:
        with contextlib.suppress(FileNotFoundError, OSError):
            if fs.exists(tmp):
                fs.rm_file(tmp)


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _etag(fs: AbstractFileSystem, rpath: str) -> str | None:
    with contextlib.suppress(Exception):
        fs.invalidate_cache(rpath)
        tag = fs.info(rpath).get("ETag")
        return str(tag).strip('"') if tag else None
    return None


@contextlib.contextmanager
def _held(path: Path) -> Iterator[bool]:
    """An exclusive, non-blocking flock on ``path`` for as long as the block runs: True when
    taken, False when a writer or another shipper holds it or the file is gone."""
    try:
        fd = os.open(path, os.O_RDWR)  # NFS needs a writable handle for an exclusive lock
    except FileNotFoundError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield path.exists()  # another shipper may have removed it before we got the lock
    finally:
        os.close(fd)
