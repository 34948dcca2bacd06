"""The hand-off: every kept response becomes an archive.FetchRecord in the WARC + catalog.

Provenance travels in request.meta (portal, found-from URL, anchor, depth); this
pipeline turns it, the request and the response into one record and counts the
outcome per portal, so the crawl summary and the crawl run's stats agree.
"""

from __future__ import annotations

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
from scrapy.utils import defer as scrapy_defer
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from twisted.internet.defer import Deferred

from archive import Archive, ArchiveError, FetchRecord
from crawler.archive_session import AFTER_FATAL, Handover, Outcome, RunMeta, SessionConfig
from crawler.archive_writer import WRITER_DIED, InlineWriter, ProcessWriter
from crawler.items import KeptResponse
from crawler.media import media_type_of
from crawler.portals import portals_digest
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
    """Hands each kept response to the archive writer and counts what became of it.

    OGI_ARCHIVE_WRITER chooses where the archive and the OGI_ON_CAPTURE hook run:
    ``"process"`` (what `ogi crawl` uses) in an archive-writer process on another core,
    answers coming back through the reactor; ``"inline"`` (the default outside
    settings.crawl) in this process. Resume (OGI_RESUME_SINCE) and distributed crawls
    (OGI_DISTRIBUTED) always write inline: their replay, flush-then-ack and dead-worker
    recovery read and commit the archive from the crawl process itself.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.directory = settings.get(names.OGI_ARCHIVE_DIR)
        if not self.directory:
            raise NotConfigured("OGI_ARCHIVE_DIR not set: nothing to archive into")
        self.catalog_url = settings.get(names.OGI_CATALOG_URL)
        self.hook_path = settings.get(names.OGI_ON_CAPTURE) or None
        self.mode = writer_mode(settings)
        self.crawler = crawler
        self.stats = crawler.stats
        self.writer: InlineWriter | ProcessWriter | None = None
        self.run_id: int | None = None
        self.fatal = False  # set when the disk is full: nothing more can be stored
        if self.mode == "process":
            # Spawned now, as the engine is built: the writer's interpreter imports the
            # archive and the hook (seconds) while Scrapy builds the rest; open_spider
            # then only sends it the run and waits for it to be started.
            self.writer = ProcessWriter(
                self._config(), on_ready=self._ready, on_lost=self._writer_lost
            )
            self.writer.spawn()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    @property
    def archive(self) -> Archive | None:
        """The open Archive when it is in this process (inline), else None."""
        return self.writer.archive if self.writer is not None else None

    # ``spider`` defaults to None: Scrapy >= 2.14 no longer passes it, older ones do.
    def open_spider(self, spider: Spider | None = None) -> None:
        """Start the writer before any connection is opened (the hook may fork workers)."""
        portals = getattr(spider or self.crawler.spider, "portals", [])
        run = RunMeta(
            software=software_versions(),
            settings_digest=settings_digest(self.crawler),
            portals_digest=portals_digest(portals),
        )
        if isinstance(self.writer, ProcessWriter):
            from twisted.internet import reactor

            self.writer.reactor = reactor
        else:
            self.writer = InlineWriter(
                self._config(), on_ready=self._ready, on_lost=self._writer_lost
            )
        self.writer.start(run)

    def _config(self) -> SessionConfig:
        return SessionConfig(
            str(self.directory),
            self.catalog_url,
            self.hook_path,
            log_level=_writer_log_level(self.crawler),
        )

    def _ready(self, run_id: int, hook_errors: list[str]) -> None:
        self.run_id = run_id
        self.crawler.ogi_run_id = run_id  # type: ignore[attr-defined]
        self._hook_errors(hook_errors)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, KeptResponse):
            return item
        assert self.writer is not None
        if self.fatal:
            self.stats.inc_value(f"ogi/archive_errors/{AFTER_FATAL}")
            self.stats.inc_value(f"ogi/portal/{item.portal}/errors")
            return item
        answer = self.writer.submit(handover_of(item))
        if isinstance(answer, Outcome):
            return self._settle(answer, item)
        answer.addCallback(self._settle, item)
        return _awaitable(answer)

    def _settle(self, outcome: Outcome, item: KeptResponse) -> KeptResponse:
        """Count one outcome exactly as the inline pipeline always has."""
        if outcome.result is None:
            self._storage_failed(outcome, item)
        else:
            self._count(item, outcome.result.change)
            self._hook_errors(outcome.hook_errors)
        return item

    def _hook_errors(self, names_: Any) -> None:
        for name in names_:
            self.stats.inc_value(f"ogi/on_capture_errors/{name}")

    def _count(self, item: KeptResponse, change: str) -> None:
        prefix = f"ogi/portal/{item.portal}"
        self.stats.inc_value("ogi/pages")
        self.stats.inc_value(f"{prefix}/pages")
        self.stats.inc_value(f"ogi/captures/{change}")
        self.stats.inc_value(f"{prefix}/{'errors' if change == 'error' else change}")
        if change == "error":
            status = item.response.status
            reason = item.response.meta.get("ogi_error_reason") or f"http_{status}"
            self.stats.inc_value(f"{prefix}/errors/{reason}")
        if item.candidate:
            self.stats.inc_value(f"{prefix}/candidates")
            self.stats.inc_value(f"{prefix}/reports_{change}")

    def _storage_failed(self, outcome: Outcome, item: KeptResponse) -> None:
        """Counted by reason and logged; a full or read-only disk stops the crawl."""
        self.stats.inc_value(f"ogi/archive_errors/{outcome.reason}")
        self.stats.inc_value(f"ogi/portal/{item.portal}/errors")
        if outcome.reason in (AFTER_FATAL, WRITER_DIED):
            return  # the cause was logged once, when it happened
        log.error("could not archive %s: %s", item.response.url, outcome.message)
        if outcome.fatal and not self.fatal:
            self.fatal = True
            self.stats.set_value("ogi/archive_fatal", outcome.message)
            log.critical("archive storage is unusable (%s): closing the crawl", outcome.message)
            _close_crawl(self.crawler, "archive_disk_full")

    def _writer_lost(self, message: str) -> None:
        """The writer process died: nothing more can be stored, so the crawl stops now."""
        if self.fatal:
            return
        self.fatal = True
        self.stats.set_value("ogi/archive_fatal", message)
        _close_crawl(self.crawler, WRITER_DIED)

    def close_spider(self, spider: Spider | None = None) -> None:
        """Final stats to the writer (finish_run), then wait for it to commit and exit."""
        writer, self.writer = self.writer, None
        if writer is None:
            return
        stats = json.loads(json.dumps(self.stats.get_stats(), default=str))
        finished = writer.finish(stats)
        if finished is None:
            self._finish_without_writer(stats)
            return
        if finished.error:
            log.error("the crawl run was not finished in the archive: %s", finished.error)
        if self.mode == "process":
            self._hook_errors(finished.hook_errors)
            _absorb_hook_stats(self.hook_path, finished.hook_stats)
            global LAST_WRITER_USAGE
            LAST_WRITER_USAGE = dict(finished.usage)
            if finished.usage:
                log.info(
                    "archive writer: %.1f s CPU (+%.1f s in its workers), peak RSS %.0f MB",
                    finished.usage["cpu_seconds"],
                    finished.usage["children_cpu_seconds"],
                    finished.usage["peak_rss_mb"],
                )

    def _finish_without_writer(self, stats: dict[str, Any]) -> None:
        """The writer died: opening the archive here repairs a torn tail and catalogs the
        whole fetches it wrote but never committed; then the run gets its final stats."""
        if self.run_id is None:
            log.error("the archive writer never started a crawl run: nothing to finish")
            return
        try:
            with Archive.open(self.directory, self.catalog_url) as archive:
                archive.finish_run(self.run_id, stats)
        except (ArchiveError, OSError) as exc:
            log.error("the crawl run was not finished in the archive: %s", exc)


# CPU and peak RSS of the last archive-writer process (bench/crawl.py reports them).
LAST_WRITER_USAGE: dict[str, float] = {}
WRITER_MODES = ("process", "inline")


def writer_mode(settings: Any) -> str:
    mode = str(settings.get(names.OGI_ARCHIVE_WRITER) or "inline").lower()
    if mode not in WRITER_MODES:
        raise ValueError(f"OGI_ARCHIVE_WRITER must be one of {WRITER_MODES}, got {mode!r}")
    if mode == "process" and (
        settings.get(names.OGI_DISTRIBUTED) or settings.get(names.OGI_RESUME_SINCE)
    ):
        log.info("resuming or distributed: the archive is written in the crawl process")
        return "inline"
    return mode


def _writer_log_level(crawler: Crawler) -> str:
    """The writer logs what this process would show: LOG_LEVEL when logging is set up
    here, else WARNING (Python's last-resort handler, as under `ogi crawl`)."""
    level = str(crawler.settings.get("LOG_LEVEL") or "INFO").upper()
    if logging.getLogger().handlers:
        return level
    return "WARNING" if logging.getLevelName(level) < logging.WARNING else level


def _awaitable(deferred: Deferred) -> Any:
    """What Scrapy awaits without a deprecation warning (>= 2.14: an asyncio future)."""
    if hasattr(scrapy_defer, "ensure_awaitable"):
        return scrapy_defer.maybe_deferred_to_future(deferred)
    return deferred


def _absorb_hook_stats(hook_path: str | None, hook_stats: Any) -> None:
    """The hook ran in the writer; its counts (e.g. texts extracted during the crawl)
    go to this process's copy of it, where `ogi crawl` reads them afterwards."""
    if hook_stats is None or not hook_path:
        return
    add = getattr(load_object(hook_path), "add_stats", None)
    if callable(add):
        add(hook_stats)


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
    """The FetchRecord of a kept response, charset detected (as the archive stores it)."""
    return handover_of(item).complete()


def handover_of(item: KeptResponse) -> Handover:
    """The FetchRecord as the crawl hands it over: charset detection, which needs only
    the body, is left to whoever records it (the archive writer, on another core)."""
    response, request = item.response, item.response.request
    assert request is not None
    redirects = list(response.meta.get("redirect_urls") or [])
    media_type = media_type_of(response)
    fetch = FetchRecord(
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
        charset=None,
        ip_address=str(response.ip_address) if response.ip_address else None,
        candidate=item.candidate,
    )
    if media_type not in TEXT_TYPES:
        return Handover(fetch)
    return Handover(fetch, detect_charset=True, declared_charset=_declared_charset(response))


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


TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "text/xml")


def _declared_charset(response: Response) -> str | None:
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    if "charset=" in content_type:
        return content_type.split("charset=", 1)[1].split(";")[0].strip()
    return None
