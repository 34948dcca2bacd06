"""Link classification on anchors and URLs as real portals print them."""

from __future__ import annotations

import pytest

from crawler.relevance import classify, is_attachment

BASE = "http://www.example.gov.example/xxgk/zfxxgknb/"


@pytest.mark.parametrize(
    ("anchor", "url", "kind"),
    [
        ("鄂尔多斯市2019年政府信息公开工作年度报告", f"{BASE}202009/t20200903_1.html", "report"),
        ("自治区科技厅 2018 年政府信息公开工作 年度报告", f"{BASE}201903/t1.html", "report"),
        ("2018年政府信息公开年报", "http://x.gov.example/a/b.html", "report"),
        ("政府信息公开年报", BASE, "list"),  # the column, not a report: no year
        ("下一页", f"{BASE}index_1.html", "list"),
        ("2", f"{BASE}index_2.html", "list"),
        ("2018年法治政府建设年度报告", f"{BASE}t20190301_8.html", "drop"),
        ("2019年政府工作报告", "http://x.gov.example/zfgzbg/t1.html", "drop"),
        ("2019年部门预算公开", "http://x.gov.example/czyjs/t20190101_1.html", "drop"),
        ("2018年国民经济和社会发展统计公报", "http://x.gov.example/tjgb/t1.html", "drop"),
        ("关于召开全县政府信息公开工作会议的通知", f"{BASE}t20190110_5.html", "drop"),
        ("一图读懂示范区2017年重点工作", f"{BASE}201805/t20180525_2166460.html", "drop"),
        ("新闻动态", "http://x.gov.example/news/", "drop"),
        # more wordings and column slugs seen on portals
        ("2021年度政府信息公开工作报告", "http://x.example/xxgk/ndbg/t20220125_2.html", "report"),
        ("2019年度报告", "http://x.gov.example/xxgk/nb/t20200120_1.html", "report"),  # 年报 column
        ("2019年度报告", "http://x.example/xxgk/tzgg/t20200120_1.html", "drop"),  # no 年报 column
        ("年报", "http://x.gov.example/xxgk/nb/", "list"),
        ("第2页", f"{BASE}index_2.html", "list"),
        ("3", f"{BASE}index.html?page=3", "list"),
        ("2020年度法治政府建设情况报告", f"{BASE}t20210301_1.html", "drop"),
        ("2022年部门决算", "http://x.gov.example/xxgk/czzj/t3.html", "drop"),
        ("2020年统计公报", "http://x.gov.example/tjxx/t6.html", "drop"),
        ("关于做好2022年政府信息公开工作年度报告编制发布工作的通知", f"{BASE}t7.html", "drop"),
        ("《2021年政府信息公开工作年度报告》解读", f"{BASE}t8.html", "drop"),
        ("2019年政务公开工作要点", "http://x.gov.example/xxgk/t9.html", "drop"),
    ],
)
def test_pages(anchor: str, url: str, kind: str) -> None:
    assert classify(anchor, url, on_report_page=False).kind == kind


def test_attachments_of_a_report_page_are_kept_whatever_their_name() -> None:
    decision = classify(
        "附件1.pdf", f"{BASE}201902/P020190222512345678901.pdf", on_report_page=True
    )
    assert decision.kind == "attachment"


def test_attachments_elsewhere_need_a_report_name() -> None:
    assert (
        classify("2018年政府信息公开工作年度报告.doc", f"{BASE}W1.doc", on_report_page=False).kind
        == "attachment"
    )
    assert classify("报名表.xls", "http://x.example/W2.xls", on_report_page=False).kind == "drop"


@pytest.mark.parametrize(
    "url",
    [
        "http://x.gov.example/a/P020190222.pdf",
        "http://x.gov.example/a/%E5%B9%B4%E6%8A%A5.DOCX",
        "http://x.gov.example/pdfjs/web/viewer.html?file=/upload/2019/nb.pdf",
        "http://x.gov.example/a/b.wps",
        "http://x.gov.example/a/b.ofd",
    ],
)
def test_attachment_urls(url: str) -> None:
    assert is_attachment(url)


def test_report_links_outrank_other_sections() -> None:
    report = classify("2018年政府信息公开工作年度报告", f"{BASE}t1.html", on_report_page=False)
    column = classify("信息公开年报", BASE, on_report_page=False)
    section = classify("人事信息", "http://x.gov.example/xxgk/rsxx/", on_report_page=False)
    assert report.priority > column.priority > section.priority
