"""HTML pages → text: trafilatura first, our own content-node renderer as the fallback.

trafilatura removes page chrome well and (since 2.x) keeps table cells, but it can drop
a report's table or most of a page built from layout tables. When its output is much
shorter than the page's content node, or holds fewer table rows than the content's
data tables, we render the content node ourselves (see htmlrender.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import load_html

from extract.charset import decode_counted
from extract.htmlrender import (
    SKIP_TAGS,
    is_data_table,
    is_hidden,
    largest_block,
    render_lines,
    table_rows,
)
from extract.model import Extraction, version_string
from extract.tables import SpanCell, clean_cell, place_spans, render_rows

log = logging.getLogger(__name__)

EXTRACTOR = "trafilatura"
TRAFILATURA_OPTIONS = {
    "output_format": "xml",
    "include_tables": True,
    "favor_recall": True,
    "include_comments": False,
    "include_images": False,
    "include_links": False,
    "with_metadata": False,
    "deduplicate": False,
}
META_NAMES = (
    "ArticleTitle", "PubDate", "ContentSource", "SiteName", "SiteDomain", "SiteIDCode",
    "ColumnName",
)  # fmt: skip
# Content containers of the CMSs on government portals, most specific first.
_CLASS = "//*[contains(concat(' ', normalize-space(@class), ' '), ' {} ')]"
CONTENT_XPATHS = (
    ("div.TRS_Editor", _CLASS.format("TRS_Editor")),
    ("div.TRS_UEDITOR", _CLASS.format("TRS_UEDITOR")),
    ("#UCAP-CONTENT", "//*[@id='UCAP-CONTENT']"),
    ("#zoom", "//*[@id='zoom' or @id='Zoom']"),
    (".article-content", _CLASS.format("article-content")),
    (".bt_content", _CLASS.format("bt_content")),
    (".pages_content", _CLASS.format("pages_content")),
    ("#content", "//*[@id='content' or @id='Content']"),
)
MIN_NODE_CHARS = 20
SHORT_RATIO = 0.5
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WS = re.compile(r"\s+")


def options() -> dict:
    return {**TRAFILATURA_OPTIONS, "fallback": "content-node", "table_spans": "empty"}


def extract_html(body: bytes, *, url: str, declared_charset: str | None) -> Extraction:
    """Extract an HTML page's article text, title and portal meta tags."""
    text, charset, bad_bytes = decode_counted(body, declared_charset)
    tree, usable = _parse(text)
    meta = page_meta(tree)
    if bad_bytes:
        meta["charset_errors"] = bad_bytes
    content, method = choose_text(tree, url, use_trafilatura=usable)
    meta["html_method"] = method
    return Extraction(
        text=content,
        extractor=EXTRACTOR,
        extractor_version=version_string("trafilatura", trafilatura.__version__),
        options=options(),
        charset=charset,
        title=page_title(tree),
        meta=meta,
    )


def _parse(text: str) -> tuple[lxml_html.HtmlElement, bool]:
    """(tree, whether trafilatura can take it).

    We parse with trafilatura's own loader and hand it that tree (it copies it), so the
    page is parsed once, not twice, and trafilatura sees exactly what it would parse.
    Pages its loader refuses get our parse (an XML declaration in a str makes lxml refuse).
    """
    try:
        tree = load_html(text)
    except (ValueError, TypeError, etree.LxmlError):
        tree = None
    if tree is not None:
        return tree, True
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        return lxml_html.fromstring("<html><body></body></html>"), False
    return lxml_html.document_fromstring(text), False


def page_title(tree: lxml_html.HtmlElement) -> str | None:
    titles = tree.xpath("//title")
    title = clean_cell(titles[0].text_content()) if titles else ""
    return title or None


def page_meta(tree: lxml_html.HtmlElement) -> dict:
    """Standard government-site meta tags (first non-empty value wins, names any case)."""
    wanted = {name.lower(): name for name in META_NAMES}
    meta: dict = {}
    for el in tree.xpath("//meta[@name]"):
        key = wanted.get(el.get("name", "").strip().lower())
        value = clean_cell(el.get("content") or "")
        if key and value and key not in meta:
            meta[key] = value
    return meta


def content_node(tree: lxml_html.HtmlElement) -> tuple[str, lxml_html.HtmlElement] | None:
    """The CMS's article container, if the page has a known one with some text."""
    for name, xpath in CONTENT_XPATHS:
        for node in tree.xpath(xpath):
            if not is_hidden(node) and len(clean_cell(node.text_content())) >= MIN_NODE_CHARS:
                return name, node
    return None


def choose_text(tree: lxml_html.HtmlElement, url: str, *, use_trafilatura: bool) -> tuple[str, str]:
    """(text, method): trafilatura's unless it lost the table or most of the content.

    The decision uses cheap counts of the content node (visible characters, data-table
    rows); the node is rendered only when we fall back to it (rendering every page
    cost ~15% of the HTML path).
    """
    found = content_node(tree)
    if found is not None:
        name, node = found
        method = f"content-node:{name}"
    else:
        body = tree.find("body")
        node = largest_block(body if body is not None else tree)
        method = "largest-block"
    tei = run_trafilatura(tree, url) if use_trafilatura else None
    if tei is not None:
        tei_lines, tei_rows = tei
        if not _lost_content(tei_lines, tei_rows, node):
            return "\n".join(tei_lines), "trafilatura"
        log.debug("trafilatura output too thin for %s; using %s", url, method)
    return "\n".join(render_lines(node)), method


def _lost_content(tei_lines: list[str], tei_rows: int, node: lxml_html.HtmlElement) -> bool:
    """Each test first tries a cheap upper bound (all text incl. scripts; all <tr>) that
    settles most pages, and counts exactly only when the bound does not decide."""
    tei_chars = sum(len(_WS.sub("", line)) for line in tei_lines)
    all_chars = len(_WS.sub("", node.text_content()))
    if tei_chars < SHORT_RATIO * all_chars and tei_chars < SHORT_RATIO * visible_chars(node):
        return True
    if tei_rows >= 0.8 * sum(1 for _ in node.iter("tr")):
        return False
    data_rows = sum(len(table_rows(t)) for t in node.iter("table") if is_data_table(t))
    return data_rows >= 2 and tei_rows < 0.8 * data_rows


def visible_chars(node: lxml_html.HtmlElement) -> int:
    """Non-whitespace characters a browser shows in the subtree (scripts, hidden skipped)."""
    total = 0
    stack = [node]
    while stack:
        el = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if el is not node:
            total += len(_WS.sub("", el.tail or ""))
        if not tag or tag in SKIP_TAGS or is_hidden(el):
            continue
        total += len(_WS.sub("", el.text or ""))
        stack.extend(el)
    return total


def run_trafilatura(tree: lxml_html.HtmlElement, url: str) -> tuple[list[str], int] | None:
    """trafilatura's XML output rendered to lines, plus how many table rows it kept."""
    try:
        xml = trafilatura.extract(tree, url=url or None, **TRAFILATURA_OPTIONS)
    except (ValueError, TypeError, etree.LxmlError) as exc:
        log.debug("trafilatura failed on %s: %s", url, exc)
        return None
    if not xml:
        return None
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True))
    main = root.find("main") if root is not None else None
    if main is None:
        return None
    lines: list[str] = []
    _render_tei(main, lines)
    return lines, len(main.findall(".//row"))


def _render_tei(el: etree._Element, lines: list[str]) -> None:
    """trafilatura's XML: <p>/<head>/<item>/<quote> as lines, <table>/<row>/<cell> as TAB rows."""
    for child in el:
        if child.tag == "table":
            lines.extend(render_rows(place_spans(_tei_rows(child))))
        elif child.tag in {"list", "div", "main"}:
            _render_tei(child, lines)
        elif isinstance(child.tag, str):
            lines.extend(_tei_block_lines(child))


def _tei_rows(table: etree._Element) -> list[list[SpanCell]]:
    rows = []
    for row in table.iter("row"):
        cells = [  # render_rows cleans the text later
            SpanCell("".join(cell.itertext()), 1, _int(cell.get("span")))
            for cell in row.findall("cell")
        ]
        rows.append(cells)
    return rows


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


def _tei_block_lines(el: etree._Element) -> list[str]:
    """A paragraph-like element; <lb/> inside it is a line break."""
    for lb in el.iter("lb"):
        lb.text = "\n"
    text = re.sub(r"[ \t\r\f\v\xa0]+", " ", "".join(el.itertext()))
    return [line.strip(" ") for line in text.split("\n") if line.strip()]


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    for key, value in (headers or {}).items():
        if key.lower() == "content-type":
            match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", value, re.I)
            return match.group(1) if match else None
    return None
