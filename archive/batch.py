"""Catalog rows staged in memory and written in batches, in one transaction.

Rows get their ids when they are staged (archive.ids), so the archive can hand them out
at once, but they are written only when the batch needs them in the database: at
``commit()`` (which the archive calls after fsyncing the WARC files), or before a read
that must see them (``run``). Then every staged row of a table goes in one executemany,
and a row updated while it is still staged (a new URL's resource row) is written once,
with its final values. Reads that find staged rows in memory first use ``peek`` and
write nothing.

Every staged row stays in the log until the commit. When the connection drops or the
database is locked, a fresh connection writes the log again, in the same chunks and
with the same ids, and the operation is retried a bounded number of times; then a
StorageError is raised.

A row whose unique key another writer committed first is not written: what refers to it
is written with the other row's id instead (archive.conflicts), so the batch still
commits whole.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from archive.catalog import guarded, is_transient
from archive.conflicts import Remaps, insert_rows, update_rows
from archive.ids import IdSource

T = TypeVar("T")


@dataclass(frozen=True)
class Staged:
    table: sa.Table
    row: dict[str, Any]  # includes "id"; values merge in while the row is unwritten
    insert: bool  # False: an update of the row with that id


class CatalogBatch:
    """The open write transaction of an archive, with its log of staged rows."""

    def __init__(self, engine: Engine, on_lost: Callable[[], None] | None = None) -> None:
        self.engine = engine
        # called when the cached URL states may be untrue: a failure dropped the staged
        # rows, or a commit found URLs another writer had added
        self.on_lost = on_lost
        self.records = 0  # fetches staged since the last commit
        self.started: float | None = None
        # What the archive remembers of rows staged in this batch (URL states, keys of
        # texts): lookups must find them before they are written; forgotten with them.
        self.staged: dict[Hashable, Any] = {}
        self.ids = IdSource(engine.dialect.name)
        self.remaps = Remaps()  # our rows that lost a unique key to another writer's
        self._conn: Connection | None = None
        self._log: list[Staged] = []
        self._chunks: list[int] = []  # ends of the log chunks written so far, in order
        self._held = 0  # how many of those chunks the open connection holds
        self._unwritten: dict[tuple[str, int], Staged] = {}  # staged after the last chunk
        self._commit_sent = False

    @property
    def active(self) -> bool:
        return bool(self._log) or self._conn is not None

    def age(self) -> float:
        return time.monotonic() - self.started if self.started is not None else 0.0

    def run(self, fn: Callable[[Connection], T], doing: str) -> T:
        """``fn`` on the batch's connection, which holds every staged row; retried (after a
        rewrite of the log on a new connection) on transient errors."""
        return self._guarded(lambda conn: fn(self._write_staged(conn)), doing)

    def peek(self, fn: Callable[[Connection], T], doing: str) -> T:
        """``fn`` on the batch's connection, staged rows not necessarily written: for
        lookups whose caller checks what is staged itself."""
        return self._guarded(fn, doing)

    def _guarded(self, fn: Callable[[Connection], T], doing: str) -> T:
        def attempt() -> T:
            try:
                return fn(self._connection())
            except sa.exc.SQLAlchemyError as exc:
                self._after_failure(exc)
                raise

        return guarded(attempt, doing)

    def insert(self, table: sa.Table, row: dict[str, Any], doing: str) -> int:
        """Stage a new row; returns the id it will have."""
        new_id = self.ids.ready(table)
        if new_id is None:
            new_id = self.peek(lambda conn: self.ids.take(table, conn), doing)
        op = Staged(table, {"id": new_id, **row}, insert=True)
        self._log.append(op)
        self._unwritten[(table.name, new_id)] = op
        if self.started is None:
            self.started = time.monotonic()
        return new_id

    def update(self, table: sa.Table, row_id: int, values: dict[str, Any]) -> None:
        """Stage new values for a row: merged into its staged insert or update when that
        is not written yet, so the row is written once."""
        op = self._unwritten.get((table.name, row_id))
        if op is not None:
            op.row.update(values)
            return
        op = Staged(table, {"id": row_id, **values}, insert=False)
        self._log.append(op)
        self._unwritten[(table.name, row_id)] = op

    def commit(self) -> None:
        """Write what is staged and commit (call only after the WARC records are fsynced)."""
        if not self.active:
            return

        def attempt() -> None:
            try:
                if self._commit_sent and self._conn is None and self._landed():
                    self._remapped()
                    return  # the commit went through, only its answer was lost
                conn = self._write_staged(self._connection())
                self._commit_sent = True
                conn.commit()
                self._remapped()
            except sa.exc.SQLAlchemyError as exc:
                self._after_failure(exc)
                raise

        try:
            guarded(attempt, "committing captures (their WARC records are kept)")
        finally:
            self.discard()

    def _remapped(self) -> None:
        """The commit is in: its remaps stand. A URL whose row another writer had made
        has a history this archive's cached URL states do not know: forget them."""
        urls = any(table == "resource" for table, _ in self.remaps.pending)
        self.remaps.committed_now()
        if urls and self.on_lost is not None:
            self.on_lost()

    def discard(self) -> None:
        """Forget the staged rows (rolled back); their WARC records stay where they are."""
        self._log.clear()
        self._chunks.clear()
        self._unwritten.clear()
        self.staged.clear()
        self.ids.batch_ended()
        self.remaps.rewriting()
        self.records = 0
        self.started = None
        self._commit_sent = False
        self._drop_conn()

    def _after_failure(self, exc: sa.exc.SQLAlchemyError) -> None:
        """A transient failure keeps the log for a rewrite; anything else drops the batch."""
        if is_transient(exc):
            self._drop_conn()
        else:
            self.discard()
            if self.on_lost is not None:
                self.on_lost()

    def _landed(self) -> bool:
        """Whether the first staged insert that the lost transaction wrote (not one that
        yielded to another writer's row) is in the database (commits are atomic)."""
        remaps = self.remaps
        mine = (
            op for op in self._log if op.insert and not remaps.lost(op.table.name, op.row["id"])
        )
        first = next(mine, None)
        if first is None:
            return False
        stmt = sa.select(first.table.c.id).where(first.table.c.id == first.row["id"])
        with self.engine.connect() as conn:
            return conn.execute(stmt).first() is not None

    def _connection(self) -> Connection:
        """The open transaction (a new one holds none of the log yet: see _write_staged)."""
        if self._conn is None:
            conn = self.engine.connect()
            try:
                conn.begin()
            except BaseException:
                conn.close()
                raise
            self._conn, self._held = conn, 0
            self.remaps.rewriting()  # the log is written again, conflicts judged again
        return self._conn

    def _write_staged(self, conn: Connection) -> Connection:
        """Bring ``conn`` up to the log: the chunks a new connection lacks, as they were
        written before, then whatever was staged since as one new chunk."""
        while self._held < len(self._chunks):
            start = self._chunks[self._held - 1] if self._held else 0
            _write(conn, self._log[start : self._chunks[self._held]], self.remaps)
            self._held += 1
        written = self._chunks[-1] if self._chunks else 0
        if written < len(self._log):
            _write(conn, self._log[written:], self.remaps)
            self._chunks.append(len(self._log))
            self._held += 1
            self._unwritten.clear()
        return conn

    def _drop_conn(self) -> None:
        conn, self._conn = self._conn, None
        self._held = 0
        if conn is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                conn.close()


@functools.cache
def _order(table: sa.Table) -> int:
    """Parents before children (the foreign keys are checked row by row)."""
    return [t.name for t in table.metadata.sorted_tables].index(table.name)


def _write(conn: Connection, ops: list[Staged], remaps: Remaps) -> None:
    """One chunk of the log: the inserts of each table in one executemany (tables in
    foreign-key order, so a parent's remap is known before its children are written),
    then the updates (of rows written before)."""
    inserts: dict[tuple[sa.Table, frozenset[str]], list[dict[str, Any]]] = {}
    updates: dict[tuple[sa.Table, frozenset[str]], list[dict[str, Any]]] = {}
    for op in ops:
        group = inserts if op.insert else updates
        group.setdefault((op.table, frozenset(op.row)), []).append(op.row)
    for (table, _), rows in sorted(inserts.items(), key=lambda kv: _order(kv[0][0])):
        insert_rows(conn, table, rows, remaps)
    for (table, _), rows in updates.items():
        update_rows(conn, table, rows, remaps)
