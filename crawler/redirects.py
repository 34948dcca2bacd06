"""Redirect loops and over-long chains, stopped with a reason before Scrapy gives up.

Scrapy's RedirectMiddleware (600) drops a loop silently (the dupefilter, or "max
redirections reached" as an IgnoreRequest). Placed just before it (610), this one
sees the 3xx first: a Location already in the chain, or a chain at
REDIRECT_MAX_TIMES, is not followed; the 3xx answer goes on to the spider and the
archive (with its chain) and is counted as ``ogi/errors/redirect_loop`` or
``redirect_too_long``, per portal too. An over-long chain is also the limit
``ogi/limits/too_many_redirects`` (crawler.limits), the reason the limits report uses.
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.limits import count_limit
from crawler.urls import url_key

REDIRECTS = {301, 302, 303, 307, 308}


class RedirectGuardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES", 10)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        location = response.headers.get("Location")
        if response.status not in REDIRECTS or location is None:
            return response
        target = url_key(urljoin(request.url, location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        reason = None
        if target in {url_key(u) for u in chain}:
            reason = "redirect_loop"
        elif len(chain) > self.max_times:
            reason = "redirect_too_long"
        if reason is not None:
            request.meta["dont_redirect"] = True
            request.meta["ogi_error_reason"] = reason
            self.stats.inc_value(f"ogi/errors/{reason}")
            if reason == "redirect_too_long":
                count_limit(self.stats, request, "too_many_redirects")
        return response
