"""A county portal serving the five seed reports the ways real portals do.

Seed 000 and 001 as HTML articles with real tables, 002 as a GBK page labelled gb2312,
003 only as a PDF attachment and 004 as a DOCX attachment of their article pages; a
paginated 政府信息公开年报 column; look-alikes (法治政府建设年度报告, 政府工作报告, a
meeting notice) that must not be kept; a robots.txt that forbids /admin/.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mockportal.render import html_content
from mockportal.server import Site
from mockportal.sites.chrome import article, link_list, page
from mockportal.spaced import spaced_html

DATA = Path(str(resources.files("mockportal") / "data"))
COLUMN = "政府信息公开年报"
LIST = "/xxgk/zfxxgknb/"


@dataclass(frozen=True)
class SeedReport:
    seed: str  # file name prefix in data/seeds
    title: str
    source: str
    pub_date: str
    path: str
    form: str  # html | html-gbk | pdf | docx


REPORTS = (
    SeedReport(
        "000",
        "自治区科技厅2018年政府信息公开工作年度报告",
        "宁夏回族自治区科学技术厅",
        "2019-03-27",
        f"{LIST}201903/t20190327_101.html",
        "html",
    ),
    SeedReport(
        "001",
        "隆德县科技局2019年政府信息公开工作年度报告",
        "隆德县科技局",
        "2020-01-20",
        f"{LIST}202001/t20200120_102.html",
        "html",
    ),
    SeedReport(
        "002",
        "兴庆区科学技术局2017年政府信息公开工作年度报告",
        "兴庆区科学技术局",
        "2018-02-26",
        f"{LIST}201802/t20180226_103.html",
        "html-gbk",
    ),
    SeedReport(
        "003",
        "攀枝花市科学技术局2018年政府信息公开工作年度报告",
        "攀枝花市科学技术局",
        "2019-02-22",
        f"{LIST}201902/t20190222_104.html",
        "pdf",
    ),
    SeedReport(
        "004",
        "百色市科学技术和知识产权局2018年政府信息公开工作年度报告",
        "百色市科学技术和知识产权局",
        "2019-03-15",
        f"{LIST}201903/t20190315_106.html",
        "docx",
    ),
)

ASSETS = {"003": "P020190222512345678901.pdf", "004": "W020190315333444555666.docx"}
MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def seed_text(seed: str) -> str:
    (path,) = (DATA / "seeds").glob(f"{seed}_*.txt")
    return path.read_text(encoding="utf-8")


def asset_path(seed: str) -> Path:
    return DATA / "assets" / ASSETS[seed]


def seeds_site() -> Site:
    site = Site()
    site.add("/robots.txt", "User-agent: *\nDisallow: /admin/\n", "text/plain")
    site.add("/", _home())
    site.add("/xxgk/", _disclosure_index())
    site.add("/admin/login.html", page("后台登录", "<form>用户名</form>", column="后台"))
    for report in REPORTS:
        _add_report(site, report)
    _add_lists(site)
    _add_lookalikes(site)
    _add_other_columns(site)
    return site


def _home() -> str:
    links = link_list(
        [
            ("/xxgk/", "政务公开", ""),
            ("/news/", "新闻动态", ""),
            ("/admin/login.html", "后台管理", ""),
            # hostile links portals carry: another local port, a local file, control bytes
            ("http://127.0.0.1:9/admin/", "2019年政府信息公开工作年度报告", ""),
            ("file:///etc/passwd", "2018年政府信息公开年度报告", ""),
            ("/xxgk/%0d%0aSet-Cookie:x=1/", "政府信息公开年报", ""),
        ]
    )
    return page("首页", links, column="首页")


def _disclosure_index() -> str:
    links = link_list(
        [
            (LIST, "政府信息公开年报", ""),
            ("/xxgk/fzzfjs/", "法治政府建设", ""),
            ("/xxgk/zcwj/", "政策文件", ""),
        ]
    )
    return page("政务公开", links, column="政务公开")


def _add_report(site: Site, report: SeedReport) -> None:
    text = seed_text(report.seed)
    if report.form == "html-gbk":  # an old page: its statistics table laid out by spaces
        body = spaced_html(text)
    elif report.form == "html":
        body = html_content(text)
    else:
        name = ASSETS[report.seed]
        site.add(
            f"{report.path.rsplit('/', 1)[0]}/{name}",
            asset_path(report.seed).read_bytes(),
            MEDIA[report.form],
        )
        body = (
            f'<p>{report.title}详见附件。</p><p>附件：<a href="./{name}">'
            f"{report.title}.{report.form}</a></p>"
        )
    html = article(
        report.title, body, pub_date=report.pub_date, source=report.source, column=COLUMN
    )
    if report.form == "html-gbk":
        html = html.replace("charset=utf-8", "charset=gb2312")
        site.add(report.path, html.encode("gb18030"), "text/html; charset=gb2312")
    else:
        site.add(report.path, html)


def _add_lists(site: Site) -> None:
    first = [(r.path, r.title, r.pub_date) for r in REPORTS[:2]]
    first += [
        (
            f"{LIST}201901/t20190110_105.html",
            "关于召开全县政府信息公开工作会议的通知",
            "2019-01-10",
        ),
        ("/xxgk/zfgzbg/t20190301_107.html", "2019年政府工作报告", "2019-03-01"),
    ]
    pager = '共2页 <a href="index_1.html">下一页</a> <a href="index_1.html">尾页</a>'
    site.add(LIST, page(COLUMN, link_list(first, pager), column=COLUMN))
    site.add(f"{LIST}index.html", page(COLUMN, link_list(first, pager), column=COLUMN))
    rest = [(r.path, r.title, r.pub_date) for r in REPORTS[2:]]
    rest.append(("/xxgk/fzzfjs/t20190301_108.html", "2018年法治政府建设年度报告", "2019-03-01"))
    back = '<a href="index.html">首页</a> <a href="index.html">上一页</a>'
    site.add(f"{LIST}index_1.html", page(COLUMN, link_list(rest, back), column=COLUMN))


def _add_lookalikes(site: Site) -> None:
    for path, title in (
        (f"{LIST}201901/t20190110_105.html", "关于召开全县政府信息公开工作会议的通知"),
        ("/xxgk/zfgzbg/t20190301_107.html", "2019年政府工作报告"),
        ("/xxgk/fzzfjs/t20190301_108.html", "2018年法治政府建设年度报告"),
    ):
        body = f"<p>{title}。各乡镇、各部门：现将有关事项通知如下。</p>"
        site.add(
            path,
            article(title, body, pub_date="2019-03-01", source=SITE_NAME_SOURCE, column="通知公告"),
        )


SITE_NAME_SOURCE = "示例县人民政府办公室"


def _add_other_columns(site: Site) -> None:
    """The disclosure index's other columns: no reports there, only look-alikes and policy."""
    rule_of_law = [("t20190301_108.html", "2018年法治政府建设年度报告", "2019-03-01")]
    site.add("/xxgk/fzzfjs/", page("法治政府建设", link_list(rule_of_law), column="法治政府建设"))
    policies = [
        (f"{y}{m:02d}/t{y}{m:02d}15_{900 + i}.html", title, f"{y}-{m:02d}-15")
        for i, (y, m, title) in enumerate(
            (
                (2019, 3, "示例县人民政府关于印发《示例县科技创新券管理办法》的通知"),
                (2019, 1, "示例县人民政府办公室关于做好2019年春节期间安全生产工作的通知"),
                (2018, 11, "示例县人民政府关于调整县级财政专项资金管理方式的意见"),
            )
        )
    ]
    site.add("/xxgk/zcwj/", page("政策文件", link_list(policies), column="政策文件"))
