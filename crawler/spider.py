"""One generic spider for every portal: follow disclosure lists, keep reports and attachments.

The spider only decides what to fetch and what to keep; the archiving pipeline stores
what it keeps, and nothing here reads a report's contents.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from twisted.python.failure import Failure

from crawler import traps
from crawler.cms import Lead, answer_leads, page_leads, trs
from crawler.items import KeptResponse
from crawler.links import extract_links
from crawler.portals import Portal
from crawler.recrawl import Recrawl
from crawler.relevance import LinkDecision, classify, decided
from crawler.urls import clean
from settings import names

YIELDED_MAX = 200_000
# Memoised link judgements, in two generations of at most this many each: a full young
# generation becomes the old one (the previous old one is dropped), and a hit in the old
# one moves back to the young. Menus and pagers stay memoised; one-off links age out, so
# memory stays small and flat. A broad crawl takes turns among its hosts (the downloader-
# aware queue), so the menus and pagers of every portal must fit: a generation holds at
# least JUDGED_PER_PORTAL judgements per portal, at most JUDGED_GENERATION_MAX (both
# generations full: ~70 MB). With 4096 the 200-portal politeness bench re-judged ~100
# links on every page; with 256 per portal a 50-portal farm of ~2,000 pages each (five
# columns of ~130 list pages, every list page linking its pager) re-judged most links
# of every list page late in the crawl, two thirds of the crawl process's CPU.
JUDGED_GENERATION = 4096
JUDGED_PER_PORTAL = 1024
JUDGED_GENERATION_MAX = 65_536
PAST_LAST_PAGE = LinkDecision("drop", "trap_past_last_page")
Link = tuple[str, str]  # (url, anchor text) as lean link extraction finds it


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portals: list[Portal] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.portals: list[Portal] = list(portals or [])
        self.portals_by_name = {p.name: p for p in self.portals}
        self.scheduled: Counter[str] = Counter()
        self.params = traps.ParamSpace(20)
        self.report_digests: set[bytes] = set()  # payloads kept as report documents
        self.recrawl: Recrawl | None = None
        # Requests already yielded: menus and pagers repeat links on every page, and a
        # request Scrapy's duplicate filter would drop costs ~0.1 ms to build and route.
        # Bounded (cleared when full): the duplicate filter stays the real guard.
        self.yielded: set[tuple[str, str, tuple]] = set()
        self._judgements: dict[tuple[str, Lead | Link, bool], list[Any]] = {}
        self._judgements_old: dict[tuple[str, Lead | Link, bool], list[Any]] = {}
        self._generation = min(
            max(JUDGED_GENERATION, JUDGED_PER_PORTAL * len(self.portals)), JUDGED_GENERATION_MAX
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        kwargs.setdefault("portals", crawler.settings.get(names.OGI_PORTALS) or [])
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.default_depth = crawler.settings.getint(names.OGI_MAX_DEPTH, 6)
        spider.default_pages = crawler.settings.getint(names.OGI_MAX_PAGES, 3000)
        spider.params = traps.ParamSpace(crawler.settings.getint("OGI_MAX_QUERY_VARIANTS", 20))
        crawler.signals.connect(spider.request_sent, signal=signals.request_reached_downloader)
        crawler.signals.connect(spider.closed_recrawl, signal=signals.spider_closed)
        return spider

    def closed_recrawl(self, spider: scrapy.Spider | None = None) -> None:
        if self.recrawl is not None:
            self.recrawl.close()

    def request_sent(self, request: scrapy.Request, spider: scrapy.Spider) -> None:
        """Requests spent per portal (retries included), for requests per report found."""
        portal = request.meta.get("ogi_portal")
        if portal and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"ogi/portal/{portal}/requests")

    async def start(self) -> Any:  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        if self.recrawl is None:
            self.recrawl = Recrawl.from_settings(self.crawler.settings)
            self.crawler.stats.set_value("ogi/recrawl/known_urls", len(self.recrawl.known))
        for portal in self.portals:
            for url in portal.start_urls:
                request = self._request(portal, Lead(url), None, 0, candidate=False)
                if request is not None:
                    yield request

    def _request(
        self,
        portal: Portal,
        lead: Lead,
        found_from: str | None,
        depth: int,
        *,
        candidate: bool,
        priority: int = 0,
    ) -> scrapy.Request | None:
        """The request for a lead; None for a known report confirmed recently."""
        headers, known_capture = self._validators(portal, lead, candidate)
        if headers is None:
            return None
        self.scheduled[portal.name] += 1
        meta = {
            "ogi_portal": portal.name,
            "ogi_found_from": found_from,
            "ogi_anchor": lead.anchor,
            "ogi_depth": depth,
            "ogi_candidate": candidate,
            "ogi_cms": lead.answer_by,
            "ogi_known": known_capture,
        }
        common = {"callback": self.parse, "errback": self.on_error, "meta": meta}
        if lead.method == "POST":
            return scrapy.FormRequest(
                lead.url, formdata=list(lead.formdata), priority=priority, **common
            )
        return scrapy.Request(
            lead.url, method=lead.method, priority=priority, headers=headers, **common
        )

    def _validators(
        self, portal: Portal, lead: Lead, candidate: bool
    ) -> tuple[dict[str, str] | None, tuple[int, str | None, str | None, bool] | None]:
        """Conditional headers for a URL the archive knows ({} for an unknown one), or
        None for a known report document younger than OGI_RECHECK_REPORTS_AFTER."""
        known = self.recrawl.lookup(lead.url) if self.recrawl and lead.method == "GET" else None
        if known is None:
            return {}, None
        if candidate and self.recrawl is not None and self.recrawl.fresh(known):
            self.crawler.stats.inc_value("ogi/recrawl/not_due")
            self.crawler.stats.inc_value(f"ogi/portal/{portal.name}/skipped")
            return None, None
        self.crawler.stats.inc_value("ogi/recrawl/conditional")
        found = (known.capture_id, known.media_type, known.sha256, known.candidate)
        return Recrawl.headers(known), found

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        meta = response.meta
        portal = self.portals_by_name[meta["ogi_portal"]]
        candidate = bool(meta.get("ogi_candidate"))
        dropped = self._not_a_report(response) if candidate else None
        if dropped is not None:
            self.crawler.stats.inc_value(f"ogi/dropped/{dropped}")
            candidate = False
        yield KeptResponse(
            response,
            portal.name,
            meta.get("ogi_found_from"),
            meta.get("ogi_anchor"),
            meta.get("ogi_depth", 0),
            candidate,
        )
        if dropped == "soft_404":
            return
        readable = self._readable(response)
        if readable is not None:
            counts: Counter[str] = Counter()  # flushed to the stats once per page
            try:
                yield from self._follow(portal, readable, self._leads(readable, counts), counts)
            finally:
                stats = self.crawler.stats
                for key, n in counts.items():
                    stats.inc_value(key, n)

    def _not_a_report(self, response: Response) -> str | None:
        """A candidate that is no report after all: a soft 404, or a payload already kept
        as a report under another URL (so one document never counts twice); a 304 keeps
        the verdict on the version it repeats."""
        known = response.meta.get("ogi_known")
        if response.status == 304 and known and not known[3]:
            return "known_non_report"  # the version it repeats was judged no report
        if response.status == 304 and known and known[2]:
            digest = bytes.fromhex(known[2])  # the archived version it repeats
        elif response.status != 200:
            return None
        elif isinstance(response, TextResponse) and traps.is_soft_404(response.text):
            return "soft_404"
        else:
            digest = hashlib.sha256(response.body).digest()
        if digest in self.report_digests:
            return "duplicate_payload"
        self.report_digests.add(digest)
        return None

    def _readable(self, response: Response) -> TextResponse | None:
        """The page whose links to follow: the response, or for a 304 the archived page."""
        if response.status == 200 and isinstance(response, TextResponse):
            return response
        known = response.meta.get("ogi_known")
        if response.status != 304 or not known or self.recrawl is None:
            return None
        body = self.recrawl.archived_body(known[0], known[1])
        if body is None:
            return None
        self.crawler.stats.inc_value("ogi/recrawl/links_from_archive")
        cls = HtmlResponse if known[1] in ("text/html", "application/xhtml+xml") else TextResponse
        return cls(response.url, status=200, body=body, request=response.request)

    def _leads(self, response: TextResponse, counts: Counter[str]) -> Iterator[Lead | Link]:
        """Links of an HTML page plus what CMS families add; a family reads its own API.
        Plain links come as (url, anchor) pairs: a Lead is built only for a new one."""
        family = response.meta.get("ogi_cms")
        if family:
            body = (response.request.body if response.request else b"") or b""
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
            yield from answer_leads(family, response.url, response.text, form)
            return
        yield from extract_links(response.text, response.url)
        for family, lead in page_leads(response.url, response.text):
            counts[f"ogi/cms/{family}/leads"] += 1
            yield lead

    def _follow(
        self,
        portal: Portal,
        response: TextResponse,
        leads: Iterator[Lead | Link],
        counts: Counter[str],
    ) -> Iterator[scrapy.Request]:
        depth = response.meta.get("ogi_depth", 0) + 1
        on_report = bool(response.meta.get("ogi_candidate"))
        pages = trs.page_count(response.text)  # None unless a TRS pager states a count
        page_url = response.url
        name = portal.name
        for lead in leads:
            # The memo's young generation first, inline: most links of a page repeat.
            judged = self._judgements.get((name, lead, on_report)) or self._judged(
                portal, lead, on_report
            )
            lead, removed, allowed, decision = judged
            for removed_key in removed:
                counts[removed_key] += 1
            if not allowed:
                counts["ogi/dropped/offsite"] += 1
                continue
            if pages is not None and traps.beyond_last_page(page_url, lead.url, pages):
                decision = PAST_LAST_PAGE
            elif decision is None:
                decision = judged[3] = self._decide(lead, on_report)
            if decision.kind == "drop":
                counts[decision.stat] += 1
                continue
            if not self._within_budget(portal, depth, decision.kind):
                counts["ogi/dropped/budget"] += 1
                continue
            counts[decision.stat] += 1
            key = (lead.method, lead.url, lead.formdata)
            if key in self.yielded:
                continue
            if len(self.yielded) >= YIELDED_MAX:
                self.yielded.clear()
            self.yielded.add(key)
            request = self._request(
                portal,
                lead,
                page_url,
                depth,
                candidate=decision.kind in ("report", "attachment"),
                priority=decision.priority,
            )
            if request is not None:
                yield request

    def _judged(self, portal: Portal, lead: Lead | Link, on_report: bool) -> list[Any]:
        """[cleaned lead, stats keys of the kinds cleaning removed, on the portal's hosts,
        decision or None until first needed], memoised: menus and pagers repeat the same
        links on every page, and each part is a pure function of the lead (the parameter-space trap
        included: a variant once admitted stays admitted, one refused stays refused).
        The TRS last-page check depends on the page and is made before, every time."""
        memo_key = (portal.name, lead, on_report)  # a Link is a pair of str: cheap to hash
        found = self._judgements.get(memo_key)
        if found is not None:
            return found
        found = self._judgements_old.pop(memo_key, None)
        if found is not None:
            self._remember(memo_key, found)
            return found
        if not isinstance(lead, Lead):
            lead = Lead(*lead)
        url, removed = clean(lead.url)
        cleaned = dataclasses.replace(lead, url=url) if removed else lead
        removed_keys = (
            tuple(f"ogi/traps/{kind}_removed" for kind in sorted(removed)) if removed else ()
        )
        judged = [cleaned, removed_keys, portal.allows(cleaned.url), None]
        self._remember(memo_key, judged)
        return judged

    def _remember(self, key: tuple[str, Lead | Link, bool], judged: list[Any]) -> None:
        if len(self._judgements) >= self._generation:
            self._judgements_old, self._judgements = self._judgements, {}
        self._judgements[key] = judged

    def _decide(self, lead: Lead, on_report: bool) -> LinkDecision:
        if lead.pager:
            return decided("list", "cms_pager")
        trap = traps.trap_reason(lead.url, lead.anchor, self.params)
        if trap is not None:
            return decided("drop", trap)
        return classify(lead.anchor, lead.url, on_report_page=on_report)

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
        self.crawler.stats.inc_value(f"ogi/portal/{portal}/errors/{reason}")
        self.logger.warning("failed %s: %s", request.url, failure.getErrorMessage())
