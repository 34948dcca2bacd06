"""A county portal big enough to kill a crawl at many points: a paged 年报 column of
report articles (from the seed texts, under varied agencies and years) and PDF copies.
"""

from __future__ import annotations

from mockportal.render import html_content
from mockportal.server import Site
from mockportal.sites.chrome import article, link_list, page
from mockportal.sites.seeds import asset_path, seed_text

COLUMN = "政府信息公开年报"
LIST = "/xxgk/zfxxgknb/"
AGENCIES = ("科技局", "教育局", "民政局", "财政局", "交通运输局", "卫生健康委员会")
PER_PAGE = 6


def reports(count: int) -> list[tuple[str, str, str, str]]:
    """(path, title, date, seed) of ``count`` reports."""
    out = []
    for i in range(count):
        year = 2015 + i % 8
        title = f"示例县{AGENCIES[i % len(AGENCIES)]}{year}年政府信息公开工作年度报告"
        date = f"{year + 1}-03-{1 + i % 28:02d}"
        path = f"{LIST}{year + 1}03/t{year + 1}03{1 + i % 28:02d}_{500 + i}.html"
        out.append((path, title, date, f"00{i % 2}"))
    return out


def faults_site(count: int = 12, pdfs: int = 1) -> Site:
    site = Site()
    site.add("/robots.txt", "User-agent: *\nDisallow: /admin/\n", "text/plain")
    site.add("/", page("首页", link_list([(LIST, COLUMN, "")]), column="首页"))
    items = reports(count)
    pdf = asset_path("003").read_bytes()
    for n, (path, title, date, seed) in enumerate(items):
        body = html_content(seed_text(seed).replace("2018", title[-16:-12], 1))
        if n < pdfs:
            name = f"P0{n:019d}.pdf"
            site.add(f"{path.rsplit('/', 1)[0]}/{name}", pdf, "application/pdf")
            body += f'<p>附件：<a href="./{name}">{title}.pdf</a></p>'
        source = title[: title.index("局") + 1] if "局" in title else "示例县人民政府"
        site.add(path, article(title, body, pub_date=date, source=source, column=COLUMN))
    chunks = [items[i : i + PER_PAGE] for i in range(0, len(items), PER_PAGE)]
    for n, chunk in enumerate(chunks):
        pager = f'共{len(chunks)}页 <a href="index_{n + 1}.html">下一页</a>' * (n + 1 < len(chunks))
        html = page(COLUMN, link_list([(p, t, d) for p, t, d, _ in chunk], pager), column=COLUMN)
        site.add(f"{LIST}index{'' if n == 0 else f'_{n}'}.html", html)
        if n == 0:
            site.add(LIST, html)
    return site
