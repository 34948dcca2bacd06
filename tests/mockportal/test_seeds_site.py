"""The seeds portal looks like a real county portal: meta tags, a paginated report
column, real tables, a GBK page, a PDF with a real Chinese text layer, a DOCX table."""

from __future__ import annotations

import io
import re

import pytest
from lxml import html as lxml_html

from mockportal.server import Site
from mockportal.sites.seeds import ASSETS, LIST, REPORTS, seeds_site
from mockportal.spaced import table_rows

META = ("SiteName", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate", "ContentSource")


@pytest.fixture(scope="module")
def site() -> Site:
    return seeds_site()


def _tree(site: Site, path: str, encoding: str = "utf-8") -> lxml_html.HtmlElement:
    return lxml_html.fromstring(site.pages[path].body.decode(encoding))


def test_html_pages_have_a_real_portals_size(site: Site) -> None:
    for path, page in site.pages.items():
        if page.content_type.startswith("text/html"):
            assert 10_000 <= len(page.body) <= 32_000, (path, len(page.body))


def test_articles_carry_the_standard_meta_tags(site: Site) -> None:
    report = REPORTS[0]
    tree = _tree(site, report.path)
    meta = {m.get("name"): m.get("content") for m in tree.xpath("//meta[@name]")}
    assert set(META) <= set(meta)
    assert (meta["ArticleTitle"], meta["PubDate"]) == (report.title, report.pub_date)


@pytest.mark.parametrize(("index", "min_rows"), [(0, 40), (1, 40), (2, 60)])
def test_report_tables_are_html_tables(site: Site, index: int, min_rows: int) -> None:
    report = REPORTS[index]
    encoding = "gb18030" if report.form == "html-gbk" else "utf-8"
    rows = _tree(site, report.path, encoding).xpath("//div[@class='TRS_Editor']//table//tr")
    assert len(rows) >= min_rows


def test_gbk_page_declares_gb2312_and_is_not_utf8(site: Site) -> None:
    page = site.pages[REPORTS[2].path]
    assert page.content_type == "text/html; charset=gb2312"
    assert b"charset=gb2312" in page.body
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    text = page.body.decode("gb18030")
    assert "兴庆区科学技术局" in text and "<td>主动公开规范性文件数</td>" not in text
    assert "<td>其中：主动公开规范性文件数</td><td>条</td><td>9</td>" in text


def test_column_has_two_list_pages_and_look_alikes(site: Site) -> None:
    first = site.pages[f"{LIST}index.html"].body.decode()
    second = site.pages[f"{LIST}index_1.html"].body.decode()
    assert 'href="index_1.html">下一页' in first and 'href="index.html">上一页' in second
    both = first + second
    for report in REPORTS:
        assert report.title in both
    assert "法治政府建设年度报告" in both and "政府工作报告" in both


def test_robots_forbids_admin(site: Site) -> None:
    assert site.pages["/robots.txt"].body == b"User-agent: *\nDisallow: /admin/\n"
    assert "/admin/login.html" in site.pages


def test_pdf_attachment_text_layer_is_real_chinese(site: Site) -> None:
    from pdfminer.high_level import extract_text

    (path,) = [p for p in site.pages if p.endswith(ASSETS["003"])]
    text = extract_text(io.BytesIO(site.pages[path].body))
    assert "攀枝花市科学技术局" in re.sub(r"\s", "", text)
    assert site.pages[path].content_type == "application/pdf"


def test_docx_attachment_is_a_real_word_document(site: Site) -> None:
    import docx

    (path,) = [p for p in site.pages if p.endswith(ASSETS["004"])]
    document = docx.Document(io.BytesIO(site.pages[path].body))
    text = "".join(p.text for p in document.paragraphs)
    assert "百色市科学技术和知识产权局" in text
    assert not document.tables  # seed 004 is a narrative report: no table to carry


def test_docx_rendering_makes_real_tables_from_a_tabular_seed() -> None:
    import docx

    from mockportal.render import to_docx
    from mockportal.sites.seeds import seed_text

    document = docx.Document(io.BytesIO(to_docx(seed_text("001"))))
    assert document.tables and max(len(t.rows) for t in document.tables) >= 10


def test_attachments_hang_off_their_article(site: Site) -> None:
    for seed, name in ASSETS.items():
        report = next(r for r in REPORTS if r.seed == seed)
        assert f'href="./{name}"' in site.pages[report.path].body.decode()


def test_spaced_rows_join_wrapped_labels() -> None:
    lines = ["（一）主动公开政府信息数", "（不同渠道计 1条）  ", "条  9", "二、回应解读情况  —— 0"]
    assert table_rows(lines) == [
        ("（一）主动公开政府信息数（不同渠道计 1条）", "条", "9"),
        ("二、回应解读情况", "——", "0"),
    ]
