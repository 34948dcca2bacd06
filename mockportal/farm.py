"""A generated farm of government portals on loopback, for crawl benchmarks.

Each portal gets its own loopback address (127.77.x.y: Linux routes all of 127.0.0.0/8
to ``lo``), so Scrapy's download slots, which are keyed by host name without the port,
and its politeness apply per portal as they would on the real web. One asyncio server
process serves every portal; pages are rendered on request from (seed, portal, path),
deterministically, with a small LRU cache, so a farm of 10,000 pages costs no memory.

Three CMS styles, in turn by portal index:

* ``trs``: ``/xxgk/<col>/`` lists paged by a script-only ``countPage`` pager
  (``index_N.html``), ``YYYYMM/tYYYYMMDD_ID.html`` articles, ``P0….pdf`` attachments
  (some written by ``document.write``);
* ``hanweb``: ``/col/colID/index.html`` lists with ``?uid=…&pageNum=N`` pagers,
  ``/art/YYYY/M/D/art_COL_ID.html`` articles, ``downfile.jsp?filename=….pdf`` attachments;
* ``plain``: ``/xxgk/<col>/?page=N`` lists, ``/info/COL/ID.htm`` articles,
  ``/uploadfile/…`` attachments.

Every portal has a 政府信息公开年报 column holding OGI annual reports (HTML pages with
real tables from the seed texts, or short pages whose PDF/DOCX attachment is the
report) among look-alikes (法治政府建设年度报告, 政府工作报告, 决算, meeting notices) and
news, plus other disclosure columns whose list pages carry only news. Every page wears
the real page furniture (mockportal.sites.furniture), ~15-35 KB; every fifth portal
serves GBK labelled ``gb2312``.

``expected_urls`` is what a correct crawler fetches (lists, report pages, attachments;
never news or look-alikes), ``expected_reports`` the report documents among them, and
``children(url)`` the links a correct crawler follows from a page (the bench's bare
spider walks this graph).

    with farm(portals=50, pages=200, seed=1) as f:
        f.portals_path          # a portal list (TOML, allow_private = true)
        f.expected_reports      # {url: "page" | "attachment"}

``python -m mockportal.farm --portals 50 --pages 200`` serves a farm until interrupted
(and prints its portal list).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import math
import random
import re
import subprocess
import sys
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from mockportal.render import html_content
from mockportal.sites.furniture import STYLE, banner, footer, sidebar
from mockportal.sites.seeds import DATA, seed_text

STYLES = ("trs", "hanweb", "plain")
PER_LIST = 15  # items per list page
NEWS_BASE, NEWS_SPAN = 900_000_000, 10_000_000  # news article numbers: base + column span
NEWS_NUMBER = re.compile(r"(\d{9,})\.html?$")
FIRST_YEAR, LAST_YEAR = 2008, 2023
OTHER_COLUMNS = (  # (slug, hanweb column id, name): lists of news only
    ("tzgg", 1002, "通知公告"),
    ("zcwj", 1003, "政策文件"),
    ("gzdt", 1004, "工作动态"),
    ("rsxx", 1005, "人事信息"),
)
REPORT_COLUMN = ("zfxxgknb", 1001, "政府信息公开年报")
LOOKALIKE_TITLES = (
    "{y}年法治政府建设年度报告",
    "{y}年政府工作报告",
    "{y}年部门决算公开",
    "关于召开{y}年度政府信息公开工作会议的通知",
    "{y}年国民经济和社会发展统计公报",
)
NEWS_TITLES = (
    "{a}开展安全生产大检查",
    "{a}召开春季农业生产推进会",
    "{a}举办科技活动周启动仪式",
    "{a}调研重点项目建设进展",
    "{a}开展防汛应急演练",
    "{a}组织干部职工参加义务植树",
    "{a}部署近期疫情防控工作",
    "{a}举行新录用公务员培训班开班仪式",
)
PLACES = ("青山", "白水", "东川", "西岭", "南湖", "北原", "石门", "清河", "长宁", "安平")
KINDS = ("县科学技术局", "县人民政府办公室", "县财政局", "县教育体育局", "区生态环境局")
ROBOTS = b"User-agent: *\nDisallow: /admin/\n"
NOT_FOUND = "<html><body><h1>404 页面不存在</h1></body></html>".encode()
ASSETS = {  # attachment form -> (file in mockportal/data/assets, media type, extension)
    "pdf": ("P020190222512345678901.pdf", "application/pdf", "pdf"),
    "docx": (
        "W020190315333444555666.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
}


def host_of(index: int) -> str:
    """Portal ``index``'s own loopback address (never 127.0.0.1, which tests share)."""
    return f"127.77.{index // 200}.{index % 200 + 10}"


@dataclass(frozen=True)
class Item:
    """One entry of a list: a report, a look-alike or a news article."""

    kind: str  # "report" | "lookalike" | "news"
    path: str
    title: str
    date: str  # YYYY-MM-DD
    attachment: str = ""  # path of the report's attachment ("" if the page is the report)
    form: str = ""  # "pdf" | "docx" for attachments; "html" otherwise
    scripted: bool = False  # attachment link written by document.write
    seed_no: str = "000"


@dataclass
class Column:
    slug: str
    number: int
    name: str
    items: list[Item]  # the report column's items; news columns make theirs on demand
    pages: int  # list pages
    position: int = 0  # 0: the report column, 1…: news columns


@dataclass
class PortalPlan:
    """One portal, computed from (seed, index, pages) alone; news pages are made on demand."""

    index: int
    style: str
    name: str
    agency: str
    charset: str
    columns: list[Column]
    pages: dict[str, tuple[str, object]] = field(default_factory=dict)  # path -> (kind, data)

    @property
    def host(self) -> str:
        return host_of(self.index)


# ---------------------------------------------------------------- URL schemes per style
def list_path(style: str, col: Column, page: int) -> str:
    """Page ``page`` (0-based) of a column's list."""
    if style == "trs":
        return f"/xxgk/{col.slug}/" + ("" if page == 0 else f"index_{page}.html")
    if style == "hanweb":
        base = f"/col/col{col.number}/index.html"
        return base if page == 0 else f"{base}?uid={col.number * 7}&pageNum={page + 1}"
    return f"/xxgk/{col.slug}/" + ("" if page == 0 else f"?page={page + 1}")


def section_path(style: str) -> str:
    return "/col/col100/index.html" if style == "hanweb" else "/xxgk/"


def article_path(style: str, col: Column, date: str, number: int) -> str:
    y, m, d = date.split("-")
    if style == "trs":
        return f"/xxgk/{col.slug}/{y}{m}/t{y}{m}{d}_{number}.html"
    if style == "hanweb":
        return f"/art/{y}/{int(m)}/{int(d)}/art_{col.number}_{number}.html"
    return f"/info/{col.number}/{number}.htm"


def attachment_path(style: str, article: str, date: str, number: int, ext: str) -> str:
    y, m, d = date.split("-")
    if style == "trs":
        return article.rsplit("/", 1)[0] + f"/P0{y}{m}{d}{number:012d}.{ext}"
    if style == "hanweb":
        return f"/module/download/downfile.jsp?classid=0&filename={y}{m}{d}{number}.{ext}"
    return f"/uploadfile/{y}/{m}{d}/{y}{m}{d}{number}.{ext}"


# ---------------------------------------------------------------- planning
def plan_portal(seed: int, index: int, pages: int) -> PortalPlan:
    """The portal's columns and items; about ``pages`` URLs a correct crawler fetches."""
    rng = random.Random(f"farm:{seed}:{index}")
    style = STYLES[index % len(STYLES)]
    place = PLACES[index % len(PLACES)] + ("" if index < len(PLACES) else str(index))
    agency = place + KINDS[(index // len(PLACES)) % len(KINDS)]
    n_reports = max(2, min(LAST_YEAR - FIRST_YEAR + 1, pages // 12))
    serial = iter(range(index * 10_000 + 1000, NEWS_BASE))
    report_col = Column(*REPORT_COLUMN, items=[], pages=0)
    items: list[Item] = []
    for year in range(LAST_YEAR - n_reports + 1, LAST_YEAR + 1):
        date = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(10, 28):02d}"
        number = next(serial)
        path = article_path(style, report_col, date, number)
        form = rng.choice(("html", "html", "pdf", "docx"))
        attachment = ""
        if form != "html":
            attachment = attachment_path(style, path, date, number, ASSETS[form][2])
        title = f"{agency}{year}年政府信息公开工作年度报告"
        scripted = style == "trs" and form != "html" and rng.random() < 0.5
        seed_no = f"{rng.randrange(5):03d}"
        items.append(Item("report", path, title, date, attachment, form, scripted, seed_no))
    for i in range(n_reports // 2 + 1):
        year = rng.randint(FIRST_YEAR, LAST_YEAR)
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(10, 28):02d}"
        title = LOOKALIKE_TITLES[i % len(LOOKALIKE_TITLES)].format(y=year)
        items.append(
            Item("lookalike", article_path(style, report_col, date, next(serial)), title, date)
        )
    for _ in range(n_reports // 3 + 1):
        number = next(serial)
        items.append(_news(style, report_col, agency, number))
    rng.shuffle(items)
    report_col.items = items
    report_col.pages = math.ceil(len(items) / PER_LIST)
    fixed = 2 + report_col.pages + n_reports + sum(1 for it in items if it.attachment)
    other_pages = max(len(OTHER_COLUMNS), pages - fixed)
    columns = [report_col]
    for n, (slug, number, name) in enumerate(OTHER_COLUMNS):
        count = other_pages // len(OTHER_COLUMNS) + (n < other_pages % len(OTHER_COLUMNS))
        columns.append(Column(slug, number, name, items=[], pages=count, position=n + 1))
    plan = PortalPlan(
        index=index,
        style=style,
        name=f"farm-{index:03d}-{style}",
        agency=agency,
        charset="gb2312" if index % 5 == 4 else "utf-8",
        columns=columns,
    )
    _index_pages(plan)
    return plan


def _news(style: str, col: Column, agency: str, number: int) -> Item:
    """A news article; its date and title follow from its number (no state needed)."""
    date = f"{2015 + number % 10}-{1 + (number // 10) % 12:02d}-{10 + (number // 120) % 19:02d}"
    title = NEWS_TITLES[number % len(NEWS_TITLES)].format(a=agency)
    return Item("news", article_path(style, col, date, number), title, date)


def items_on(plan: PortalPlan, col: Column, page: int) -> list[Item]:
    """The items of list page ``page`` (0-based) of a column."""
    if col.position == 0:
        return col.items[page * PER_LIST : (page + 1) * PER_LIST]
    first = NEWS_BASE + col.position * NEWS_SPAN + page * PER_LIST
    return [_news(plan.style, col, plan.agency, first + k) for k in range(PER_LIST)]


def _news_page(plan: PortalPlan, path: str) -> tuple[str, object] | None:
    """A news column's article, recognised by the number its path ends with."""
    found = NEWS_NUMBER.search(path)
    if not found or int(found.group(1)) < NEWS_BASE + NEWS_SPAN:
        return None
    position, rest = divmod(int(found.group(1)) - NEWS_BASE, NEWS_SPAN)
    page = rest // PER_LIST
    if position >= len(plan.columns) or page >= plan.columns[position].pages:
        return None
    col = plan.columns[position]
    item = _news(plan.style, col, plan.agency, int(found.group(1)))
    return ("article", (col, item)) if item.path == path else None


def _index_pages(plan: PortalPlan) -> None:
    """Path -> what to render, for every page but the news columns' articles."""
    pages = plan.pages
    pages["/"] = ("home", None)
    pages[section_path(plan.style)] = ("section", None)
    for col in plan.columns:
        for number in range(col.pages):
            pages[list_path(plan.style, col, number)] = ("list", (col, number))
    for item in plan.columns[0].items:
        pages[item.path] = ("article", (plan.columns[0], item))
        if item.attachment:
            pages[item.attachment] = ("attachment", item)


def lookup(plan: PortalPlan, path: str) -> tuple[str, object] | None:
    return plan.pages.get(path) or _news_page(plan, path)


def children_of(plan: PortalPlan, path: str) -> list[str]:
    """The paths a correct crawler follows from ``path``: the crawl graph."""
    found = plan.pages.get(path)
    if found is None:
        return []
    kind, data = found
    if kind == "home":
        return [section_path(plan.style)]
    if kind == "section":
        return [list_path(plan.style, c, 0) for c in plan.columns]
    if kind == "list":
        col, number = data  # type: ignore[misc]
        first = 1 if plan.style == "trs" else 0  # a TRS pager names index_1 … only
        pager = [list_path(plan.style, col, p) for p in range(first, col.pages) if p != number]
        return pager + [it.path for it in items_on(plan, col, number) if it.kind == "report"]
    if kind == "article":
        item = data[1]  # type: ignore[index]
        return [item.attachment] if item.attachment else []
    return []


def reachable(plan: PortalPlan) -> list[str]:
    """Paths a correct crawler fetches, breadth first from the home page."""
    seen = {"/": None}
    queue = ["/"]
    for path in queue:
        for child in children_of(plan, path):
            if child not in seen:
                seen[child] = None
                queue.append(child)
    return list(seen)


# ---------------------------------------------------------------- rendering
MENU = (  # the drop-down menus real portals print on every page (all links a crawler drops)
    ("zjsx", "走进示例", ("概况", "历史沿革", "行政区划", "人口民族", "自然资源", "旅游景点")),
    ("zwfw", "政务服务", ("个人办事", "法人办事", "部门服务", "便民服务", "办事指南", "在线预约")),
    ("hdjl", "互动交流", ("县长信箱", "在线访谈", "征集调查", "咨询投诉", "留言选登", "热点回应")),
    ("jjfz", "经济发展", ("招商引资", "重点项目", "产业园区", "农业农村", "工业经济", "商贸流通")),
    ("shsy", "社会事业", ("教育", "医疗卫生", "文化体育", "社会保障", "就业创业", "民政服务")),
    ("zfjs", "自身建设", ("机关党建", "作风建设", "廉政建设", "队伍建设", "学习园地", "工作动态")),
)
FILLER_SCRIPT = """<script type="text/javascript">
var siteConfig = {siteId: "%(code)s", columnPath: "%(path)s", searchUrl: "/search/search.jsp",
  accessibility: true, elderMode: false, shareTargets: ["weixin", "weibo", "qzone"]};
function switchTab(group, index) {
  var tabs = document.querySelectorAll("[data-tab-group='" + group + "']");
  for (var i = 0; i < tabs.length; i++) {
    tabs[i].className = i === index ? "tab on" : "tab";
    var pane = document.getElementById(group + "-pane-" + i);
    if (pane) { pane.style.display = i === index ? "block" : "none"; }
  }
}
function showMenu(id) { var m = document.getElementById(id); if (m) { m.style.display = "block"; } }
function hideMenu(id) { var m = document.getElementById(id); if (m) { m.style.display = "none"; } }
</script>"""


@cache
def _menu() -> str:
    out = []
    for slug, name, entries in MENU:
        subs = "".join(
            f'<li><a href="/{slug}/{slug}{i:02d}/" title="{sub}">{sub}</a>'
            f'<p class="desc">{name}—{sub}：{sub}相关的服务事项、办事流程、办理时限、'
            f"收费标准、咨询电话和监督投诉方式，欢迎查阅（{name}栏目，每个工作日更新）。</p></li>"
            for i, sub in enumerate(entries)
        )
        out.append(
            f'<li class="menu" onmouseover="showMenu(\'m-{slug}\')" '
            f'onmouseout="hideMenu(\'m-{slug}\')"><a href="/{slug}/">{name}</a>'
            f'<ul class="sub" id="m-{slug}" style="display:none">{subs}</ul></li>'
        )
    return f'<div class="menubar"><ul>{"".join(out)}</ul></div>'


@cache
def _furniture(site: str, code: str) -> tuple[str, str]:
    return banner(site), sidebar() + footer(site, code)


@cache
def _seed_html(seed_no: str) -> str:
    return html_content(seed_text(seed_no))


def _page(plan: PortalPlan, title: str, content: str, column: str, pub: str = "") -> str:
    site = plan.agency
    head_banner, tail = _furniture(site, f"64{plan.index:08d}")
    metas = [("SiteName", site), ("ColumnName", column), ("ArticleTitle", title)]
    if pub:
        metas.append(("PubDate", pub))
    meta = "".join(f'<meta name="{k}" content="{html.escape(v)}">' for k, v in metas)
    section = section_path(plan.style)
    nav = "".join(
        f'<li><a href="{h}">{n}</a></li>'
        for h, n in (("/", "首页"), (section, "政府信息公开"), ("/zwfw/", "政务服务"))
    )
    return (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
        f'charset={plan.charset}"><title>{html.escape(title)}_{site}</title>{meta}{STYLE}'
        f'</head><body><div class="top"><ul class="nav">{nav}</ul></div>{head_banner}'
        f'<div class="position">当前位置：<a href="/">首页</a> &gt; '
        f'<a href="{section}">政府信息公开</a> &gt; {html.escape(column)}</div>'
        f'{_menu()}<div class="main">{content}</div>{tail}'
        f"{FILLER_SCRIPT % {'code': plan.index, 'path': html.escape(column)}}</body></html>"
    )


def _list_items(items: list[Item]) -> str:
    return "".join(
        f'<li><a href="{it.path}" target="_blank" title="{html.escape(it.title)}">'
        f"{html.escape(it.title)}</a><span>{it.date}</span></li>"
        for it in items
    )


def _pager(plan: PortalPlan, col: Column, number: int) -> str:
    """TRS: script only (countPage); others: numbered <a> links to every page."""
    if plan.style == "trs":
        return (
            '<script language="JavaScript" type="text/javascript">\n'
            f"var currentPage = {number};//所在页从0开始\nvar countPage = {col.pages}//共多少页\n"
            'document.write("共"+countPage+"页 ");\n'
            "if(countPage>1&&currentPage!=(countPage-1))\n"
            'document.write("<a href=\\"index"+"_" + (currentPage+1) + "."+"html\\">下一页</a>");\n'
            "</script>"
        )
    links = [
        f'<a href="{list_path(plan.style, col, p)}">{p + 1}</a>'
        if p != number
        else f"<b>{p + 1}</b>"
        for p in range(col.pages)
    ]
    return f"共{col.pages}页 " + " ".join(links)


def render(plan: PortalPlan, path: str) -> tuple[int, str, bytes]:
    """(status, content type, body) of ``path`` (with query) on this portal."""
    if path == "/robots.txt":
        return 200, "text/plain", ROBOTS
    found = lookup(plan, path)
    if found is None:
        return 404, "text/html; charset=utf-8", NOT_FOUND
    kind, data = found
    if kind == "attachment":
        assert isinstance(data, Item)
        name, media, _ = ASSETS[data.form]
        return 200, media, _asset(name)
    text = _render_html(plan, kind, data)
    return 200, f"text/html; charset={plan.charset}", text.encode(_codec(plan.charset))


def _codec(charset: str) -> str:
    return "gb18030" if charset == "gb2312" else charset


@cache
def _asset(name: str) -> bytes:
    return (DATA / "assets" / name).read_bytes()


def _render_html(plan: PortalPlan, kind: str, data: object) -> str:
    if kind == "home":
        news = _list_items(items_on(plan, plan.columns[1], 0)[:10])
        link = f'<p><a href="{section_path(plan.style)}">政府信息公开</a></p>'
        return _page(plan, "首页", link + f'<ul class="list">{news}</ul>', "首页")
    if kind == "section":
        cols = "".join(
            f'<li><a href="{list_path(plan.style, c, 0)}">{c.name}</a></li>' for c in plan.columns
        )
        return _page(plan, "政府信息公开", f'<ul class="list">{cols}</ul>', "政府信息公开")
    if kind == "list":
        col, number = data  # type: ignore[misc]
        items = _list_items(items_on(plan, col, number))
        body = f'<ul class="list">{items}</ul><div class="page">{_pager(plan, col, number)}</div>'
        return _page(plan, col.name, body, col.name)
    col, item = data  # type: ignore[misc]
    return _page(plan, item.title, _article_body(plan, item), col.name, item.date)


def _article_body(plan: PortalPlan, item: Item) -> str:
    title = html.escape(item.title)
    if item.kind == "report" and item.attachment:
        href = html.escape(item.attachment)
        if plan.style == "trs":
            href = "./" + item.attachment.rsplit("/", 1)[1]
        link = f'<a href="{href}">{title}.{item.form}</a>'
        if item.scripted:
            written = f'附件：<a href=\\"{href}\\">{title}.{item.form}</a>'
            link = f'<script>document.write("{written}");</script>'
        text = f"<p>{title}详见附件。</p><p>{link}</p>"
    elif item.kind == "report":
        text = _seed_html(item.seed_no)
    else:
        text = f"<p>{title}。各乡镇、各部门：现将有关事项通知如下。</p>" * 6
    return (
        f'<h1 class="title">{title}</h1><div class="info">发布时间：{item.date} '
        f'来源：{html.escape(plan.agency)}</div><div class="TRS_Editor">{text}</div>'
    )


# ---------------------------------------------------------------- the farm as a whole
class FarmPlan:
    """All portals of a farm; pure (no sockets), so expectations need no server."""

    def __init__(self, portals: int, pages: int, seed: int) -> None:
        self.portals = [plan_portal(seed, i, pages) for i in range(portals)]
        self.by_host = {p.host: p for p in self.portals}
        self._cache: OrderedDict[tuple[str, str], tuple[int, str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def respond(self, host: str, path: str) -> tuple[int, str, bytes]:
        """What ``host`` answers for ``path``; recent answers are cached (LRU, 512)."""
        key = (host, path)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        plan = self.by_host.get(host)
        answer = render(plan, path) if plan else (404, "text/html; charset=utf-8", NOT_FOUND)
        with self._lock:
            self._cache[key] = answer
            if len(self._cache) > 512:
                self._cache.popitem(last=False)
        return answer


@dataclass
class Farm:
    """A running farm: its plan, addresses, portal list and expectations."""

    plan: FarmPlan
    ports: dict[str, int]  # host -> port
    portals_path: Path

    def base(self, plan: PortalPlan) -> str:
        return f"http://{plan.host}:{self.ports[plan.host]}"

    @property
    def portals_toml(self) -> str:
        return self.portals_path.read_text(encoding="utf-8")

    @property
    def start_urls(self) -> list[str]:
        return [self.base(p) + "/" for p in self.plan.portals]

    @property
    def expected_urls(self) -> set[str]:
        """Every URL a correct crawler fetches (robots.txt aside)."""
        return {self.base(p) + path for p in self.plan.portals for path in reachable(p)}

    @property
    def expected_reports(self) -> dict[str, str]:
        """Report documents: {url: "page" | "attachment"} (a report's page and its file)."""
        out: dict[str, str] = {}
        for p in self.plan.portals:
            for item in p.columns[0].items:
                if item.kind == "report":
                    out[self.base(p) + item.path] = "page"
                    if item.attachment:
                        out[self.base(p) + item.attachment] = "attachment"
        return out

    @property
    def lookalike_urls(self) -> set[str]:
        """Look-alikes and news of the report column: a correct crawler fetches none."""
        return {
            self.base(p) + it.path
            for p in self.plan.portals
            for it in p.columns[0].items
            if it.kind != "report"
        }

    def children(self, url: str) -> list[str]:
        """The links a correct crawler follows from ``url`` (absolute URLs)."""
        parts = urlsplit(url)
        plan = self.plan.by_host.get(parts.hostname or "")
        if plan is None:
            return []
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        base = self.base(plan)
        return [urljoin(base, c) for c in children_of(plan, path)]


def portals_toml(farm: Farm) -> str:
    """The portal list in settings/portals.toml's format; loopback needs allow_private."""
    out = ["# A generated portal farm (mockportal.farm): loopback only.\n"]
    for p in farm.plan.portals:
        out.append(
            f'[[portal]]\nname = "{p.name}"\nagency = "{p.agency}"\n'
            f'start_urls = ["{farm.base(p)}/"]\nallow_private = true\nmax_depth = 12\n'
            f"max_pages = 100000\n"
        )
    return "\n".join(out)


# ---------------------------------------------------------------- the server
class _Http(asyncio.Protocol):
    """Minimal HTTP/1.1 with keep-alive: GET/HEAD/POST, Content-Length bodies only."""

    def __init__(self, plan: FarmPlan, host: str) -> None:
        self.plan, self.host = plan, host
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])
            }
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            method, _, rest = head[0].partition(" ")
            path = rest.rsplit(" ", 1)[0]
            self._answer(method, path, headers.get("connection", "").lower() == "close")

    def _answer(self, method: str, path: str, close: bool) -> None:
        status, ctype, body = self.plan.respond(self.host, path)
        reason = {200: "OK", 404: "Not Found"}.get(status, "OK")
        closing = "Connection: close\r\n" if close else ""
        head = (
            f"HTTP/1.1 {status} {reason}\r\nServer: mockportal-farm\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n{closing}\r\n"
        ).encode("latin-1")
        assert self.transport is not None
        self.transport.write(head if method == "HEAD" else head + body)
        if close:
            self.transport.close()
            self.transport = None


async def _serve(
    plan: FarmPlan, ready: Callable[[dict[str, int]], None], stop: asyncio.Event
) -> None:
    loop = asyncio.get_running_loop()
    servers = []
    ports: dict[str, int] = {}
    for p in plan.portals:
        server = await loop.create_server(
            lambda host=p.host: _Http(plan, host), p.host, 0, backlog=512, reuse_address=True
        )
        servers.append(server)
        ports[p.host] = server.sockets[0].getsockname()[1]
    ready(ports)
    await stop.wait()
    for server in servers:
        server.close()


def _write_farm(plan: FarmPlan, ports: dict[str, int], directory: Path) -> Farm:
    path = directory / "farm-portals.toml"
    f = Farm(plan, ports, path)
    path.write_text(portals_toml(f), encoding="utf-8")
    return f


@contextmanager
def farm(
    portals: int = 50,
    pages: int = 200,
    seed: int = 1,
    *,
    process: bool = False,
    directory: Path | None = None,
) -> Iterator[Farm]:
    """Serve a farm while the block runs; ``process=True`` serves from a child process
    (so the server does not share the caller's GIL, as in the benchmark)."""
    plan = FarmPlan(portals, pages, seed)
    with tempfile.TemporaryDirectory(prefix="ogi-farm-") as tmp:
        folder = Path(directory or tmp)
        if process:
            with _child(portals, pages, seed) as ports:
                yield _write_farm(plan, ports, folder)
        else:
            with _thread(plan) as ports:
                yield _write_farm(plan, ports, folder)


@contextmanager
def _thread(plan: FarmPlan) -> Iterator[dict[str, int]]:
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    got: dict[str, dict[str, int]] = {}
    ready = threading.Event()

    def started(ports: dict[str, int]) -> None:
        got["ports"] = ports
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(_serve(plan, started, stop))
        finally:
            ready.set()

    thread = threading.Thread(target=run, daemon=True, name="mockportal-farm")
    thread.start()
    ready.wait(30)
    if "ports" not in got:
        raise RuntimeError("the portal farm did not start")
    try:
        yield got["ports"]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


@contextmanager
def _child(portals: int, pages: int, seed: int) -> Iterator[dict[str, int]]:
    cmd = [sys.executable, "-m", "mockportal.farm", "--portals", str(portals)]
    cmd += ["--pages", str(pages), "--seed", str(seed), "--ports-json"]
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the portal farm process did not start")
        yield json.loads(line)
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portals", type=int, default=50)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ports-json", action="store_true", help="print {host: port} and serve")
    args = parser.parse_args(argv)
    plan = FarmPlan(args.portals, args.pages, args.seed)
    stop = asyncio.Event()

    def ready(ports: dict[str, int]) -> None:
        if args.ports_json:
            print(json.dumps(ports), flush=True)
            return
        with tempfile.TemporaryDirectory() as tmp:
            print(portals_toml(_write_farm(plan, ports, Path(tmp))), flush=True)

    with suppress(KeyboardInterrupt):
        asyncio.run(_serve(plan, ready, stop))


if __name__ == "__main__":
    main()
