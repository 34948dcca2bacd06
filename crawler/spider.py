"""One generic spider for every portal: follow disclosure lists, keep reports and attachments.

The spider only decides what to fetch and what to keep; the archiving pipeline stores
what it keeps, and nothing here reads a report's contents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.cms import Lead, answer_leads, page_leads
from crawler.items import KeptResponse
from crawler.links import extract_links
from crawler.portals import Portal
from crawler.relevance import LinkDecision, classify
from settings import names

YIELDED_MAX = 200_000


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portals: list[Portal] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portals: list[Portal] = list(portals or [])
        self.portals_by_name = {p.name: p for p in self.portals}
        self.scheduled: Counter[str] = Counter()
        # Requests already yielded: menus and pagers repeat links on every page, and a
        # request Scrapy's duplicate filter would drop costs ~0.1 ms to build and route.
        # Bounded (cleared when full): the duplicate filter stays the real guard.
        self.yielded: set[tuple[str, str, tuple]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        kwargs.setdefault("portals", crawler.settings.get(names.OGI_PORTALS) or [])
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.default_depth = crawler.settings.getint(names.OGI_MAX_DEPTH, 6)
        spider.default_pages = crawler.settings.getint(names.OGI_MAX_PAGES, 3000)
        crawler.signals.connect(spider.request_sent, signal=signals.request_reached_downloader)
        return spider

    def request_sent(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """Requests spent per portal (retries included), for requests per report found."""
        portal = request.meta.get("ogi_portal")
        if portal and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"ogi/portal/{portal}/requests")

    async def start(self) -> Any:  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        for portal in self.portals:
            for url in portal.start_urls:
                yield self._request(portal, Lead(url), None, 0, candidate=False)

    def _request(
        self,
        portal: Portal,
        lead: Lead,
        found_from: str | None,
        depth: int,
        *,
        candidate: bool,
        priority: int = 0,
    ) -> scrapy.Request:
        self.scheduled[portal.name] += 1
        meta = {
            "ogi_portal": portal.name,
            "ogi_found_from": found_from,
            "ogi_anchor": lead.anchor,
            "ogi_depth": depth,
            "ogi_candidate": candidate,
            "ogi_cms": lead.answer_by,
        }
        common = {"callback": self.parse, "errback": self.on_error, "meta": meta}
        if lead.method == "POST":
            return scrapy.FormRequest(
                lead.url, formdata=list(lead.formdata), priority=priority, **common
            )
        return scrapy.Request(lead.url, method=lead.method, priority=priority, **common)

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
            yield from self._follow(portal, response, self._leads(response))

    def _leads(self, response: TextResponse) -> Iterator[Lead]:
        """Links of an HTML page plus what CMS families add; a family reads its own API."""
        family = response.meta.get("ogi_cms")
        if family:
            body = (response.request.body if response.request else b"") or b""
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
            yield from answer_leads(family, response.url, response.text, form)
            return
        for url, anchor in extract_links(response.text, response.url):
            yield Lead(url, anchor)
        for family, lead in page_leads(response.url, response.text):
            self.crawler.stats.inc_value(f"ogi/cms/{family}/leads")
            yield lead

    def _follow(
        self, portal: Portal, response: TextResponse, leads: Iterator[Lead]
    ) -> Iterator[scrapy.Request]:
        depth = response.meta.get("ogi_depth", 0) + 1
        on_report = bool(response.meta.get("ogi_candidate"))
        stats = self.crawler.stats
        for lead in leads:
            if not portal.allows(lead.url):
                stats.inc_value("ogi/dropped/offsite")
                continue
            decision = (
                LinkDecision("list", "cms_pager")
                if lead.pager
                else classify(lead.anchor, lead.url, on_report_page=on_report)
            )
            if decision.kind == "drop":
                stats.inc_value(f"ogi/dropped/{decision.reason}")
                continue
            if not self._within_budget(portal, depth, decision.kind):
                stats.inc_value("ogi/dropped/budget")
                continue
            stats.inc_value(f"ogi/kept/{decision.reason}")
            key = (lead.method, lead.url, lead.formdata)
            if key in self.yielded:
                continue
            if len(self.yielded) >= YIELDED_MAX:
                self.yielded.clear()
            self.yielded.add(key)
            yield self._request(
                portal,
                lead,
                response.url,
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
        if failure.check(IgnoreRequest):
            # A refusal (robots.txt, offsite, unsafe address), counted where it was made.
            self.logger.debug("not fetched %s: %s", request.url, failure.getErrorMessage())
            return
        reason = failure.type.__name__ if failure.type else "unknown"
        portal = request.meta.get("ogi_portal", "?")
        self.crawler.stats.inc_value(f"ogi/errors/{reason}")
        self.crawler.stats.inc_value(f"ogi/portal/{portal}/errors")
        self.logger.warning("failed %s: %s", request.url, failure.getErrorMessage())
