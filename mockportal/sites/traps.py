"""A TRS county portal full of crawler traps, each guarding one of the five seed reports.

Built like the real ones (DOMAIN.md): a 信息公开年报 list paged by script only, with
the traps real portals set by accident:

* links carrying ``;jsessionid=`` and share/tracking parameters (``utm_*``, ``spm``,
  ``from=``), which the server ignores, so every variant is the same page;
* a 信息公开日历 (calendar) with endless 上一月 / 下一月 links;
* a 公开目录 whose sort and filter links keep appending parameters (an endless space);
* the same report posted twice (年报 column and 公开目录, identical bytes);
* a report link answering 200 with 页面不存在 (a soft 404);
* a report reached through 301 → 302, and a link caught in a redirect loop;
* a pager whose last page links 下一页 past ``countPage``, where every index_N.html
  answers an empty page that meta-refreshes back to index.html;
* a report PDF answering 503 twice before it serves the file;
* robots.txt disallowing the search, print and preview folders, all linked.
"""

from __future__ import annotations

import html
import itertools
import re
import threading
from urllib.parse import parse_qsl, urlencode, urlsplit

from mockportal.server import Page, Site
from mockportal.sites.chrome import link_list, page
from mockportal.sites.published import COLUMN, LOOKALIKES, add_lookalike, add_report, asset_name
from mockportal.sites.seeds import REPORTS
from mockportal.sites.trs import pager_script

ROBOTS = "User-agent: *\nDisallow: /admin/\nDisallow: /search/\nDisallow: /xxgk/print/\n" + (
    "Disallow: /xxgk/xxgknb/preview/\n"
)
LIST = "/xxgk/xxgknb/"
PAGES = 3
SESSION = ";jsessionid=0A1B2C3D4E5F60718293A4B5C6D7E8F9"
TRACKING = "?utm_source=wechat&utm_medium=share&from=timeline&spm=a2c4g.11186623.0.0"
ARTICLES = {
    "000": "201903/t20190327_2748101.html",
    "001": "202001/t20200120_2748102.html",
    "002": "201802/t20180226_2748103.html",
    "003": "201902/t20190222_2748104.html",
    "004": "201903/t20190315_2748106.html",
}
REDIRECT_FIRST = f"{LIST}old/2017nb.html"  # 301 → REDIRECT_SECOND, 302 → seed 002
REDIRECT_SECOND = f"{LIST}mid/2017nb.html"
LOOP = f"{LIST}2015/nb.html"  # 302 → LOOP?r=1, 302 → LOOP
SOFT_404 = f"{LIST}201703/t20170320_2748110.html"
DUPLICATE = "/xxgk/gkml/201903/t20190315_9.html"  # seed 004's page again, same bytes
CATALOG = "/xxgk/gkml/list.jsp"
CALENDAR = "/xxgk/calendar.jsp"
FLAKY_FAILURES = 2
LOOKALIKE_PATHS = (f"{LIST}201903/t20190301_2748107.html", "/xxgk/gkml/201903/t20190301_8.html")
PREVIEW = f"{LIST}preview/"
DISALLOWED = ("/admin/", "/search/", "/xxgk/print/", PREVIEW)


def traps_site() -> Site:
    site = Site()
    site.add("/robots.txt", ROBOTS, "text/plain")
    by_seed = {r.seed: r for r in REPORTS}
    _home(site)
    _reports(site, by_seed)
    _list(site, by_seed)
    _redirects(site, by_seed)
    site.add(SOFT_404, _soft_404())
    for path, title in zip(LOOKALIKE_PATHS, LOOKALIKES, strict=False):
        add_lookalike(site, path, title)
    site.routes += [_without_session_or_tracking(site), _catalog, _calendar, _past_last_page]
    site.routes.insert(0, _flaky(site, f"{LIST}201902/{asset_name(by_seed['003'])}"))
    return site


def _home(site: Site) -> None:
    home = link_list(
        [
            (f"/xxgk/{SESSION}", "政务公开", ""),
            ("/xwzx/", "新闻中心", ""),
            ("/search/?q=%E5%B9%B4%E6%8A%A5", "站内搜索：政府信息公开年报", ""),
        ]
    )
    site.add("/", page("首页", home, column="首页"))
    section = link_list(
        [
            (f"{LIST}index.html?spm=zfxxgk.0.0&utm_source=xxgk", COLUMN, ""),
            (f"{CATALOG}?sort=pubdate&order=desc", "政府信息公开目录", ""),
            (f"{CALENDAR}?month=2019-03", "信息公开日历", ""),
            ("/xxgk/print/index.html", "政务公开（打印版）", ""),
        ]
    )
    site.add("/xxgk/", page("政务公开", section, column="政务公开"))


def _reports(site: Site, by_seed: dict) -> None:
    for seed, rel in ARTICLES.items():
        report = by_seed[seed]
        folder = rel.rsplit("/", 1)[0]
        attachment = f"{LIST}{folder}/{asset_name(report)}" if seed in ("003", "004") else ""
        add_report(site, report, LIST + rel, attachment)
    site.pages[DUPLICATE] = site.pages[LIST + ARTICLES["004"]]


def _list(site: Site, by_seed: dict) -> None:
    def row(seed: str, href: str) -> tuple[str, str, str]:
        return href, by_seed[seed].title, by_seed[seed].pub_date

    pdf = f"{LIST}201902/{asset_name(by_seed['003'])}"
    layout = (
        [
            row("000", f"./{ARTICLES['000']}{SESSION}"),
            row("001", f"./{ARTICLES['001']}{TRACKING}"),
            (f"./{LOOKALIKE_PATHS[0].rsplit(LIST, 1)[1]}", LOOKALIKES[0], "2019-03-01"),
        ],
        [
            row("002", REDIRECT_FIRST),
            row("003", f"./{ARTICLES['003']}"),
            (f"{PREVIEW}?file={pdf}", f"{by_seed['003'].title}（在线预览）", ""),
            ("./201703/t20170320_2748110.html", "2016年政府信息公开工作年度报告", "2017-03-20"),
        ],
        [
            row("004", f"./{ARTICLES['004']}"),
            ("./2015/nb.html", "2015年政府信息公开工作年度报告", "2016-03-25"),
        ],
    )
    for number, rows in enumerate(layout):
        pager = pager_script(number)
        if number == PAGES - 1:  # the template's bug: a static 下一页 past the last page
            pager += f'<a href="index_{PAGES}.html">下一页</a>'
        body = page(COLUMN, link_list(rows, pager), column=COLUMN)
        site.add(f"{LIST}index{'' if number == 0 else f'_{number}'}.html", body)


def _redirects(site: Site, by_seed: dict) -> None:
    site.add(REDIRECT_FIRST, "", status=301, headers=(("Location", REDIRECT_SECOND),))
    site.add(REDIRECT_SECOND, "", status=302, headers=(("Location", LIST + ARTICLES["002"]),))
    site.add(LOOP, "", status=302, headers=(("Location", f"{LOOP}?r=1"),))
    site.add(f"{LOOP}?r=1", "", status=302, headers=(("Location", LOOP),))


def _soft_404() -> str:
    body = (
        '<div class="error"><h2>404</h2><p>抱歉，您访问的页面不存在或已被删除！</p>'
        '<p><a href="/">返回首页</a></p></div>'
    )
    return page("页面不存在", body, column="提示信息")


SESSION_OR_TRACKING = re.compile(r";jsessionid=[^?#]*|[?&](?:utm_\w+|spm|from)=[^&#]*", re.I)


def _without_session_or_tracking(site: Site):  # type: ignore[no-untyped-def]
    """The server ignores session ids and share parameters: same page, other URL."""

    def route(path: str) -> Page | None:
        bare = SESSION_OR_TRACKING.sub("", path)
        if bare == path:
            return None
        if "?" not in bare and "&" in bare:
            bare = bare.replace("&", "?", 1)
        with site.lock:
            return site.pages.get(bare)

    return route


CATALOG_OPTIONS = {
    "sort": (("pubdate", "按发布日期"), ("title", "按标题"), ("hits", "按点击量")),
    "order": (("desc", "降序"), ("asc", "升序")),
    "type": (("1", "规范性文件"), ("2", "年度报告"), ("3", "通知公告")),
}


def _catalog(path: str) -> Page | None:
    """公开目录: every sort/filter link appends to the current query, so URLs never end."""
    parts = urlsplit(path)
    if parts.path != CATALOG:
        return None
    query = parse_qsl(parts.query)
    links = [
        (f"{CATALOG}?{urlencode([*query, (key, value)])}", label, "")
        for key, options in CATALOG_OPTIONS.items()
        for value, label in options
    ]
    items = [
        (DUPLICATE, REPORTS[4].title, REPORTS[4].pub_date),
        (LOOKALIKE_PATHS[1], LOOKALIKES[1], "2019-03-01"),
    ]
    content = link_list(items) + link_list(links)
    return Page(
        200,
        "text/html; charset=utf-8",
        page("政府信息公开目录", content, column="公开目录").encode(),
    )


def _calendar(path: str) -> Page | None:
    """信息公开日历: any month, each linking the months before and after it."""
    parts = urlsplit(path)
    if parts.path != CALENDAR:
        return None
    month = dict(parse_qsl(parts.query)).get("month", "2019-03")
    try:
        year, mon = (int(x) for x in month.split("-")[:2])
    except ValueError:
        return None
    before = f"{year - (mon == 1)}-{12 if mon == 1 else mon - 1:02d}"
    after = f"{year + (mon == 12)}-{1 if mon == 12 else mon + 1:02d}"
    days = [(f"{CALENDAR}?date={month}-{d:02d}", str(d), "") for d in range(1, 29)]
    content = (
        f'<div class="calendar"><a href="{CALENDAR}?month={before}">上一月</a>'
        f"<span>{html.escape(month)}</span>"
        f'<a href="{CALENDAR}?month={after}">下一月</a></div>{link_list(days)}'
    )
    return Page(
        200, "text/html; charset=utf-8", page("信息公开日历", content, column="政务公开").encode()
    )


PAST_LAST = re.compile(rf"^{re.escape(LIST)}index_(\d+)\.html$")


def _past_last_page(path: str) -> Page | None:
    """Past countPage TRS answers an empty list that refreshes to index.html, with its
    own 下一页, so a crawler that follows it walks on forever."""
    found = PAST_LAST.match(path)
    if found is None or int(found.group(1)) < PAGES:
        return None
    n = int(found.group(1))
    body = page(
        COLUMN,
        f'<ul class="list"></ul><div class="page"><a href="index_{n + 1}.html">下一页</a></div>',
        column=COLUMN,
        extra_head='<meta http-equiv="refresh" content="0;url=index.html">',
    )
    return Page(200, "text/html; charset=utf-8", body.encode())


def _flaky(site: Site, path: str):  # type: ignore[no-untyped-def]
    """The report's PDF: 503 (server busy) for the first FLAKY_FAILURES asks, then the file."""
    served = site.pages.pop(path)
    asked = itertools.count()
    lock = threading.Lock()
    busy = Page(
        503, "text/html; charset=utf-8", "<html><body>服务器繁忙，请稍后再试</body></html>".encode()
    )

    def route(asked_path: str) -> Page | None:
        if asked_path != path:
            return None
        with lock:
            n = next(asked)
        return busy if n < FLAKY_FAILURES else served

    return route
