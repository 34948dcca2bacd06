"""DOC and WPS attachments: LibreOffice → DOCX → our DOCX reader, antiword as fallback.

fixtures/seed_000_report.doc is seed 000 (title, three paragraphs, the 66-row 统计表
with one merged cell, a line with GBK-only characters) written as DOCX by python-docx
and saved as "MS Word 97" by LibreOffice 7.4.
"""

from __future__ import annotations

import pytest
from extract_testdata import FIXTURES

import extract.word as word
from extract import EXTRACT_VERSION, extract
from extract.tools import find_tool

DOC = FIXTURES / "seed_000_report.doc"
needs_soffice = pytest.mark.skipif(not find_tool("soffice"), reason="LibreOffice not installed")
needs_antiword = pytest.mark.skipif(not find_tool("antiword"), reason="antiword not installed")


@pytest.fixture(scope="module")
def doc_result():
    return extract(DOC.read_bytes(), media_type="application/msword", url="http://x/P0201903.doc")


def _table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "\t" in line]


@needs_soffice
def test_doc_text_and_every_table_row(doc_result, stat_rows, seed_paragraphs) -> None:
    assert doc_result.error is None
    assert doc_result.extractor == "libreoffice+python-docx"
    assert doc_result.extractor_version.startswith(f"{EXTRACT_VERSION}+libreoffice-")
    assert "+python-docx-" in doc_result.extractor_version
    assert doc_result.options["converter"] == "soffice --convert-to docx"
    lines = doc_result.text.splitlines()
    assert lines[0] == "自治区科技厅2018年政府信息公开工作年度报告"
    assert lines[-1] == "经办人：李喆，审核人：张镕"  # GBK-only characters survive
    rows = _table_lines(doc_result.text)
    assert len(rows) == len(stat_rows) == 66
    assert rows[0] == "统计指标\t单位\t统计数"
    assert rows[1] == "一、主动公开情况\t——\t"  # merged cell: text once, slot left empty
    assert "其中：主动公开规范性文件数\t条\t25" in rows
    assert doc_result.meta["kind"] == "doc" and doc_result.meta["format"] == "ole"


@needs_soffice
@pytest.mark.parametrize(
    ("media_type", "url"),
    [(None, "http://x/P020190327.wps"), ("application/kswps", "http://x/download.jsp?id=7")],
)
def test_doc_renamed_wps_takes_the_doc_path(doc_result, media_type, url) -> None:
    result = extract(DOC.read_bytes(), media_type=media_type, url=url)
    assert result.error is None and result.meta["kind"] == "wps"
    assert result.text == doc_result.text


@needs_soffice
def test_rtf_saved_as_doc() -> None:
    rtf = rb"{\rtf1\ansi\ansicpg936{\fonttbl{\f0 SimSun;}}\f0 \'d6\'d0\'ce\'c4 report\par}"
    result = extract(rtf, media_type="application/msword", url="http://x/a.doc")
    assert result.error is None and result.text == "中文 report"
    assert result.meta["format"] == "rtf"


@needs_antiword
def test_antiword_fallback_without_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word, "find_tool", lambda name: None if name == "soffice" else "x")
    result = extract(DOC.read_bytes(), media_type="application/msword", url="http://x/a.doc")
    assert result.error is None and result.extractor == "antiword"
    assert result.options["tables"] == "visual-lines"
    assert "经办人：李喆，审核人：张镕" in result.text
    assert "统计指标\t单位\t统计数" in result.text
    assert "|" not in result.text


def test_tool_missing_is_an_error_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word, "find_tool", lambda name: None)
    result = extract(DOC.read_bytes(), media_type="application/msword", url="http://x/a.doc")
    assert result.error == "tool_missing" and result.text is None
    assert result.meta["tool"] == "soffice" and "soffice" in result.error_detail


def test_antiword_table_lines() -> None:
    raw = "标题\n\n|统计指标   |单位 |统计数 |\n|收到申请数 |件   |13     |\n"
    assert word.antiword_lines(raw) == ["标题", "统计指标\t单位\t统计数", "收到申请数\t件\t13"]


@needs_soffice
def test_doc_through_the_sandbox_matches_in_process(doc_result) -> None:
    """LibreOffice runs under its own cap, not the worker's (RLIMIT_AS is only soft there)."""
    from extract import SandboxedExtractor

    with SandboxedExtractor(workers=1, timeout_s=60, memory_mb=512) as sx:
        result = sx.extract(DOC.read_bytes(), media_type="application/msword",
                            url="http://x/P0201903.doc")  # fmt: skip
    assert result == doc_result
