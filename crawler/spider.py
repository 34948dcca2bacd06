"""One generic spider for every portal: follow disclosure lists, keep reports and attachments.

The spider only decides what to fetch and what to keep; the archiving pipeline stores
what it keeps, and nothing here reads a report's contents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import KeptResponse
from crawler.links import extract_links
from crawler.portals import Portal
from crawler.relevance import classify
from settings import names


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portals: list[Portal] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portals: list[Portal] = list(portals or [])
        self.portals_by_name = {p.name: p for p in self.portals}
        self.scheduled: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        kwargs.setdefault("portals", crawler.settings.get(names.OGI_PORTALS) or [])
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.default_depth = crawler.settings.getint(names.OGI_MAX_DEPTH, 6)
        spider.default_pages = crawler.settings.getint(names.OGI_MAX_PAGES, 3000)
        return spider

    async def start(self) -> Any:  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        for portal in self.portals:
            for url in portal.start_urls:
                yield self._request(portal, url, None, "", 0, candidate=False)

    def _request(
        self,
        portal: Portal,
        url: str,
        found_from: str | None,
        anchor: str,
        depth: int,
        *,
        candidate: bool,
        priority: int = 0,
    ) -> scrapy.Request:
        self.scheduled[portal.name] += 1
        meta = {
            "ogi_portal": portal.name,
            "ogi_found_from": found_from,
            "ogi_anchor": anchor,
            "ogi_depth": depth,
            "ogi_candidate": candidate,
        }
        return scrapy.Request(
            url, callback=self.parse, errback=self.on_error, meta=meta, priority=priority
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        meta = response.meta
        portal = self.portals_by_name[meta["ogi_portal"]]
        yield KeptResponse(
            response,
            portal.name,
            meta.get("ogi_found_from"),
            meta.get("ogi_anchor"),
            meta.get("ogi_depth", 0),
            bool(meta.get("ogi_candidate")),
        )
        if response.status == 200 and isinstance(response, TextResponse):
            yield from self._follow(portal, response)

    def _follow(self, portal: Portal, response: TextResponse) -> Iterator[scrapy.Request]:
        depth = response.meta.get("ogi_depth", 0) + 1
        on_report = bool(response.meta.get("ogi_candidate"))
        stats = self.crawler.stats
        for url, anchor in extract_links(response.text, response.url):
            if not portal.allows(url):
                continue
            decision = classify(anchor, url, on_report_page=on_report)
            if decision.kind == "drop":
                stats.inc_value(f"ogi/dropped/{decision.reason}")
                continue
            if not self._within_budget(portal, depth, decision.kind):
                stats.inc_value("ogi/dropped/budget")
                continue
            stats.inc_value(f"ogi/kept/{decision.reason}")
            yield self._request(
                portal,
                url,
                response.url,
                anchor,
                depth,
                candidate=decision.kind in ("report", "attachment"),
                priority=decision.priority,
            )

    def _within_budget(self, portal: Portal, depth: int, kind: str) -> bool:
        max_depth = portal.max_depth if portal.max_depth is not None else self.default_depth
        max_pages = portal.max_pages if portal.max_pages is not None else self.default_pages
        if self.scheduled[portal.name] >= max_pages:
            return False
        return kind != "list" or depth <= max_depth

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        reason = failure.type.__name__ if failure.type else "unknown"
        portal = request.meta.get("ogi_portal", "?")
        self.crawler.stats.inc_value(f"ogi/errors/{reason}")
        self.crawler.stats.inc_value(f"ogi/portal/{portal}/errors")
        self.logger.warning("failed %s: %s", request.url, failure.getErrorMessage())
