"""PDF → text with pdfminer.six: reading order, page breaks as \\f, ruled tables as TAB rows.

pdfminer rather than pypdfium2: on the real WPS-exported sample both give the same
characters, but pdfminer also hands us the ruling lines we need to recover table
cells. Pages are joined by a form feed ("\\f" between pages, none after the last).
A document with (almost) no text layer is reported as "needs_ocr"; one pdfminer
cannot open as "corrupt_pdf" (or "encrypted_pdf") — never an exception.
"""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pdfminer
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTCurve, LTFigure, LTImage, LTItem, LTPage, LTRect
from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text

from extract.model import Extraction, failure, one_line, version_string
from extract.pdflayout import Char, TextLine, drop_page_numbers, reflow, text_lines
from extract.pdftables import Edge, page_tables, table_lines

log = logging.getLogger(__name__)

EXTRACTOR = "pdfminer"
VERSION = version_string("pdfminer.six", getattr(pdfminer, "__version__", "unknown"))
OPTIONS = {
    "page_separator": "\\f",
    "tables": "ruled-lines",
    "reflow": True,
    "drop_page_numbers": True,
    "space_gap": 0.25,
    "tab_gap": 2.0,
}
MIN_PAGE_CHARS = 20  # fewer characters than this on a page: treat it as an image
MAX_PAGES = 2000
# Form XObjects drawn per page. Forms that draw each other ten times over, eight levels
# deep, make pdfminer run for hours on a 2 KB file (each call costs ~0.1 ms); real
# report pages draw a few dozen.
MAX_FORM_CALLS = 5000


class PdfTooComplex(Exception):
    """A page invokes more form XObjects than MAX_FORM_CALLS (a decompression-bomb PDF)."""


class BudgetInterpreter(PDFPageInterpreter):
    """pdfminer's interpreter with a per-page budget of form XObject invocations.

    It also counts the form cycles (a form drawing itself through others) that pdfminer
    refuses to enter: PDFium does not detect them and expands them to its nesting limit,
    10^40 draws for two forms that call each other ten times (see extract/ocr.py).
    The budget and cycle counters are shared with the sub-interpreters nested forms run in.
    """

    def __init__(self, rsrcmgr: PDFResourceManager, device: PDFPageAggregator) -> None:
        super().__init__(rsrcmgr, device)
        self.budget = [MAX_FORM_CALLS]
        self.cycles = [0]

    def dup(self) -> BudgetInterpreter:
        interp = super().dup()
        interp.budget = self.budget  # type: ignore[attr-defined]
        interp.cycles = self.cycles  # type: ignore[attr-defined]
        return interp  # type: ignore[return-value]

    def process_page(self, page: PDFPage) -> None:
        self.budget[0] = MAX_FORM_CALLS
        self.cycles[0] = 0
        super().process_page(page)

    def execute(self, streams: Sequence[object]) -> None:
        # pdfminer (20260107 here) skips a stream already running further up the stack;
        # versions without parent_stream_ids recurse until the form budget stops them.
        running = getattr(self, "parent_stream_ids", ())
        self.cycles[0] += sum(getattr(resolve1(s), "objid", None) in running for s in streams)
        super().execute(streams)

    def do_Do(self, xobjid_arg: object) -> None:
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise PdfTooComplex(f"more than {MAX_FORM_CALLS} form XObjects drawn on one page")
        super().do_Do(xobjid_arg)  # type: ignore[arg-type]


@dataclass
class PageContent:
    """What one page yields: rendered lines and counts for the scan heuristics."""

    lines: list[str] = field(default_factory=list)
    chars: int = 0
    cid_chars: int = 0
    images: int = 0
    tables: int = 0
    form_cycles: int = 0


def extract_pdf(body: bytes) -> Extraction:
    """Extract a PDF's text; errors come back as Extraction.error codes."""
    try:
        doc = PDFDocument(PDFParser(io.BytesIO(body)))
        pages = list(PDFPage.create_pages(doc))[:MAX_PAGES]
    except PDFPasswordIncorrect as exc:
        return _fail("encrypted_pdf", one_line(exc))
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # pdfminer raises many types on damaged files
        return _fail("corrupt_pdf", one_line(exc))
    if not pages:
        return _fail("corrupt_pdf", "no pages found")
    return _extract_pages(doc, pages)


def _fail(error: str, detail: str, meta: dict | None = None) -> Extraction:
    return failure(error, detail, extractor=EXTRACTOR, extractor_version=VERSION,
                   options=OPTIONS, meta=meta)  # fmt: skip


def _extract_pages(doc: PDFDocument, pages: list[PDFPage]) -> Extraction:
    rsrc = PDFResourceManager(caching=True)
    device = PDFPageAggregator(rsrc, laparams=None)
    interpreter = BudgetInterpreter(rsrc, device)
    contents: list[PageContent] = []
    page_errors: list[str] = []
    too_complex = False
    for number, page in enumerate(pages, start=1):
        try:
            interpreter.process_page(page)
            contents.append(read_page(device.get_result()))
        except (RecursionError, MemoryError):
            raise
        except Exception as exc:
            too_complex = too_complex or isinstance(exc, PdfTooComplex)
            page_errors.append(f"page {number}: {one_line(exc, 200)}")
            contents.append(PageContent())
        contents[-1].form_cycles = interpreter.cycles[0]
    meta = _meta(doc, contents, page_errors)
    if len(page_errors) == len(pages):
        return _fail("pdf_too_complex" if too_complex else "corrupt_pdf", page_errors[0], meta)
    problem = _scan_problem(contents)
    if problem:
        return _fail("needs_ocr", problem, {**meta, "needs_ocr": True})
    return Extraction(
        text="\f".join("\n".join(c.lines) for c in contents),
        extractor=EXTRACTOR,
        extractor_version=VERSION,
        options=dict(OPTIONS),
        charset=None,
        title=meta.get("Title"),
        meta=meta,
    )


def _scan_problem(contents: list[PageContent]) -> str | None:
    """Why the text layer is unusable (scanned pages, unmapped glyphs), or None."""
    chars = sum(c.chars for c in contents)
    if all(c.chars < MIN_PAGE_CHARS for c in contents):
        images = sum(c.images for c in contents)
        return f"no text layer: {chars} characters, {images} images on {len(contents)} pages"
    cid = sum(c.cid_chars for c in contents)
    if cid > 0.5 * chars:
        return f"{cid} of {chars} glyphs have no Unicode mapping"
    return None


def _meta(doc: PDFDocument, contents: list[PageContent], page_errors: list[str]) -> dict:
    meta: dict = {"pages": len(contents), "tables": sum(c.tables for c in contents)}
    meta.update(document_info(doc))
    ocr_pages = [i for i, c in enumerate(contents, 1) if c.chars < MIN_PAGE_CHARS and c.images]
    if ocr_pages:
        meta["ocr_pages"] = ocr_pages
    cycle_pages = [i for i, c in enumerate(contents, 1) if c.form_cycles]
    if cycle_pages:
        meta["form_cycle_pages"] = cycle_pages[:20]
    if page_errors:
        meta["page_errors"] = page_errors[:20]
    return meta


def document_info(doc: PDFDocument) -> dict:
    """Title, Author, Creator, Producer and dates from the document info dictionary."""
    out: dict = {}
    for info in doc.info or []:
        for key in ("Title", "Author", "Creator", "Producer", "CreationDate", "ModDate"):
            value = _info_text(resolve1(info.get(key)))
            if value and key not in out:
                out[key] = value
    return out


def _info_text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = decode_info_bytes(value)
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def decode_info_bytes(raw: bytes) -> str:
    """A PDF text string: UTF-16 with either BOM (WPS writes little-endian), UTF-8,
    GBK from Chinese producers, else PDFDocEncoding."""
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", errors="replace")
    if raw.startswith(b"\xff\xfe"):
        return raw[2:].decode("utf-16-le", errors="replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if not raw.isascii():
        for charset in ("utf-8", "gb18030"):
            try:
                return raw.decode(charset)
            except UnicodeDecodeError:
                pass
    return decode_text(raw)


def read_page(layout: LTPage) -> PageContent:
    """One page: tables found from ruling lines, the rest as reflowed text lines."""
    height = layout.height
    chars: list[Char] = []
    edges: list[Edge] = []
    content = PageContent()
    _collect(layout, height, chars, edges, content)
    content.lines, content.tables = compose_page(chars, edges)
    return content


def compose_page(chars: list[Char], edges: list[Edge]) -> tuple[list[str], int]:
    """(lines, table count) of one page from its glyphs and ruling edges (top-down, points).

    Shared with the OFD reader: tables from ruling lines, the rest reflowed, in page order.
    """
    tables, rest = page_tables(edges, chars)
    blocks: list[tuple[float, list[str]]] = [(t.bbox[1], table_lines(t)) for t in tables]
    lines = drop_page_numbers(text_lines(rest))
    for group in _split_at_tables(lines, [t.bbox[1] for t in tables]):
        blocks.append((group[0].top, reflow(group)))
    blocks.sort(key=lambda b: b[0])
    return [line for _, block in blocks for line in block], len(tables)


def _split_at_tables(lines: list[TextLine], table_tops: list[float]) -> list[list[TextLine]]:
    """Runs of text lines not interrupted by a table (reflow never joins across one)."""
    groups: list[list[TextLine]] = []
    for line in lines:
        crossed = groups and any(groups[-1][-1].top < t <= line.top for t in table_tops)
        if not groups or crossed:
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def _collect(
    item: Iterable[LTItem],
    height: float,
    chars: list[Char],
    edges: list[Edge],
    content: PageContent,
) -> None:
    """Walk the layout tree gathering characters, ruling edges and image counts."""
    for obj in item:
        if isinstance(obj, LTChar):
            text = obj.get_text()
            if text.startswith("(cid:"):
                content.cid_chars += 1
            elif text.strip():
                content.chars += 1
                chars.append(Char(text, obj.x0, obj.x1, height - obj.y1, height - obj.y0))
        elif isinstance(obj, LTCurve):
            edges.extend(_edges(obj, height))
        elif isinstance(obj, LTImage):
            content.images += 1
        elif isinstance(obj, LTFigure):
            _collect(obj, height, chars, edges, content)


def _edges(obj: LTCurve, height: float) -> list[Edge]:
    """Axis-aligned ruling segments of a stroked path, or of a thin filled bar."""
    x0, y0, x1, y1 = obj.bbox
    w, h = x1 - x0, y1 - y0
    if not obj.stroke:
        if obj.fill and h <= 2.0 < w:
            return [Edge(True, height - (y0 + y1) / 2, x0, x1)]
        if obj.fill and w <= 2.0 < h:
            return [Edge(False, (x0 + x1) / 2, height - y1, height - y0)]
        return []
    out = []
    pts = list(obj.pts)
    if len(pts) == 4 and isinstance(obj, LTRect):
        pts.append(pts[0])
    for (ax, ay), (bx, by) in itertools.pairwise(pts):
        if abs(ay - by) <= 1.0:
            out.append(Edge(True, height - (ay + by) / 2, min(ax, bx), max(ax, bx)))
        elif abs(ax - bx) <= 1.0:
            out.append(Edge(False, (ax + bx) / 2, height - max(ay, by), height - min(ay, by)))
    return out
