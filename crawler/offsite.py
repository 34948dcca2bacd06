"""Keep every request inside its portal's allowed hosts, port included.

Scrapy's own OffsiteMiddleware matches domains only; two portals on one host but
different ports (or a county site next to its province's) must stay apart.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import StatsCollector

from crawler.portals import Portal


class PortalOffsiteMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalOffsiteMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_request(self, request: Request, spider: Spider) -> None:
        name = request.meta.get("ogi_portal")
        portals: dict[str, Portal] = getattr(spider, "portals_by_name", {})
        portal = portals.get(name) if name else None
        if portal is None or portal.allows(request.url):
            return  # robots.txt and other engine requests carry no portal
        self.stats.inc_value("ogi/offsite/dropped")
        raise IgnoreRequest(f"offsite for portal {name}: {request.url}")
