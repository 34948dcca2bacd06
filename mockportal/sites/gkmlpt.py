"""A Guangdong gkmlpt portal: the catalogue is a script app over a JSON list API.

``/gkmlpt/index`` names its columns only as ``#COLUMN`` links and its site id in a
config script; the lists are ``/gkmlpt/api/all/COLUMN?page=N&sid=SID`` (JSON, two pages
for the annual-report column). No HTML page links any report.
"""

from __future__ import annotations

import json
import math

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
from mockportal.sites.seeds import REPORTS, SeedReport

SID = "757001"
REPORT_COLUMN, POLICY_COLUMN = "2766", "2767"
PAGE_SIZE = 4
ORDER: tuple[str | int, ...] = ("000", 0, "001", "002", "003", 1, "004")  # seeds, look-alikes
POLICY = (
    ("post_201.html", "关于印发春耕生产工作方案的通知"),
    ("post_202.html", "政策解读：春耕补贴"),
)
JSON_TYPE = "application/json; charset=utf-8"


def gkmlpt_site() -> Site:
    site = Site()
    site.add("/robots.txt", ROBOTS, "text/plain")
    home = link_list([("/gkmlpt/index", "政府信息公开目录", "")])
    site.add("/", page("首页", home, column="首页"))
    site.add("/gkmlpt/index", _catalogue())
    by_seed = {r.seed: r for r in REPORTS}
    items = [_article(site, item, by_seed) for item in ORDER]
    _publish_column(site, REPORT_COLUMN, COLUMN, items)
    policy = []
    for name, title in POLICY:
        path = f"/gkmlpt/content/0/{POLICY_COLUMN}/{name}"
        add_lookalike(site, path, title)
        policy.append({"url": path, "title": title, "date": 1551398400})
    _publish_column(site, POLICY_COLUMN, "政策文件", policy)
    return site


def _catalogue() -> str:
    config = f"<script>window._CONFIG = {{ sid: '{SID}', baseUrl: '/gkmlpt/' }};</script>"
    nav = (
        f'<ul class="classify"><li><a href="/gkmlpt/index#{REPORT_COLUMN}">{COLUMN}</a></li>'
        f'<li><a href="/gkmlpt/index#{POLICY_COLUMN}">政策文件</a></li></ul>'
        '<div id="app">加载中…</div><script src="/gkmlpt/static/js/app.js"></script>'
    )
    return page("政府信息公开目录", config + nav, column="政府信息公开目录")


def _article(site: Site, item: str | int, by_seed: dict[str, SeedReport]) -> dict:
    if isinstance(item, int):
        path = f"/gkmlpt/content/0/{REPORT_COLUMN}/post_{150 + item}.html"
        add_lookalike(site, path, LOOKALIKES[item])
        return {"url": path, "title": LOOKALIKES[item], "date": 1551398400}
    report = by_seed[item]
    path = f"/gkmlpt/content/0/{REPORT_COLUMN}/post_1{item}.html"
    attachment = f"/attachment/0/1/{asset_name(report)}" if item in ("003", "004") else ""
    add_report(site, report, path, attachment)
    return {"url": path, "title": report.title, "date": 1551398400}


def _publish_column(site: Site, column: str, name: str, articles: list[dict]) -> None:
    pages = max(1, math.ceil(len(articles) / PAGE_SIZE))
    for number in range(1, pages + 1):
        chunk = articles[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        answer = {
            "classify": {"id": int(column), "name": name},
            "articles": [{"id": i, **a} for i, a in enumerate(chunk)],
            "total": len(articles),
        }
        site.add(
            f"/gkmlpt/api/all/{column}?page={number}&sid={SID}",
            json.dumps(answer, ensure_ascii=False),
            JSON_TYPE,
        )
