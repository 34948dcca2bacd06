"""Hanweb JCMS knowledge: datastore records, the dataproxy POST, annual-report pages."""

from __future__ import annotations

from pathlib import Path

from crawler.cms import hanweb

SAMPLES = Path(__file__).parents[1] / "fixtures" / "samples"
ARTICLE = "http://fgw.zj.gov.example/art/2016/11/22/art_1621004_30332664.html"
COLUMN = "http://www.nx.gov.example/col/col1001/index.html"
PAGE = (
    '<div id="4711"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="'
    "/module/web/jpage/dataproxy.jsp?page=1&webid=64&path=/&columnid=1001&unitid=4711"
    '&webname=%E7%A4%BA%E4%BE%8B&permissiontype=0"></a>]]></nextgroup><recordset>'
    '<record><![CDATA[<li><a href="/art/2020/1/20/art_1001_1.html" title="t">'
    "某县2019年政府信息公开工作年度报告</a></li>]]></record>"
    '<record><![CDATA[<li><a href="/art/2020/3/1/art_1001_2.html">2020年政府工作报告</a></li>]]>'
    "</record></recordset></datastore></script></div>"
    "<script>$('#4711').jpage({ perPage: 15, totalRecord: 100 });</script>"
    '<a href="/module/xxgk/xxgkAnnualReport.jsp?area=640000&amp;fbtime=2021">2021年度</a>'
)


def test_real_article_recognised_without_inventing_leads() -> None:
    text = (SAMPLES / "hanweb_article.html").read_text(encoding="utf-8")
    assert hanweb.matches(ARTICLE, text)  # /col/col… navigation of a Hanweb site
    assert hanweb.leads(ARTICLE, text) == []  # no datastore, no annual-report module link


def test_datastore_records_with_titles() -> None:
    records = [lead for lead in hanweb.leads(COLUMN, PAGE) if not lead.pager]
    assert [(r.url, r.anchor) for r in records] == [
        (
            "http://www.nx.gov.example/art/2020/1/20/art_1001_1.html",
            "某县2019年政府信息公开工作年度报告",
        ),
        ("http://www.nx.gov.example/art/2020/3/1/art_1001_2.html", "2020年政府工作报告"),
    ]


def test_first_dataproxy_window_posts_the_pages_form() -> None:
    (post,) = [lead for lead in hanweb.leads(COLUMN, PAGE) if lead.method == "POST"]
    assert post.url == (
        "http://www.nx.gov.example/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=47&perpage=15"
    )
    assert dict(post.formdata) == {
        "col": "1",
        "appid": "1",
        "webid": "64",
        "path": "/",
        "columnid": "1001",
        "sourceContentType": "1",
        "unitid": "4711",
        "webname": "示例",
        "permissiontype": "0",
    }
    assert post.pager and post.answer_by == "hanweb"


def test_annual_report_module_link_followed_as_a_list() -> None:
    annual = [lead for lead in hanweb.leads(COLUMN, PAGE) if "xxgkAnnualReport" in lead.url]
    assert [(a.url, a.pager) for a in annual] == [
        ("http://www.nx.gov.example/module/xxgk/xxgkAnnualReport.jsp?area=640000&fbtime=2021", True)
    ]


def test_answer_records_and_the_next_window_until_the_total() -> None:
    record = (
        '<record><![CDATA[<li><a href="/art/2021/1/1/art_1001_{n}.html">r{n}</a></li>]]></record>'
    )
    answer = (
        "<datastore><recordset>"
        + "".join(record.format(n=n) for n in range(3))
        + "</recordset><totalrecord>7</totalrecord></datastore>"
    )
    url = "http://h/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=3&perpage=1"
    leads = hanweb.read_answer(url, answer, {"columnid": "1"})
    assert [lead.anchor for lead in leads[:3]] == ["r0", "r1", "r2"]
    assert leads[3].url.endswith("startrecord=4&endrecord=6&perpage=1")
    last = url.replace("startrecord=1&endrecord=3", "startrecord=7&endrecord=9")
    assert all(not lead.pager for lead in hanweb.read_answer(last, answer, {"columnid": "1"}))


def test_no_form_without_unit_id() -> None:
    assert hanweb.form_fields(COLUMN, "<datastore></datastore>") is None
