"""The hand-off: every kept response becomes an archive.FetchRecord in the WARC + catalog.

Provenance travels in request.meta (portal, found-from URL, anchor, depth); this
pipeline turns it, the request and the response into one record and counts the
outcome per portal, so the crawl summary and the crawl run's stats agree.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import platform
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object

from archive import Archive, ArchiveError, FetchRecord
from crawler.items import KeptResponse
from crawler.media import media_type_of
from crawler.portals import portals_digest
from extract.charset import detect_charset
from settings import names

log = logging.getLogger(__name__)
ENCODING_HEADER = "X-Archive-Orig-Content-Encoding"


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in ("ogi-archive", "scrapy", "twisted", "warcio", "sqlalchemy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "unknown"
    return versions


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.directory = settings.get(names.OGI_ARCHIVE_DIR)
        if not self.directory:
            raise NotConfigured("OGI_ARCHIVE_DIR not set: nothing to archive into")
        self.catalog_url = settings.get(names.OGI_CATALOG_URL)
        hook = settings.get(names.OGI_ON_CAPTURE)
        self.on_capture = load_object(hook) if hook else None
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.fatal = False  # set when the disk is full: nothing more can be stored

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    # ``spider`` defaults to None: Scrapy >= 2.14 no longer passes it, older ones do.
    def open_spider(self, spider: Spider | None = None) -> None:
        self._hook_lifecycle("open")  # before any connection: the hook may fork workers
        self.archive = Archive.open(self.directory, self.catalog_url)
        portals = getattr(spider or self.crawler.spider, "portals", [])
        self.run_id = self.archive.start_run(
            software=software_versions(),
            settings_digest=settings_digest(self.crawler),
            portals_digest=portals_digest(portals),
        )
        self.crawler.ogi_run_id = self.run_id  # type: ignore[attr-defined]

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, KeptResponse):
            return item
        assert self.archive is not None
        if self.fatal:
            self.stats.inc_value("ogi/archive_errors/not_stored_after_fatal")
            self.stats.inc_value(f"ogi/portal/{item.portal}/errors")
            return item
        fetch = to_fetch_record(item)
        try:
            result = self.archive.record(fetch, self.run_id)
        except (ArchiveError, OSError) as exc:
            self._storage_failed(exc, item)
            return item
        self._count(item, result.change)
        if self.on_capture is not None:
            self._call_hook(result, fetch)
        return item

    def _call_hook(self, result: Any, fetch: FetchRecord) -> None:
        """The capture is stored whatever the hook does; a failing hook is counted, not fatal."""
        try:
            self.on_capture(self.archive, result, fetch)  # type: ignore[misc]
        except Exception as exc:
            self.stats.inc_value(f"ogi/on_capture_errors/{type(exc).__name__}")
            log.exception("OGI_ON_CAPTURE hook failed on %s", fetch.final_url)

    def _hook_lifecycle(self, step: str, *args: Any) -> None:
        """A hook object may have ``open()`` and ``close(archive)``; failures are counted."""
        method = getattr(self.on_capture, step, None)
        if not callable(method):
            return
        try:
            method(*args)
        except Exception as exc:
            self.stats.inc_value(f"ogi/on_capture_errors/{type(exc).__name__}")
            log.exception("OGI_ON_CAPTURE hook failed to %s", step)

    def _count(self, item: KeptResponse, change: str) -> None:
        prefix = f"ogi/portal/{item.portal}"
        self.stats.inc_value("ogi/pages")
        self.stats.inc_value(f"{prefix}/pages")
        self.stats.inc_value(f"ogi/captures/{change}")
        self.stats.inc_value(f"{prefix}/{'errors' if change == 'error' else change}")
        if item.candidate:
            self.stats.inc_value(f"{prefix}/candidates")

    def _storage_failed(self, exc: Exception, item: KeptResponse) -> None:
        """Counted by reason and logged; a full or read-only disk stops the crawl."""
        reason = getattr(exc, "reason", None) or type(exc).__name__
        self.stats.inc_value(f"ogi/archive_errors/{reason}")
        self.stats.inc_value(f"ogi/portal/{item.portal}/errors")
        log.error("could not archive %s: %s", item.response.url, exc)
        if _is_fatal(exc):
            self.fatal = True
            self.stats.set_value("ogi/archive_fatal", str(exc))
            log.critical("archive storage is unusable (%s): closing the crawl", exc)
            _close_crawl(self.crawler, "archive_disk_full")

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.archive is None:
            return
        try:
            self._hook_lifecycle("close", self.archive)
            stats = json.loads(json.dumps(self.stats.get_stats(), default=str))
            if self.run_id is not None:
                self.archive.finish_run(self.run_id, stats)
        finally:
            self.archive.close()
            self.archive = None


FATAL_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}


def _is_fatal(exc: BaseException | None) -> bool:
    """A full or read-only disk, anywhere in the exception's cause chain."""
    for _ in range(10):  # cause chains are short; never loop on a cyclic one
        if exc is None:
            return False
        if isinstance(exc, OSError) and exc.errno in FATAL_ERRNOS:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _close_crawl(crawler: Crawler, reason: str) -> None:
    engine = crawler.engine
    if engine is None:
        return
    if hasattr(engine, "close_spider_async"):  # Scrapy >= 2.14
        deferred_from_coro(engine.close_spider_async(reason=reason))
    else:
        engine.close_spider(crawler.spider, reason)


def settings_digest(crawler: Crawler) -> str:
    keys = crawler.settings.getlist(names.OGI_SETTINGS_DIGEST_KEYS)
    values = {k: crawler.settings.get(k) for k in keys}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def to_fetch_record(item: KeptResponse) -> FetchRecord:
    response, request = item.response, item.response.request
    assert request is not None
    redirects = list(response.meta.get("redirect_urls") or [])
    media_type = media_type_of(response)
    return FetchRecord(
        requested_url=redirects[0] if redirects else request.url,
        final_url=response.url,
        redirect_chain=tuple([*redirects, response.url]) if redirects else (),
        method=request.method,
        request_headers=_pairs(request.headers),
        request_body=request.body or b"",
        status=response.status,
        reason=_reason(response.status),
        response_headers=_response_headers(response),
        body=response.body,
        fetched_at=datetime.now(UTC),
        portal=item.portal,
        found_from=item.found_from,
        anchor_text=item.anchor_text or None,
        depth=item.depth,
        media_type=media_type,
        charset=_charset(response, media_type),
        ip_address=str(response.ip_address) if response.ip_address else None,
        candidate=item.candidate,
    )


def _pairs(headers: Any) -> tuple[tuple[str, str], ...]:
    out = []
    for name, values in headers.items():
        for value in values:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    return tuple(out)


def _response_headers(response: Response) -> tuple[tuple[str, str], ...]:
    """Scrapy already decoded the body, so its Content-Encoding moves aside (pywb's name)."""
    return tuple(
        (ENCODING_HEADER if k.lower() == "content-encoding" else k, v)
        for k, v in _pairs(response.headers)
    )


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _charset(response: Response, media_type: str | None) -> str | None:
    if media_type not in ("text/html", "application/xhtml+xml", "text/plain", "text/xml"):
        return None
    declared = None
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    if "charset=" in content_type:
        declared = content_type.split("charset=", 1)[1].split(";")[0].strip()
    return detect_charset(response.body, declared)
