"""Render an lxml HTML subtree as text lines, with data tables as TAB-separated rows.

This is the fallback when trafilatura drops a report's table or most of its text:
we render the page's content node ourselves, expanding rowspan/colspan so columns
stay aligned. Layout tables (nested tables, one-column tables, cells holding whole
paragraphs) are read as ordinary blocks, not as data.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from extract.tables import SpanCell, clean_cell, place_spans, render_rows

SKIP_TAGS = {
    "script", "style", "noscript", "template", "iframe", "select", "option", "button",
    "input", "textarea", "head", "object", "embed", "svg", "canvas", "map", "title", "meta",
}  # fmt: skip
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "h1", "h2",
    "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "center",
    "form", "figure", "figcaption", "address", "hr", "tr", "td", "th", "caption", "table",
    "tbody", "thead", "tfoot", "fieldset", "body", "html",
}  # fmt: skip
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_LAYOUT_CELL_CHARS = 400
_WS = re.compile(r"[ \t\r\n\f\v\xa0]+")


def is_hidden(el: lxml_html.HtmlElement) -> bool:
    """Elements a browser would not show (their text is not the page's text)."""
    return el.get("hidden") is not None or bool(_HIDDEN_STYLE.search(el.get("style") or ""))


def _tag(el: object) -> str:
    tag = getattr(el, "tag", None)
    return tag.lower() if isinstance(tag, str) else ""


def table_rows(table: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The table's own rows (not those of tables nested in its cells)."""
    return table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")


def row_cells(tr: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    return tr.xpath("./td|./th")


def is_layout_table(table: lxml_html.HtmlElement) -> bool:
    """Tables used for page layout rather than data: read them as blocks."""
    rows = table_rows(table)
    if not rows or table.xpath(".//table"):
        return True
    cells = [row_cells(tr) for tr in rows]
    if max(len(c) for c in cells) <= 1:
        return True
    return any(len(_text_of(td)) > _LAYOUT_CELL_CHARS for row in cells for td in row)


def is_data_table(table: lxml_html.HtmlElement) -> bool:
    return not is_hidden(table) and not is_layout_table(table) and len(table_rows(table)) >= 2


def _text_of(el: lxml_html.HtmlElement) -> str:
    return _WS.sub(" ", el.text_content()).strip()


def _span(value: str | None) -> int:
    match = re.match(r"\s*(\d+)", value or "")
    return int(match.group(1)) if match else 1


def render_table(table: lxml_html.HtmlElement) -> list[str]:
    """A data table as TAB-separated lines, merged cells expanded to empty fields."""
    rows = []
    for tr in table_rows(table):
        cells = [
            SpanCell(_cell_text(td), _span(td.get("rowspan")), _span(td.get("colspan")))
            for td in row_cells(tr)
            if not is_hidden(td)
        ]
        rows.append(cells)
    return render_rows(place_spans(rows))


def _cell_text(td: lxml_html.HtmlElement) -> str:
    return clean_cell("\n".join(render_lines(td, inside_cell=True)))


class _LineWriter:
    """Collects inline text and breaks it into lines at block boundaries."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._buf: list[str] = []

    def text(self, value: str | None) -> None:
        if value:
            self._buf.append(value)

    def lines_(self, values: list[str]) -> None:
        self.flush()
        self.lines.extend(values)

    def flush(self) -> None:
        line = _WS.sub(" ", "".join(self._buf)).strip(" ")
        self._buf = []
        if line.strip():
            self.lines.append(line)


def render_lines(node: lxml_html.HtmlElement, *, inside_cell: bool = False) -> list[str]:
    """Text lines of a subtree: one per paragraph/block, data tables as TAB rows."""
    out = _LineWriter()
    _walk(node, out, inside_cell)
    out.flush()
    return out.lines


def _walk(el: lxml_html.HtmlElement, out: _LineWriter, inside_cell: bool) -> None:
    tag = _tag(el)
    if tag in SKIP_TAGS or (tag and is_hidden(el)):
        return
    if tag == "table" and not inside_cell and not is_layout_table(el):
        out.lines_(render_table(el))
        return
    if tag == "br" or tag in BLOCK_TAGS:
        out.flush()
    if tag:
        out.text(el.text)
        for child in el:
            _walk(child, out, inside_cell)
            out.text(child.tail)
    if tag in BLOCK_TAGS:
        out.flush()


def largest_block(body: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The element holding most of the page's non-link text (content-node fallback).

    Scores every element by text length minus twice its link text, then walks down
    from the best while one child keeps most of that score, to shed page chrome
    (never into a table: the text around a report table belongs with it).
    """
    scores = _scores(body)
    best = max(scores, key=scores.__getitem__, default=body)  # first = outermost on ties
    while True:
        children = [c for c in best if c in scores and _tag(c) not in {"table", "tbody"}]
        child = max(children, key=scores.__getitem__, default=None)
        if child is None or scores[child] < 0.7 * scores[best]:
            return best
        best = child


def _scores(body: lxml_html.HtmlElement) -> dict[lxml_html.HtmlElement, float]:
    text_len: dict[lxml_html.HtmlElement, int] = {}
    link_len: dict[lxml_html.HtmlElement, int] = {}
    for el in reversed(list(body.iter())):
        if not isinstance(el.tag, str) or el.tag.lower() in SKIP_TAGS:
            text_len[el], link_len[el] = 0, 0
            continue
        own = len((el.text or "").strip())
        kids = [c for c in el if c in text_len]
        total = own + sum(text_len[c] + len((c.tail or "").strip()) for c in kids)
        links = sum(link_len[c] for c in kids)
        text_len[el] = total
        link_len[el] = total if el.tag.lower() == "a" else links
    blocks = {"div", "td", "article", "section", "main", "table", "tbody", "body", "form"}
    return {  # in document order, so max() prefers the outer element on equal scores
        el: text_len[el] - 2 * link_len[el]
        for el in body.iter()
        if isinstance(el.tag, str) and el.tag.lower() in blocks
    }
