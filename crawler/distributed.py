"""Several crawler processes, one frontier: scrapy-redis, made safe against a SIGKILL.

scrapy-redis gives the shared parts: a Redis priority queue of requests (the frontier,
kept between runs with SCHEDULER_PERSIST) and a Redis set of request fingerprints (the
duplicate filter), so each URL is fetched by one process only. Its scheduler pops a
request and forgets it, so a process killed with requests in flight would lose them
(their fingerprints are already in the shared filter). This module adds, by subclassing:

* a *reliable pop*: a Lua script moves the request from the queue into the worker's
  in-flight hash in one step; it leaves the hash (is *acked*) only after the archive
  has fsynced and committed its capture and the spider's follow-up requests are in the
  queue. A retry or redirect enqueued from it supersedes it in the same transaction.
* *workers* with a heartbeat key (TTL). The in-flight hash of a worker whose heartbeat
  expired is claimed by a live one (RENAME, so only one wins): first the WARC records
  the dead worker wrote but did not commit are catalogued (``reindex_uncatalogued``,
  which skips files live writers hold), then its requests go back to the queue marked
  ``ogi_resumed``; crawler.replay answers those already in the archive from the archive.
* an idle rule: a process idles only while the queue is empty *and* no worker has a
  request in flight; the last one out clears the crawl's keys (a clean end), while any
  other end (SIGTERM, SIGKILL) keeps them for the next start.
* a shared page budget: the spider's ``scheduled`` counter becomes Redis counters, so
  ``max_pages`` is per portal across all processes, not per process;
* shared politeness: DOWNLOAD_DELAY per host across all processes (a Redis gate per
  host), since Scrapy's download slots are per process.

The worker side (heartbeat, acks, recovery, idle rule, shared budget and politeness)
is in crawler.workers.

The queue is the single zset (ReliableQueue below), or with
``OGI_DISTRIBUTED_QUEUE=hosts`` crawler.hostfrontier's (a zset per host, hosts taking
turns, many requests in flight).

Keys (prefix ``OGI_DISTRIBUTED_KEY``, default ``ogi``): ``:requests`` (the queue's),
``:dupefilter`` (set), ``:inflight:<worker>`` (hash), ``:worker:<worker>`` (heartbeat),
``:since`` (when this crawl began), ``:scheduled`` (hash portal -> count).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import ResponseError
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.hostqueue import HandedOut
from settings import names

log = logging.getLogger(__name__)
TOKEN = "ogi_inflight"  # request.meta key: this request's entry in the in-flight hash
RESUMED = "ogi_resumed"  # request.meta key: put back from a dead worker's in-flight hash
REPLAYED = "ogi_replayed"  # request.meta key: answered from the archive (crawler.replay)

# One round trip per new request: the shared filter, the queue, and the in-flight entry
# this request continues (a retry or redirect), together.
ENQUEUE = """
if ARGV[1] == '1' or redis.call('SADD', KEYS[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  if ARGV[5] ~= '' then redis.call('HDEL', KEYS[3], ARGV[5]) end
  return 1
end
if ARGV[5] ~= '' then redis.call('HDEL', KEYS[3], ARGV[5]) end
return 0
"""
BATCH = 200  # requests per pipelined enqueue
DISTRIBUTED_CONCURRENCY = 16  # requests in flight per process (see configure)
POP_INTO = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0)
if #r == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], r[1])
return r[1]
"""


QUEUES = {  # OGI_DISTRIBUTED_QUEUE -> the frontier's queue class
    "hosts": "crawler.hostfrontier.HostQueue",  # per-host turns (crawler.hostfrontier)
    "zset": "crawler.distributed.ReliableQueue",  # one priority zset, as scrapy-redis
}


def prefix_of(settings: Settings) -> str:
    return settings.get(names.OGI_DISTRIBUTED_KEY) or "ogi"


def queue_kind(settings: Settings) -> str:
    """Which shared queue: the single ``zset`` (the default until ``hosts`` is measured
    on a quiet machine, see docs/scaling.md) or ``hosts`` (crawler.hostfrontier). A
    crawl keeps the kind it started with; one begun on ``zset`` may go on with ``hosts``
    (its requests are moved to their hosts), not the other way round."""
    kind = str(settings.get(names.OGI_DISTRIBUTED_QUEUE) or "zset")
    if kind not in QUEUES:
        raise ValueError(
            f"{names.OGI_DISTRIBUTED_QUEUE}={kind!r} is not a queue; use one of {sorted(QUEUES)}"
        )
    return kind


def configure(settings: Settings) -> None:
    """Switch a crawl to the shared frontier when OGI_DISTRIBUTED names a Redis server."""
    url = settings.get(names.OGI_DISTRIBUTED)
    if not url:
        return
    prefix = prefix_of(settings)
    values = {
        "REDIS_URL": url,
        "SCHEDULER": "crawler.distributed.ReliableScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        # A stopped or killed crawl resumes from Redis. Requests are pickled (scrapy-redis's
        # default): the Redis server must be as trusted as the crawler machines.
        "SCHEDULER_PERSIST": True,
    }
    for name, value in values.items():
        settings.set(name, value, priority="cmdline")
    if queue_kind(settings) == "zset":
        # The project's CONCURRENT_REQUESTS (512) relies on a host-aware queue. The plain
        # shared zset pops by priority, then by the serialised request (its URL, so one
        # host's requests come together), and 512 popped at once could be one host's,
        # waiting at its gate for minutes. So keep the earlier 16 with it unless the run
        # sets its own (a --set is "cmdline", above "project").
        settings.set("CONCURRENT_REQUESTS", DISTRIBUTED_CONCURRENCY, priority="project")
    add_components(settings, "EXTENSIONS", {"crawler.workers.Coordinator": 10})
    add_components(settings, "SPIDER_MIDDLEWARES", {"crawler.workers.AckMiddleware": 10})
    add_components(settings, "DOWNLOADER_MIDDLEWARES", {"crawler.workers.FailureAck": 1})
    # After robots.txt and the offsite/safety checks (<= 120), before anything connects.
    add_components(settings, "DOWNLOADER_MIDDLEWARES", {"crawler.workers.SharedHostDelay": 130})


def add_components(settings: Settings, name: str, components: dict[str, int]) -> None:
    merged = dict(settings.getdict(name))
    merged.update(components)
    settings.set(name, merged, priority="cmdline")


def worker_id() -> str:
    """Unique per process and machine (a restarted pid, a cloned hostname, still unique)."""
    host = socket.gethostname().replace(":", "-").replace("~", "-")
    return f"{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class ReliableQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop lands in an in-flight hash atomically."""

    def _encode_request(self, request: Request) -> bytes:
        """As scrapy-redis does, but names the spider's callbacks directly: Scrapy's own
        lookup (inspect.getmembers of the spider per request) costs more than the push."""
        callback, errback = request.callback, request.errback
        plain = request.replace(callback=None, errback=None)
        data = plain.to_dict()
        data["callback"] = _method_name(callback)
        data["errback"] = _method_name(errback)
        return self.serializer.dumps(data)

    def pop_ready(self, inflight: str, busy: Iterable[str] = ()) -> tuple[Request | None, int]:
        """As crawler.hostfrontier.HostQueue.pop_ready: this queue knows no turns."""
        return self.pop_into(inflight), -1

    def pop_into(self, inflight: str) -> Request | None:
        token = uuid.uuid4().hex
        data = self.server.eval(POP_INTO, 2, self.key, inflight, token)
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[TOKEN] = token
        return request

    def push_unseen(
        self, batch: list[tuple[Request, str, str | None]], dupefilter: str, inflight: str
    ) -> list[bool]:
        """Queue each (request, fingerprint, token) unless the shared filter has it (or it
        is dont_filter), all in one pipelined round trip; each one is atomic by itself."""
        script = self.__dict__.get("_enqueue") or self.server.register_script(ENQUEUE)
        self.__dict__["_enqueue"] = script
        pipe = self.server.pipeline(transaction=False)
        for request, fingerprint, token in batch:
            args = ["1" if request.dont_filter else "0", fingerprint, -request.priority]
            args += [self._encode_request(request), token or ""]
            script(keys=[dupefilter, self.key, inflight], args=args, client=pipe)
        return [bool(r) for r in pipe.execute()]

    def push_replacing(self, request: Request, inflight: str, token: str | None) -> None:
        """Queue ``request`` and drop the in-flight entry it continues, in one transaction."""
        pipe = self.server.pipeline(transaction=True)
        pipe.execute_command("ZADD", self.key, -request.priority, self._encode_request(request))
        if token:
            pipe.hdel(inflight, token)
        pipe.execute()


def _method_name(func: Any) -> str | None:
    if func is None:
        return None
    name = getattr(func, "__name__", None)
    if getattr(func, "__self__", None) is None or name is None:
        raise ValueError(f"cannot queue a request whose callback {func!r} is not a spider method")
    return str(name)


class LocalSeen:
    """Fingerprints this process already knows the shared filter has: seen stays seen
    during a crawl, so a repeated link (menus, pagers) costs no round trip. Bounded."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._fps: set[str] = set()

    def __contains__(self, fp: str) -> bool:
        return fp in self._fps

    def add(self, fp: str) -> None:
        if len(self._fps) >= self.limit:
            self._fps.clear()  # memory must not grow with the crawl
        self._fps.add(fp)


class ReliableScheduler(Scheduler):
    """scrapy-redis's scheduler with reliable pops (see the module docstring)."""

    queue: ReliableQueue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReliableScheduler:
        instance = super().from_crawler(crawler)
        instance.queue_cls = QUEUES[queue_kind(crawler.settings)]
        instance.prefix = prefix_of(crawler.settings)
        instance.worker = worker_id()
        instance.crawler = crawler
        settings = crawler.settings
        instance.turn_ms = max(1, int(settings.getfloat("DOWNLOAD_DELAY") * 1000))
        instance.per_host = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1))
        return instance

    @property
    def inflight_key(self) -> str:
        return f"{self.prefix}:inflight:{self.worker}"

    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.queue.turn_ms = self.turn_ms
        adopt = getattr(self.queue, "adopt_single_zset", None)
        if adopt is not None and (moved := adopt()):
            log.warning("moved %d requests of the earlier single-zset queue to their hosts", moved)
        self.server.set(f"{self.prefix}:since", datetime.now(UTC).isoformat(), nx=True)

    def close(self, reason: str) -> None:
        """Keep everything for a resume, except after the crawl's clean, global end."""
        due = self.__dict__.pop("_wake_due", None)
        if due is not None and due.active():
            due.cancel()
        self.flush_buffer()
        if reason == "finished" and not self.crawl_busy():
            self.queue.clear()
            self.server.delete(
                self.dupefilter_key % {"spider": self.spider.name},
                f"{self.prefix}:since",
                f"{self.prefix}:scheduled",
            )

    def enqueue_request(self, request: Request) -> bool:
        token = request.meta.pop(TOKEN, None)  # a retry/redirect continues that entry
        local = self.__dict__.setdefault("local_seen", LocalSeen())
        fp = self.df.request_fingerprint(request)
        if not request.dont_filter and fp in local:
            if token:
                self.server.hdel(self.inflight_key, token)
            return False
        local.add(fp)
        self._buffer().append((request, fp, token))
        if len(self._buffer()) >= BATCH:
            self.flush_buffer()
        elif not self.__dict__.get("_flush_due"):
            from twisted.internet import reactor

            self.__dict__["_flush_due"] = reactor.callLater(0, self.flush_buffer)  # type: ignore[attr-defined]
        return True  # optimistic: the shared filter may still drop it (counted below)

    def _buffer(self) -> list[tuple[Request, str, str | None]]:
        return self.__dict__.setdefault("_pending", [])

    def flush_buffer(self) -> None:
        """Send the requests enqueued since the last flush (one round trip). Called before
        every pop, every ack and at idle, so nothing is acked before its children are in."""
        due = self.__dict__.pop("_flush_due", None)
        if due is not None and due.active():
            due.cancel()
        batch, self.__dict__["_pending"] = self._buffer(), []
        if not batch:
            return
        queued = self.queue.push_unseen(batch, self.df.key, self.inflight_key)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis", sum(queued), spider=self.spider)
            self.stats.inc_value("ogi/distributed/filtered", len(queued) - sum(queued))

    def has_pending_requests(self) -> bool:
        self.flush_buffer()
        return len(self) > 0

    def next_request(self) -> Request | None:
        self.flush_buffer()
        handed = self._handed_out()
        request, wait = self.queue.pop_ready(self.inflight_key, self._busy_hosts(handed))
        if request is None:
            if wait >= 0:
                self._wake_in(wait / 1000)
            return None
        if handed is not None:
            handed.handed_out(request)
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
        return request

    def _handed_out(self) -> HandedOut | None:
        """This process's requests per host, from the pop until they leave the downloader."""
        handed = self.__dict__.get("_handed")
        engine = getattr(self.crawler, "engine", None)
        if handed is None and getattr(engine, "downloader", None) is not None:
            handed = self.__dict__["_handed"] = HandedOut(self.crawler)
        return handed

    def _busy_hosts(self, handed: HandedOut | None) -> list[str]:
        """Hosts this process already holds CONCURRENT_REQUESTS_PER_DOMAIN requests of."""
        if handed is None:
            return []
        return [host for host in list(handed.out) if handed.count(host) >= self.per_host]

    def _wake_in(self, seconds: float) -> None:
        """Ask the engine for requests again when the next host's turn comes: with
        nothing in flight it would otherwise wait for its 5 s heartbeat."""
        from twisted.internet import reactor

        due = self.__dict__.get("_wake_due")
        if due is not None and due.active():
            return
        self.__dict__["_wake_due"] = reactor.callLater(max(seconds, 0.001), self._wake)  # type: ignore[attr-defined]

    def _wake(self) -> None:
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def ack(self, tokens: Iterable[str]) -> None:
        self.flush_buffer()  # the children of what is acked must be in the queue first
        tokens = list(tokens)
        if tokens:
            self.server.hdel(self.inflight_key, *tokens)

    def crawl_busy(self) -> bool:
        """Work left anywhere: queued requests, or any worker's requests in flight."""
        self.flush_buffer()
        if len(self.queue):
            return True
        return any(self.server.hlen(k) for k in self.inflight_keys())

    def inflight_keys(self) -> list[str]:
        return [
            k.decode() if isinstance(k, bytes) else k
            for k in self.server.scan_iter(match=f"{self.prefix}:inflight:*", count=500)
        ]

    def heartbeat(self, ttl: int) -> None:
        self.server.set(f"{self.prefix}:worker:{self.worker}", "1", ex=ttl)

    def dead_inflight(self) -> list[str]:
        """In-flight hashes whose owner (the part before ``~``) has no heartbeat."""
        dead = []
        for key in self.inflight_keys():
            owner = key.rsplit(":", 1)[1].split("~", 1)[0]
            if owner != self.worker and not self.server.exists(f"{self.prefix}:worker:{owner}"):
                dead.append(key)
        return dead

    def requeue(self, key: str) -> int:
        """Claim a dead worker's in-flight hash and put its requests back, marked resumed."""
        origin = key.rsplit(":", 1)[1].split("~")[-1]
        claimed = f"{self.inflight_key}~{origin}"
        try:
            self.server.rename(key, claimed)
        except ResponseError:
            return 0  # another worker claimed it first
        count = 0
        for token, data in self.server.hgetall(claimed).items():
            request = self.queue._decode_request(data)
            request.meta[RESUMED] = True
            request.dont_filter = True  # its fingerprint is already in the shared filter
            self.queue.push_replacing(request, claimed, token)
            count += 1
        self.server.delete(claimed)
        return count
