"""The worker side of a distributed crawl (crawler.distributed has the shared frontier).

A Scrapy extension (Coordinator: heartbeat, acks after the archive commits, recovery of
dead workers, the idle rule), a spider middleware (AckMiddleware: marks a response's
output done, drops replayed captures), two downloader middlewares (FailureAck: a failed
request is finished; SharedHostDelay: DOWNLOAD_DELAY per host across all workers) and the
shared page budget (SharedCounter).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator, MutableMapping
from typing import Any

from redis import Redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response
from twisted.internet import task

from archive import Archive
from crawler.distributed import REPLAYED, TOKEN, ReliableScheduler, prefix_of
from crawler.items import KeptResponse
from settings import names

log = logging.getLogger(__name__)


class SharedCounter(MutableMapping[str, int]):
    """The spider's per-portal ``scheduled`` counter, shared through one Redis hash.

    ``counter[k] += 1`` reads then writes; the write is kept as a local delta and sent
    (HINCRBY, one pipeline) every ``flush_every`` s, and reads are the shared total last
    fetched plus what is pending here. So every increment counts exactly once across
    processes, and a budget check may lag the others by ``flush_every`` s of requests.
    """

    def __init__(self, server: Redis, key: str, flush_every: float = 0.5) -> None:
        self.server, self.key, self.flush_every = server, key, flush_every
        self._total: dict[str, int] = {}  # shared totals as last read
        self._pending: dict[str, int] = {}  # our increments not sent yet
        self._read_at = 0.0
        self._last: dict[str, int] = {}  # what the last read returned, per name

    def _refresh(self) -> None:
        if time.monotonic() - self._read_at < self.flush_every:
            return
        pipe = self.server.pipeline(transaction=False)
        for name, delta in self._pending.items():
            pipe.hincrby(self.key, name, delta)
        pipe.hgetall(self.key)
        shared = pipe.execute()[-1]
        self._pending.clear()
        self._total = {_text(k): int(v) for k, v in shared.items()}
        self._read_at = time.monotonic()

    def __getitem__(self, name: str) -> int:
        self._refresh()
        value = self._total.get(name, 0) + self._pending.get(name, 0)
        self._last[name] = value
        return value

    def __setitem__(self, name: str, value: int) -> None:
        """``value`` is what the caller read plus its increment: add that difference."""
        delta = value - self._last.get(name, 0)
        self._pending[name] = self._pending.get(name, 0) + delta
        self._last[name] = value

    def __delitem__(self, name: str) -> None:
        self.server.hdel(self.key, name)
        self._total.pop(name, None)
        self._pending.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        self._refresh()
        return iter(set(self._total) | set(self._pending))

    def __len__(self) -> int:
        return len(set(self))

    def flush(self) -> None:
        self._read_at = 0.0
        self._refresh()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def archive_of(crawler: Crawler) -> Archive | None:
    """The archive the archiving pipeline has open (to flush it before acking)."""
    engine = crawler.engine
    itemproc = getattr(getattr(engine, "scraper", None), "itemproc", None)
    for component in getattr(itemproc, "middlewares", ()):
        archive = getattr(component, "archive", None)
        if isinstance(archive, Archive):
            return archive
    return None


class Coordinator:
    """Heartbeat, acks after the archive commits, recovery of dead workers, the idle rule."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.get(names.OGI_DISTRIBUTED):
            raise NotConfigured("OGI_DISTRIBUTED not set: one process, no shared frontier")
        self.crawler = crawler
        self.ttl = crawler.settings.getint(names.OGI_WORKER_TTL, 30)
        self.ready: set[str] = set()  # acked at the next tick, after the archive's flush
        self.parsed: set[str] = set()  # spider output consumed, item not through yet
        self.stored: set[str] = set()  # item through the pipeline, output not consumed yet
        self._loop: task.LoopingCall | None = None
        self._beats = 0
        connect = crawler.signals.connect
        connect(self.opened, signal=signals.spider_opened)
        connect(self.idle, signal=signals.spider_idle)
        connect(self.closed, signal=signals.spider_closed)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            connect(self.item_done, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Coordinator:
        return cls(crawler)

    @property
    def scheduler(self) -> ReliableScheduler:
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        if not isinstance(scheduler, ReliableScheduler):
            raise NotConfigured("OGI_DISTRIBUTED needs crawler.distributed.ReliableScheduler")
        return scheduler

    def opened(self, spider: Spider) -> None:
        scheduler = self.scheduler
        scheduler.heartbeat(self.ttl)
        spider.scheduled = SharedCounter(scheduler.server, f"{scheduler.prefix}:scheduled")  # type: ignore[attr-defined]
        self.recover()
        self._loop = task.LoopingCall(self.tick)
        self._loop.start(1.0, now=False)

    def tick(self) -> None:
        """Once a second: commit the archive, then ack what it made durable; heartbeat."""
        self._beats += 1
        self.scheduler.heartbeat(self.ttl)
        self._flush_counter()
        self.flush_and_ack()
        if self._beats % max(1, self.ttl // 3) == 0:
            self.recover()

    def flush_and_ack(self) -> None:
        if not self.ready:
            return
        tokens, self.ready = self.ready, set()
        archive = archive_of(self.crawler)
        if archive is not None:
            archive.flush()  # raises on failure: nothing is acked that is not stored
        self.scheduler.ack(tokens)
        self._inc("ogi/distributed/acked", len(tokens))

    def recover(self) -> None:
        scheduler = self.scheduler
        dead = scheduler.dead_inflight()
        if not dead:
            return
        archive = archive_of(self.crawler)
        if archive is not None:
            found = archive.reindex_uncatalogued()  # what the dead wrote but never committed
            self._inc("ogi/distributed/reindexed", found.captures)
        for key in dead:
            count = scheduler.requeue(key)
            self._inc("ogi/distributed/requeued", count)
            log.warning("requeued %d requests of a dead worker (%s)", count, key)

    # -- ack bookkeeping: both the spider output and the item must be through
    def parsed_done(self, response: Response) -> None:
        token = response.meta.get(TOKEN)
        if not token:
            return
        if response.meta.get(REPLAYED) or token in self.stored:
            self.stored.discard(token)
            self.ready.add(token)
        else:
            self.parsed.add(token)

    def item_done(self, item: Any, *args: Any, **kwargs: Any) -> None:
        if not isinstance(item, KeptResponse):
            return
        token = item.response.meta.get(TOKEN)
        if not token:
            return
        if token in self.parsed:
            self.parsed.discard(token)
            self.ready.add(token)
        else:
            self.stored.add(token)

    def failed(self, request: Request) -> None:
        token = request.meta.get(TOKEN)
        if token:
            self.ready.add(token)  # no response: nothing to store, nothing to follow

    def idle(self, spider: Spider) -> None:
        """All local work is done: make it durable, then wait while any work is left."""
        archive = archive_of(self.crawler)
        if archive is not None:
            archive.flush()
        self._flush_counter()
        scheduler = self.scheduler
        leftover = scheduler.server.hkeys(scheduler.inflight_key)
        if leftover:  # nothing is running here, so these entries are finished
            scheduler.ack(leftover)
            self._inc("ogi/distributed/acked_at_idle", len(leftover))
        self.ready.clear()
        self.parsed.clear()
        self.stored.clear()
        self.recover()
        if scheduler.crawl_busy():
            raise DontCloseSpider("other workers still have requests in flight")

    def closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if reason == "finished":
            self.scheduler.server.delete(f"{self.scheduler.prefix}:worker:{self.scheduler.worker}")

    def _flush_counter(self) -> None:
        counter = getattr(self.crawler.spider, "scheduled", None)
        if isinstance(counter, SharedCounter):
            counter.flush()

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler.stats is not None and count:
            self.crawler.stats.inc_value(key, count)


def _coordinator(crawler: Crawler) -> Coordinator | None:
    ext = getattr(crawler, "extensions", None)
    for component in getattr(ext, "middlewares", ()):
        if isinstance(component, Coordinator):
            return component
    return None


class AckMiddleware:
    """Spider middleware: drops replayed captures (already archived), marks output done."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AckMiddleware:
        return cls(crawler)

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterator[Any]:
        for element in result:
            if not _replayed_item(response, element):
                yield element
        self._done(response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Spider | None = None
    ) -> AsyncIterator[Any]:
        async for element in result:
            if not _replayed_item(response, element):
                yield element
        self._done(response)

    def _done(self, response: Response) -> None:
        coordinator = _coordinator(self.crawler)
        if coordinator is not None:
            coordinator.parsed_done(response)


def _replayed_item(response: Response, element: Any) -> bool:
    return bool(response.meta.get(REPLAYED)) and isinstance(element, KeptResponse)


class SharedHostDelay:
    """Downloader middleware: DOWNLOAD_DELAY per host across *all* processes.

    Scrapy's download slots are per process, so N workers sharing a frontier would visit
    a host N times as often. Before a request leaves, this takes the host's gate in Redis
    (``SET <key>:host:<host> NX PX delay``) and, while another worker holds it, waits
    for it to expire. Scrapy's own slot delay still applies locally after it.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.delay_ms = int(settings.getfloat("DOWNLOAD_DELAY") * 1000)
        if not settings.get(names.OGI_DISTRIBUTED) or self.delay_ms <= 0:
            raise NotConfigured("no shared politeness: not distributed, or no delay")
        self.crawler = crawler
        self.prefix = prefix_of(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedHostDelay:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        import asyncio

        from scrapy.utils.httpobj import urlparse_cached

        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        server = getattr(scheduler, "server", None)
        if server is None or request.meta.get(REPLAYED):
            return
        key = f"{self.prefix}:host:{urlparse_cached(request).hostname}"
        while not server.set(key, "1", nx=True, px=self.delay_ms):
            wait = server.pttl(key)
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("ogi/distributed/host_waits")
            await asyncio.sleep(max(int(wait), 5) / 1000)


class FailureAck:
    """Downloader middleware (outermost): a request that ends in an error is finished."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureAck:
        return cls(crawler)

    def process_exception(
        self, request: Request, exception: BaseException, spider: Spider | None = None
    ) -> None:
        coordinator = _coordinator(self.crawler)
        if coordinator is not None:
            coordinator.failed(request)
