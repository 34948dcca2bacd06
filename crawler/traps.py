"""Crawler traps: calendars, endless parameter spaces, soft 404s, a TRS list's last page.

Each judgement returns a reason code (counted as ``ogi/dropped/<reason>``) so a crawl
that spent little on a trap says why. Plain strings in, no Scrapy, unit-tested alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import parse_qsl, urlsplit

from crawler.urls import url_key

# Previous/next links of calendars and date archives: never a way to a report.
CALENDAR_TEXT = re.compile(r"^[<«‹\s]*(?:上|下|前|后)一?个?(?:月|周|天|日|年)[>»›\s]*$")
CALENDAR_PATH = re.compile(r"(?:calendar|rili|/rl/)", re.I)
CALENDAR_KEYS = {"month", "date", "day", "ym", "yearmonth", "rq", "riqi", "week"}
DATE_VALUE = re.compile(r"^(?:19|20)\d{2}[-/]?(?:0?[1-9]|1[0-2])(?:[-/]?\d{1,2})?$")
# Parameters that page through one list: many values are expected, not a trap.
PAGER_KEYS = {
    "page",
    "pageno",
    "pageindex",
    "pagenum",
    "pn",
    "p",
    "curpage",
    "currentpage",
    "startrecord",
    "endrecord",
    "perpage",
    "start",
    "offset",
}
SOFT_404 = re.compile(
    r"页面不存在|页面未找到|找不到(?:该|您要访问的)?页面|您访问的页面不存在|页面已删除|信息不存在"
    r"|文章不存在|该信息已被删除|内容已删除|404\s*(?:Not\s*Found|错误|页面)|\bNot Found\b",
    re.I,
)
TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.I | re.S)
SHORT_PAGE = 2500  # visible characters; a real report says far more
TRS_PAGE = re.compile(r"/index_(\d+)\.s?html?$")


def is_calendar(url: str, anchor: str) -> bool:
    """上一月 / 下一月 links, calendar paths, or a month or day in a date parameter."""
    if CALENDAR_TEXT.match(anchor.strip()):
        return True
    if "?" not in url:
        return bool(CALENDAR_PATH.search(url))
    parts = urlsplit(url)
    if CALENDAR_PATH.search(parts.path):
        return True
    return any(
        k.lower() in CALENDAR_KEYS and DATE_VALUE.match(v.strip())
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )


def is_soft_404(text: str) -> bool:
    """A 200 page that says the page is missing: in its title, or on a short page."""
    title = TITLE.search(text[:20000])
    if title and SOFT_404.search(title.group(1)):
        return True
    visible = " ".join(TAGS.sub(" ", text).split())
    return len(visible) < SHORT_PAGE and bool(SOFT_404.search(visible))


def beyond_last_page(page_url: str, link: str, count: int | None) -> bool:
    """A TRS pager link to index_K.html with K >= countPage (pages are 0 … N-1)."""
    if count is None or "index_" not in link:
        return False  # TRS_PAGE needs "index_" in the path: most links have none
    found = TRS_PAGE.search(urlsplit(link).path)
    if found is None:
        return False
    same_folder = urlsplit(link).path.rsplit("/", 1)[0] == urlsplit(page_url).path.rsplit("/", 1)[0]
    return same_folder and int(found.group(1)) >= count


class ParamSpace:
    """At most ``limit`` query variants per path, pager parameters aside.

    Sort orders, filters and the templates that keep appending parameters make one list
    reachable under endless URLs; the first ``limit`` variants are enough to see it.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.variants: defaultdict[str, set[str]] = defaultdict(set)

    def exceeded(self, url: str) -> bool:
        if "?" not in url:
            return False
        key = url_key(url)
        parts = urlsplit(key)
        if not parts.query:
            return False
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        variant = "&".join(f"{k}={v}" for k, v in pairs if k.lower() not in PAGER_KEYS)
        if not variant:
            return False
        seen = self.variants[f"{parts.netloc}{parts.path}"]
        if variant in seen:
            return False
        if len(seen) >= self.limit:
            return True
        seen.add(variant)
        return False


def trap_reason(url: str, anchor: str, params: ParamSpace) -> str | None:
    """Why following this link would be a trap, or None."""
    if is_calendar(url, anchor):
        return "trap_calendar"
    if params.exceeded(url):
        return "trap_param_space"
    return None
