"""Unique keys another writer got to first: conflict-tolerant inserts and id remaps.

Several writers share a PostgreSQL catalog (distributed crawling), and each stages rows
with ids of its own (archive.ids) long before its commit. Two writers that extract the
same payload (``text``), find the same URL (``resource``) or parse the same text
(``parse``) stage two rows for one unique key; a plain INSERT of the second failed the
whole batch, leaving its WARC records uncatalogued. So rows of a table with a unique key
are inserted with ``ON CONFLICT (key) DO NOTHING RETURNING id`` (PostgreSQL and SQLite
alike): a row not returned lost the race, its id is *remapped* to the winner's (looked up
by key), and every later row that refers to it (``capture.resource_id``,
``parse.text_id``) is written with the winner's id. Nothing is duplicated and no capture
is lost: the winner's text and parse stay as they are (they are never overwritten), and
the winner's resource row takes the loser's captures into account (``_MERGE``: the
newest capture is the latest version, ``ever_ok`` is either's).

Remaps of the open transaction are *pending*: rewriting the batch on a new connection
(archive.batch) computes them again, since the other writer may have rolled back. At the
commit they become *committed* and stay for the archive's session, because ids handed
out earlier (``add_text``'s answer, a cached URL state) may still be used later; there
is one entry per lost race.

On PostgreSQL an INSERT whose key another open transaction has just written waits for
that transaction to end. Rows are written in key order within a statement, so two
writers do not lock each other's keys in opposite orders; a deadlock across statements is
aborted by the server and retried as a transient failure (archive.catalog).
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from archive.errors import StorageError

LOOKUP_CHUNK = 500  # keys per winner lookup
ROW_ID = "ogi_row_id"


class Remaps:
    """Our ids that lost a race, and the winners' ids that replace them."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, int], int] = {}
        self.committed: dict[tuple[str, int], int] = {}

    def __bool__(self) -> bool:
        return bool(self.pending or self.committed)

    def get(self, table: str, row_id: int) -> int | None:
        key = (table, row_id)
        found = self.pending.get(key)
        return found if found is not None else self.committed.get(key)

    def lost(self, table: str, row_id: int) -> bool:
        """Whether the open transaction did not write our row of that id."""
        return (table, row_id) in self.pending

    def translate(self, table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` with its id and its references to remapped rows replaced."""
        if not self:
            return row
        out = row
        for column, target in _references(table):
            value = row.get(column)
            if value is None:
                continue
            mapped = self.get(target, value)
            if mapped is not None:
                out = out if out is not row else dict(row)
                out[column] = mapped
        return out

    def rewriting(self) -> None:
        """The open transaction is gone: its remaps are computed again as it is rewritten."""
        self.pending.clear()

    def committed_now(self) -> None:
        self.committed.update(self.pending)
        self.pending.clear()


@functools.cache
def unique_key(table: sa.Table) -> tuple[str, ...] | None:
    """The columns of the table's unique constraint (the catalog's tables have at most one)."""
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            return tuple(c.name for c in constraint.columns)
    return None


@functools.cache
def _references(table: sa.Table) -> tuple[tuple[str, str], ...]:
    """(column, referred table) of every foreign key of the table whose target may be
    remapped; ``id`` itself for updates is handled by the caller."""
    return tuple(
        (fk.parent.name, fk.column.table.name)
        for fk in table.foreign_keys
        if unique_key(fk.column.table) is not None
    )


@functools.cache
def _tolerant_insert(table: sa.Table, dialect: str) -> sa.Insert:
    """INSERT … ON CONFLICT (unique key) DO NOTHING RETURNING id: a primary key clash is
    still an error (ids are never shared), only the unique key is tolerated."""
    module = postgresql if dialect == "postgresql" else sqlite
    key = unique_key(table)
    stmt = module.insert(table).on_conflict_do_nothing(index_elements=list(key or ()))
    return stmt.returning(table.c.id)


def insert_rows(
    conn: Connection, table: sa.Table, rows: list[dict[str, Any]], remaps: Remaps
) -> None:
    """Insert staged rows of one table; rows whose unique key is taken are remapped to
    the row that holds it (and merged into it where the table says so)."""
    rows = [remaps.translate(table, r) for r in rows]
    key = unique_key(table)
    if key is None:
        conn.execute(sa.insert(table), rows)
        return
    rows.sort(key=lambda r: tuple(r[k] for k in key))
    inserted = set(conn.execute(_tolerant_insert(table, conn.dialect.name), rows).scalars())
    losers = [r for r in rows if r["id"] not in inserted]
    if not losers:
        return
    winners = _winners(conn, table, key, losers)
    for row in losers:
        winner = winners.get(tuple(row[k] for k in key))
        if winner is None:
            raise StorageError(
                f"catalog table {table.name}: a row with key "
                f"{dict(zip(key, (row[k] for k in key), strict=True))} was neither written "
                "nor found; its batch is not committed, run the crawl again (--resume)"
            )
        remaps.pending[(table.name, row["id"])] = winner
    merge = _MERGE.get(table.name)
    if merge is not None:
        params = [merge.params(row, remaps.pending[(table.name, row["id"])]) for row in losers]
        conn.execute(merge.statement(table), params)


def insert_new(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    """Insert the rows whose unique key no row holds yet (ids from the database); returns
    how many were inserted. The others were written by another writer meanwhile."""
    key = unique_key(table)
    if key is not None:
        rows = sorted(rows, key=lambda r: tuple(r[k] for k in key))
    return len(conn.execute(_tolerant_insert(table, conn.dialect.name), rows).all())


def update_rows(
    conn: Connection, table: sa.Table, rows: list[dict[str, Any]], remaps: Remaps
) -> None:
    """Updates of staged rows; an update of a row that lost its insert goes to the winner
    (merged, for a table with a merge rule)."""
    plain: list[dict[str, Any]] = []
    merged: list[dict[str, Any]] = []
    merge = _MERGE.get(table.name)
    for row in rows:
        row = remaps.translate(table, row)
        winner = remaps.get(table.name, row["id"]) if remaps else None
        if winner is not None and merge is not None and merge.covers(row):
            merged.append(merge.params(row, winner))
            continue
        values = {k: v for k, v in row.items() if k != "id"}
        plain.append({ROW_ID: winner if winner is not None else row["id"], **values})
    if plain:
        conn.execute(_update(table), plain)
    if merged and merge is not None:
        conn.execute(merge.statement(table), merged)


@functools.cache
def _update(table: sa.Table) -> sa.Update:
    """UPDATE … SET <the columns given> WHERE id = :ogi_row_id."""
    return sa.update(table).where(table.c.id == sa.bindparam(ROW_ID))


def _winners(
    conn: Connection, table: sa.Table, key: tuple[str, ...], rows: list[dict[str, Any]]
) -> dict[tuple[Any, ...], int]:
    """Key -> id of the rows that hold the keys (committed by another writer, or ours)."""
    columns = [table.c[k] for k in key]
    found: dict[tuple[Any, ...], int] = {}
    for start in range(0, len(rows), LOOKUP_CHUNK):
        keys = [tuple(r[k] for k in key) for r in rows[start : start + LOOKUP_CHUNK]]
        if len(columns) == 1:
            where = columns[0].in_([k[0] for k in keys])
        else:
            where = sa.tuple_(*columns).in_(keys)
        for row in conn.execute(sa.select(table.c.id, *columns).where(where)):
            found[tuple(row[1:])] = int(row[0])
    return found


class _ResourceMerge:
    """A URL's row when two writers captured it: the newest capture decides the latest
    version and whether it is gone; it was ever OK if either saw it OK; first seen is
    the earlier. Evaluated in the UPDATE itself, against the row as it is then."""

    STATE = ("last_seen", "latest_sha256", "latest_payload_capture_id", "ever_ok", "gone_at")

    def covers(self, row: dict[str, Any]) -> bool:
        return all(k in row for k in self.STATE)

    def params(self, row: dict[str, Any], winner: int) -> dict[str, Any]:
        out = {ROW_ID: winner, **{f"new_{k}": row[k] for k in self.STATE}}
        out["new_first_seen"] = row.get("first_seen", row["last_seen"])
        return out

    def statement(self, table: sa.Table) -> sa.Update:
        return _resource_merge(table)


@functools.cache
def _resource_merge(table: sa.Table) -> sa.Update:
    """UPDATE resource SET <each column as _ResourceMerge says> WHERE id = :ogi_row_id."""
    c = table.c

    def new(name: str) -> sa.BindParameter[Any]:
        return sa.bindparam(f"new_{name}", type_=c[name].type)

    newer = c.last_seen <= new("last_seen")
    return (
        sa.update(table)
        .where(c.id == sa.bindparam(ROW_ID))
        .values(
            first_seen=sa.case(
                (c.first_seen > new("first_seen"), new("first_seen")), else_=c.first_seen
            ),
            last_seen=sa.case((newer, new("last_seen")), else_=c.last_seen),
            latest_sha256=sa.case(
                (newer, sa.func.coalesce(new("latest_sha256"), c.latest_sha256)),
                else_=c.latest_sha256,
            ),
            latest_payload_capture_id=sa.case(
                (
                    newer,
                    sa.func.coalesce(new("latest_payload_capture_id"), c.latest_payload_capture_id),
                ),
                else_=c.latest_payload_capture_id,
            ),
            ever_ok=sa.or_(c.ever_ok, new("ever_ok")),
            gone_at=sa.case((newer, new("gone_at")), else_=c.gone_at),
        )
    )


_MERGE: dict[str, _ResourceMerge] = {"resource": _ResourceMerge()}
