"""Fixtures for the extract/ tests: real report text and pages built from it."""

from __future__ import annotations

import io
import sys

import pytest
from extract_testdata import ROOT, SEED_000, page_html, table_html

# The project is not installed into the venv and pyproject sets no `pythonpath`, so make
# sure `import extract` finds the package at the repository root.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_000.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_paragraphs(seed_text: str) -> list[str]:
    """The report's first prose paragraphs (no Markdown marks, no table rows)."""
    lines = [ln.strip() for ln in seed_text.splitlines()]
    return [ln for ln in lines if len(ln) > 40 and "\t" not in ln and not ln.startswith("#")][:3]


@pytest.fixture(scope="session")
def stat_rows(seed_text: str) -> list[list[str]]:
    """The 统计表 rows of seed 000 (统计指标 / 单位 / 统计数), as the seed gives them."""
    lines = seed_text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("统计指标\t"))
    rows = []
    for line in lines[start:]:
        if not line.strip():
            continue
        if "\t" not in line:
            break
        rows.append(line.split("\t"))
    return rows


@pytest.fixture(scope="session")
def report_page(seed_paragraphs: list[str], stat_rows: list[list[str]]) -> str:
    """A report article page whose 统计表 is an HTML table with merged cells."""
    title = "自治区科技厅2018年政府信息公开工作年度报告"
    base = page_html(title, seed_paragraphs, "utf-8")
    caption = "<p>附件：自治区科技厅 2018 年度政府信息公开情况统计表</p>"
    return base.replace("</div><div class=\"footer\">", caption + table_html(stat_rows) + "</div>"
                        '<div class="footer">')  # fmt: skip


@pytest.fixture(scope="session")
def image_only_pdf() -> bytes:
    """A one-page 'scan': a picture of a page and no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(img)
    for y in range(40, 520, 24):
        draw.rectangle((40, y, 360, y + 10), fill=30)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.drawImage(ImageReader(img), 40, 60, width=515, height=720)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
