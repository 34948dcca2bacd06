"""The page furniture every Chinese government portal wraps around its content."""

from __future__ import annotations

import html

SITE_NAME = "示例县人民政府"
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
        ("SiteIDCode", "6400000001"),
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
        f'{extra_head}</head><body><div class="top"><ul class="nav">{nav}</ul></div>'
        f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政务公开</a>'
        f' &gt; {html.escape(column)}</div><div class="main">{content}</div>'
        f'<div class="footer">主办：{SITE_NAME}办公室 网站标识码：6400000001 '
        f'<a href="/admin/login.html">后台管理</a></div></body></html>'
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
