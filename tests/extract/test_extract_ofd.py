"""OFD packages: TextCode text in page order, ruled tables as TAB rows (ofd_builder.py)."""

from __future__ import annotations

import io
import zipfile

from lxml import etree
from ofd_builder import build_ofd, page_xml

from extract import EXTRACT_VERSION, extract
from extract.ofd import deltas, text_object_chars

TITLE = "自治区科技厅2018年政府信息公开工作年度报告"
INTRO = (
    "本报告由自治区科技厅办公室汇总本单位政府信息公开工作情况编制而成。所列政府信息公开数据"
    "统计期限为2018年1月1日至2018年12月31日。如有疑问或意见建议，可直接与自治区科技厅办公室联系。"
)
ROWS = [
    ["统计指标", "单位", "统计数"],
    ["一、主动公开情况", "——", ""],
    ["（一）主动公开政府信息数", "条", "2427"],
    ["其中：主动公开规范性文件数", "条", "25"],
]


def _report() -> bytes:
    page1 = page_xml([TITLE, INTRO], ROWS, [80, 20, 30])
    page2 = page_xml(["二、依申请公开情况"], [["收到申请数", "件", "13"]], [80, 20, 30])
    return build_ofd([page1, page2], title="科技厅2018年报")


def test_ofd_text_tables_and_pages() -> None:
    result = extract(_report(), media_type="application/ofd", url="http://x/P0201903.ofd")
    assert result.error is None and result.extractor == "ofd-reader"
    assert result.extractor_version.startswith(f"{EXTRACT_VERSION}+ofd-reader-")
    page1, page2 = result.text.split("\f")
    assert page1.split("\n") == [TITLE, INTRO] + ["\t".join(r) for r in ROWS]  # wrap rejoined
    assert page2 == "二、依申请公开情况\n收到申请数\t件\t13"
    assert result.meta["pages"] == 2 and result.meta["tables"] == 2
    assert result.title == "科技厅2018年报"


def test_ofd_sniffed_without_label() -> None:
    result = extract(_report(), media_type="application/octet-stream", url="http://x/dl?id=9")
    assert result.extractor == "ofd-reader" and result.error is None


def test_ofd_without_text_needs_ocr() -> None:
    result = extract(build_ofd([page_xml([], [], [])]), media_type=None, url="http://x/a.ofd")
    assert result.error == "needs_ocr" and result.meta["needs_ocr"] is True


def test_ofd_missing_document_is_corrupt() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        root = "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
        ns = "xmlns:ofd='http://www.ofdspec.org/2016'"
        zf.writestr("OFD.xml", f"<ofd:OFD {ns}><ofd:DocBody>{root}</ofd:DocBody></ofd:OFD>")
    result = extract(buf.getvalue(), media_type=None, url="http://x/a.ofd")
    assert result.error == "corrupt_ofd" and "Doc_0/Document.xml" in result.error_detail


def test_deltax_repeat_and_ctm() -> None:
    assert deltas("g 3 2.5 1") == [2.5, 2.5, 2.5, 1.0]
    obj = etree.fromstring(
        '<TextObject Boundary="10 20 50 5" Size="4" CTM="2 0 0 2 0 0">'
        '<TextCode X="1" Y="3" DeltaX="4">年报</TextCode></TextObject>'
    )
    chars = text_object_chars(obj)
    assert [c.text for c in chars] == ["年", "报"]
    mm = 72 / 25.4
    assert abs(chars[0].x0 - (10 + 2) * mm) < 1e-6 and abs(chars[1].x0 - (10 + 10) * mm) < 1e-6
