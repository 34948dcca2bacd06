"""Hostile payloads for test_hostile.py, built in memory (small, deterministic)."""

from __future__ import annotations

import io
import struct
import zipfile


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF with a correct xref table around the given object bodies (1-based ids)."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_FORM = b"/Type /XObject /Subtype /Form /BBox [0 0 10 10]"
_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def nested_forms_pdf(levels: int = 8, fanout: int = 10) -> bytes:
    """Each form draws the next one `fanout` times: fanout**levels draws from 2 KB."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
    page += b"/Resources << /XObject << /F 5 0 R >> >> >>"
    objects = [_CATALOG, _PAGES, page, _stream(b"q /F Do Q")]
    for level in range(levels):
        if level < levels - 1:
            body = b" ".join([b"q /F Do Q"] * fanout)
            res = b" /Resources << /XObject << /F %d 0 R >> >>" % (6 + level)
            objects.append(_stream(body, _FORM + res))
        else:
            objects.append(_stream(b"0 0 1 1 re S", _FORM))
    return _pdf(objects)


def looping_forms_image_pdf() -> bytes:
    """Two forms that draw each other ten times each, plus a page image.

    pdfminer refuses the cycle and sees an image-only page; PDFium (which the OCR path
    uses to render the page) loops on it.
    """
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
    page += b"/Resources << /XObject << /A 5 0 R /I 7 0 R >> >> >>"
    a = _stream(
        b" ".join([b"q /B Do Q"] * 10), _FORM + b" /Resources << /XObject << /B 6 0 R >> >>"
    )
    b = _stream(
        b" ".join([b"q /A Do Q"] * 10), _FORM + b" /Resources << /XObject << /A 5 0 R >> >>"
    )
    image = _stream(b"\x00" * 100, b"/Type /XObject /Subtype /Image /Width 10 /Height 10 "
                    b"/ColorSpace /DeviceGray /BitsPerComponent 8")  # fmt: skip
    content = _stream(b"q 500 0 0 700 50 50 cm /I Do Q q /A Do Q")
    return _pdf([_CATALOG, _PAGES, page, content, a, b, image])


def _docx_parts(document_xml: bytes) -> dict[str, bytes]:
    ns = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    return {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
        b'.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.wordprocessingml.document.main+xml"/></Types>',
        "word/document.xml": b"<w:document " + ns + b"><w:body>" + document_xml,
    }


def zip_bomb_docx(inflated_mb: int = 64) -> bytes:
    """A DOCX whose document.xml inflates from ~60 KB to `inflated_mb` MB of spaces."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _docx_parts(b"").items():
            if name != "word/document.xml":
                zf.writestr(name, data)
        with zf.open("word/document.xml", "w") as fh:
            fh.write(_docx_parts(b"")["word/document.xml"])
            chunk = b" " * (1 << 20)
            for _ in range(inflated_mb):
                fh.write(chunk)
    return buf.getvalue()


def lying_zip_docx(declared: int = 3 << 30) -> bytes:
    """A small DOCX whose central directory declares a 3 GB document.xml."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _docx_parts(b"<w:p/></w:body></w:document>").items():
            zf.writestr(name, data)
    body = bytearray(buf.getvalue())
    entry = body.rfind(b"PK\x01\x02", 0, body.rfind(b"word/document.xml"))
    struct.pack_into("<I", body, entry + 24, declared & 0xFFFFFFFF)  # uncompressed size
    return bytes(body)


def dense_table_page(mb: float) -> bytes:
    """A page that is one huge data table: parsing and rendering it takes seconds per MB."""
    row = "<tr><td>（一）主动公开政府信息数</td><td>条</td><td>2427</td></tr>"
    rows = row * int(mb * 1024 * 1024 / len(row.encode()))
    html = f"<html><body><div class='TRS_Editor'><table>{rows}</table></div></body></html>"
    return html.encode("utf-8")


def mixed_charset_page(paragraphs: list[str]) -> bytes:
    """A UTF-8 page with one paragraph pasted in as GBK bytes (a CMS copy-paste accident)."""
    head = "<html><head><meta charset='utf-8'><title>年报</title></head><body><div id='zoom'>"
    utf8 = "".join(f"<p>{p}</p>" for p in paragraphs).encode("utf-8")
    gbk = "<p>经办人：李喆，审核人：张镕</p>".encode("gbk")
    return head.encode() + utf8 + gbk + b"</div></body></html>"
