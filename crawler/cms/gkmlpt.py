"""Guangdong gkmlpt (政府信息公开目录平台): lists are a JSON API, not HTML.

The catalogue page is a script application; its columns are read from
``/gkmlpt/api/all/COLUMN?page=N&sid=SITE`` answering ``{classify, articles: [{url,
title}], total}``, which neither lean link extraction nor any <a> on the page reveals.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler.cms.base import Lead, clean_text

NAME = "gkmlpt"
MAX_PAGES = 500
SID = re.compile(r"""\bsid['"]?\s*[:=]\s*['"]?(\d+)""", re.I)
COLUMN_LINK = re.compile(
    r"""<a\b[^>]*?href\s*=\s*["'][^"']*/gkmlpt/[^"'#]*#(\d+)["'][^>]*>(.*?)</a>""", re.S | re.I
)
API_COLUMN = re.compile(r"/gkmlpt/api/all/(\d+)")


def matches(url: str, text: str) -> bool:
    return "/gkmlpt/" in urlsplit(url).path or "/gkmlpt/" in text


def leads(url: str, text: str) -> list[Lead]:
    """Page 1 of every column the catalogue page names, anchored with the column's name."""
    sid = SID.search(text)
    if not sid:
        return []
    columns: dict[str, str] = {}
    for column, name in COLUMN_LINK.findall(text):
        columns[column] = columns.get(column) or clean_text(name)
    for column in API_COLUMN.findall(text):
        columns.setdefault(column, "")
    return [
        Lead(api_url(url, column, 1, sid.group(1)), name, answer_by=NAME)
        for column, name in columns.items()
    ]


def read_answer(url: str, text: str, form: Mapping[str, str]) -> list[Lead]:
    """The articles of one API page; page 1 also asks for the column's other pages."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        return []
    out = [
        Lead(urljoin(url, str(a["url"])), clean_text(str(a.get("title") or "")))
        for a in articles
        if isinstance(a, dict) and a.get("url")
    ]
    query = dict(parse_qsl(urlsplit(url).query))
    page, sid = int(query.get("page", 1)), query.get("sid", "")
    column = API_COLUMN.search(urlsplit(url).path)
    if not column or not out:
        return out
    total = data.get("total")
    if isinstance(total, int) and page == 1:
        last = min(math.ceil(total / len(articles)), MAX_PAGES)
        pages = range(2, last + 1)
    elif not isinstance(total, int) and page < MAX_PAGES:
        pages = range(page + 1, page + 2)  # no total: walk on until a page comes back empty
    else:
        pages = range(0)
    return out + [
        Lead(api_url(url, column.group(1), n, sid), pager=True, answer_by=NAME) for n in pages
    ]


def api_url(base: str, column: str, page: int, sid: str) -> str:
    return urljoin(base, f"/gkmlpt/api/all/{column}?page={page}&sid={sid}")
