"""The page furniture every Chinese government portal wraps around its content."""

from __future__ import annotations

import html

from mockportal.sites.furniture import STYLE, banner, footer, sidebar

SITE_NAME = "示例县人民政府"
SITE_CODE = "6400000001"
NAV = ["首页", "政务公开", "政务服务", "互动交流", "走进示例", "专题专栏"]


def page(
    title: str,
    content: str,
    *,
    column: str,
    pub_date: str = "",
    source: str = "",
    extra_head: str = "",
    charset: str = "utf-8",
) -> str:
    """A whole page with the standard meta tags (SiteName … ContentSource)."""
    t = html.escape(title)
    meta = [
        ("SiteName", SITE_NAME),
        ("SiteDomain", "www.example.gov.cn"),
        ("SiteIDCode", SITE_CODE),
        ("ColumnName", column),
        ("ArticleTitle", title),
        ("PubDate", pub_date),
        ("ContentSource", source),
    ]
    metas = "".join(f'<meta name="{k}" content="{html.escape(v)}">' for k, v in meta if v)
    nav = "".join(f'<li><a href="/">{n}</a></li>' for n in NAV)
    return (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" '
        f'content="text/html; charset={charset}"><title>{t}_{SITE_NAME}</title>{metas}'
        f"{STYLE}{extra_head}</head><body>"
        f'<div class="top"><ul class="nav">{nav}</ul></div>{banner(SITE_NAME)}'
        f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政务公开</a>'
        f' &gt; {html.escape(column)}</div><div class="main">{content}</div>'
        f"{sidebar()}{footer(SITE_NAME, SITE_CODE)}</body></html>"
    )


def article(title: str, body_html: str, *, pub_date: str, source: str, column: str) -> str:
    content = (
        f'<h1 class="title">{html.escape(title)}</h1><div class="info">发布时间：'
        f"{pub_date} 来源：{html.escape(source)}</div>"
        f'<div class="TRS_Editor">{body_html}</div>'
    )
    return page(title, content, column=column, pub_date=pub_date, source=source)


def link_list(items: list[tuple[str, str, str]], pager: str = "") -> str:
    """A column's list: (href, anchor, date) items and a pager."""
    lis = "".join(
        f'<li><a href="{h}" target="_blank">{html.escape(a)}</a><span>{d}</span></li>'
        for h, a, d in items
    )
    return f'<ul class="list">{lis}</ul><div class="page">{pager}</div>'
