"""Where a WARC file's bytes are: the local ``warc/`` folder first, else its shipped copy.

Every reader of records (``Archive.payload``/``record_bytes``: `ogi show`, exports, WACZ,
replay, reparse; `ogi check`; rebuilds) goes through :class:`WarcSource`, so a file whose
local copy was deleted after a verified upload (archive.shipping) reads the same, through
fsspec: ranged reads for single records, one streamed download for whole-file scans.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from archive.catalog import guarded
from archive.errors import CorruptWarc
from archive.models import Capture, WarcFile
from archive.remote import (
    StoreConfig,
    download,
    read_range,
    resolve,
    store_error,
    with_retries,
)
from archive.warcfile import WARC_SUFFIX, read_record_bytes

W = WarcFile.__table__.c


@dataclass(frozen=True)
class Shipped:
    """A catalog row of warc_file: a verified copy of ``name`` at ``url``."""

    name: str
    size: int
    sha256: str
    url: str
    etag: str | None
    shipped_at: datetime


def shipped_file(conn: Connection, name: str) -> Shipped | None:
    row = conn.execute(sa.select(WarcFile.__table__).where(W.name == name)).first()
    return _shipped(row) if row is not None else None


def shipped_files(conn: Connection) -> dict[str, Shipped]:
    return {r.name: _shipped(r) for r in conn.execute(sa.select(WarcFile.__table__))}


def _shipped(row: sa.Row) -> Shipped:
    return Shipped(row.name, row.size, row.sha256, row.url, row.etag, row.shipped_at)


def catalogued_end(conn: Connection, name: str) -> int:
    """End of the last catalogued record of one file (see queries.warc_file_ends)."""
    c = Capture.__table__.c
    stmt = sa.select(
        sa.func.max(c.warc_offset + c.warc_length), sa.func.max(c.request_offset + c.request_length)
    ).where(c.warc_file == name)
    a, b = conn.execute(stmt).one()
    return max(int(a or 0), int(b or 0))


def add_shipped(conn: Connection, row: dict[str, object]) -> None:
    """Insert once: a second shipper of the same file (another writer on a shared folder)
    finds the row there and adds nothing."""
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
    make = insert.get(conn.dialect.name)
    if make is None:  # other databases: look first (the unique name still guards)
        if shipped_file(conn, str(row["name"])) is None:
            conn.execute(sa.insert(WarcFile.__table__).values(row))
        return
    conn.execute(
        make(WarcFile.__table__).values(row).on_conflict_do_nothing(index_elements=["name"])
    )


class WarcSource:
    """Reads WARC bytes by file name: local folder, else the shipped copy the catalog names.

    Thread-safe; the shipped locations are cached (a shipped file never moves or changes).
    """

    def __init__(self, folder: Path, engine: Engine, store: StoreConfig) -> None:
        self.folder = folder
        self.engine = engine
        self.store = store
        self._known: dict[str, Shipped] = {}
        self._guard = threading.Lock()

    def shipped(self, name: str) -> Shipped | None:
        with self._guard:
            found = self._known.get(name)
        if found is None:
            found = guarded(lambda: self._lookup(name), "reading the WARC file list")
            if found is not None:
                with self._guard:
                    self._known[name] = found
        return found

    def _lookup(self, name: str) -> Shipped | None:
        with self.engine.connect() as conn:
            return shipped_file(conn, name)

    def all_shipped(self) -> dict[str, Shipped]:
        def read() -> dict[str, Shipped]:
            with self.engine.connect() as conn:
                return shipped_files(conn)

        return guarded(read, "reading the WARC file list")

    def read(self, path: Path, offset: int, length: int) -> bytes:
        """The bytes of one record of ``path`` (a catalog-checked name in the folder)."""
        try:
            return read_record_bytes(path, offset, length)
        except CorruptWarc as exc:
            if path.exists():
                raise
            remote = self.shipped(path.name)
            if remote is None:
                raise
            return self._read_remote(remote, offset, length, exc)

    def _read_remote(self, remote: Shipped, offset: int, length: int, cause: Exception) -> bytes:
        if offset + length > remote.size:
            raise CorruptWarc(
                f"WARC file {remote.url} ends before the record at offset {offset}; "
                "restore it from a backup"
            ) from cause
        fs, rpath = resolve(remote.url, self.store.options_for(remote.url))
        try:
            read = lambda: read_range(fs, rpath, offset, length)  # noqa: E731
            data = with_retries(read, self.store.tries, f"reading {remote.url}")
        except FileNotFoundError as exc:
            raise CorruptWarc(
                f"WARC file {remote.url} is missing from the store; restore it from a backup"
            ) from exc
        except Exception as exc:
            raise store_error(exc, remote.url, f"reading {remote.name}:{offset}") from exc
        if len(data) != length:
            raise CorruptWarc(
                f"WARC file {remote.url} ends before the record at offset {offset}; "
                "restore it from a backup"
            )
        return data

    def names(self) -> list[str]:
        """Every WARC file: those in the local folder and those only shipped."""
        local = (
            {p.name for p in self.folder.glob(f"*{WARC_SUFFIX}")} if self.folder.is_dir() else set()
        )
        return sorted(local | set(self.all_shipped()))

    @contextlib.contextmanager
    def whole(self, name: str) -> Iterator[tuple[Path | None, str | None]]:
        """A local path to the whole file (the local copy, or a temporary download of the
        shipped one, with its SHA-256), or (None, None) when it is in neither place."""
        local = self.folder / name
        remote = None if local.exists() else self.shipped(name)
        if remote is None:
            yield (local if local.exists() else None), None
            return
        fs, rpath = resolve(remote.url, self.store.options_for(remote.url))
        with tempfile.TemporaryDirectory(prefix="ogi-warc-") as tmp:
            copy = Path(tmp) / name
            try:
                sha = download(fs, rpath, copy)
            except FileNotFoundError:
                sha = None
            except Exception as exc:
                raise store_error(exc, remote.url, f"downloading {name}") from exc
            yield (copy if sha is not None else None), sha
