"""Hostile and broken payloads, run through one SandboxPool next to normal documents.

Decisions (see extract/dispatch.py, zipguard.py, pdf.py):
* truncated PDF → "corrupt_pdf";
* forms drawn 10^8 times → "pdf_too_complex" in-process (a per-page budget of form
  XObject calls), no need to wait for the sandbox;
* forms that draw each other (a cycle) → "pdf_too_complex" in-process, OCR installed or
  not: pdfminer refuses the cycle, and PDFium, which would nest it 40 deep while loading
  the page for OCR, is never handed the file (extract/ocr.py unrenderable). Rendered, it
  grew ~300 MB/s and the verdict was whichever limit won: "timeout" or a SIGABRT at the
  address-space cap;
* zip-bomb DOCX → "decompression_bomb" from the declared sizes, before inflating;
* a 50 MB page → "too_large" (HTML over 10 MB is refused: a dense 9 MB table page
  costs ~25 s and ~900 MB); an 8 MB one is within the size limit but over the time
  limit → "timeout"; a page over the memory limit → "memory_limit";
* UTF-8 page with a GBK fragment → text, flagged with meta["charset_errors"].
Every failure is an Extraction; the normal documents in the same pool come out exactly
as extract() gives them in-process.
"""

from __future__ import annotations

import logging

import hostile_data as hostile
import pytest
from extract_testdata import HONGZE_PDF

from extract import Extraction, SandboxedExtractor, extract

TIMEOUT_S = 4.0


@pytest.fixture(scope="module")
def normal_docs(report_page: str) -> list[dict]:
    return [
        {"body": report_page.encode("utf-8"), "media_type": "text/html", "url": "http://x/a.html"},
        {"body": HONGZE_PDF.read_bytes(), "media_type": "application/pdf", "url": "http://x/b.pdf"},
    ]


@pytest.fixture(scope="module")
def outcomes(normal_docs: list[dict], seed_paragraphs: list[str]) -> dict[str, Extraction]:
    """Every hostile payload and the normal documents, through one 2-worker pool."""
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # cycle warnings, by design
    pdf = HONGZE_PDF.read_bytes()
    hostile_docs = {
        "truncated_pdf": (pdf[: len(pdf) * 2 // 5], "application/pdf", "http://x/t.pdf"),
        "nested_forms_pdf": (hostile.nested_forms_pdf(), "application/pdf", "http://x/n.pdf"),
        "looping_pdf": (hostile.looping_forms_image_pdf(), "application/pdf", "http://x/l.pdf"),
        "zip_bomb_docx": (hostile.zip_bomb_docx(), None, "http://x/z.docx"),
        "lying_zip_docx": (hostile.lying_zip_docx(), None, "http://x/y.docx"),
        "page_50mb": (b"<html><body>" + b"x" * (50 << 20), "text/html", "http://x/h.html"),
        "slow_page": (hostile.dense_table_page(8), "text/html", "http://x/s.html"),
        "mixed_charset": (hostile.mixed_charset_page(seed_paragraphs), None, "http://x/m.html"),
    }
    docs = [{"body": b, "media_type": m, "url": u} for b, m, u in hostile_docs.values()]
    with SandboxedExtractor(workers=2, timeout_s=TIMEOUT_S, memory_mb=1536) as sx:
        results = list(sx.extract_many(docs + normal_docs))
        stats = dict(sx.pool.stats)
    named = dict(zip([*hostile_docs, "normal_html", "normal_pdf"], results, strict=True))
    named["_stats"] = stats  # type: ignore[assignment]
    return named


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("truncated_pdf", "corrupt_pdf"),
        ("nested_forms_pdf", "pdf_too_complex"),
        ("zip_bomb_docx", "decompression_bomb"),
        ("lying_zip_docx", "decompression_bomb"),
        ("page_50mb", "too_large"),
        ("slow_page", "timeout"),
        ("looping_pdf", "pdf_too_complex"),
    ],
)
def test_hostile_payload_becomes_an_error(outcomes: dict, name: str, error: str) -> None:
    result = outcomes[name]
    assert isinstance(result, Extraction)
    assert result.error == error, result.error_detail
    assert result.text is None and result.error_detail


def test_timeouts_name_the_limits(outcomes: dict) -> None:
    slow = outcomes["slow_page"]
    assert slow.extractor == "sandbox"
    assert slow.options == {"timeout_s": TIMEOUT_S, "memory_mb": 1536}
    assert outcomes["_stats"]["timeouts"] >= 1


def test_mixed_charsets_give_text_and_a_flag(outcomes: dict, seed_paragraphs) -> None:
    mixed = outcomes["mixed_charset"]
    assert mixed.error is None and mixed.charset == "utf-8"
    assert mixed.meta["charset_errors"] > 0
    assert all(p in mixed.text for p in seed_paragraphs)


def test_normal_documents_in_the_same_pool_are_unaffected(outcomes: dict, normal_docs) -> None:
    for name, doc in zip(("normal_html", "normal_pdf"), normal_docs, strict=True):
        assert outcomes[name] == extract(doc["body"], media_type=doc["media_type"], url=doc["url"])
    assert "统计指标\t单位\t统计数" in outcomes["normal_html"].text
    assert outcomes["normal_pdf"].meta["pages"] == 5


def test_memory_hog_page_hits_the_memory_limit(report_page: str) -> None:
    with SandboxedExtractor(workers=1, timeout_s=30, memory_mb=150) as sx:
        docs = [
            {"body": hostile.dense_table_page(4), "media_type": "text/html", "url": "http://x/m"},
            {"body": report_page.encode(), "media_type": "text/html", "url": "http://x/ok"},
        ]
        hog, ok = sx.extract_many(docs)
    assert hog.error == "memory_limit" and hog.extractor == "sandbox"
    assert ok.error is None and "统计指标\t单位\t统计数" in ok.text
