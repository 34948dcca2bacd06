"""Catalog rows staged in one open transaction and committed in batches.

Rows are inserted as they come (so they get their ids and later reads in the same
process see them) but committed only by ``commit()``, which the archive calls after
fsyncing the WARC files. Every staged statement is logged; when the connection drops
or the database is locked, the log is replayed on a fresh connection (same ids) and
the operation retried a bounded number of times, then a StorageError is raised.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from archive.catalog import guarded, is_transient

T = TypeVar("T")


@dataclass(frozen=True)
class Staged:
    table: sa.Table
    row: dict[str, Any]  # includes "id"
    insert: bool  # False: an update of the row with that id


class CatalogBatch:
    """The open write transaction of an archive, with its replay log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.records = 0  # fetches staged since the last commit
        self.started: float | None = None
        self._conn: Connection | None = None
        self._log: list[Staged] = []

    @property
    def active(self) -> bool:
        return bool(self._log) or self._conn is not None

    def age(self) -> float:
        return time.monotonic() - self.started if self.started is not None else 0.0

    def run(self, fn: Callable[[Connection], T], doing: str) -> T:
        """``fn`` on the batch's connection, retried (after a replay) on transient errors."""

        def attempt() -> T:
            try:
                return fn(self._connection())
            except sa.exc.SQLAlchemyError as exc:
                self._after_failure(exc)
                raise

        return guarded(attempt, doing)

    def insert(self, table: sa.Table, row: dict[str, Any], doing: str) -> int:
        def ins(conn: Connection) -> int:
            return int(conn.execute(_insert(table), row).inserted_primary_key[0])

        new_id = self.run(ins, doing)
        self._log.append(Staged(table, {"id": new_id, **row}, insert=True))
        self.started = self.started or time.monotonic()
        return new_id

    def update(self, table: sa.Table, row_id: int, values: dict[str, Any], doing: str) -> None:
        params = {ROW_ID: row_id, **values}
        self.run(lambda conn: conn.execute(_update(table), params), doing)
        self._log.append(Staged(table, {"id": row_id, **values}, insert=False))

    def commit(self) -> None:
        """Commit what is staged (call only after the WARC records are fsynced)."""
        if not self.active:
            return

        def attempt() -> None:
            try:
                if self._conn is None and self._landed():
                    return  # the commit went through, only its answer was lost
                self._connection().commit()
            except sa.exc.SQLAlchemyError as exc:
                self._after_failure(exc)
                raise

        try:
            guarded(attempt, "committing captures (their WARC records are kept)")
        finally:
            self.discard()

    def discard(self) -> None:
        """Forget the staged rows (rolled back); their WARC records stay where they are."""
        self._log.clear()
        self.records = 0
        self.started = None
        self._drop_conn()

    def _after_failure(self, exc: sa.exc.SQLAlchemyError) -> None:
        """A transient failure keeps the log for a replay; anything else drops the batch."""
        if is_transient(exc):
            self._drop_conn()
        else:
            self.discard()

    def _landed(self) -> bool:
        """Whether the first staged insert is in the database (commits are atomic)."""
        first = next((op for op in self._log if op.insert), None)
        if first is None:
            return False
        stmt = sa.select(first.table.c.id).where(first.table.c.id == first.row["id"])
        with self.engine.connect() as conn:
            return conn.execute(stmt).first() is not None

    def _connection(self) -> Connection:
        """The open transaction; a new one replays the log first, keeping every id."""
        if self._conn is None:
            conn = self.engine.connect()
            try:
                conn.begin()
                for op in self._log:
                    _replay(conn, op)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _drop_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                conn.close()


# Statements built once per table and given their values as parameters: SQLAlchemy then
# reuses one compiled form instead of building bound literals for every row (3x faster).
ROW_ID = "ogi_row_id"


@functools.cache
def _insert(table: sa.Table) -> sa.Insert:
    return sa.insert(table)


@functools.cache
def _update(table: sa.Table) -> sa.Update:
    """UPDATE … SET <the columns given> WHERE id = :ogi_row_id."""
    return sa.update(table).where(table.c.id == sa.bindparam(ROW_ID))


def _replay(conn: Connection, op: Staged) -> None:
    if op.insert:
        conn.execute(_insert(op.table), op.row)
    else:
        values = {k: v for k, v in op.row.items() if k != "id"}
        conn.execute(_update(op.table), {ROW_ID: op.row["id"], **values})
