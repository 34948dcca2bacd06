"""Charset detection on GBK/UTF-8 pages built from real report text."""

from __future__ import annotations

import codecs

import pytest
from extract_testdata import GBK_ONLY_LINE, page_html

from extract import decode_html, detect_charset, extract
from extract.charset import decode_counted, majority_charset, normalize_charset

TITLE = "自治区科技厅2018年政府信息公开工作年度报告"


def _page(paragraphs: list[str], meta: str | None) -> str:
    return page_html(TITLE, [*paragraphs, GBK_ONLY_LINE], meta)


def test_fixture_really_needs_gbk() -> None:
    with pytest.raises(UnicodeEncodeError):
        GBK_ONLY_LINE.encode("gb2312")
    GBK_ONLY_LINE.encode("gbk")


def test_gbk_page_labelled_gb2312_decodes_as_gb18030(seed_paragraphs: list[str]) -> None:
    body = _page(seed_paragraphs, "gb2312").encode("gbk")
    assert detect_charset(body) == "gb18030"
    assert detect_charset(body, "GB2312") == "gb18030"
    result = extract(body, media_type="text/html", url="http://kjt.nx.gov.example/a.htm",
                     headers={"Content-Type": "text/html; charset=gb2312"})  # fmt: skip
    assert result.error is None and result.charset == "gb18030"
    assert "李喆" in result.text and "张镕" in result.text
    assert seed_paragraphs[0] in result.text
    assert "charset_errors" not in result.meta


def test_gbk_page_without_any_declaration(seed_paragraphs: list[str]) -> None:
    body = _page(seed_paragraphs, None).encode("gbk")
    assert detect_charset(body) == "gb18030"
    text, charset = decode_html(body)
    assert charset == "gb18030"
    assert "李喆" in text


@pytest.mark.parametrize("label", ["utf-8", "iso-8859-1", "windows-1252", "latin1"])
def test_gbk_page_mislabelled(seed_paragraphs: list[str], label: str) -> None:
    body = _page(seed_paragraphs, label).encode("gbk")
    assert detect_charset(body, label) == "gb18030"
    result = extract(body, media_type="text/html", url="http://x.gov.example/",
                     headers={"content-type": f"text/html;charset={label}"})  # fmt: skip
    assert result.charset == "gb18030"
    assert seed_paragraphs[1] in result.text


def test_utf8_page(seed_paragraphs: list[str]) -> None:
    body = _page(seed_paragraphs, "utf-8").encode("utf-8")
    assert detect_charset(body) == "utf-8"
    assert detect_charset(body, "gb2312") == "utf-8"  # valid UTF-8 beats a GB label
    assert detect_charset(_page(seed_paragraphs, None).encode("utf-8")) == "utf-8"
    assert detect_charset(codecs.BOM_UTF8 + body, "gbk") == "utf-8"
    text, charset = decode_html(codecs.BOM_UTF8 + body)
    assert charset == "utf-8" and not text.startswith("\ufeff")


def test_ascii_page_with_latin1_label_is_not_latin1() -> None:
    assert detect_charset(b"<html><body>hello</body></html>", "iso-8859-1") == "utf-8"


def test_mixed_utf8_and_gbk_bytes_replace_and_report(seed_paragraphs: list[str]) -> None:
    page = _page(seed_paragraphs, "utf-8")
    body = page.encode("utf-8").replace(b"</body>", GBK_ONLY_LINE.encode("gbk") + b"</body>")
    result = extract(body, media_type="text/html", url="http://x.gov.example/")
    assert result.error is None and result.charset == "utf-8"
    assert result.meta["charset_errors"] > 0
    assert seed_paragraphs[0] in result.text
    assert majority_charset(body) == "utf-8"
    text, charset, bad = decode_counted(body)
    assert charset == "utf-8" and 0 < bad <= len(GBK_ONLY_LINE.encode("gbk"))
    assert text.count("李喆") == 1 and seed_paragraphs[-1] in text  # the UTF-8 copy only


def test_mostly_utf8_with_gbk_fragment_even_when_gb18030_decodes() -> None:
    """UTF-8 bytes of 正文内容 happen to be valid gb18030: the majority must still win."""
    body = ("<p>正文内容</p>" * 50).encode("utf-8") + GBK_ONLY_LINE.encode("gbk")
    body.decode("gb18030")  # the trap: strict gb18030 accepts these bytes
    for declared in (None, "gb2312"):
        text, charset, bad = decode_counted(body, declared)
        assert charset == "utf-8" and bad > 0
        assert text.startswith("<p>正文内容</p>")


@pytest.mark.parametrize(
    ("label", "expected"),
    [("gb2312", "gb18030"), ("GBK", "gb18030"), ("gb_2312-80", "gb18030"), ("x-gbk", "gb18030"),
     ("cp936", "gb18030"), ("UTF8", "utf-8"), ("no-such-charset", None), (None, None)],
)  # fmt: skip
def test_normalize_charset(label: str | None, expected: str | None) -> None:
    assert normalize_charset(label) == expected
