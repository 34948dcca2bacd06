"""Write one export table as JSONL, CSV or Parquet, in the column order of ogi/export_schema.

JSONL keeps each row as it is (the reports nest contact and stats, like `ogi reports
--format jsonl`); CSV and Parquet use the flat columns of the data dictionary.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ogi.export_schema import TABLES, arrow_schema

EXTENSIONS = {"jsonl": "jsonl", "csv": "csv", "parquet": "parquet"}
LIST_KINDS = ("strings", "captures")
BATCH = 50_000


def write_table(fmt: str, table: str, rows: Iterable[dict], path: Path, *, bom: bool) -> int:
    """Write the rows to ``path`` (a new file); returns how many were written."""
    if fmt == "jsonl":
        return _write_jsonl(rows, path)
    if fmt == "csv":
        return _write_csv(table, rows, path, bom=bom)
    return _write_parquet(table, rows, path)


def _write_jsonl(rows: Iterable[dict], path: Path) -> int:
    count = 0
    with open(path, "x", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def _csv_cell(kind: str, value: object) -> object:
    if value is None:
        return ""
    if kind in LIST_KINDS:
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_csv(table: str, rows: Iterable[dict], path: Path, *, bom: bool) -> int:
    """RFC 4180 CSV (CRLF line ends, as Excel and R expect), UTF-8, a BOM when asked."""
    columns = TABLES[table]
    count = 0
    with open(path, "x", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.name for c in columns])
        for row in rows:
            writer.writerow([_csv_cell(c.kind, row.get(c.name)) for c in columns])
            count += 1
    return count


def _timestamp(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _arrow_value(kind: str, value: object) -> object:
    if value is None:
        return None
    if kind == "timestamp":
        return _timestamp(str(value))
    if kind == "date":
        return value if isinstance(value, date) else _date(str(value))
    if kind == "float":
        return float(value)  # type: ignore[arg-type]
    if kind == "captures":
        return [{**m, "fetched_at": _timestamp(m.get("fetched_at"))} for m in value]  # type: ignore[attr-defined]
    return value


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None  # a malformed date never aborts an export; the JSONL keeps the text


def _write_parquet(table: str, rows: Iterable[dict], path: Path) -> int:
    """Written in row groups of BATCH rows, so a large archive never sits in memory twice."""
    schema = arrow_schema(table)
    count = 0
    with open(path, "xb") as fh, pq.ParquetWriter(fh, schema, compression="zstd") as writer:
        for batch in _batches(rows):
            writer.write_table(_arrow_batch(table, batch, schema))
            count += len(batch)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


def _arrow_batch(table: str, batch: list[dict], schema: pa.Schema) -> pa.Table:
    columns = TABLES[table]
    data = {c.name: [_arrow_value(c.kind, row.get(c.name)) for row in batch] for c in columns}
    return pa.Table.from_pydict(data, schema=schema)


def _batches(rows: Iterable[dict]) -> Iterable[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
