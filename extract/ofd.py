"""OFD (GB/T 33190, China's fixed-layout format) → text, ruled tables kept.

No PyPI reader fits: easyofd pulls in PyMuPDF (AGPL, and a renderer we do not need)
and loguru; ofdparser has had no release since 2023. OFD itself is simple for text: a
zip of XML where OFD.xml → Document.xml → one Content.xml per page, whose TextObject /
TextCode elements carry the characters with positions (mm), and PathObjects the ruling
lines. We place every glyph and stroke on the page and hand them to the same layout
code as PDF pages (pdf.compose_page), so tables come out as TAB rows there too.
Templates (running heads), annotations and signatures are not read.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from lxml import etree

from extract.model import EXTRACT_VERSION, Extraction, failure, one_line
from extract.pdf import compose_page
from extract.pdflayout import Char
from extract.pdftables import Edge

EXTRACTOR = "ofd-reader"
READER_VERSION = "1"  # bump when this module's output changes
VERSION = f"{EXTRACT_VERSION}+ofd-reader-{READER_VERSION}"
OPTIONS = {"page_separator": "\\f", "tables": "ruled-lines", "templates": False,
           "units": "mm*72/25.4"}  # fmt: skip
PT_PER_MM = 72 / 25.4
MAX_PAGES = 2000
MAX_GLYPHS_PER_PAGE = 200_000
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True)  # fmt: skip
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")


class OfdError(Exception):
    """The package is not a readable OFD (missing part, broken XML, bad reference)."""


@dataclass(frozen=True)
class Matrix:
    """An OFD CTM "a b c d e f": (x, y) → (a·x + c·y + e, b·x + d·y + f)."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 1.0
    e: float = 0.0
    f: float = 0.0

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f

    @property
    def scale(self) -> float:
        return (abs(self.a * self.d - self.b * self.c)) ** 0.5 or 1.0


def extract_ofd(body: bytes) -> Extraction:
    """Extract an .ofd package; unreadable packages are error "corrupt_ofd"."""
    try:
        package = zipfile.ZipFile(io.BytesIO(body))
        title, pages = _document(package)
        contents = [_page_lines(package, path) for path in pages[:MAX_PAGES]]
    except (RecursionError, MemoryError):
        raise
    except (OfdError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError) as exc:
        return failure("corrupt_ofd", one_line(exc), extractor=EXTRACTOR,
                       extractor_version=VERSION, options=OPTIONS)  # fmt: skip
    meta: dict = {"pages": len(contents), "tables": sum(n for _, n in contents)}
    if title:
        meta["Title"] = title
    if sum(len("".join(lines)) for lines, _ in contents) == 0:
        return failure("needs_ocr", "no TextCode text on any page", extractor=EXTRACTOR,
                       extractor_version=VERSION, options=OPTIONS,
                       meta={**meta, "needs_ocr": True})  # fmt: skip
    return Extraction(
        text="\f".join("\n".join(lines) for lines, _ in contents),
        extractor=EXTRACTOR,
        extractor_version=VERSION,
        options=dict(OPTIONS),
        charset=None,
        title=title,
        meta=meta,
    )


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _child(el: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in el if _local(c) == name), None)


def _xml(package: zipfile.ZipFile, path: str) -> etree._Element:
    name = path.lstrip("/")
    if name not in package.NameToInfo:
        raise OfdError(f"missing part {name}")
    return etree.fromstring(package.read(name), _PARSER)


def _resolve(base_dir: str, ref: str) -> str:
    """A part reference: absolute ("/Doc_0/…") from the package root, else from base_dir."""
    ref = ref.strip().replace("\\", "/")
    return posixpath.normpath(ref.lstrip("/") if ref.startswith("/") else
                              posixpath.join(base_dir, ref))  # fmt: skip


def _document(package: zipfile.ZipFile) -> tuple[str | None, list[str]]:
    """(title, page content paths in page order) of the first document in OFD.xml."""
    root = _xml(package, "OFD.xml")
    body = next((el for el in root.iter() if _local(el) == "DocBody"), None)
    doc_root = _child(body, "DocRoot") if body is not None else None
    if doc_root is None or not (doc_root.text or "").strip():
        raise OfdError("OFD.xml has no DocBody/DocRoot")
    info = _child(body, "DocInfo")
    title_el = _child(info, "Title") if info is not None else None
    title = (title_el.text or "").strip() or None if title_el is not None else None
    doc_path = _resolve("", doc_root.text)
    document = _xml(package, doc_path)
    doc_dir = posixpath.dirname(doc_path)
    pages = [
        _resolve(doc_dir, el.get("BaseLoc", ""))
        for el in document.iter()
        if _local(el) == "Page" and el.get("BaseLoc")
    ]
    return title, pages


def _page_lines(package: zipfile.ZipFile, path: str) -> tuple[list[str], int]:
    page = _xml(package, path)
    chars: list[Char] = []
    edges: list[Edge] = []
    for el in page.iter():
        name = _local(el)
        if name == "TextObject":
            chars.extend(text_object_chars(el))
            if len(chars) > MAX_GLYPHS_PER_PAGE:
                raise OfdError(f"{path}: more than {MAX_GLYPHS_PER_PAGE} glyphs")
        elif name == "PathObject":
            edges.extend(path_object_edges(el))
    return compose_page(chars, edges)


def numbers(text: str | None) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text or "")]


def deltas(text: str | None) -> list[float]:
    """A DeltaX/DeltaY list; "g 3 2.5" means 2.5 three times."""
    out: list[float] = []
    tokens = (text or "").split()
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            out.extend([float(tokens[i + 2])] * min(int(float(tokens[i + 1])), 10000))
            i += 3
        else:
            out.append(float(tokens[i]))
            i += 1
    return out


def _placement(el: etree._Element) -> tuple[float, float, Matrix]:
    box = [*numbers(el.get("Boundary")), 0.0, 0.0]
    ctm = numbers(el.get("CTM"))
    return box[0], box[1], Matrix(*ctm) if len(ctm) == 6 else Matrix()


def text_object_chars(obj: etree._Element) -> list[Char]:
    """Glyphs of one TextObject on the page, in points, y downward (as pdflayout wants)."""
    bx, by, ctm = _placement(obj)
    size = (numbers(obj.get("Size")) or [3.5])[0] * ctm.scale
    chars: list[Char] = []
    x = y = 0.0
    for code in obj:
        if _local(code) != "TextCode":
            continue
        text = code.text or ""
        x = float(code.get("X", x))
        y = float(code.get("Y", y))
        dx, dy = deltas(code.get("DeltaX")), deltas(code.get("DeltaY"))
        for i, ch in enumerate(text):
            # The advance to the next glyph is this glyph's width (as in a PDF font's
            # widths); the last glyph of a code has none, so it gets a nominal one.
            advance = dx[i] if i < len(dx) else size * (1.0 if _wide(ch) else 0.5)
            if ch.strip():
                px, py = ctm.apply(x, y)
                left, base = (bx + px) * PT_PER_MM, (by + py) * PT_PER_MM
                width = advance * ctm.scale * PT_PER_MM
                chars.append(Char(ch, left, left + width, base - size * PT_PER_MM * 0.88,
                                  base + size * PT_PER_MM * 0.12))  # fmt: skip
            x += advance
            y += dy[i] if i < len(dy) else 0.0
    return chars


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def path_object_edges(obj: etree._Element) -> list[Edge]:
    """Axis-aligned straight strokes (M/L/Z commands) of a stroked PathObject, in points."""
    if obj.get("Stroke", "true").lower() == "false":
        return []
    data = _child(obj, "AbbreviatedData")
    if data is None:
        return []
    bx, by, ctm = _placement(obj)
    edges: list[Edge] = []
    start = pos = None
    tokens = (data.text or "").split()
    i = 0
    while i < len(tokens):
        op = tokens[i]
        args = tokens[i + 1 : i + 3]
        if op in {"M", "L", "S"} and len(args) == 2:
            try:
                px, py = ctm.apply(float(args[0]), float(args[1]))
            except ValueError:
                return edges
            point = ((bx + px) * PT_PER_MM, (by + py) * PT_PER_MM)
            if op == "L" and pos is not None:
                edges.extend(_segment(pos, point))
            if op != "L":
                start = point
            pos = point
            i += 3
        elif op == "Z":
            if pos is not None and start is not None:
                edges.extend(_segment(pos, start))
            pos = start
            i += 1
        else:  # curves and arcs (B, Q, A) end somewhere we do not track; numbers skip
            pos = None if op.isalpha() else pos
            i += 1
    return edges


def _segment(a: tuple[float, float], b: tuple[float, float]) -> list[Edge]:
    (ax, ay), (bx, by) = a, b
    if abs(ay - by) <= 1.0 and abs(ax - bx) > 1.0:
        return [Edge(True, (ay + by) / 2, min(ax, bx), max(ax, bx))]
    if abs(ax - bx) <= 1.0 and abs(ay - by) > 1.0:
        return [Edge(False, (ax + bx) / 2, min(ay, by), max(ay, by))]
    return []
