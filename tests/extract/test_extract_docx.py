"""DOCX extraction: a report built with python-docx from seed 000's text and 统计表."""

from __future__ import annotations

import io

import docx
import pytest

from extract import extract

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def report_docx(seed_paragraphs: list[str], stat_rows: list[list[str]]) -> bytes:
    """Title, two paragraphs, the 统计表 (one horizontal, one vertical merge), a last line."""
    document = docx.Document()
    document.core_properties.title = "自治区科技厅2018年政府信息公开工作年度报告"
    document.add_heading("自治区科技厅 2018 年政府信息公开工作年度报告", level=1)
    for para in seed_paragraphs[:2]:
        document.add_paragraph(para)
    rows = stat_rows[:12]
    table = document.add_table(rows=len(rows), cols=3)
    for r, row in enumerate(rows):
        for c, value in enumerate(row[:3]):
            table.cell(r, c).text = value
    # 一、主动公开情况 | —— spanning 单位+统计数 ; 条 merged down rows 2-3
    merged = table.cell(1, 1).merge(table.cell(1, 2))
    merged.text = "——"
    table.cell(2, 1).merge(table.cell(3, 1)).text = "条"
    document.add_paragraph("宁夏回族自治区科学技术厅")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_paragraphs_and_table_in_order(report_docx: bytes, seed_paragraphs: list[str]) -> None:
    result = extract(report_docx, media_type=DOCX_TYPE, url="http://x.gov.example/P020190327.docx")
    assert result.error is None
    assert result.extractor == "python-docx"
    assert "+python-docx-" in result.extractor_version
    assert result.title == "自治区科技厅2018年政府信息公开工作年度报告"
    lines = result.text.split("\n")
    assert lines[0] == "自治区科技厅 2018 年政府信息公开工作年度报告"
    assert lines[1:3] == seed_paragraphs[:2]
    assert lines[3] == "统计指标\t单位\t统计数"
    assert lines[-1] == "宁夏回族自治区科学技术厅"


def test_docx_merged_cells_are_not_duplicated(report_docx: bytes) -> None:
    lines = extract(report_docx, media_type=None, url="http://x.gov.example/a").text.split("\n")
    assert "一、主动公开情况\t——\t" in lines  # gridSpan=2: text once, then an empty field
    assert "（一）主动公开政府信息数 （不同渠道和方式公开相同信息计 1 条）\t条\t2427" in lines
    assert "其中：主动公开规范性文件数\t\t25" in lines  # vMerge continuation: empty
    assert "2. 政府网站公开政府信息数\t条\t2427" in lines
    assert all(ln.count("\t") == 2 for ln in lines if "\t" in ln)


def test_corrupt_docx() -> None:
    result = extract(b"PK\x03\x04broken", media_type=DOCX_TYPE, url="http://x.gov.example/a.docx")
    assert result.error == "corrupt_docx"
    assert result.text is None
