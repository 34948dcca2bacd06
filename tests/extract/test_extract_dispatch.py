"""extract(): routing by magic bytes / media type / URL, and the never-raise contract."""

from __future__ import annotations

import json

import pytest
from extract_testdata import HONGZE_PDF

import extract as extract_pkg
from extract import EXTRACT_VERSION, Extraction, dispatch, extract
from extract.dispatch import sniff_kind, url_extension

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    ("body", "media_type", "url", "kind"),
    [
        (b"%PDF-1.7\n", "application/octet-stream", "http://x/download.jsp?id=1", "pdf"),
        (b"%PDF-1.4\n", "text/html", "http://x/a.html", "pdf"),
        (b"<!DOCTYPE html><html>", "application/msword", "http://x/a.doc", "html"),
        (b"\xef\xbb\xbf<html><body>", None, "http://x/a", "html"),
        (OLE, "application/msword", "http://x/P020190327.doc", "doc"),
        (OLE, None, "http://x/a.wps", "wps"),
        (b"", None, "http://x/pdfjs/viewer?file=/P0201903.pdf", "pdf"),
        (b"PK\x03\x04junk", None, "http://x/a.ofd", "ofd"),
    ],
)
def test_sniff_kind(body: bytes, media_type: str | None, url: str, kind: str) -> None:
    assert sniff_kind(body, media_type, url) == kind


def test_url_extension() -> None:
    assert url_extension("http://x/a/P020190327%E5%B9%B4.PDF") == "pdf"
    assert url_extension("http://x/art/2019/3/27/art_1_2.html?x=1") == "html"
    assert url_extension("http://x/") == ""


WORD_OLE = OLE + "WordDocument".encode("utf-16-le")
BOOK_OLE = OLE + "Workbook".encode("utf-16-le")


@pytest.mark.parametrize(
    ("body", "media_type", "url", "kind"),
    [
        (WORD_OLE, "application/octet-stream", "http://x/download.jsp?id=1", "doc"),
        (WORD_OLE, "application/kswps", "http://x/download.jsp?id=1", "wps"),
        (WORD_OLE, None, "http://x/P020190327.wps", "wps"),
        (WORD_OLE, "application/vnd.ms-excel", "http://x/a.xls", "doc"),  # content wins
        (BOOK_OLE, "application/msword", "http://x/a.doc", "xls"),
        (BOOK_OLE, None, "http://x/a.et", "et"),
        (OLE, "application/kswps", "http://x/download.jsp?id=2", "wps"),  # no streams: label
    ],
)
def test_ole_kind_by_streams(body: bytes, media_type: str | None, url: str, kind: str) -> None:
    assert sniff_kind(body, media_type, url) == kind


@pytest.mark.parametrize(
    ("body", "media_type", "url", "error"),
    [
        (OLE, "application/vnd.ms-excel", "http://x/a.xls", "corrupt_xls"),
        (b"junk \x00\x01 not a word file" * 4, None, "http://x/a.doc", "corrupt_doc"),
        (b"PK\x03\x04junk", None, "http://x/a.ofd", "corrupt_ofd"),
        (b"PK\x03\x04junk", None, "http://x/a.xlsx", "corrupt_xlsx"),
    ],
)
def test_broken_office_files(body: bytes, media_type: str | None, url: str, error: str) -> None:
    result = extract(body, media_type=media_type, url=url)
    if result.error == "tool_missing":
        pytest.skip(result.error_detail)
    assert result.error == error and result.text is None


def test_unsupported_types() -> None:
    result = extract(b"\x89PNG\r\n\x1a\n", media_type="image/png", url="http://x/a.png")
    assert result.error == "unsupported_media_type"
    assert result.text is None


def test_html_size_limit() -> None:
    body = b"<html><body>" + b"x" * (dispatch.MAX_HTML_BYTES + 1)
    result = extract(body, media_type="text/html", url="http://x/big.html")
    assert result.error == "too_large" and "HTML" in result.error_detail


def test_too_large_is_refused() -> None:
    result = extract(b"<html>" + b"x" * 100, media_type="text/html", url="http://x/", max_bytes=50)
    assert result.error == "too_large" and result.text is None
    assert extract_pkg.MAX_BYTES == 50 * 1024 * 1024


def test_extractor_exceptions_become_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import extract.html as html_mod

    def boom(*args: object, **kwargs: object) -> Extraction:
        raise KeyError("broken\nsecond line")

    monkeypatch.setattr(html_mod, "extract_html", boom)
    result = extract(b"<html></html>", media_type="text/html", url="http://x/")
    assert result.error == "extractor_failed"
    assert result.error_detail.startswith("KeyError") and "\n" not in result.error_detail

    def deep(*args: object, **kwargs: object) -> Extraction:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(html_mod, "extract_html", deep)
    assert extract(b"<html></html>", media_type="text/html", url="http://x/").error == (
        "extractor_failed"
    )


@pytest.mark.parametrize("junk", [b"", b"\x00" * 64, bytes(range(256)) * 4, b"<html><table>" * 50])
@pytest.mark.parametrize("media_type", [None, "text/html", "application/pdf", "application/zip"])
def test_never_raises(junk: bytes, media_type: str | None) -> None:
    result = extract(junk, media_type=media_type, url="http://x/a")
    assert isinstance(result, Extraction)
    json.dumps([result.options, result.meta])  # JSON-able for the catalog


def test_version_and_options_recorded() -> None:
    result = extract(HONGZE_PDF.read_bytes(), media_type="application/pdf", url="http://x/a.pdf")
    assert result.extractor_version.startswith(f"{EXTRACT_VERSION}+pdfminer.six-")
    assert result.options["page_separator"] == "\\f"
    json.dumps([result.options, result.meta])
