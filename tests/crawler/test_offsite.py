"""Requests, redirect targets included, stay on their portal's host and port."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from crawler.offsite import PortalOffsiteMiddleware
from crawler.portals import adhoc_portal, host_port


def _setup() -> tuple[PortalOffsiteMiddleware, Spider]:
    crawler = get_crawler(Spider)
    spider = Spider("t")
    portal = adhoc_portal("http://127.0.0.1:8000/")
    spider.portals_by_name = {portal.name: portal}  # type: ignore[attr-defined]
    crawler.spider = spider
    return PortalOffsiteMiddleware(crawler), spider


def _meta() -> dict[str, str]:
    return {"ogi_portal": "127.0.0.1"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/x",  # same host, another port: another site
        "https://127.0.0.1/x",  # https defaults to port 443
        "http://127.0.0.1/x",  # port 80
        "http://localhost:8000/x",  # another name for the host is still another host
        "http://evil.example.com:8000/",
    ],
)
def test_other_host_or_port_is_refused_and_counted(url: str) -> None:
    mw, spider = _setup()
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request(url, meta=_meta()), spider)
    assert mw.stats.get_value("ogi/refused/offsite") == 1


def test_redirect_target_is_checked_like_any_request() -> None:
    """RedirectMiddleware's follow-up request keeps the meta, so it is refused too."""
    mw, _ = _setup()
    redirected = Request("http://127.0.0.1:9/admin/", meta={**_meta(), "redirect_times": 1})
    with pytest.raises(IgnoreRequest):
        mw.process_request(redirected)  # Scrapy >= 2.14 passes no spider


def test_own_host_and_engine_requests_pass() -> None:
    mw, spider = _setup()
    assert mw.process_request(Request("http://127.0.0.1:8000/y", meta=_meta()), spider) is None
    assert mw.process_request(Request("http://127.0.0.1:8000/robots.txt"), spider) is None
    assert mw.stats.get_value("ogi/refused/offsite") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://WWW.Example.gov.example/a", "www.example.gov.example:80"),
        ("https://kjt.nx.gov.example/", "kjt.nx.gov.example:443"),
        ("http://127.0.0.1:8080/x?y=1", "127.0.0.1:8080"),
        ("http://[::1]:81/", "::1:81"),
    ],
)
def test_host_port_fills_in_default_ports(url: str, expected: str) -> None:
    assert host_port(url) == expected
