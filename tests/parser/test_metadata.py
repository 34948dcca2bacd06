"""Metadata fallbacks: page meta, URL dates, ContentSource, year conflicts."""

from __future__ import annotations

from datetime import date

from parser_testdata import seed_text

from parser import PARSER_NAME, PARSER_VERSION, parse
from parser.metadata import parse_loose_date, signature, url_date

NO_SIGNATURE = (
    "某某县科技局2019年政府信息公开工作年度报告\n\n本报告统计期限为2019年1月1日至2019年12月31日。\n"
)


def test_version_is_semver():
    parts = PARSER_VERSION.split(".")
    assert PARSER_NAME and len(parts) == 3 and all(p.isdigit() for p in parts)


def test_signature_beats_page_meta():
    report = parse(seed_text("000"), meta={"PubDate": "2019-04-01 10:00"})
    assert (report.published, report.published_source) == (date(2019, 3, 27), "signature")


def test_page_meta_then_url():
    report = parse(NO_SIGNATURE, meta={"PubDate": "2020-01-15 09:30:00"},
                   url="http://www.example.org/zfxxgknb/202001/t20200120_1.html")  # fmt: skip
    assert (report.published, report.published_source) == (date(2020, 1, 15), "page_meta")
    report = parse(NO_SIGNATURE, url="http://www.example.org/zfxxgknb/202001/t20200120_1.html")
    assert (report.published, report.published_source) == (date(2020, 1, 20), "url")
    report = parse(NO_SIGNATURE)
    assert (report.published, report.published_source) == (None, None)


def test_url_date_shapes():
    assert url_date("http://www.example.org/art/2020/1/9/art_123_456.html") == date(2020, 1, 9)
    assert url_date("http://www.example.org/xxgk/P020200120123.pdf") == date(2020, 1, 20)
    assert url_date("http://www.example.org/index.html") is None
    assert url_date(None) is None


def test_loose_dates():
    assert parse_loose_date("2019/3/27") == date(2019, 3, 27)
    assert parse_loose_date("2019年03月27日") == date(2019, 3, 27)
    assert parse_loose_date("二〇一九年三月二十七日") == date(2019, 3, 27)
    assert parse_loose_date("2019-02-30") is None


def test_signature_with_chinese_numerals():
    text = "正文。\n\n某某市科学技术局\n\n二〇一九年三月二十七日\n"
    assert signature(text) == (date(2019, 3, 27), "某某市科学技术局")


def test_agency_from_content_source_when_title_has_none():
    report = parse("2019年政府信息公开工作年度报告\n\n正文。\n",
                   meta={"ContentSource": "某某县 科技局"})  # fmt: skip
    assert report.agency == "某某县科技局" and report.year == 2019


def test_title_and_period_years_disagree():
    text = NO_SIGNATURE.replace("2019年1月1日至2019年12月31日", "2018年1月1日至2018年12月31日")
    report = parse(text)
    assert report.year == 2019 and report.period_year == 2018  # a tie: the title wins
    assert report.year_source == "title"
    assert "year_conflict:title=2019,period=2018->2019" in report.warnings


def test_fullwidth_digits_and_spaces_in_title():
    report = parse("某某县科技局　２０２０　年政府信息公开工作年度报告\n\n正文。\n")
    assert (report.agency, report.year) == ("某某县科技局", 2020)


def test_url_date_month_folder_and_plain_path():
    from parser.dates import url_date as url_date_exact

    assert url_date_exact("http://h.example.org/xxgk/2021/2/3/a.html") == (date(2021, 2, 3), True)
    assert url_date_exact("http://h.example.org/zfxxgknb/202102/a.html") == (
        date(2021, 2, 1),
        False,
    )
    report = parse(NO_SIGNATURE, url="http://www.example.org/zfxxgknb/202001/index_3.html")
    assert (report.published, report.published_source) == (date(2020, 1, 1), "url")
    assert any("only the month" in w for w in report.warnings)


def test_year_vote_signature_breaks_a_tie():
    text = NO_SIGNATURE.replace("2019年1月1日至2019年12月31日", "2018年1月1日至2018年12月31日")
    report = parse(text + "\n某某县科学技术局\n\n2019年2月10日\n")
    assert (report.year, report.year_source) == (2018, "period+signature")
    assert "year_conflict:title=2019,period=2018,signature=2018->2018" in report.warnings


def test_late_signature_does_not_vote():
    report = parse(NO_SIGNATURE + "\n某某县科学技术局\n\n2020年9月1日\n")
    assert (report.year, report.year_source, report.warnings) == (2019, "title+period", ())
    assert report.period == (date(2019, 1, 1), date(2019, 12, 31))


def test_agency_normalized_and_area():
    from parser.agency import normalize_agency

    assert normalize_agency("隆德县科技局", [], "") == ("隆德县科学技术局", "隆德县")
    text = "根据《宁夏回族自治区实施办法》规定……"
    assert normalize_agency("自治区科技厅", [], text) == (
        "宁夏回族自治区科学技术厅",
        "宁夏回族自治区",
    )
    assert normalize_agency("县科技局", ["某某县科学技术局"], "") == ("某某县科学技术局", "某某县")
    assert normalize_agency("市科技局", [], "") == ("市科学技术局", None)  # not guessed
    assert normalize_agency("淮安市洪泽区人民政府", [], "") == (
        "淮安市洪泽区人民政府",
        "淮安市洪泽区",
    )
    assert normalize_agency("某某县政府", [], "") == ("某某县人民政府", "某某县")
    assert normalize_agency("市场监管局", [], "") == ("市场监督管理局", None)
    assert normalize_agency("科技局", ["攀枝花市科学技术局"], "") == (
        "攀枝花市科学技术局",
        "攀枝花市",
    )


def test_agency_from_content_source_is_normalized():
    report = parse(
        "2019年政府信息公开工作年度报告\n\n正文。\n", meta={"ContentSource": "某某县科技局"}
    )
    assert (report.agency_normalized, report.area) == ("某某县科学技术局", "某某县")


def test_sections_skip_table_rows_and_list_items():
    text = (
        "某县2020年政府信息公开工作年度报告\n一、总体情况\n一是加强领导。\n"
        "二、主动公开政府信息情况\n第二十条第（一）项\n本年制发件数 本年废止件数 现行有效件数\n"
        "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量  1  0  1\n"
        "四、结转下年度继续办理  0  0  0\n四、政府信息公开行政复议、行政诉讼情况\n略\n"
        "五、存在的主要问题及改进情况\n略\n六、其他需要报告的事项\n无。\n某县人民政府\n2021年1月20日\n"
    )
    report = parse(text)
    assert list(report.to_dict()["sections"]) == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert report.to_dict()["sections"]["六、其他需要报告的事项"] == "无。"
    assert report.to_dict()["sections"]["一、总体情况"] == "一是加强领导。"
