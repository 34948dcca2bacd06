"""Render a seed text as the documents portals publish: HTML, DOCX and PDF.

A seed is extracted text: paragraphs, Markdown headings and TAB-separated table rows.
We turn it back into documents with real tables (merged header cells included) so the
real extractors and then the parser can be checked end to end. Ragged table rows are
padded to the table's width, as any real grid is.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

# A cell that is a value, not a label (parser.vocabulary has the same rule; mockportal
# stays independent of the code it is used to test).
VALUE_TOKEN_RE = re.compile(r"^(?:[+-]?\d[\d,]*(?:\.\d+)?|/|／|无|—{1,2}|-{1,2}|－)$")

_HEADING_RE = re.compile(r"^\s*(#{1,6})\s*(.*?)\s*$")


@dataclass(frozen=True)
class Block:
    """A paragraph (level 0), a heading (level 1-6) or a table (rows of cells)."""

    text: str = ""
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()


def blocks(text: str) -> list[Block]:
    """Paragraphs, headings and tables of a seed; TAB rows separated only by blank lines
    form one table (seed 001's tables run over page breaks)."""
    out: list[Block] = []
    rows: list[tuple[str, ...]] = []
    for line in text.splitlines():
        if "\t" in line:
            rows.append(tuple(c.strip() for c in line.split("\t")))
            continue
        if not line.strip():
            continue
        if rows:
            out.append(Block(rows=_pad(rows)))
            rows = []
        m = _HEADING_RE.match(line)
        plain = (m.group(2) if m else line).replace("**", "").rstrip()
        out.append(Block(text=plain, level=len(m.group(1)) if m else 0))
    if rows:
        out.append(Block(rows=_pad(rows)))
    return out


def _pad(rows: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    width = max(len(r) for r in rows)
    return tuple(r + ("",) * (width - len(r)) for r in rows)


def spans(row: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, colspan) cells of a row: in header rows (no values) a label followed by
    empty slots is one merged cell; data rows keep every slot, blanks included."""
    if any(VALUE_TOKEN_RE.match(c) for c in row if c):
        return [(i, 1) for i in range(len(row))]
    out: list[tuple[int, int]] = []
    for i, cell in enumerate(row):
        if cell or not out:
            out.append((i, 1))
        else:
            start, span = out[-1]
            out[-1] = (start, span + 1)
    return out


def title_of(text: str) -> str:
    """The first line (the page title when the caller does not give one)."""
    first = next(b for b in blocks(text) if b.text)
    return first.text


# ---------------------------------------------------------------- HTML
def to_html(text: str, title: str | None = None) -> bytes:
    """A portal-like article page: ArticleTitle meta, a TRS_Editor content div whose
    headings are bold paragraphs (as TRS editors write them), real <table>s."""
    title = html.escape(title or title_of(text))
    page = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="ArticleTitle" content="{title}"></head><body>'
        f'<div class="header">网站首页 | 政务公开</div><div class="TRS_Editor">'
        + html_content(text)
        + "</div></body></html>"
    )
    return page.encode("utf-8")


def html_content(text: str) -> str:
    """The article body: bold-paragraph headings, paragraphs, real <table>s."""
    body = []
    for b in blocks(text):
        if b.rows:
            body.append(_html_table(b.rows))
        elif b.level:
            body.append(f"<p><strong>{html.escape(b.text)}</strong></p>")
        else:
            body.append(f"<p>{html.escape(b.text)}</p>")
    return "\n".join(body)


def _html_table(rows: tuple[tuple[str, ...], ...]) -> str:
    out = ['<table border="1">']
    for row in rows:
        cells = "".join(
            f'<td colspan="{n}">{html.escape(row[i])}</td>'
            if n > 1
            else f"<td>{html.escape(row[i])}</td>"
            for i, n in spans(row)
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


# ---------------------------------------------------------------- DOCX
def to_docx(text: str, title: str | None = None) -> bytes:
    """A Word document: paragraphs and 'Table Grid' tables with merged header cells."""
    import docx

    document = docx.Document()
    document.core_properties.title = title or title_of(text)
    for b in blocks(text):
        if not b.rows:
            document.add_paragraph(b.text)
            continue
        table = document.add_table(rows=len(b.rows), cols=len(b.rows[0]))
        table.style = "Table Grid"
        for r, row in enumerate(b.rows):
            for start, n in spans(row):
                cell = table.cell(r, start)
                if n > 1:
                    cell = cell.merge(table.cell(r, start + n - 1))
                cell.text = row[start]
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- PDF
def to_pdf(text: str, title: str | None = None) -> bytes:
    """A PDF with the built-in CID font STSong-Light and ruled tables (GRID + SPAN).

    Lines laid out with runs of spaces (seed 002's unruled table) keep their spacing
    (Preformatted), as the PDF they were extracted from had them."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, Preformatted, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle(
        "body", fontName="STSong-Light", fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=4
    )
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=6.5, leading=8, wordWrap="CJK")
    story = []
    width = A4[0] - 72
    for b in blocks(text):
        if not b.rows:
            spaced = re.search(r"\S {2,}\S", b.text.strip())
            flow = (
                Preformatted(b.text.rstrip(), body)
                if spaced
                else Paragraph(html.escape(b.text), body)
            )
            story.append(flow)
            continue
        data = [[Paragraph(html.escape(c), cell) for c in row] for row in b.rows]
        ncols = len(b.rows[0])
        style = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        for r, row in enumerate(b.rows):
            style += [("SPAN", (s, r), (s + n - 1, r)) for s, n in spans(row) if n > 1]
        story.append(Table(data, colWidths=[width / ncols] * ncols, style=TableStyle(style)))
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=36, rightMargin=36, title=title or title_of(text)
    ).build(story)
    return buf.getvalue()
