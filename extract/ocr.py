"""OCR for scanned PDFs: pypdfium2 renders each page, tesseract (chi_sim) reads it.

Only used when the PDF extractor found no text layer ("needs_ocr"). tesseract runs as
a program (no pytesseract) with its own timeout and memory cap. Without tesseract or
its chi_sim data the caller keeps the needs_ocr result: OCR can run later, when the
tools are installed, as a new (extractor, version) row.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import io
import os
import re
from dataclasses import replace

from extract.model import EXTRACT_VERSION, Extraction, one_line
from extract.tables import squeeze_cjk_spaces
from extract.tools import ToolFailed, ToolMissing, find_tool, run_tool, tool_version

TESSERACT = "tesseract"
LANG = "chi_sim"
DPI = 200
PSM = 6  # one uniform block per page: report pages are a single column
MAX_OCR_PAGES = 30  # a 30-page scan is ~2 min of tesseract; longer scans are cut (meta says)
PAGE_TIMEOUT_S = 60.0
MIN_OCR_CHARS = 10
OPTIONS = {"lang": LANG, "dpi": DPI, "psm": PSM, "page_separator": "\\f",
           "max_pages": MAX_OCR_PAGES}  # fmt: skip


@functools.cache
def ocr_available() -> bool:
    """tesseract installed with the chi_sim language data, and pypdfium2 to render pages."""
    if not find_tool(TESSERACT) or importlib.util.find_spec("pypdfium2") is None:
        return False
    try:
        done = run_tool([TESSERACT, "--list-langs"], timeout_s=10.0)
    except (ToolMissing, ToolFailed):
        return False
    return LANG in (done.stdout + done.stderr).decode("utf-8", "replace").split()


@functools.cache
def ocr_version() -> str:
    tess = tool_version([TESSERACT, "--version"]).replace("tesseract ", "")
    pdfium = importlib.metadata.version("pypdfium2")
    return f"{EXTRACT_VERSION}+tesseract-{tess}+pypdfium2-{pdfium}"


def ocr_pdf(body: bytes, meta: dict) -> Extraction | None:
    """OCR text of a scanned PDF, or None when it yields nothing usable (keep needs_ocr).

    Raises ToolMissing / ToolFailed for the caller to record on the needs_ocr result.
    """
    import pypdfium2

    pdf = pypdfium2.PdfDocument(body)
    try:
        count = len(pdf)
        pages = []
        for index in range(min(count, MAX_OCR_PAGES)):
            pages.append(_ocr_page(pdf[index]))
    finally:
        pdf.close()
    text = "\f".join(pages)
    if len(re.sub(r"\s", "", text)) < MIN_OCR_CHARS:
        return None
    out_meta = {**meta, "ocr": True, "ocr_pages_read": len(pages)}
    out_meta.pop("needs_ocr", None)
    if count > MAX_OCR_PAGES:
        out_meta["ocr_truncated"] = count
    return Extraction(
        text=text,
        extractor="tesseract",
        extractor_version=ocr_version(),
        options=dict(OPTIONS),
        charset=None,
        title=meta.get("Title"),
        meta=out_meta,
    )


def _ocr_page(page: object) -> str:
    bitmap = page.render(scale=DPI / 72, grayscale=True)  # type: ignore[attr-defined]
    image = bitmap.to_pil()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per document, as the pool plans
    done = run_tool([TESSERACT, "stdin", "stdout", "-l", LANG, "--psm", str(PSM)],
                    stdin=buf.getvalue(), timeout_s=PAGE_TIMEOUT_S, memory_mb=1024,
                    env=env)  # fmt: skip
    raw = done.stdout.decode("utf-8", "replace")
    lines = [squeeze_cjk_spaces(re.sub(r"[ \t]+", " ", ln).strip()) for ln in raw.splitlines()]
    return "\n".join(ln for ln in lines if ln)


def try_ocr(body: bytes, scanned: Extraction) -> Extraction:
    """The OCR result if OCR works here and reads text, else `scanned` (needs_ocr) with a note."""
    if not scanned.meta.get("ocr_pages"):  # no page images: nothing to read, and pdfium
        return _note(scanned, "ocr_skipped", "no page images")  # need not open the file
    refusal = unrenderable(scanned)
    if refusal is not None:
        return refusal
    if not ocr_available():
        detail = f"{TESSERACT} with {LANG} (or pypdfium2) not installed"
        return _note(scanned, "ocr_unavailable", detail)
    try:
        result = ocr_pdf(body, scanned.meta)
    except (RecursionError, MemoryError):
        raise
    except (ToolMissing, ToolFailed) as exc:
        return _note(scanned, "ocr_failed", one_line(exc))
    except Exception as exc:  # pdfium refuses the file: keep the pdfminer verdict
        return _note(scanned, "ocr_failed", one_line(exc))
    return result or _note(scanned, "ocr_failed", "OCR found no text")


def unrenderable(scanned: Extraction) -> Extraction | None:
    """ "pdf_too_complex" if a page OCR would render has a form XObject cycle, else None.

    pdfminer refuses to enter a cycle (extract/pdf.py counts them). PDFium's guard
    misses it and nests the forms until its limit of 40 while it loads the page: with
    pypdfium2 5.15 two forms drawing each other twice never finish loading, and the
    hostile test file grows ~300 MB/s until the sandbox's time limit or its address-space
    cap (a SIGABRT) ends the worker, whichever comes first. Refusing here, before PDFium
    opens the file, makes that a fixed verdict, the one pdfminer's form budget gives a
    nested-forms bomb, whether or not OCR is installed.
    """
    pages = [p for p in scanned.meta.get("form_cycle_pages", []) if p <= MAX_OCR_PAGES]
    if not pages:
        return None
    detail = f"page {pages[0]}: form XObjects draw each other (a cycle); not rendered for OCR"
    return replace(scanned, error="pdf_too_complex", error_detail=detail)


def _note(scanned: Extraction, key: str, detail: str) -> Extraction:
    return replace(scanned, meta={**scanned.meta, key: detail})
