"""URL cleaning and trap judgements on plain strings (crawler/urls.py, crawler/traps.py)."""

from __future__ import annotations

from crawler import traps
from crawler.cms import trs
from crawler.urls import clean, clean_url, url_key
from mockportal.sites.chrome import page

BASE = "http://xxgk.example.gov.example"


def test_session_ids_and_tracking_parameters_removed_rest_kept_as_written() -> None:
    url, removed = clean(f"{BASE}/art/2019/3/1/art_1_2.html;jsessionid=0A1B2C?b=2&utm_source=x&a=1")
    assert url == f"{BASE}/art/2019/3/1/art_1_2.html?b=2&a=1"  # order kept: servers care
    assert removed == {"session", "tracking"}
    assert clean_url(f"{BASE}/a.html?spm=a.b.c&from=timeline") == f"{BASE}/a.html"
    assert clean_url(f"{BASE}/list?JSESSIONID=XYZ&page=2") == f"{BASE}/list?page=2"


def test_meaningful_parameters_stay() -> None:
    for url in (
        f"{BASE}/gkmlpt/api/all/2766?page=1&sid=757001",  # gkmlpt's site id is no session
        f"{BASE}/module/xxgk/xxgkAnnualReport.jsp?area=640000&fbtime=2019",
        f"{BASE}/xxgk/nb/",
    ):
        assert clean(url) == (url, set())


def test_url_key_is_canonical() -> None:
    a = url_key(f"{BASE}/a.html?b=2&a=1&utm_medium=share#top")
    assert a == url_key(f"{BASE}/a.html;jsessionid=Q?a=1&b=2") == f"{BASE}/a.html?a=1&b=2"


def test_calendars_recognised() -> None:
    assert traps.is_calendar(f"{BASE}/xxgk/rl.jsp?m=3", "下一月")
    assert traps.is_calendar(f"{BASE}/xxgk/list.jsp?month=2019-03", "三月")
    assert traps.is_calendar(f"{BASE}/xxgk/list.jsp?date=20190305", "5")
    assert traps.is_calendar(f"{BASE}/calendar/2019/03/", "")
    assert not traps.is_calendar(f"{BASE}/xxgk/xxgknb/index_1.html", "下一页")
    assert not traps.is_calendar(f"{BASE}/module/xxgk/xxgkAnnualReport.jsp?fbtime=2019", "2019")


def test_parameter_space_bounded_per_path_pages_aside() -> None:
    space = traps.ParamSpace(3)
    urls = [f"{BASE}/list.jsp?sort={s}&order={o}" for s in "abc" for o in ("asc", "desc")]
    verdicts = [space.exceeded(u) for u in urls]
    assert verdicts == [False, False, False, True, True, True]
    assert not space.exceeded(urls[0])  # a variant already allowed stays allowed
    assert not any(space.exceeded(f"{BASE}/list.jsp?page={n}") for n in range(50))
    assert not space.exceeded(f"{BASE}/other.jsp?sort=a")
    reason = traps.trap_reason(f"{BASE}/list.jsp?sort=z", "按标题", space)
    assert reason == "trap_param_space"


def test_soft_404_by_title_or_short_text() -> None:
    assert traps.is_soft_404(page("页面不存在", "<p>返回首页</p>", column="提示"))
    assert traps.is_soft_404("<html><body><h1>404 Not Found</h1></body></html>")
    report = page(
        "2018年政府信息公开工作年度报告", "<p>" + "一、总体情况。" * 600 + "</p>", column="年报"
    )
    assert not traps.is_soft_404(report)
    # a long report that mentions a missing page in passing is still a report
    assert not traps.is_soft_404(report.replace("总体情况", "页面不存在", 1))


def test_trs_pager_link_past_count_page() -> None:
    text = "var currentPage = 2;var countPage = 3//共多少页"
    count = trs.page_count(text)
    assert count == 3
    here = f"{BASE}/xxgk/xxgknb/index_2.html"
    assert traps.beyond_last_page(here, f"{BASE}/xxgk/xxgknb/index_3.html", count)
    assert not traps.beyond_last_page(here, f"{BASE}/xxgk/xxgknb/index_1.html", count)
    assert not traps.beyond_last_page(here, f"{BASE}/xxgk/other/index_9.html", count)
    assert trs.page_count('createPageHTML(7, 0, "index", "shtml")') == 7
    assert trs.page_count("<html></html>") is None
