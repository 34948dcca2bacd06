"""A TRS WCM county portal: a 信息公开年报 list of three pages whose pager is script only.

The list carries ``var countPage = 3`` and a ``document.write`` pager, never an <a> to
index_1.html or index_2.html; one report's PDF link is written by a script too. Later
pages hold reports and look-alikes, so a crawler that misses the pager misses reports.
"""

from __future__ import annotations

import html

from mockportal.server import Site
from mockportal.sites.chrome import link_list, page
from mockportal.sites.published import (
    COLUMN,
    LOOKALIKES,
    ROBOTS,
    add_lookalike,
    add_report,
    asset_name,
)
from mockportal.sites.seeds import REPORTS

LIST = "/xxgk/xxgknb/"
PAGES = 3
ARTICLES = {  # seed → article path under LIST (./YYYYMM/tYYYYMMDD_ID.html)
    "000": "201903/t20190327_2748101.html",
    "001": "202001/t20200120_2748102.html",
    "002": "201802/t20180226_2748103.html",
    "003": "201902/t20190222_2748104.html",
    "004": "201903/t20190315_2748106.html",
}
LOOKALIKE_PATHS = (
    "201903/t20190301_2748107.html",
    "201903/t20190301_2748108.html",
    "201901/t20190110_2748105.html",
    "202009/t20200903_2748109.html",
)
# page → items: a seed report or a look-alike index
LAYOUT: tuple[tuple[str | int, ...], ...] = (("000", 0, "001"), ("002", 1, "003"), ("004", 2, 3))


def trs_site() -> Site:
    site = Site()
    site.add("/robots.txt", ROBOTS, "text/plain")
    home = link_list([(LIST, COLUMN, ""), ("/xwzx/", "新闻中心", "")])
    site.add("/", page("首页", home, column="首页"))
    by_seed = {r.seed: r for r in REPORTS}
    for seed, rel in ARTICLES.items():
        report = by_seed[seed]
        folder = rel.rsplit("/", 1)[0]
        attachment = f"{LIST}{folder}/{asset_name(report)}" if seed in ("003", "004") else ""
        add_report(site, report, LIST + rel, attachment, scripted=seed == "003")
    for rel, title in zip(LOOKALIKE_PATHS, LOOKALIKES, strict=True):
        add_lookalike(site, LIST + rel, title)
    for number, items in enumerate(LAYOUT):
        rows = [_row(item, by_seed) for item in items]
        body = page(COLUMN, link_list(rows, pager_script(number)), column=COLUMN)
        site.add(f"{LIST}index{'' if number == 0 else f'_{number}'}.html", body)
        if number == 0:
            site.add(LIST, body)
    return site


def _row(item: str | int, by_seed: dict) -> tuple[str, str, str]:
    if isinstance(item, int):
        return f"./{LOOKALIKE_PATHS[item]}", LOOKALIKES[item], "2019-03-01"
    report = by_seed[item]
    return f"./{ARTICLES[item]}", report.title, report.pub_date


def pager_script(current: int) -> str:
    """The TRS pager as real sites print it: only script, the URLs built from pieces."""
    return (
        '<script language="JavaScript" type="text/javascript">\n'
        f"var currentPage = {current};//所在页从0开始\n"
        f"var countPage = {PAGES}//共多少页\n"
        "var prevPage = currentPage-1; var nextPage = currentPage+1;\n"
        'document.write("共"+countPage+"页 ");\n'
        "if(countPage>1&&currentPage!=(countPage-1))\n"
        'document.write("<a href=\\"index"+"_" + nextPage + "."+"html\\">下一页</a>");\n'
        "</script>"
        f"<span>{html.escape(f'第{current + 1}页')}</span>"
    )
