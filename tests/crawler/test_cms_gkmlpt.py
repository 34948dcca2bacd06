"""Guangdong gkmlpt knowledge: columns from the catalogue page, lists from the JSON API."""

from __future__ import annotations

import json

from crawler.cms import answer_leads, gkmlpt, page_leads

BASE = "http://127.0.0.1:8000/gkmlpt/index"
CATALOGUE = (
    "<script>window._CONFIG = { sid: '757001' };</script>"
    '<a href="/gkmlpt/index#2766">政府信息公开年报</a><a href="/gkmlpt/index#2767">政策文件</a>'
)


def _answer(articles: list[dict], total: int | None) -> str:
    data: dict = {"classify": {"id": 2766}, "articles": articles}
    if total is not None:
        data["total"] = total
    return json.dumps(data, ensure_ascii=False)


def test_columns_become_api_requests_named_like_the_column() -> None:
    leads = [lead for name, lead in page_leads(BASE, CATALOGUE) if name == "gkmlpt"]
    assert [(lead.url, lead.anchor, lead.answer_by) for lead in leads] == [
        (
            "http://127.0.0.1:8000/gkmlpt/api/all/2766?page=1&sid=757001",
            "政府信息公开年报",
            "gkmlpt",
        ),
        ("http://127.0.0.1:8000/gkmlpt/api/all/2767?page=1&sid=757001", "政策文件", "gkmlpt"),
    ]


def test_no_site_id_no_guessing() -> None:
    assert gkmlpt.leads(BASE, '<a href="/gkmlpt/index#2766">年报</a>') == []


def test_first_page_lists_articles_and_the_other_pages() -> None:
    url = "http://127.0.0.1:8000/gkmlpt/api/all/2766?page=1&sid=757001"
    articles = [
        {"url": f"http://127.0.0.1:8000/gkmlpt/content/0/2766/post_{i}.html", "title": f"t{i}"}
        for i in range(4)
    ]
    leads = answer_leads("gkmlpt", url, _answer(articles, 10), {})
    assert [lead.anchor for lead in leads if not lead.pager] == ["t0", "t1", "t2", "t3"]
    assert [lead.url.split("all/")[1] for lead in leads if lead.pager] == [
        "2766?page=2&sid=757001",
        "2766?page=3&sid=757001",
    ]


def test_without_total_walk_until_empty() -> None:
    url = "http://g/gkmlpt/api/all/5?page=3&sid=1"
    leads = gkmlpt.read_answer(
        url, _answer([{"url": "/gkmlpt/content/p.html", "title": "x"}], None), {}
    )
    assert leads[-1].url == "http://g/gkmlpt/api/all/5?page=4&sid=1"
    assert gkmlpt.read_answer(url, _answer([], None), {}) == []


def test_not_json_is_nothing() -> None:
    assert gkmlpt.read_answer("http://g/gkmlpt/api/all/5?page=1&sid=1", "<html>", {}) == []
