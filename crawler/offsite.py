"""Keep every request inside its portal's allowed hosts, port included.

Scrapy's own OffsiteMiddleware matches domains only; two portals on one host but
different ports (or a county site next to its province's) must stay apart. As a
downloader middleware it also sees redirect targets, which the spider never judged.
Refusals are counted as `ogi/refused/offsite`, like crawler.safety's refusals.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawler.portals import Portal


class PortalOffsiteMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalOffsiteMiddleware:
        return cls(crawler)

    # ``spider`` defaults to None: Scrapy >= 2.14 no longer passes it, older ones do.
    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        name = request.meta.get("ogi_portal")
        portals: dict[str, Portal] = getattr(spider or self.crawler.spider, "portals_by_name", {})
        portal = portals.get(name) if name else None
        if portal is None or portal.allows(request.url):
            return  # robots.txt and other engine requests carry no portal
        self.stats.inc_value("ogi/refused/offsite")
        raise IgnoreRequest(f"offsite for portal {name}: {request.url}")
