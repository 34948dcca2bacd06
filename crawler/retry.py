"""Retries with back-off: Scrapy's RetryMiddleware, waiting before each new attempt.

Scrapy retries at once; a county server answering 503 is usually overloaded, and an
immediate retry adds to the load. Attempt n waits RETRY_BACKOFF_BASE · 2^(n-1) seconds
(at most RETRY_BACKOFF_MAX), or what a Retry-After header asks, within the same cap.
The wait holds one global download slot, not the host's slot.
"""

from __future__ import annotations

import contextlib
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        o = cls(crawler.settings)
        o.crawler = crawler
        return o

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, response.headers.get("Retry-After"))
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Any:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    def delay_for(self, attempt: int, retry_after: bytes | None) -> float:
        delay = self.base * 2 ** max(attempt - 1, 0)
        if retry_after is not None:
            with contextlib.suppress(ValueError):  # an HTTP date: the exponential delay
                delay = max(delay, float(retry_after.decode("latin-1").strip()))
        return min(delay, self.cap)

    async def _wait(self, retry: Request, retry_after: bytes | None) -> None:
        delay = self.delay_for(int(retry.meta.get("retry_times", 1)), retry_after)
        if delay > 0 and self.crawler.stats is not None:
            self.crawler.stats.inc_value("ogi/retry/backoff_seconds", delay)
        if delay > 0:
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
