"""Lean link extraction on the real TRS list page and on the places links hide."""

from __future__ import annotations

from pathlib import Path

from crawler.links import extract_links
from crawler.relevance import classify

SAMPLES = Path(__file__).parents[1] / "fixtures" / "samples"
BASE = "http://www.example.gov.example/xxgk/xxgknb/index.html"


def test_trs_list_page_yields_its_report_articles() -> None:
    body = (SAMPLES / "trs_list_xxgknb.html").read_text(encoding="utf-8")
    links = dict(extract_links(body, BASE))
    reports = sorted(
        u for u, a in links.items() if classify(a, u, on_report_page=False).kind == "report"
    )
    assert reports == [
        "http://www.example.gov.example/xxgk/xxgknb/201905/t20190530_2380967.html",
        "http://www.example.gov.example/xxgk/xxgknb/201905/t20190530_2380968.html",
        "http://www.example.gov.example/xxgk/xxgknb/202003/t20200311_2593126.html",
        "http://www.example.gov.example/xxgk/xxgknb/202009/t20200903_2748784.html",
    ]
    assert links["http://www.example.gov.example/xxgk/xxgknb/202009/t20200903_2748784.html"] == (
        "鄂尔多斯市2019年政府信息公开工作年度报告"
    )
    assert "http://www.example.gov.example/xxgk/xxgknb/index_1.html" in links


def test_links_hidden_in_iframes_onclick_embed_and_meta_refresh() -> None:
    page = """<html><head><meta http-equiv="Refresh" content="0; url=../next/index.html">
    <base href="http://h.gov.example/xxgk/nb/"></head><body>
    <iframe src="viewer.html?file=P0201903.pdf"></iframe>
    <embed src="/upload/2019/年报.pdf">
    <span onclick="window.open('t20190327_1.html')">2018年年度报告</span>
    <a href="javascript:void(0)" onclick="location.href='./t20190328_2.html'">报告</a>
    <a href="mailto:x@y.cn">邮件</a><a href="#top">顶部</a></body></html>"""
    urls = {u for u, _ in extract_links(page, "http://ignored/")}
    assert "http://h.gov.example/xxgk/nb/viewer.html?file=P0201903.pdf" in urls
    assert "http://h.gov.example/upload/2019/年报.pdf" in urls
    assert "http://h.gov.example/xxgk/nb/t20190328_2.html" in urls
    assert "http://h.gov.example/xxgk/next/index.html" in urls
    assert not any(u.startswith(("mailto:", "javascript:")) for u in urls)


def test_broken_html_yields_nothing_rather_than_failing() -> None:
    assert list(extract_links("", BASE)) == []
    assert list(extract_links("\x00\x01", BASE)) == []
