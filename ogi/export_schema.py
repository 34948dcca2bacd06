"""The columns of `ogi export`: one definition feeds the Parquet schema, the Frictionless
Table Schema in datapackage.json, and docs/data-dictionary.md, so they cannot disagree.

Columns are only ever added, never renamed: researchers' scripts read them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # string | int | float | date | timestamp | strings | captures
    meaning: str
    unit: str = ""  # unit or encoding notes shown in the dictionary
    nullable: bool = True


_CAPTURE = pa.struct(
    [
        ("capture_id", pa.int64()),
        ("url", pa.string()),
        ("media_type", pa.string()),
        ("sha256", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "strings": pa.list_(pa.string()),
    "captures": pa.list_(_CAPTURE),
}
# Frictionless Table Schema types of the CSV cells (list columns are JSON text there).
FRICTIONLESS_TYPES = {
    "string": "string",
    "int": "integer",
    "float": "number",
    "date": "date",
    "timestamp": "datetime",
    "strings": "array",
    "captures": "array",
}
TYPE_NAMES = {  # how docs/data-dictionary.md names each kind
    "string": "string",
    "int": "int64",
    "float": "float64",
    "date": "date32 (YYYY-MM-DD)",
    "timestamp": "timestamp[us, UTC]",
    "strings": "list<string>",
    "captures": "list<struct>",
}

_TS = "ISO 8601 UTC in CSV/JSONL (`2026-01-31T08:00:00.123456Z`)"
_JSON = "Parquet: a list; CSV: JSON array text; JSONL: an array"
_CITE = "with `url` and `fetched_at`, what to cite"

REPORTS: tuple[Column, ...] = (
    Column("agency", "string", "reporting agency as printed in the report"),
    Column("year", "int", "year reported on (not the year published)", "calendar year"),
    Column("title", "string", "the report's title"),
    Column("published", "date", "publication date stated on the page or in the report"),
    Column("url", "string", "canonical URL of the capture that stands for the report"),
    Column("portal", "string", "portal name from the portal list (`--portal`)"),
    Column(
        "capture_id",
        "int",
        "id of that capture (`ogi show ID`); joins `stats.capture_id`",
        nullable=False,
    ),
    Column("sha256", "string", f"SHA-256 of the captured body, {_CITE}", "64 hex digits"),
    Column("fetched_at", "timestamp", "when the capture was fetched", _TS),
    Column("media_type", "string", "`text/html`, `application/pdf` …"),
    Column("format", "string", "report format: `pre2019`, `2019`, `2021` or `narrative`"),
    Column("versions", "int", "distinct captured versions of the URL", "count", nullable=False),
    Column("contact_address", "string", "contact address from the report's opening"),
    Column("contact_phone", "string", "contact telephone"),
    Column("contact_email", "string", "contact e-mail"),
    Column("contact_postcode", "string", "contact postcode"),
    Column("contact_website", "string", "website named as contact"),
    Column("stats_count", "int", "statistics parsed (rows in `stats`)", "count", nullable=False),
    Column("warnings", "strings", "where the report contradicts itself", _JSON),
    Column(
        "captures",
        "captures",
        "every capture carrying the report: capture_id, url, media_type, sha256, fetched_at",
        _JSON,
    ),
)

STATS: tuple[Column, ...] = (
    Column("agency", "string", "reporting agency as printed"),
    Column("agency_normalized", "string", "agency name normalised (科技局 → 科学技术局)"),
    Column("year", "int", "year reported on", "calendar year"),
    Column("format", "string", "report format: `pre2019`, `2019`, `2021` or `narrative`"),
    Column("position", "int", "order of the statistic in its report", "1, 2, …", nullable=False),
    Column("key", "string", "canonical key from parser/report_formats.yaml; null: none matched"),
    Column("table", "string", "the table it came from (`pre2019`, `2019`, `2021`, `narrative`)"),
    Column("row", "string", "row label as printed"),
    Column("column", "string", "column label as printed"),
    Column("unit", "string", "unit as printed (条, 件, 万元 …)"),
    Column("value", "float", "the number; null for a blank cell", "in `unit`; float64 always"),
    Column("raw", "string", "the cell text the number was read from"),
    Column(
        "capture_id",
        "int",
        "the report's capture (`ogi show ID`); joins `reports.capture_id`",
        nullable=False,
    ),
    Column("url", "string", "URL of that capture"),
    Column("sha256", "string", f"SHA-256 of that capture's body, {_CITE}", "64 hex digits"),
    Column("fetched_at", "timestamp", "when that capture was fetched", _TS),
    Column("portal", "string", "portal name from the portal list"),
)

JSONL_CONTACT = "{address, phone, email, postcode, website}: the CSV's contact_* columns"
JSONL_STATS = "[{key, table, row, column, unit, value}]: the long form's columns of the same name"

TABLES: dict[str, tuple[Column, ...]] = {"reports": REPORTS, "stats": STATS}
TABLE_MEANING = {
    "reports": "one row per report (agency and year), its latest version, as `ogi reports`",
    "stats": "one row per statistic of those reports (long form)",
}


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.kind], nullable=c.nullable) for c in TABLES[table]]
    )


def table_schema(table: str) -> dict:
    """Frictionless Table Schema of the table's CSV form."""
    fields = []
    for c in TABLES[table]:
        field: dict = {"name": c.name, "type": FRICTIONLESS_TYPES[c.kind], "description": c.meaning}
        if c.unit:
            field["unit"] = c.unit
        if not c.nullable:
            field["constraints"] = {"required": True}
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def jsonl_schema(table: str) -> dict:
    """The JSONL form: stats as in the CSV; reports nest `contact` and `stats` as in
    `ogi reports --format jsonl` (fields of the CSV's contact_* columns and of `stats`)."""
    schema = table_schema(table)
    if table == "reports":
        flat = [f for f in schema["fields"] if not f["name"].startswith("contact_")]
        at = next(i for i, f in enumerate(flat) if f["name"] == "stats_count")
        flat[at : at + 1] = [
            {"name": "contact", "type": "object", "description": JSONL_CONTACT},
            {"name": "stats", "type": "array", "description": JSONL_STATS},
        ]
        schema["fields"] = flat
    return schema


def dictionary_markdown() -> str:
    """docs/data-dictionary.md's column tables (a test keeps the file equal to this)."""
    parts = []
    for table, columns in TABLES.items():
        parts.append(f"## `{table}`: {TABLE_MEANING[table]}\n")
        parts.append("| column | type | meaning | unit / encoding |")
        parts.append("| --- | --- | --- | --- |")
        for c in columns:
            null = "" if c.nullable else ", never null"
            parts.append(f"| `{c.name}` | {TYPE_NAMES[c.kind]}{null} | {c.meaning} | {c.unit} |")
        parts.append("")
    return "\n".join(parts)
