"""Scanned PDFs: needs_ocr without tesseract, OCR text (meta ocr=True) with it.

The scan is made here: Chinese report lines drawn into a 200 dpi page image with a CJK
TrueType font (apt: fonts-wqy-microhei), wrapped into an image-only PDF by reportlab.
"""

from __future__ import annotations

import io
from pathlib import Path

import hostile_data as hostile
import pytest

import extract.ocr as ocr
from extract import EXTRACT_VERSION, extract

LINES = [
    "宁夏回族自治区科学技术厅",
    "2018年政府信息公开工作年度报告",
    "一、概述",
    "本报告由自治区科技厅办公室汇总编制。",
    "主动公开政府信息数 2427 条",
]
CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]


def scanned_pdf(lines: list[str], pages: int = 1) -> bytes:
    """An image-only PDF of `lines` (no text layer), or skip without a CJK font."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font_path = next((p for p in CJK_FONTS if Path(p).exists()), None)
    if font_path is None:
        pytest.skip("no CJK TrueType font installed (apt: fonts-wqy-microhei)")
    font = ImageFont.truetype(font_path, 36)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    for _ in range(pages):
        img = Image.new("L", (1654, 2339), 255)
        draw = ImageDraw.Draw(img)
        for i, line in enumerate(lines):
            draw.text((150, 150 + 60 * i), line, font=font, fill=0)
        pdf.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


@pytest.mark.skipif(not ocr.ocr_available(), reason="tesseract with chi_sim not installed")
def test_scanned_pdf_is_read_by_ocr() -> None:
    result = extract(
        scanned_pdf(LINES, pages=2), media_type="application/pdf", url="http://x/s.pdf"
    )
    assert result.error is None, result.error_detail
    assert result.extractor == "tesseract" and result.meta["ocr"] is True
    assert result.extractor_version.startswith(f"{EXTRACT_VERSION}+tesseract-")
    assert "+pypdfium2-" in result.extractor_version
    assert result.options["lang"] == "chi_sim"
    pages = result.text.split("\f")
    assert len(pages) == 2
    assert "本报告由自治区科技厅办公室汇总编制" in pages[0]
    assert "2018年政府信息公开工作年度报告" in pages[0]
    assert "2427" in pages[1]
    assert "needs_ocr" not in result.meta


def test_without_tesseract_needs_ocr_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "ocr_available", lambda: False)
    result = extract(scanned_pdf(LINES), media_type="application/pdf", url="http://x/s.pdf")
    assert result.error == "needs_ocr" and result.text is None
    assert result.extractor == "pdfminer" and result.meta["needs_ocr"] is True
    assert "not installed" in result.meta["ocr_unavailable"]


def test_blank_scan_keeps_needs_ocr(image_only_pdf: bytes) -> None:
    """Bars, no letters: whatever OCR makes of them is not text worth keeping."""
    result = extract(image_only_pdf, media_type="application/pdf", url="http://x/s.pdf")
    assert result.error == "needs_ocr"
    assert {"ocr_failed", "ocr_unavailable"} & set(result.meta)


def test_form_cycle_is_refused_before_pdfium_opens_the_file(monkeypatch, image_only_pdf) -> None:
    """PDFium would nest the looping forms 40 deep and never finish loading the page."""

    def pdfium_reached(body: bytes, meta: dict) -> None:
        raise AssertionError("the page went to PDFium")

    monkeypatch.setattr(ocr, "ocr_pdf", pdfium_reached)
    result = extract(hostile.looping_forms_image_pdf(), media_type=None, url="http://x/l.pdf")
    assert result.error == "pdf_too_complex" and result.text is None
    assert result.error_detail.startswith("page 1: form XObjects draw each other")
    assert result.meta["form_cycle_pages"] == [1] and result.extractor == "pdfminer"
    plain = extract(image_only_pdf, media_type=None, url="http://x/s.pdf")
    assert "form_cycle_pages" not in plain.meta
    if ocr.ocr_available():  # a scan without cycles still goes to the renderer
        assert "the page went to PDFium" in plain.meta["ocr_failed"]
