"""PDF extraction on the real 洪泽区 2023 report (5 pages, three 2021-format tables).

Expected values were read off the rendered pages (pdftoppm) and pdftotext -layout.
"""

from __future__ import annotations

import pytest
from extract_testdata import HONGZE_PDF

from extract import extract
from extract.pdf import decode_info_bytes


@pytest.fixture(scope="module")
def hongze():
    return extract(HONGZE_PDF.read_bytes(), media_type="application/pdf",
                   url="http://www.example.org/2023nb.pdf")  # fmt: skip


@pytest.fixture(scope="module")
def rows(hongze) -> dict[str, list[str]]:
    """Table lines keyed by each of their non-numeric fields (row and column labels)."""
    out: dict[str, list[str]] = {}
    for line in hongze.text.replace("\f", "\n").split("\n"):
        fields = line.split("\t")
        if "\t" in line:
            for label in [f for f in fields if f and not f.isdigit()] or fields[:1]:
                out.setdefault(label, fields)
    return out


def test_pages_and_title(hongze) -> None:
    assert hongze.error is None
    assert hongze.extractor == "pdfminer"
    assert "+pdfminer.six-" in hongze.extractor_version
    assert hongze.text.count("\f") == 4  # 5 pages, a form feed between pages
    assert hongze.meta["pages"] == 5
    assert hongze.title == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert hongze.text.startswith("洪泽区人民政府\n2023 年政府信息公开工作年度报告\n")


def test_reading_order_and_page_breaks(hongze) -> None:
    pages = hongze.text.split("\f")
    assert "一、总体情况" in pages[0]
    assert pages[1].index("二、主动公开政府信息情况") < pages[1].index("第二十条第（一）项")
    assert "三、收到和处理政府信息公开申请情况" in pages[2]
    assert pages[3].index("四、政府信息公开行政复议、行政诉讼情况") < pages[3].index(
        "五、存在的主要问题及改进情况"
    )
    assert "六、其他需要报告的事项" in pages[4]
    assert "- 3 -" not in hongze.text  # page numbers dropped


def test_wrapped_paragraph_is_one_line(hongze) -> None:
    lines = hongze.text.split("\n")
    contact = next(ln for ln in lines if ln.startswith("本报告由淮安市洪泽区人民政府办公室"))
    assert "统计期限自" in contact and "电子邮箱：hzzwgk@126.com）。" in contact
    assert "邮编：223100，电话：0517-87222589" in contact


def test_article_20_tables(rows) -> None:
    assert rows["信息内容"][:4] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    assert rows["规章"] == ["规章", "0", "0", "0"]
    assert rows["行政规范性文件"] == ["行政规范性文件", "0", "5", "5"]
    assert rows["行政许可"][:2] == ["行政许可", "550"]
    assert rows["行政处罚"] == ["行政处罚", "4119"]
    assert rows["行政强制"] == ["行政强制", "195"]
    assert rows["行政事业性收费"] == ["行政事业性收费", "7730.28"]


def test_application_table_rows_keep_label_and_numbers_together(rows) -> None:
    def numbers(label: str) -> list[str]:
        return [f for f in rows[label] if f][-7:]

    assert numbers("一、本年新收政府信息公开申请数量") == ["21", "0", "0", "0", "0", "0", "21"]
    assert numbers("二、上年结转政府信息公开申请数量") == ["0"] * 7
    assert numbers("1.属于国家秘密") == ["1", "0", "0", "0", "0", "0", "1"]
    assert numbers("1.本机关不掌握相关政府信息") == ["10", "0", "0", "0", "0", "0", "10"]
    assert numbers("2.没有现成信息需要另行制作") == ["3", "0", "0", "0", "0", "0", "3"]
    assert numbers("1.信访举报投诉类申请") == ["1", "0", "0", "0", "0", "0", "1"]
    assert numbers("（七）总计") == ["21", "0", "0", "0", "0", "0", "21"]
    assert numbers("四、结转下年度继续办理") == ["0"] * 7
    # the merged row label 三、本年度办理结果 (vertical text) is read top-down, once
    assert rows["三、本年度办理结果"][1] == "（一）予以公开"
    # a wrapped cell stays one field
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in rows


def test_application_table_has_a_fixed_grid(hongze) -> None:
    lines = hongze.text.replace("\f", "\n").split("\n")
    start = lines.index(next(ln for ln in lines if ln.startswith("（本列数据的勾稽关系")))
    end = lines.index(next(ln for ln in lines if ln.startswith("四、结转下年度继续办理")))
    widths = {ln.count("\t") for ln in lines[start : end + 1]}
    assert widths == {9}  # 3 label columns + 7 applicant columns, on both pages


def test_review_litigation_table(rows) -> None:
    assert rows["10"] == [
        "10",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "5",
        "0",
        "0",
        "0",
        "0",
    ]
    assert rows["行政复议"][0] == "行政复议" and "行政诉讼" in rows["行政复议"]


def test_truncated_pdf_is_corrupt() -> None:
    body = HONGZE_PDF.read_bytes()
    result = extract(body[: len(body) // 2], media_type="application/pdf", url="http://x/a.pdf")
    assert result.error == "corrupt_pdf"
    assert result.text is None and result.error_detail


def test_garbage_labelled_pdf_is_corrupt() -> None:
    result = extract(b"<html>not found</html>", media_type="application/pdf", url="http://x/a.pdf")
    assert result.error in {"corrupt_pdf", None}  # magic says HTML: extracted as HTML
    result = extract(b"%PDF-1.7\n1 0 obj <<", media_type="application/pdf", url="http://x/a.pdf")
    assert result.error == "corrupt_pdf"


def test_image_only_pdf_needs_ocr(image_only_pdf: bytes) -> None:
    result = extract(image_only_pdf, media_type="application/pdf", url="http://x/scan.pdf")
    assert result.error == "needs_ocr"
    assert not result.text
    assert result.meta["needs_ocr"] is True and result.meta["pages"] == 1
    assert result.meta["ocr_pages"] == [1]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xff\xfe" + "洪泽区".encode("utf-16-le"), "洪泽区"),
        (b"\xfe\xff" + "洪泽区".encode("utf-16-be"), "洪泽区"),
        ("洪泽区".encode("gbk"), "洪泽区"),
        (b"Annual report", "Annual report"),
    ],
)
def test_document_info_strings(raw: bytes, expected: str) -> None:
    assert decode_info_bytes(raw) == expected
