"""DOCX → text with python-docx: paragraphs and tables in document order.

We walk the body XML ourselves because python-docx lists paragraphs and tables
separately, and because its `row.cells` repeats a merged cell once per grid column
(and per merged row), which would count a number two or three times. Here a merged
cell's text appears once; the slots it covers are empty fields.
"""

from __future__ import annotations

import io

import docx
from docx.document import Document as DocxParent
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph

from extract.model import Extraction, failure, one_line, version_string
from extract.tables import clean_cell, join_fragments, render_rows

EXTRACTOR = "python-docx"
VERSION = version_string("python-docx", getattr(docx, "__version__", "unknown"))
OPTIONS = {"merged_cells": "empty", "headers_footers": False}
MAX_GRID_SPAN = 100
W_P, W_TBL, W_SDT, W_TR, W_TC = (qn(t) for t in ("w:p", "w:tbl", "w:sdt", "w:tr", "w:tc"))


def extract_docx(body: bytes) -> Extraction:
    """Extract a .docx; a broken package comes back as error "corrupt_docx"."""
    try:
        document = docx.Document(io.BytesIO(body))
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # BadZipFile, PackageNotFoundError, KeyError, XML errors …
        return failure("corrupt_docx", one_line(exc), extractor=EXTRACTOR,
                       extractor_version=VERSION, options=OPTIONS)  # fmt: skip
    lines = block_lines(document.element.body, document)
    props = document.core_properties
    meta = {k: v for k, v in (("Title", props.title), ("Author", props.author)) if v}
    return Extraction(
        text="\n".join(lines),
        extractor=EXTRACTOR,
        extractor_version=VERSION,
        options=dict(OPTIONS),
        charset=None,
        title=(props.title or "").strip() or None,
        meta=meta,
    )


def block_lines(container: BaseOxmlElement, parent: DocxParent) -> list[str]:
    """Lines of a body/cell/content-control in order: one per paragraph, TAB rows per table."""
    lines: list[str] = []
    for child in container.iterchildren():
        if child.tag == W_P:
            text = Paragraph(child, parent).text.strip()
            if text:
                lines.extend(t for t in text.splitlines() if t.strip())
        elif child.tag == W_TBL:
            lines.extend(table_lines(child, parent))
        elif child.tag == W_SDT:
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                lines.extend(block_lines(content, parent))
    return lines


def table_lines(tbl: BaseOxmlElement, parent: DocxParent) -> list[str]:
    """A table's rows; gridSpan and vMerge continuation slots become empty fields."""
    rows = []
    for tr in tbl.iterchildren(W_TR):
        row = [""] * _grid_before(tr)
        for tc in _row_cells(tr):
            span = min(max(_tc_int(tc, "w:gridSpan"), 1), MAX_GRID_SPAN)
            text = "" if _continues_merge(tc) else _cell_text(tc, parent)
            row.extend([text] + [""] * (span - 1))
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    return render_rows(r + [""] * (width - len(r)) for r in rows)


def _row_cells(tr: BaseOxmlElement) -> list[BaseOxmlElement]:
    """The row's cells, including those wrapped in content controls."""
    cells = []
    for child in tr.iterchildren():
        if child.tag == W_TC:
            cells.append(child)
        elif child.tag == W_SDT:
            content = child.find(qn("w:sdtContent"))
            cells.extend(content.iterchildren(W_TC) if content is not None else [])
    return cells


def _cell_text(tc: BaseOxmlElement, parent: DocxParent) -> str:
    return clean_cell(join_fragments(line.replace("\t", " ") for line in block_lines(tc, parent)))


def _tc_int(tc: BaseOxmlElement, tag: str) -> int:
    tcpr = tc.find(qn("w:tcPr"))
    el = tcpr.find(qn(tag)) if tcpr is not None else None
    value = el.get(qn("w:val")) if el is not None else None
    return int(value) if value and value.isdigit() else 1


def _continues_merge(tc: BaseOxmlElement) -> bool:
    """A vMerge cell without val="restart" continues the merged cell above it."""
    tcpr = tc.find(qn("w:tcPr"))
    vmerge = tcpr.find(qn("w:vMerge")) if tcpr is not None else None
    return vmerge is not None and vmerge.get(qn("w:val"), "continue") == "continue"


def _grid_before(tr: BaseOxmlElement) -> int:
    trpr = tr.find(qn("w:trPr"))
    el = trpr.find(qn("w:gridBefore")) if trpr is not None else None
    value = el.get(qn("w:val")) if el is not None else None
    return min(int(value), MAX_GRID_SPAN) if value and value.isdigit() else 0
