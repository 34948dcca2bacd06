"""Spreadsheets (XLSX with openpyxl, XLS / WPS .et with xlrd) → TAB rows.

Each sheet's rows become TAB-separated lines (the same shape as every other table we
extract); sheets are separated by a form feed like PDF pages, and their names go to
meta["sheets"]. A merged cell's value sits in its top-left slot only, which is how both
libraries report it, so numbers are never repeated. Whole numbers stored as floats
print without ".0" (Excel stores every number as a double); dates print as ISO dates.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from extract.model import EXTRACT_VERSION, Extraction, failure, one_line, version_string
from extract.tables import render_rows

MAX_ROWS = 20000  # per sheet: a declared A1:XFD1048576 must not become a million lines
MAX_COLS = 256
MAX_SHEETS = 100
OPTIONS = {"sheet_separator": "\\f", "merged_cells": "empty", "max_rows": MAX_ROWS,
           "max_cols": MAX_COLS}  # fmt: skip


def cell_text(value: object) -> str:
    """One cell value as text: 2427.0 → "2427", dates → "2019-01-31", None → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def sheet_lines(rows: Iterable[Sequence[object]]) -> list[str]:
    """Rows of cell values → TAB lines; trailing empty columns and empty rows dropped."""
    grid = []
    for i, row in enumerate(rows):
        if i >= MAX_ROWS:
            break
        cells = [cell_text(v) for v in list(row)[:MAX_COLS]]
        while cells and not cells[-1].strip():
            cells.pop()
        grid.append(cells)
    width = max((len(r) for r in grid), default=0)
    return render_rows(r + [""] * (width - len(r)) for r in grid)


def _result(sheets: list[tuple[str, list[str]]], extractor: str, version: str,
            title: str | None) -> Extraction:  # fmt: skip
    return Extraction(
        text="\f".join("\n".join(lines) for _, lines in sheets),
        extractor=extractor,
        extractor_version=version,
        options=dict(OPTIONS),
        charset=None,
        title=title,
        meta={"sheets": [name for name, _ in sheets]},
    )


def _library_missing(name: str) -> Extraction:
    return failure("tool_missing", f"Python package {name} is not installed", extractor=name,
                   extractor_version=f"{EXTRACT_VERSION}+none", options=OPTIONS,
                   meta={"tool": name})  # fmt: skip


def extract_xlsx(body: bytes) -> Extraction:
    """An .xlsx workbook (read-only mode: rows stream, styles are skipped)."""
    try:
        import openpyxl
    except ImportError:
        return _library_missing("openpyxl")

    version = version_string("openpyxl", openpyxl.__version__)
    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:
        return failure("corrupt_xlsx", one_line(exc), extractor="openpyxl",
                       extractor_version=version, options=OPTIONS)  # fmt: skip
    try:
        sheets = [
            (ws.title, sheet_lines(ws.iter_rows(values_only=True)))
            for ws in book.worksheets[:MAX_SHEETS]
        ]
        title = (book.properties.title or "").strip() or None
    finally:
        book.close()
    return _result(sheets, "openpyxl", version, title)


def extract_xls(body: bytes) -> Extraction:
    """A BIFF .xls workbook (also WPS .et files, which are BIFF8)."""
    try:
        import xlrd
    except ImportError:
        return _library_missing("xlrd")

    version = version_string("xlrd", xlrd.__version__)
    try:
        book = xlrd.open_workbook(file_contents=body, on_demand=True, logfile=io.StringIO())
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:
        return failure("corrupt_xls", one_line(exc), extractor="xlrd",
                       extractor_version=version, options=OPTIONS)  # fmt: skip
    try:
        sheets = []
        for index in range(min(book.nsheets, MAX_SHEETS)):
            sh = book.sheet_by_index(index)
            rows = (_xls_row(book, sh, r) for r in range(min(sh.nrows, MAX_ROWS)))
            sheets.append((sh.name, sheet_lines(rows)))
    finally:
        book.release_resources()
    return _result(sheets, "xlrd", version, None)


def _xls_row(book: object, sh: object, r: int) -> list[object]:
    import xlrd

    values: list[object] = []
    for c in range(min(sh.ncols, MAX_COLS)):  # type: ignore[attr-defined]
        cell = sh.cell(r, c)  # type: ignore[attr-defined]
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                values.append(xlrd.xldate_as_datetime(cell.value, book.datemode))  # type: ignore[attr-defined]
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                values.append(cell.value)
        elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            values.append(None)
        else:
            values.append(cell.value)
    return values
