"""`ogi export`: reports and long-form statistics as JSONL, CSV or Parquet (with a
Frictionless datapackage.json as data dictionary), or the captures as WARC or WACZ.

A table export writes into a directory: reports.EXT and/or stats.EXT, and
datapackage.json describing every column and recording each file's SHA-256.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import parser as report_parser
from archive import Archive
from ogi import __version__
from ogi.errors import CliError
from ogi.export_files import inside, new_file, refuse_existing, sha256_file, target_dir
from ogi.export_rows import (
    ExportFilter,
    Selection,
    capture_ids,
    flat_report,
    select,
    stat_rows,
)
from ogi.export_schema import TABLE_MEANING, jsonl_schema, table_schema
from ogi.export_tables import EXTENSIONS, write_table
from ogi.export_wacz import write_wacz

TABLE_FORMATS = ("jsonl", "csv", "parquet")
CAPTURE_FORMATS = ("warc", "wacz")
FORMATS = TABLE_FORMATS + CAPTURE_FORMATS
TABLE_CHOICES = ("all", "reports", "stats")
REPORT_FORMATS = ("pre2019", "2019", "2021", "narrative")
MEDIA_TYPES = {
    "jsonl": "application/jsonl",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
}


@dataclass(frozen=True)
class ExportResult:
    written: dict[str, int]  # file name -> rows (captures for warc/wacz)


def check_options(fmt: str, table: str, flt: ExportFilter, *, bom: bool) -> None:
    """Refuse option mistakes with one line, before the archive is opened."""
    for what, value, allowed in (
        ("format", fmt, FORMATS),
        ("table", table, TABLE_CHOICES),
        ("report format", flt.report_format, (None, *REPORT_FORMATS)),
    ):
        if value not in allowed:
            choices = ", ".join(a for a in allowed if a)
            raise CliError(f"unknown {what} {value!r}; choose one of {choices}")
    if bom and fmt != "csv":
        raise CliError("--bom applies to --format csv only")
    if table != "all" and fmt in CAPTURE_FORMATS:
        raise CliError(f"--table applies to table formats, not {fmt}")


def run(
    arc: Archive, fmt: str, out: Path, table: str, flt: ExportFilter, bom: bool
) -> ExportResult:
    if fmt in CAPTURE_FORMATS:
        return export_captures(arc, fmt, out, flt)
    tables = ("reports", "stats") if table == "all" else (table,)
    return export_tables(arc, fmt, out, tables, flt, bom=bom)


def export_tables(
    arc: Archive, fmt: str, out: Path, tables: tuple[str, ...], flt: ExportFilter, *, bom: bool
) -> ExportResult:
    """Write the chosen tables and datapackage.json into the directory ``out``."""
    directory = target_dir(out, fmt)
    paths = {t: inside(directory, f"{t}.{EXTENSIONS[fmt]}") for t in tables}
    package_path = inside(directory, "datapackage.json")
    refuse_existing(*paths.values(), package_path)
    sel = select(arc, flt)
    written: dict[str, int] = {}
    resources = []
    try:
        for table, path in paths.items():
            with new_file(path) as tmp:
                count = write_table(fmt, table, _rows(sel, table, fmt), tmp, bom=bom)
            written[path.name] = count  # only once linked: never remove a file not ours
            resources.append(_resource(table, fmt, path, count, bom=bom))
        with new_file(package_path) as tmp:
            tmp.write_text(_package(resources, flt), encoding="utf-8")
    except BaseException:
        for name in written:  # files this export created (existing ones were refused)
            (directory / name).unlink(missing_ok=True)
        raise
    return ExportResult(written)


def _rows(sel: Selection, table: str, fmt: str) -> Iterable[dict]:
    if table == "stats":
        return stat_rows(sel)
    return sel.reports if fmt == "jsonl" else (flat_report(r) for r in sel.reports)


def export_captures(arc: Archive, fmt: str, out: Path, flt: ExportFilter) -> ExportResult:
    """WARC or WACZ of every capture, or only the selected reports' captures when filtered."""
    refuse_existing(out)
    if fmt == "warc" and not flt.narrows:  # every capture: no report needs reading
        return ExportResult({out.name: arc.export_warc(out)})
    sel = select(arc, flt)
    ids = capture_ids(sel) if flt.narrows else None
    # archive.export_warc is itself atomic and refuses to overwrite
    wacz = fmt == "wacz"
    count = write_wacz(arc, out, ids, sel.reports) if wacz else arc.export_warc(out, ids)
    return ExportResult({out.name: count})


def _resource(table: str, fmt: str, path: Path, rows: int, *, bom: bool) -> dict:
    digest, size = sha256_file(path)
    resource = {
        "name": table,
        "path": path.name,
        "description": TABLE_MEANING[table],
        "format": fmt,
        "mediatype": MEDIA_TYPES[fmt],
        "encoding": "utf-8-sig" if bom and fmt == "csv" else "utf-8",
        "hash": digest,
        "bytes": size,
        "rows": rows,
    }
    if fmt == "jsonl":  # the reports keep `ogi reports --format jsonl`'s nested rows
        resource["schema"] = jsonl_schema(table)
    else:
        resource["profile"] = "tabular-data-resource"
        resource["schema"] = table_schema(table)
    if fmt == "csv":
        resource["dialect"] = {"delimiter": ",", "lineTerminator": "\r\n", "header": True}
    return resource


def _package(resources: list[dict], flt: ExportFilter) -> str:
    package = {
        "profile": "data-package",
        "name": "ogi-archive-export",
        "title": "Chinese government OGI annual reports (政府信息公开工作年度报告)",
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sources": [{"title": f"ogi-archive {__version__}"}],
        "parser": {"name": report_parser.PARSER_NAME, "version": flt.parser_version},
        "filters": {k: v for k, v in asdict(flt).items() if k != "parser_version" and v},
        "resources": resources,
    }
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"
