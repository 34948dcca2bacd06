"""Resuming without a second capture: a URL this crawl already archived is answered from
the archive, so the spider follows its links again but nothing is fetched or stored twice.

Scrapy's JOBDIR is not used for this: its disk queue writes its head pointers only on a
clean close and its seen-file is buffered, so after a SIGKILL it can both lose requests
and forget fingerprints. The archive is durable at every commit, so it is the record of
what is done: a resumed crawl starts over from the start URLs (single mode) or from the
requests a dead worker had in flight (crawler.distributed) and replays what is stored.
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from archive import Archive, CaptureInfo
from crawler.distributed import REPLAYED, RESUMED, prefix_of
from crawler.workers import archive_of
from settings import names

log = logging.getLogger(__name__)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ReplayMiddleware:
    """Downloader middleware: answer an already-archived request from the archive."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.single_since = settings.get(names.OGI_RESUME_SINCE)
        self.distributed = bool(settings.get(names.OGI_DISTRIBUTED))
        if not self.single_since and not self.distributed:
            raise NotConfigured("not resuming: every request is fetched")
        self._since: datetime | None = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        return cls(crawler)

    def opened(self, spider: Spider) -> None:
        if self.single_since:  # a killed run may have left records it never committed
            archive = archive_of(self.crawler)
            if archive is not None:
                found = archive.reindex_uncatalogued()
                if self.crawler.stats is not None:
                    self.crawler.stats.set_value("ogi/resume/reindexed", found.captures)

    def since(self) -> datetime | None:
        """When the crawl being resumed began (Redis ``<prefix>:since`` when distributed)."""
        if self._since is None:
            if self.single_since:
                self._since = _utc(datetime.fromisoformat(self.single_since))
            else:
                scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
                server = getattr(scheduler, "server", None)
                raw = server.get(f"{prefix_of(self.crawler.settings)}:since") if server else None
                if raw:
                    self._since = _utc(datetime.fromisoformat(raw.decode()))
        return self._since

    def process_request(self, request: Request, spider: Spider | None = None) -> Response | None:
        if not self.single_since and not request.meta.get(RESUMED):
            return None
        archive, since = archive_of(self.crawler), self.since()
        if archive is None or since is None:
            return None
        info = _stored(archive, request, since)
        if info is None:
            return None
        request.meta[REPLAYED] = info.id
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("ogi/resume/replayed")
        return _response(archive, info, request)


def _stored(archive: Archive, request: Request, since: datetime) -> CaptureInfo | None:
    """The newest capture of this very request (method and form body) since ``since``."""
    for info in reversed(archive.versions(request.url)):
        if _utc(info.fetched_at) < since:
            return None
        if info.method != request.method:
            continue
        if request.method == "GET" or _request_body(archive, info.id) == (request.body or b""):
            return info
    return None


def _request_body(archive: Archive, capture_id: int) -> bytes:
    data = archive.record_bytes(capture_id, request=True)
    record = next(iter(ArchiveIterator(io.BytesIO(data))))
    return bytes(record.content_stream().read())


def _response(archive: Archive, info: CaptureInfo, request: Request) -> Response:
    headers = Headers()
    for name, value in info.response_headers:
        headers.appendlist(name, value)
    body = archive.payload(info.id)
    cls = responsetypes.from_args(headers=headers, url=info.final_url, body=body)
    return cls(
        url=info.final_url,
        status=info.status,
        headers=headers,
        body=body,
        request=request,
        flags=["replayed"],
    )
