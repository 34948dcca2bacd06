"""Where the crawler may connect: http(s) only, and never a private, loopback or link-local
address unless the portal opts in (`allow_private = true`, as the test portals do).

Checked after DNS resolution, so a public name that resolves to 10.x or 127.0.0.1 is
refused too. Refusals are counted by reason: `ogi/refused/<reason>`.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.portals import Portal

SCHEMES = {"http", "https"}


def addresses(host: str) -> set[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return {str(ipaddress.ip_address(host.strip("[]")))}
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return {str(info[4][0]) for info in infos}


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class SafeDestinationMiddleware:
    def __init__(self, stats: StatsCollector, crawler: Crawler | None = None) -> None:
        self.stats = stats
        self.crawler = crawler
        self.verdicts: dict[str, str | None] = {}  # host -> refusal reason (None: allowed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafeDestinationMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler)

    # ``spider`` defaults to None: Scrapy >= 2.14 no longer passes it, older ones do.
    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if spider is None and self.crawler is not None:
            spider = self.crawler.spider
        parts = urlsplit(request.url)
        if parts.scheme not in SCHEMES:
            self._refuse("scheme", request)
        portal = self._portal(request, spider)
        if portal is not None and portal.allow_private:
            return
        host = parts.hostname or ""
        if host not in self.verdicts:
            lookup = deferToThread(_verdict, host)  # DNS off the reactor thread
            self.verdicts[host] = await maybe_deferred_to_future(lookup)
        if self.verdicts[host] is not None:
            self._refuse(str(self.verdicts[host]), request)

    @staticmethod
    def _portal(request: Request, spider: Spider | None) -> Portal | None:
        """The request's portal; engine requests (robots.txt) carry none: found by host."""
        portals: dict[str, Portal] = getattr(spider, "portals_by_name", {})
        named = portals.get(request.meta.get("ogi_portal", ""))
        if named is not None:
            return named
        return next((p for p in portals.values() if p.allows(request.url)), None)

    def _refuse(self, reason: str, request: Request) -> None:
        self.stats.inc_value(f"ogi/refused/{reason}")
        raise IgnoreRequest(f"refused ({reason}): {request.url}")


def _verdict(host: str) -> str | None:
    try:
        found = addresses(host)
    except OSError:
        return None  # let the download fail with its own DNS error, counted there
    return None if found and all(is_public(a) for a in found) else "private_address"
