"""Requests, redirect targets included, stay on their portal's host and port."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.offsite import PortalOffsiteMiddleware
from crawler.portals import adhoc_portal


def _setup() -> tuple[PortalOffsiteMiddleware, Spider, MemoryStatsCollector]:
    crawler = get_crawler(Spider)
    spider = Spider("t")
    portal = adhoc_portal("http://127.0.0.1:8000/")
    spider.portals_by_name = {portal.name: portal}  # type: ignore[attr-defined]
    stats = MemoryStatsCollector(crawler)
    return PortalOffsiteMiddleware(stats), spider, stats


def test_same_host_other_port_is_dropped_and_counted() -> None:
    mw, spider, stats = _setup()
    request = Request("http://127.0.0.1:8001/x", meta={"ogi_portal": "127.0.0.1"})
    with pytest.raises(IgnoreRequest):
        mw.process_request(request, spider)
    assert stats.get_value("ogi/offsite/dropped") == 1


def test_own_host_and_engine_requests_pass() -> None:
    mw, spider, _ = _setup()
    assert (
        mw.process_request(
            Request("http://127.0.0.1:8000/y", meta={"ogi_portal": "127.0.0.1"}), spider
        )
        is None
    )
    assert mw.process_request(Request("http://127.0.0.1:8000/robots.txt"), spider) is None
