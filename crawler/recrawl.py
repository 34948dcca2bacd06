"""Incremental recrawls: conditional requests for URLs the archive already holds.

Loaded once at crawl start (one query, ``Archive.known_urls``). Every known URL is
asked with If-None-Match / If-Modified-Since from its latest capture; a 304 is stored
by the archive as a revisit. List pages are always asked, and a 304 list page is read
from its archived payload so the crawl still follows its links (cheaper than dropping
validators from lists: most list pages of a static TRS site do not change between
sweeps). Known report documents are asked only when their content was last confirmed
more than ``OGI_RECHECK_REPORTS_AFTER`` days ago (default 0: every crawl rechecks them,
a 304 costs a few hundred bytes); younger ones are not requested at all.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapy.settings import BaseSettings

from archive import Archive, ArchiveError, KnownUrl
from archive.resources import canonical_url
from settings import names

log = logging.getLogger(__name__)
# Answers whose links the crawl reads: pages, and the JSON/XML of CMS list APIs.
READABLE = (
    "text/html",
    "application/xhtml+xml",
    "application/json",
    "text/json",
    "application/xml",
    "text/xml",
    "text/plain",
)


class Recrawl:
    def __init__(
        self, archive: Archive | None, known: dict[str, KnownUrl], recheck_after: timedelta
    ) -> None:
        self.archive = archive
        self.known = known
        self.recheck_after = recheck_after
        self.started = datetime.now(UTC)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Recrawl:
        """The archive's known URLs, or none (a first crawl, conditional requests off)."""
        days = settings.getfloat("OGI_RECHECK_REPORTS_AFTER", 0.0)
        after = timedelta(days=days)
        directory = settings.get(names.OGI_ARCHIVE_DIR)
        if not directory or not settings.getbool("OGI_CONDITIONAL_REQUESTS", True):
            return cls(None, {}, after)
        try:
            archive = Archive.open(
                Path(directory), settings.get(names.OGI_CATALOG_URL), create=False, readonly=True
            )
        except ArchiveError as exc:
            log.info("no earlier captures to recrawl conditionally: %s", exc)
            return cls(None, {}, after)
        known = archive.known_urls()
        log.info("recrawl: %d URLs known from earlier crawls", len(known))
        return cls(archive, known, after)

    def lookup(self, url: str) -> KnownUrl | None:
        return self.known.get(canonical_url(url)) if self.known else None

    def fresh(self, known: KnownUrl) -> bool:
        """A known report confirmed recently enough not to be asked again now."""
        return self.recheck_after > timedelta(0) and (
            self.started - known.checked_at < self.recheck_after
        )

    @staticmethod
    def headers(known: KnownUrl) -> dict[str, str]:
        out = {}
        if known.etag:
            out["If-None-Match"] = known.etag
        if known.last_modified:
            out["If-Modified-Since"] = known.last_modified
        return out

    def archived_body(self, capture_id: int, media_type: str | None) -> bytes | None:
        """The stored body a 304 stands for, when it is a page or list answer we read."""
        if self.archive is None or media_type not in READABLE:
            return None
        try:
            return self.archive.payload(capture_id)
        except (ArchiveError, OSError) as exc:
            log.warning("cannot read capture %s for a 304: %s", capture_id, exc)
            return None

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
            self.archive = None
