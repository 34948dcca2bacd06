"""Row ids the archive hands out itself, so staged rows can wait for one executemany.

A capture's id is part of what ``Archive.record`` returns, long before its row is
written at the batch's commit. So ids are taken here, not from the INSERT:

* SQLite has one writer (the archive lock; see archive.lock): a table's next id is
  max(id) + 1, read once per batch on the batch's connection. It is forgotten when the
  batch ends, because rows written outside a batch (``add_parses``, crawl runs) take
  ids of their own in between.
* PostgreSQL may have several writers on one catalog: ids come from the table's own
  sequence, a block at a time. ``nextval`` never hands a value out twice, whatever the
  transactions do, so a block is ours alone; what a process leaves unused is a gap, as
  after any rolled-back INSERT.
"""

from __future__ import annotations

from collections import deque

import sqlalchemy as sa
from sqlalchemy.engine import Connection

PG_BLOCK = 50  # ids reserved per sequence round trip (a batch is 100 captures by default)

_RESERVE = sa.text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)")
_SEQUENCE = sa.text("SELECT pg_get_serial_sequence(:table, 'id')")


class IdSource:
    """The next free ids of each table, for one archive's writer."""

    def __init__(self, dialect: str) -> None:
        self.sequences = dialect == "postgresql"
        self._next: dict[str, int] = {}  # SQLite: the next id per table, this batch
        self._free: dict[str, deque[int]] = {}  # PostgreSQL: reserved, not yet handed out
        self._seq_names: dict[str, str] = {}

    def ready(self, table: sa.Table) -> int | None:
        """The next id when it needs no database round trip, else None (see ``take``)."""
        name = table.name
        if self.sequences:
            free = self._free.get(name)
            return free.popleft() if free else None
        found = self._next.get(name)
        if found is not None:
            self._next[name] = found + 1
        return found

    def take(self, table: sa.Table, conn: Connection) -> int:
        """The next id, reading the table's max id or reserving a block on ``conn``."""
        found = self.ready(table)
        if found is not None:
            return found
        name = table.name
        if self.sequences:
            seq = self._seq_names.get(name)
            if seq is None:
                seq = str(conn.execute(_SEQUENCE, {"table": name}).scalar_one())
                self._seq_names[name] = seq
            ids = conn.execute(_RESERVE, {"seq": seq, "n": PG_BLOCK}).scalars().all()
            self._free[name] = deque(sorted(int(i) for i in ids))
            return self._free[name].popleft()
        top = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
        self._next[name] = int(top or 0) + 2
        return int(top or 0) + 1

    def batch_ended(self) -> None:
        """SQLite reads max(id) again next batch; reserved sequence values stay ours."""
        self._next.clear()
