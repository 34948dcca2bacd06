"""TRS WCM knowledge on real pages: script-only pagers and script-written links."""

from __future__ import annotations

from pathlib import Path

from crawler.cms import page_leads, trs

SAMPLES = Path(__file__).parents[1] / "fixtures" / "samples"
LIST_URL = "http://www.egb.gov.example/xxgk/xxgknb/index.html"
ARTICLE_URL = "http://www.shanxi.gov.example/yw/sxyw/201909/t20190918_693227.shtml"


def _read(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def test_list_countpage_gives_the_other_index_pages() -> None:
    text = _read("trs_list_xxgknb.html")  # var countPage = 2
    assert trs.matches(LIST_URL, text)
    pager = [lead for lead in trs.leads(LIST_URL, text) if lead.pager]
    assert [lead.url for lead in pager] == ["http://www.egb.gov.example/xxgk/xxgknb/index_1.html"]


def test_countpage_three_from_a_later_page() -> None:
    text = "<script>var currentPage = 1;\nvar countPage = 3//共多少页\n</script>"
    urls = [lead.url for lead in trs.pager_leads("http://a.gov.example/nb/index_1.html", text)]
    assert urls == ["http://a.gov.example/nb/index_1.html", "http://a.gov.example/nb/index_2.html"]


def test_create_page_html_names_its_pages() -> None:
    text = '<script>createPageHTML(4, 0, "index", "shtml");</script>'
    urls = [lead.url for lead in trs.pager_leads("http://a.gov.example/nb/", text)]
    assert urls == [f"http://a.gov.example/nb/index_{i}.shtml" for i in (1, 2, 3)]


def test_article_create_page_html_recognised_single_page() -> None:
    text = _read("trs_article_createPageHTML.html")  # createPageHTML(1,0,"t20190918_693227",…)
    assert trs.matches(ARTICLE_URL, text)
    assert trs.pager_leads(ARTICLE_URL, text) == []
    urls = {lead.url for lead in trs.script_links(ARTICLE_URL, text)}
    assert ARTICLE_URL in urls  # the pager's own 首页 link, written by the script
    assert not any(u.endswith(".jpg") for u in urls)  # W0….jpg images are not attachments


def test_attachment_written_by_document_write() -> None:
    text = (
        '<script>document.write(\'附件：<a href="./P020210301123456789012.pdf">'
        "某县2020年政府信息公开工作年度报告.pdf</a>');</script>"
    )
    leads = trs.script_links("http://a.gov.example/nb/202103/t20210301_1.html", text)
    assert [(lead.url, lead.anchor) for lead in leads] == [
        (
            "http://a.gov.example/nb/202103/P020210301123456789012.pdf",
            "某县2020年政府信息公开工作年度报告.pdf",
        )
    ]


def test_absolute_script_links_keep_their_host() -> None:
    text = "<script>var f = 'http://b.gov.example/x/W020200101000000001.docx';</script>"
    (lead,) = trs.script_links("http://a.gov.example/nb/", text)
    assert lead.url == "http://b.gov.example/x/W020200101000000001.docx"


def test_the_registry_offers_trs_leads_for_the_list() -> None:
    families = {name for name, _ in page_leads(LIST_URL, _read("trs_list_xxgknb.html"))}
    assert families == {"trs"}
