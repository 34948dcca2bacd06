"""Download slots whose jittered delay is drawn once per request, not once per look.

Scrapy's ``Slot.download_delay()`` draws a new random delay (``DOWNLOAD_DELAY`` ± the
``DOWNLOAD_DELAY_JITTER`` fraction) every time the downloader looks at a slot: when a
request arrives, and again when the timer set for the first draw fires. A request that
waited out a short draw is held again whenever the new draw is longer, so each gap is the
first draw not longer than the time already waited: the gaps between one host's
requests average ~1.26 s for a 1 s delay with ±50 %, not 1 s, and a politeness-bound
crawl cannot pass ~0.8 of one request per delay per host whatever its CPU. Drawing once
per sent request keeps every gap within delay × (1 ± jitter), as documented, with the
mean at the delay itself.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.core.downloader import Downloader, Slot


class SteadySlot(Slot):
    """A slot that keeps its drawn delay until it sends a request (or the delay changes)."""

    def __init__(self, concurrency: int, delay: float, jitter: float | None = None) -> None:
        super().__init__(concurrency, delay, jitter)
        self._drawn: float = 0.0
        self._drawn_for: tuple[float, float] | None = None  # (lastseen, delay) of the draw

    def download_delay(self) -> float:
        if not self.jitter:
            return self.delay
        # A new request sent (lastseen) or AutoThrottle's new delay: a new draw.
        basis = (self.lastseen, self.delay)
        if basis != self._drawn_for:
            self._drawn, self._drawn_for = super().download_delay(), basis
        return self._drawn


class SteadyDelayDownloader(Downloader):
    """Scrapy's downloader with SteadySlot slots (``DOWNLOADER`` setting)."""

    def _get_slot(self, request: Request, spider: Spider | None = None) -> tuple[str, Slot]:
        key = self.get_slot_key(request)
        if key not in self.slots:
            key, made = super()._get_slot(request)
            self.slots[key] = SteadySlot(made.concurrency, made.delay, made.jitter)
        return key, self.slots[key]
