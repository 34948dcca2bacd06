"""HTML extraction on the real portal samples and on a report page with a merged-cell table."""

from __future__ import annotations

from extract_testdata import SAMPLES

from extract import extract
from extract.html import extract_html


def _sample(name: str, url: str):
    return extract((SAMPLES / name).read_bytes(), media_type="text/html", url=url)


def test_trs_article_text_and_meta() -> None:
    result = _sample("trs_article_createPageHTML.html",
                     "http://sx.example.org/yw/201909/t20190918_693227.shtml")  # fmt: skip
    assert result.error is None
    assert result.extractor == "trafilatura"
    assert (
        result.extractor_version.startswith("1.") and "+trafilatura-2." in result.extractor_version
    )
    text = result.text
    assert "当地时间9月16日下午，2019年山西品牌丝路行（南美站）活动在巴西圣保罗正式启动" in text
    assert (
        "山西品牌丝路行主题为“走丝绸之路，促合作共赢”。南美站活动将先后在巴西、乌拉圭、阿根廷举行。"
        in text
    )
    assert "createPageHTML" not in text and "document.write" not in text
    assert result.title == "山西品牌丝路行（南美站）正式启动 - 山西省人民政府门户网站"
    assert result.meta["ArticleTitle"] == "山西品牌丝路行（南美站）正式启动"
    assert result.meta["PubDate"] == "2019-09-18 06:23"
    assert result.meta["ContentSource"] == "山西日报"
    assert result.meta["SiteIDCode"] == "1400000045"
    assert result.meta["ColumnName"] == "山西要闻"
    assert result.charset == "utf-8"


def test_hanweb_article_text_and_meta() -> None:
    result = _sample("hanweb_article.html",
                     "http://zj.example.org/art/2016/11/22/art_1621004_30332664.html")  # fmt: skip
    assert result.error is None
    assert "1-10月，全县固定资产投资完成246.79亿元，完成年度计划82.3%" in result.text
    assert "项目投资完成220.53亿元，占全部投资的89.4%，位列三县两区第二" in result.text
    assert "分享到" not in result.text
    assert result.title == "1-10月德清县固定资产投资结构趋稳趋优"
    assert result.meta["ContentSource"] == "省发改委"  # <meta name="contentSource">
    assert result.meta["SiteName"] == "浙江省发展和改革委员会"
    assert result.meta["PubDate"] == "2016-11-22 09:53"
    assert "SiteIDCode" not in result.meta  # present but empty on the page


def test_report_table_rows_keep_their_cells(report_page: str, stat_rows: list[list[str]]) -> None:
    result = extract(report_page.encode("utf-8"), media_type="text/html",
                     url="http://nx.example.org/xxgk/zfxxgknb/201903/t20190327_1.html")  # fmt: skip
    assert result.error is None
    lines = result.text.split("\n")
    assert "统计指标\t单位\t统计数" in lines
    assert "（一）主动公开政府信息数 （不同渠道和方式公开相同信息计 1 条）\t条\t2427" in lines
    assert "一、主动公开情况\t——\t" in lines  # colspan=2: the covered slot is an empty field
    assert "其中：涉及国家秘密\t件\t0" in lines
    assert "涉及商业秘密\t\t0" in lines  # under a rowspan=3 unit cell
    assert "涉及个人隐私\t\t0" in lines
    assert "七、依申请公开信息收取的费用\t万元\t0" in lines
    table = [ln for ln in lines if "\t" in ln]
    assert len(table) == len(stat_rows)
    assert all(ln.count("\t") == 2 for ln in table)
    assert "首页" not in result.text and "网站标识码" not in result.text


def test_report_paragraphs_precede_table(report_page: str, seed_paragraphs: list[str]) -> None:
    result = extract_html(
        report_page.encode("utf-8"), url="http://x.example.org/", declared_charset=None
    )
    lines = result.text.split("\n")
    assert lines[0] == seed_paragraphs[0]
    assert lines.index("附件：自治区科技厅 2018 年度政府信息公开情况统计表") < lines.index(
        "统计指标\t单位\t统计数"
    )


def test_one_big_layout_table_page_falls_back(stat_rows: list[list[str]]) -> None:
    """A page laid out with tables, report table nested inside: no CMS container to find."""
    data = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in stat_rows[:12]
    )
    page = (
        "<html><head><title>年报</title></head><body><table width='100%'><tr>"
        "<td><a href='/'>首页</a> <a href='/a'>信息公开</a></td></tr><tr><td>"
        "<p>宁夏回族自治区科学技术厅2018年政府信息公开工作年度报告统计表如下。</p>"
        f"<table border='1'>{data}</table></td></tr></table></body></html>"
    )
    result = extract(page.encode("utf-8"), media_type="text/html", url="http://x.example.org/")
    assert result.error is None
    assert "统计指标\t单位\t统计数" in result.text.split("\n")
    assert "其中：主动公开规范性文件数\t条\t25" in result.text.split("\n")


def test_empty_and_script_only_pages_do_not_fail() -> None:
    for body in (b"", b"<html><head><script>var a=1;</script></head><body></body></html>"):
        result = extract(body, media_type="text/html", url="http://x.example.org/")
        assert result.error is None and result.text == ""


def test_content_node_used_when_trafilatura_drops_the_table(monkeypatch, report_page: str) -> None:
    import extract.html as html_mod

    monkeypatch.setattr(html_mod, "run_trafilatura", lambda text, url: (["只有一段文字"], 0))
    result = extract(
        report_page.encode("utf-8"), media_type="text/html", url="http://x.example.org/"
    )
    assert result.meta["html_method"] == "content-node:div.TRS_Editor"
    lines = result.text.split("\n")
    assert "涉及商业秘密\t\t0" in lines and "一、主动公开情况\t——\t" in lines
    assert "首页 > 信息公开" not in result.text


def test_largest_block_when_no_container_and_no_trafilatura(monkeypatch, stat_rows) -> None:
    import extract.html as html_mod

    monkeypatch.setattr(html_mod, "run_trafilatura", lambda text, url: None)
    rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in stat_rows)
    nav = "".join(f"<li><a href='/c{i}'>栏目{i}</a></li>" for i in range(30))
    page = (
        f"<html><body><ul class='menu'>{nav}</ul><div class='main'><div class='wrap'>"
        f"<h2>年度报告</h2><p>本报告由办公室编制。</p><table>{rows}</table></div></div>"
        "<div class='foot'>版权所有</div></body></html>"
    )
    result = extract(page.encode("utf-8"), media_type="text/html", url="http://x.example.org/")
    assert result.meta["html_method"] == "largest-block"
    assert result.text.split("\n")[:3] == [
        "年度报告",
        "本报告由办公室编制。",
        "统计指标\t单位\t统计数",
    ]
    assert "栏目1" not in result.text and "版权所有" not in result.text
