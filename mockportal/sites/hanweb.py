"""A Hanweb JCMS portal: column records in a datastore, later ones only by POST.

``/col/col1001/index.html`` embeds its first three records in
``<script type="text/xml"><datastore>``; the rest come from POSTs to
``/module/web/jpage/dataproxy.jsp`` whose handler checks the form (webid, columnid,
unitid) like the real one does. One report is reachable only from the 信息公开 module's
``xxgkAnnualReport.jsp?fbtime=2019`` page, linked from the column.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlsplit

from mockportal.server import Page, Site
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

COLUMN_PAGE = "/col/col1001/index.html"
PROXY = "/module/web/jpage/dataproxy.jsp"
ANNUAL = "/module/xxgk/xxgkAnnualReport.jsp?area=640000&fbtime=2019"
FORM = {"webid": "64", "columnid": "1001", "unitid": "4711"}
WEBNAME = "示例县人民政府"
PER_PAGE = 2
ARTICLES = {
    "000": "/art/2019/3/27/art_1001_101.html",
    "001": "/art/2020/1/20/art_1001_102.html",
    "002": "/art/2018/2/26/art_1001_103.html",
    "003": "/art/2019/2/22/art_1001_104.html",
    "004": "/art/2019/3/15/art_1001_106.html",
}
NEWS = ("/art/2019/4/2/art_1001_110.html", "县长调研春耕生产工作")
# the column's records in order: seed reports, look-alike indexes, or the news item
RECORDS: tuple[str | int, ...] = ("000", 0, "001", "news", "002", 1, "003", "news", 2, 3)
XML_TYPE = "text/xml; charset=utf-8"


def hanweb_site() -> Site:
    site = Site()
    site.add("/robots.txt", ROBOTS, "text/plain")
    site.add("/", page("首页", link_list([(COLUMN_PAGE, COLUMN, "")]), column="首页"))
    by_seed = {r.seed: r for r in REPORTS}
    for seed, path in ARTICLES.items():
        report = by_seed[seed]
        attachment = ""
        if seed in ("003", "004"):
            attachment = f"/module/download/downfile.jsp?classid=0&filename={asset_name(report)}"
        add_report(site, report, path, attachment)
    for number, title in enumerate(LOOKALIKES):
        add_lookalike(site, f"/art/2019/3/1/art_1001_{120 + number}.html", title)
    add_lookalike(site, NEWS[0], NEWS[1])
    rows = [_record(item, by_seed) for item in RECORDS]
    site.add(COLUMN_PAGE, _column_page(rows))
    site.posts[PROXY] = lambda path, body: _dataproxy(rows, path, body)
    annual = [(ARTICLES["004"], by_seed["004"].title, by_seed["004"].pub_date)]
    site.add(ANNUAL, page("2019年度政府信息公开年报", link_list(annual), column=COLUMN))
    return site


def _record(item: str | int, by_seed: dict) -> str:
    if item == "news":
        href, title = NEWS
    elif isinstance(item, int):
        href, title = f"/art/2019/3/1/art_1001_{120 + item}.html", LOOKALIKES[item]
    else:
        href, title = ARTICLES[item], by_seed[item].title
    return (
        f'<record><![CDATA[<li><a href="{href}" title="{title}" target="_blank">{title}</a>'
        "<span>2019-03-01</span></li>]]></record>"
    )


def _column_page(rows: list[str]) -> str:
    """First records embedded, as jpage pages do; the config lives in the script."""
    first = PER_PAGE + 1
    query = (
        f"page=1&webid={FORM['webid']}&path=/&columnid={FORM['columnid']}"
        f"&unitid={FORM['unitid']}&webname={quote(WEBNAME)}&permissiontype=0"
    )
    store = (
        f'<div id="{FORM["unitid"]}"><script type="text/xml"><datastore><nextgroup><![CDATA['
        f'<a href="{PROXY}?{query}"></a>]]></nextgroup><recordset>{"".join(rows[:first])}'
        "</recordset></datastore></script></div>"
        '<script language="javascript" src="/module/web/jpage/jpage.js"></script>'
        f"<script>$('#{FORM['unitid']}').jpage({{ perPage: {PER_PAGE}, "
        f"totalRecord: {len(rows)}, proxyUrl: '{PROXY}' }});</script>"
        f'<p><a href="{ANNUAL}">2019年度</a></p>'
    )
    return page(COLUMN, store, column=COLUMN)


def _dataproxy(rows: list[str], path: str, body: bytes) -> Page:
    """Records startrecord … endrecord, if the form names this column like the page does."""
    query = dict(parse_qsl(urlsplit(path).query))
    form = dict(parse_qsl(body.decode("utf-8")))
    if any(form.get(k) != v for k, v in FORM.items()) or "startrecord" not in query:
        return Page(200, XML_TYPE, b'<?xml version="1.0" encoding="UTF-8"?><datastore/>')
    start, end = int(query["startrecord"]), int(query.get("endrecord", query["startrecord"]))
    chosen = "".join(rows[start - 1 : end])
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore><nextgroup><![CDATA[]]></nextgroup>'
        f"<recordset>{chosen}</recordset><totalrecord>{len(rows)}</totalrecord>"
        f"<totalpage>{-(-len(rows) // PER_PAGE)}</totalpage></datastore>"
    )
    return Page(200, XML_TYPE, xml.encode("utf-8"))
