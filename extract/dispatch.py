"""`extract()`: choose an extractor by magic bytes, media type and URL; never raise.

Magic bytes win over labels because portals mislabel attachments constantly
(PDFs served as application/octet-stream or text/html, .docx as application/zip).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Mapping
from urllib.parse import unquote, urlsplit

from extract.model import EXTRACT_VERSION, Extraction, failure, one_line

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
# Report pages are well under 1 MB; a bigger "page" is a dump or an attack, and parsing
# 50 MB of HTML costs tens of seconds and ~1 GB (see tests/extract/test_hostile.py).
MAX_HTML_BYTES = 10 * 1024 * 1024
HTML_TYPES = {"text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/plain"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|div|p|table|script)\b",
    re.I | re.S,
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc / .xls / .wps (Compound File)
# Stream names as the compound file's directory stores them (UTF-16LE).
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_BOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))
_OLE_TYPES = {
    "application/msword": "doc", "application/kswps": "wps", "application/wps-office.wps": "wps",
    "application/wps-office.doc": "doc", "application/vnd.ms-excel": "xls",
    "application/wps-office.et": "et",
}  # fmt: skip


def extract(
    body: bytes,
    *,
    media_type: str | None,
    url: str,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
) -> Extraction:
    """Text of one payload. Never raises: every failure is an Extraction with `error` set."""
    kind = "unknown"
    try:
        if len(body) > max_bytes:
            return _error("too_large", f"{len(body)} bytes > limit {max_bytes}", kind)
        kind = sniff_kind(body, media_type, url)
        return _run(kind, body, url, headers)
    except RecursionError as exc:
        return _error("extractor_failed", f"RecursionError: {str(exc)[:200]}", kind)
    except MemoryError:  # the sandbox's address-space cap (RLIMIT_AS) was hit
        return _error("memory_limit", "MemoryError", kind)
    except Exception as exc:  # the contract: an extractor bug costs one document, not the run
        log.debug("extractor failed on %s", url, exc_info=True)
        return _error("extractor_failed", one_line(exc), kind)


def _run(kind: str, body: bytes, url: str, headers: Mapping[str, str] | None) -> Extraction:
    if kind == "html":
        from extract.html import extract_html, header_charset

        if len(body) > MAX_HTML_BYTES:
            return _error("too_large", f"HTML page of {len(body)} bytes > {MAX_HTML_BYTES}", kind)
        return extract_html(body, url=url, declared_charset=header_charset(headers))
    if kind == "pdf":
        from extract.ocr import try_ocr
        from extract.pdf import extract_pdf

        result = extract_pdf(body)
        return try_ocr(body, result) if result.error == "needs_ocr" else result
    if kind in ZIP_KINDS:
        from extract.zipguard import DecompressionBomb, check_zip

        try:
            check_zip(body)
        except DecompressionBomb as exc:
            return _error("decompression_bomb", str(exc), kind)
        return ZIP_KINDS[kind](body)
    if kind in WORD_KINDS:
        from extract.word import extract_word

        return extract_word(body, kind)
    if kind in SHEET_KINDS:
        from extract.sheet import extract_xls

        return extract_xls(body)
    return _error("unsupported_media_type", f"{kind} ({url})", kind)


def _docx(body: bytes) -> Extraction:
    from extract.docx import extract_docx

    return extract_docx(body)


def _xlsx(body: bytes) -> Extraction:
    from extract.sheet import extract_xlsx

    return extract_xlsx(body)


def _ofd(body: bytes) -> Extraction:
    from extract.ofd import extract_ofd

    return extract_ofd(body)


ZIP_KINDS: dict[str, Callable[[bytes], Extraction]] = {"docx": _docx, "xlsx": _xlsx, "ofd": _ofd}
WORD_KINDS = {"doc", "wps"}
SHEET_KINDS = {"xls", "et"}


def _error(error: str, detail: str, kind: str) -> Extraction:
    return failure(error, detail, extractor=kind if kind != "unknown" else "none",
                   extractor_version=f"{EXTRACT_VERSION}+none", meta={"kind": kind})  # fmt: skip


def sniff_kind(body: bytes, media_type: str | None, url: str) -> str:
    """ "pdf", "docx", "html", or a name for an unsupported kind (doc, xls, ofd …)."""
    head = body[:1024]
    if b"%PDF-" in head:
        return "pdf"
    mt = (media_type or "").split(";")[0].strip().lower()
    ext = url_extension(url)
    if body.startswith(b"PK\x03\x04"):
        kind = _zip_kind(body)
        if kind == "zip" and mt == DOCX_TYPE:
            return "docx"
        return ext if kind == "zip" and ext in {"docx", "xlsx", "ofd", "pptx"} else kind
    if body.startswith(_OLE_MAGIC):
        return _ole_kind(body, mt, ext)
    if mt == "application/pdf" or ext == "pdf":
        return "pdf"  # labelled PDF without the magic: let pdfminer judge (corrupt_pdf)
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")) or mt in HTML_TYPES:
        return "html"
    if ext in {"html", "htm", "shtml", "jsp", "asp", "aspx", "php"} and not mt:
        return "html"
    return ext or mt or "unknown"


def _ole_kind(body: bytes, mt: str, ext: str) -> str:
    """doc/wps or xls/et by the streams the compound file holds, else by label.

    WPS Office writes .wps as a Word-97 compound file, so a .doc renamed .wps (or served
    as application/kswps) takes the DOC path; "wps" is kept as the kind for meta.
    """
    label = ext if ext in {"doc", "xls", "wps", "et", "dps", "ppt"} else _OLE_TYPES.get(mt, "")
    if _WORD_STREAM in body:
        return "wps" if label == "wps" else "doc"
    if any(name in body for name in _BOOK_STREAMS):
        return "et" if label == "et" else "xls"
    return label or "ole"


def _zip_kind(body: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def url_extension(url: str) -> str:
    """Lower-case extension of the URL path ("" if none); `?file=x.pdf` viewers count too."""
    parts = urlsplit(url or "")
    path = unquote(parts.path)
    match = re.search(r"\.([A-Za-z0-9]{1,5})$", path)
    if not match:
        match = re.search(r"\.([A-Za-z0-9]{1,5})(?:$|&)", unquote(parts.query))
    return match.group(1).lower() if match else ""
