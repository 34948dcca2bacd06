"""The seed reports and look-alikes as articles, for sites of any CMS family.

Each CMS mock only decides where things live and how lists reach them; the report
bodies (HTML with real tables, or a PDF/DOCX attachment) are the seeds' everywhere.
"""

from __future__ import annotations

import html

from mockportal.render import html_content
from mockportal.server import Site
from mockportal.sites.chrome import article
from mockportal.sites.seeds import (
    ASSETS,
    MEDIA,
    SITE_NAME_SOURCE,
    SeedReport,
    asset_path,
    seed_text,
)

COLUMN = "政府信息公开年报"
ROBOTS = "User-agent: *\nDisallow: /admin/\n"
# Titles that must never be fetched from a report column: other kinds of document.
LOOKALIKES = (
    "2019年政府工作报告",
    "2018年法治政府建设年度报告",
    "关于召开全县政府信息公开工作会议的通知",
    "2018年部门决算公开",
)


def add_report(
    site: Site, report: SeedReport, path: str, attachment: str = "", *, scripted: bool = False
) -> None:
    """An article page at ``path``; PDF/DOCX seeds also get their file at ``attachment``.

    ``scripted``: the attachment link is written by ``document.write`` (TRS style), so
    only a crawler that reads scripts finds it.
    """
    if report.form.startswith("html"):
        body = html_content(seed_text(report.seed))
    else:
        site.add(attachment, asset_path(report.seed).read_bytes(), MEDIA[report.form])
        name = f"{html.escape(report.title)}.{report.form}"
        link = f'<a href="{html.escape(attachment)}">{name}</a>'
        if scripted:
            link = f"<script>document.write('附件：<a href=\"{attachment}\">{name}</a>');</script>"
        body = f"<p>{html.escape(report.title)}详见附件。</p><p>{link}</p>"
    site.add(
        path,
        article(report.title, body, pub_date=report.pub_date, source=report.source, column=COLUMN),
    )


def add_lookalike(site: Site, path: str, title: str) -> None:
    """A page a crawler must not fetch: it says in its title that it is no OGI report."""
    body = f"<p>{html.escape(title)}。各乡镇、各部门：现将有关事项通知如下。</p>"
    site.add(
        path,
        article(title, body, pub_date="2019-03-01", source=SITE_NAME_SOURCE, column="通知公告"),
    )


def asset_name(report: SeedReport) -> str:
    return ASSETS[report.seed]
