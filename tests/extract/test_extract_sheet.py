"""XLSX (openpyxl) and XLS (xlrd) workbooks: one TAB row per sheet row, sheets split by \\f.

fixtures/stat_table.xls is the workbook built by `workbook()` below, saved as Excel 97
by LibreOffice 7.4.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from extract_testdata import FIXTURES

from extract import EXTRACT_VERSION, extract
from extract.sheet import cell_text

ROWS = [
    ["统计指标", "单位", "统计数"],
    ["一、主动公开情况", "——", None],
    ["（一）主动公开政府信息数", "条", 2427],
    ["其中：主动公开规范性文件数", "条", 25],
    ["二、依申请公开情况", "——", None],
    ["（一）收到申请数", "件", 13],
    ["四、行政复议数量", "件", 0],
    ["经费", "万元", 1.5],
    ["填报日期", None, dt.date(2019, 1, 31)],
]
EXPECTED_FIRST_SHEET = (
    "统计指标\t单位\t统计数\n一、主动公开情况\t——\t\n（一）主动公开政府信息数\t条\t2427\n"
    "其中：主动公开规范性文件数\t条\t25\n二、依申请公开情况\t——\t\n（一）收到申请数\t件\t13\n"
    "四、行政复议数量\t件\t0\n经费\t万元\t1.5\n填报日期\t\t2019-01-31"
)


def workbook() -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "统计表"
    for row in ROWS:
        ws.append(row)
    ws.merge_cells("B2:C2")
    ws.merge_cells("B5:C5")
    wb.create_sheet("说明").append(["经办人：李喆，审核人：张镕"])
    wb.properties.title = "2018年政府信息公开情况统计表"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_sheets_rows_and_merged_cells() -> None:
    pytest.importorskip("openpyxl")
    result = extract(workbook(), media_type=None, url="http://x/P020190131.xlsx")
    assert result.error is None and result.extractor == "openpyxl"
    assert result.extractor_version.startswith(f"{EXTRACT_VERSION}+openpyxl-")
    first, second = result.text.split("\f")
    assert first == EXPECTED_FIRST_SHEET
    assert second == "经办人：李喆，审核人：张镕"
    assert result.meta["sheets"] == ["统计表", "说明"]
    assert result.title == "2018年政府信息公开情况统计表"


def test_xlsx_served_as_zip_is_sniffed() -> None:
    pytest.importorskip("openpyxl")
    result = extract(workbook(), media_type="application/zip", url="http://x/download?id=3")
    assert result.extractor == "openpyxl" and result.error is None


def test_xls_same_rows() -> None:
    pytest.importorskip("xlrd")
    body = (FIXTURES / "stat_table.xls").read_bytes()
    result = extract(body, media_type="application/vnd.ms-excel", url="http://x/a.xls")
    assert result.error is None and result.extractor == "xlrd"
    assert result.extractor_version.startswith(f"{EXTRACT_VERSION}+xlrd-")
    assert result.text.split("\f") == [EXPECTED_FIRST_SHEET, "经办人：李喆，审核人：张镕"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(2427.0, "2427"), (1.5, "1.5"), (None, ""), (dt.datetime(2019, 1, 31), "2019-01-31"),
     (True, "TRUE"), ("  条 ", "  条 ")],
)  # fmt: skip
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text
