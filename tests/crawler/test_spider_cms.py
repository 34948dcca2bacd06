"""The spider's CMS wiring: leads become Requests, API answers go back to their family."""

from __future__ import annotations

import json

import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawler.portals import Portal
from crawler.spider import PortalSpider

BASE = "http://h.gov.example"
PORTAL = Portal("p", "示例", (f"{BASE}/",), frozenset({"h.gov.example:80"}))


def _spider() -> PortalSpider:
    crawler = get_crawler(PortalSpider, {"OGI_PORTALS": [PORTAL]})
    return PortalSpider.from_crawler(crawler)


def _requests(spider: PortalSpider, response: TextResponse) -> list[scrapy.Request]:
    return [r for r in spider.parse(response) if isinstance(r, scrapy.Request)]


def _response(cls: type, url: str, body: str, meta: dict) -> TextResponse:
    request = scrapy.Request(url, meta={"ogi_portal": "p", "ogi_depth": 1, **meta})
    return cls(url, body=body.encode(), encoding="utf-8", request=request)


def test_script_pager_becomes_list_requests() -> None:
    spider = _spider()
    body = "<html><body><script>var countPage = 3</script></body></html>"
    urls = [r.url for r in _requests(spider, _response(HtmlResponse, f"{BASE}/nb/", body, {}))]
    assert urls == [f"{BASE}/nb/index_1.html", f"{BASE}/nb/index_2.html"]


def test_hanweb_window_is_a_form_post_marked_for_hanweb() -> None:
    spider = _spider()
    body = (
        '<script type="text/xml"><datastore><recordset></recordset></datastore></script>'
        "<script>var cfg = {webid: '64', columnid: '1001', unitid: '4711'};</script>"
    )
    (post,) = _requests(spider, _response(HtmlResponse, f"{BASE}/col/col1001/index.html", body, {}))
    assert post.method == "POST" and post.meta["ogi_cms"] == "hanweb"
    assert b"unitid=4711" in post.body and post.meta["ogi_candidate"] is False


def test_json_answer_read_by_its_family_and_records_classified() -> None:
    spider = _spider()
    answer = {
        "articles": [
            {
                "url": "/gkmlpt/content/0/1/post_1.html",
                "title": "某县2020年政府信息公开工作年度报告",
            },
            {"url": "/gkmlpt/content/0/1/post_2.html", "title": "2020年政府工作报告"},
        ]
    }
    url = f"{BASE}/gkmlpt/api/all/1?page=2&sid=9"
    response = _response(TextResponse, url, json.dumps(answer), {"ogi_cms": "gkmlpt"})
    requests = _requests(spider, response)
    assert [(r.url, r.meta["ogi_candidate"]) for r in requests] == [
        (f"{BASE}/gkmlpt/content/0/1/post_1.html", True),
        (f"{BASE}/gkmlpt/api/all/1?page=3&sid=9", False),
    ]
    assert requests[0].meta["ogi_anchor"] == "某县2020年政府信息公开工作年度报告"


def test_requests_counted_per_portal_when_sent() -> None:
    spider = _spider()
    request = scrapy.Request(f"{BASE}/", meta={"ogi_portal": "p"})
    spider.request_sent(request, spider)
    spider.request_sent(scrapy.Request(f"{BASE}/robots.txt"), spider)
    assert spider.crawler.stats.get_value("ogi/portal/p/requests") == 1  # type: ignore[union-attr]
