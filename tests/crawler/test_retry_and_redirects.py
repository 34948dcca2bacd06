"""Back-off delays and the redirect guard, on Scrapy objects without a network."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.redirects import RedirectGuardMiddleware
from crawler.retry import BackoffRetryMiddleware

BASE = "http://www.example.gov.example"


def test_back_off_doubles_honours_retry_after_and_is_capped() -> None:
    mw = BackoffRetryMiddleware(
        Settings({"RETRY_ENABLED": True, "RETRY_BACKOFF_BASE": 2, "RETRY_BACKOFF_MAX": 10})
    )
    assert [mw.delay_for(n, None) for n in (1, 2, 3, 4)] == [2, 4, 8, 10]
    assert mw.delay_for(1, b"7") == 7
    assert mw.delay_for(1, b"600") == 10  # a server asking for ten minutes gets the cap
    assert mw.delay_for(2, b"Wed, 21 Oct 2015 07:28:00 GMT") == 4


def _guard(max_times: int = 10) -> RedirectGuardMiddleware:
    return RedirectGuardMiddleware(get_crawler(settings_dict={"REDIRECT_MAX_TIMES": max_times}))


def _redirect(request: Request, location: str) -> Response:
    return Response(request.url, status=302, headers={"Location": location}, request=request)


def test_a_loop_is_not_followed_and_has_a_reason() -> None:
    guard = _guard()
    request = Request(f"{BASE}/nb.html?r=1", meta={"redirect_urls": [f"{BASE}/nb.html"]})
    guard.process_response(request, _redirect(request, "/nb.html"))
    assert request.meta["dont_redirect"] and request.meta["ogi_error_reason"] == "redirect_loop"
    assert guard.stats.get_value("ogi/errors/redirect_loop") == 1


def test_an_ordinary_chain_is_left_to_scrapy() -> None:
    guard = _guard()
    request = Request(f"{BASE}/old/nb.html")
    guard.process_response(request, _redirect(request, "/mid/nb.html"))
    assert "dont_redirect" not in request.meta


def test_an_over_long_chain_stops() -> None:
    guard = _guard(max_times=2)
    chain = [f"{BASE}/r/{n}" for n in range(3)]
    request = Request(f"{BASE}/r/3", meta={"redirect_urls": chain})
    guard.process_response(request, _redirect(request, "/r/4"))
    assert request.meta["ogi_error_reason"] == "redirect_too_long"
