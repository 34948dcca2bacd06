"""Build small OFD packages (GB/T 33190) the way WPS/数科 exports lay them out.

One TextObject per line of text with DeltaX advances, a table drawn as PathObject
ruling lines with one TextObject per cell. Units are millimetres, y downward.
"""

from __future__ import annotations

import io
import zipfile
from html import escape

NS = "http://www.ofdspec.org/2016"
SIZE = 3.5  # mm font size
ROW_H = 8.0
LEFT = 20.0


def advance(ch: str) -> float:
    """Full-width advance for CJK, half for ASCII digits and letters (as fonts do)."""
    return SIZE if ord(ch) >= 0x2E80 else SIZE / 2


def _text_object(oid: int, x: float, y: float, text: str, ctm: str | None = None) -> str:
    width = sum(advance(ch) for ch in text) + 1
    deltas = " ".join(f"{advance(ch):g}" for ch in text[:-1])
    ctm_attr = f' CTM="{ctm}"' if ctm else ""
    return (
        f'<ofd:TextObject ID="{oid}" Boundary="{x} {y} {width} {SIZE + 2}" Font="3" '
        f'Size="{SIZE}"{ctm_attr}><ofd:TextCode X="0" Y="{SIZE}" DeltaX="{deltas}">'
        f"{escape(text)}</ofd:TextCode></ofd:TextObject>"
    )


def _line(oid: int, x0: float, y0: float, x1: float, y1: float) -> str:
    return (
        f'<ofd:PathObject ID="{oid}" Boundary="0 0 210 297" LineWidth="0.25">'
        f"<ofd:AbbreviatedData>M {x0} {y0} L {x1} {y1}</ofd:AbbreviatedData></ofd:PathObject>"
    )


def _wrap(text: str, first_x: float, right: float = 190.0) -> list[tuple[float, str]]:
    lines: list[tuple[float, str]] = []
    x, line = first_x, ""
    for ch in text:
        if x + sum(advance(c) for c in line) + advance(ch) > right:
            lines.append((x, line))
            x, line = LEFT, ""
        line += ch
    return [*lines, (x, line)] if line else lines


def page_xml(paragraphs: list[str], rows: list[list[str]], widths: list[float]) -> str:
    """A page: paragraphs (one line each), then a ruled table of `rows`."""
    objects: list[str] = []
    oid = 100
    y = 20.0
    for i, text in enumerate(paragraphs):
        # the first paragraph is a centred title; the others start with a 2-character
        # indent and wrap at the right margin like a word processor's output
        if i == 0:
            lines = [((210 - sum(advance(ch) for ch in text)) / 2, text)]
        else:
            lines = _wrap(text, LEFT + 2 * SIZE)
        for x, line in lines:
            oid += 1
            objects.append(_text_object(oid, round(x, 2), y, line))
            y += 6.0
    top = y + 4.0
    xs = [LEFT]
    for w in widths:
        xs.append(xs[-1] + w)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell:
                oid += 1
                objects.append(_text_object(oid, xs[c] + 1.0, top + r * ROW_H + 1.5, cell))
    for r in range(len(rows) + 1):
        oid += 1
        objects.append(_line(oid, xs[0], top + r * ROW_H, xs[-1], top + r * ROW_H))
    for x in xs:
        oid += 1
        objects.append(_line(oid, x, top, x, top + len(rows) * ROW_H))
    body = "".join(objects)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
        f'<ofd:Layer ID="2">{body}</ofd:Layer></ofd:Content></ofd:Page>'
    )


def build_ofd(pages: list[str], title: str | None = None) -> bytes:
    """An OFD package from Content.xml texts (see page_xml)."""
    doc_info = f"<ofd:Title>{escape(title)}</ofd:Title>" if title else ""
    ofd_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.0" '
        f'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID>{doc_info}'
        "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    page_refs = "".join(
        f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages))
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}">'
        "<ofd:CommonData><ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea>"
        "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>{page_refs}"
        "</ofd:Pages></ofd:Document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", ofd_xml)
        zf.writestr("Doc_0/Document.xml", document)
        zf.writestr(
            "Doc_0/PublicRes.xml",
            f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts><ofd:Font ID="3" '
            'FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
        )
        for i, page in enumerate(pages):
            zf.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", page)
    return buf.getvalue()
