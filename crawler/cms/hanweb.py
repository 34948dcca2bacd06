"""Hanweb JCMS (大汉): column records in an embedded XML datastore, the rest by POST.

A column page (``/col/colID/index.html``) embeds its first records as
``<script type="text/xml"><datastore>…<record><![CDATA[<li><a …>]]></record>``; later
records come from POSTs to ``/module/web/jpage/dataproxy.jsp`` answering the same XML.
Neither shows up as an <a> on the page, so lean link extraction alone sees no list.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler.cms.base import CaselessLiteral, Lead, clean_text

NAME = "hanweb"
PROXY = "/module/web/jpage/dataproxy.jsp"
SIGNS = re.compile(r"<datastore>|/module/web/jpage/|xxgkAnnualReport\.jsp|/col/col\d+/", re.I)
# SIGNS one branch at a time: the same verdict, and a third faster than the alternation.
# The annual-report literal starts with a letter, which re.I cannot search for fast.
SIGN_PARTS = (
    re.compile(r"/col/col\d+/", re.I),
    re.compile(r"<datastore>", re.I),
    re.compile(r"/module/web/jpage/", re.I),
    CaselessLiteral("xxgkAnnualReport.jsp"),
)
DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
NEXTGROUP = re.compile(r"<nextgroup>(.*?)</nextgroup>", re.S | re.I)
RECORD = re.compile(r"<record>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
LINK = re.compile(r"""<a\b[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a>""", re.S | re.I)
ANNUAL = re.compile(r"""[\w:/.-]*/module/xxgk/xxgkAnnualReport\.jsp\?[^"'\s<>]*""")
PER_PAGE = re.compile(r"""\bperpage['"]?\s*[:=]\s*['"]?(\d+)""", re.I)
TOTAL = re.compile(r"""(?:\btotalRecord['"]?\s*[:=]\s*['"]?|<totalrecord>)(\d+)""", re.I)
SS_WEBID = re.compile(r"""id=["']ss_webid["'][^>]*>\s*(\d+)""")
COLUMN_URL = re.compile(r"/col/col(\d+)/")
FIELDS = (
    "col",
    "appid",
    "webid",
    "path",
    "columnid",
    "sourceContentType",
    "unitid",
    "webname",
    "permissiontype",
)
DEFAULTS = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
GROUP_PAGES = 3  # jpage asks for three pages of records at a time


def matches(url: str, text: str) -> bool:
    return bool(COLUMN_URL.search(urlsplit(url).path) or any(p.search(text) for p in SIGN_PARTS))


def leads(url: str, text: str) -> list[Lead]:
    """The datastore's records, the first dataproxy window, and linked annual-report pages."""
    out: list[Lead] = []
    store = DATASTORE.search(text)
    if store:
        records = record_leads(url, store.group(1))
        out += records
        form = form_fields(url, text)
        if form is not None:
            per_page = _int(PER_PAGE, text) or 15
            total = _int(TOTAL, text)
            start = len(records) + 1
            if total is None or start <= total:
                out.append(window(url, form, start, per_page))
    annual = ANNUAL.findall(text) if "xxgkAnnualReport.jsp" in text else []  # a fast no
    for found in dict.fromkeys(annual):
        out.append(Lead(urljoin(url, html.unescape(found)), "", pager=True))
    return out


def read_answer(url: str, text: str, form: Mapping[str, str]) -> list[Lead]:
    """A dataproxy answer: its records, and the next window while records remain."""
    records = record_leads(url, text)
    query = dict(parse_qsl(urlsplit(url).query))
    start, end = int(query.get("startrecord", 1)), int(query.get("endrecord", 0))
    per_page = int(query.get("perpage", 15))
    total = _int(TOTAL, text)
    more = end < total if total is not None else len(records) >= end - start + 1
    if records and more and form:
        return [*records, window(url, dict(form), end + 1, per_page)]
    return records


def record_leads(url: str, xml: str) -> list[Lead]:
    """Links inside <record> CDATA, anchored with their title (so classify can judge)."""
    out = []
    for cdata, plain in RECORD.findall(xml):
        fragment = cdata or html.unescape(plain)
        for href, inner in LINK.findall(fragment):
            title = re.search(r"""title\s*=\s*["']([^"']+)["']""", fragment)
            anchor = clean_text(inner) or (title.group(1) if title else "")
            out.append(Lead(urljoin(url, html.unescape(href)), anchor))
    return out


def form_fields(url: str, text: str) -> dict[str, str] | None:
    """The dataproxy form, read from the nextgroup link and the page's script config."""
    found: dict[str, str] = {}
    group = NEXTGROUP.search(text)
    if group:
        link = re.search(r"""href\s*=\s*["']([^"']+)["']""", group.group(1))
        if link:
            query = urlsplit(html.unescape(link.group(1))).query
            found.update((k, v) for k, v in parse_qsl(query) if k in FIELDS)
    for key in FIELDS:
        if key not in found:
            value = re.search(rf"""[\s,{{;?&]{key}['"]?\s*[:=]\s*['"]?([^'"&,}};<\s]+)""", text)
            if value:
                found[key] = value.group(1)
    webid = SS_WEBID.search(text)
    if webid:
        found.setdefault("webid", webid.group(1))
    column = COLUMN_URL.search(urlsplit(url).path)
    if column:
        found.setdefault("columnid", column.group(1))
    if not all(k in found for k in ("webid", "columnid", "unitid")):
        return None
    return {k: found.get(k, DEFAULTS.get(k, "")) for k in FIELDS}


def window(url: str, form: Mapping[str, str], start: int, per_page: int) -> Lead:
    """One dataproxy POST for records start … start + 3 pages - 1."""
    end = start + GROUP_PAGES * per_page - 1
    target = urljoin(url, f"{PROXY}?startrecord={start}&endrecord={end}&perpage={per_page}")
    return Lead(
        target,
        "",
        method="POST",
        formdata=tuple(form.items()),
        pager=True,
        answer_by=NAME,
    )


def _int(pattern: re.Pattern[str], text: str) -> int | None:
    found = pattern.search(text)
    return int(found.group(1)) if found else None
