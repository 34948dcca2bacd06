"""The scheduler's priority queue for a broad, polite crawl: many hosts, few requests each.

Scrapy's DownloaderAwarePriorityQueue hands out the next request of the host (download
slot) with the fewest active requests, so a crawl of 200 portals keeps 200 hosts busy
instead of the same few. Two gaps make it pile requests onto a few hosts all the same:

* it counts a host's requests only once they are in the download slot, not while they
  pass the downloader middlewares (robots.txt waits there for the host's robots.txt), so
  in one engine loop it hands out the same host's requests again and again;
* it hands out requests as long as the engine has room (CONCURRENT_REQUESTS), however
  many the host already has.

Politeness still holds (the slot sends one request per delay), but the backlog must drain
at one request per delay per host before a stopped crawl (CLOSESPIDER_*, SIGTERM) can end:
minutes, not seconds, and while it drains the other hosts idle. So this queue counts
what it handed out until it leaves the downloader, and hands out nothing more once every
host with work holds ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests; the engine asks again
when a download ends. One request in transfer plus one waiting out the delay is all a
host at 1 request/s needs to run at its polite rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.pqueues import DownloaderAwarePriorityQueue, DownloaderInterface


class HandedOut(DownloaderInterface):
    """Per host (slot), the requests handed out that are still in the downloader."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.out: dict[str, list[Request]] = {}

    def count(self, slot: str) -> int:
        held = self.out.get(slot)
        in_slot = super()._active_downloads(slot)
        if not held:
            return in_slot
        active = self.downloader.active  # from fetch() to the end: middlewares included
        held[:] = [r for r in held if r in active]
        if not held:
            del self.out[slot]
        return max(len(held), in_slot)

    def stats(self, possible_slots: Iterable[str]) -> list[tuple[int, str]]:
        return [(self.count(slot), slot) for slot in possible_slots]

    def handed_out(self, request: Request) -> None:
        self.out.setdefault(self.get_slot_key(request), []).append(request)


class HostCappedPriorityQueue(DownloaderAwarePriorityQueue):
    """DownloaderAwarePriorityQueue that never gives a host more than its concurrency."""

    def __init__(self, crawler: Crawler, *args: Any, **kwargs: Any) -> None:
        super().__init__(crawler, *args, **kwargs)
        self._downloader_interface = HandedOut(crawler)
        self.per_host = max(1, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1))

    def pop(self) -> Request | None:
        iface = self._downloader_interface
        assert isinstance(iface, HandedOut)
        if not self.pqueues or all(iface.count(s) >= self.per_host for s in self.pqueues):
            return None  # every host with work is busy: the engine asks again later
        request = super().pop()
        if request is not None:
            iface.handed_out(request)
        return request
