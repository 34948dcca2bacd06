"""Limits a hostile or broken server cannot push the crawl past, each refusal counted.

Scrapy enforces the limits (DOWNLOAD_MAXSIZE while downloading and while decompressing,
DOWNLOAD_TIMEOUT on the whole download, so a server trickling a byte a second is cut
off too, REDIRECT_MAX_TIMES); this module gives every refusal a reason in the crawl
run's stats, `ogi/limits/<reason>`:

    too_large             body over DOWNLOAD_MAXSIZE (announced or received)
    decompression_bomb    a Content-Encoding body that inflates past DOWNLOAD_MAXSIZE
    timeout               no whole answer within DOWNLOAD_TIMEOUT (after retries)
    too_many_redirects    a redirect chain longer than REDIRECT_MAX_TIMES (counted by
                          crawler.redirects, which stops it before Scrapy would)
    control_characters    a URL with (percent-encoded) control characters: never asked

and counts pages whose declared charset is not what their bytes are,
`ogi/charset/mislabelled` (the archive keeps the bytes and the detected charset).
"""

from __future__ import annotations

import codecs
import logging
import re
from typing import Any

from scrapy import Request, Spider
from scrapy import exceptions as scrapy_exceptions
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from twisted.internet import defer
from twisted.internet import error as tx_error

from extract.charset import detect_charset

log = logging.getLogger(__name__)
PREFIX = "ogi/limits/"
# %00-%1F and %7F once Scrapy has percent-encoded the URL (raw ones are encoded by then).
CONTROL = re.compile(r"%(?:[01][0-9a-f]|7f)", re.IGNORECASE)
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
SAMPLE = 1 << 16  # bytes read for the charset check (the archive detects on the whole body)
_TIMEOUTS = tuple(
    t
    for t in (getattr(scrapy_exceptions, "DownloadTimeoutError", None), tx_error.TimeoutError)
    if t is not None
)
_CANCELLED = getattr(scrapy_exceptions, "DownloadCancelledError", None)


def limit_reason(exc: BaseException) -> str | None:
    """The limit a download failure hit, if it hit one."""
    if isinstance(exc, _TIMEOUTS):
        return "timeout"
    if _CANCELLED is not None and isinstance(exc, _CANCELLED):
        return "too_large"
    if isinstance(exc, defer.CancelledError) and "max size" in str(exc).lower():
        return "too_large"  # Scrapy < 2.13 cancels with a plain CancelledError
    return None


def count_limit(stats: StatsCollector | None, request: Request, reason: str) -> None:
    if stats is None:
        return
    stats.inc_value(f"{PREFIX}{reason}")
    portal = request.meta.get("ogi_portal")
    if portal:
        stats.inc_value(f"ogi/portal/{portal}/limits/{reason}")
    log.info("limit %s: %s", reason, request.url)


class LimitsMiddleware:
    """Counts the limits downloads hit; placed below RetryMiddleware (550), so a timeout
    is counted once, when the retries are used up. Refuses control-character URLs."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LimitsMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats)

    # ``spider`` defaults to None: Scrapy >= 2.14 no longer passes it, older ones do.
    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if CONTROL.search(request.url):
            count_limit(self.stats, request, "control_characters")
            raise IgnoreRequest(f"refused (control characters in the URL): {request.url!r}")

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        content_type = response.headers.get("Content-Type") or b""
        if content_type.split(b";")[0].strip().lower() in HTML_TYPES:
            declared = _declared(content_type.decode("latin-1"))
            sample = response.body[:SAMPLE]
            if declared and _same(detect_charset(sample, declared), declared) is False:
                self.stats.inc_value("ogi/charset/mislabelled")
        return response

    def process_exception(
        self, request: Request, exception: BaseException, spider: Spider | None = None
    ) -> None:
        reason = limit_reason(exception)
        if reason is not None:
            count_limit(self.stats, request, reason)


def _declared(content_type: str) -> str | None:
    lowered = content_type.lower()
    if "charset=" not in lowered:
        return None
    return lowered.split("charset=", 1)[1].split(";")[0].strip().strip("\"'") or None


GB = {"gb2312", "gbk", "gb18030"}


def _same(detected: str, declared: str) -> bool | None:
    """Whether two charset names mean the same decoding (GB labels are one family);
    None when the label is no known charset."""
    try:
        a, b = codecs.lookup(detected).name, codecs.lookup(declared).name
    except LookupError:
        return None
    return a == b or (a in GB and b in GB)


def _args(spider: Spider | None) -> tuple[Any, ...]:
    """Scrapy >= 2.14 middlewares take no ``spider``; older ones require it."""
    return () if spider is None else (spider,)


class LimitedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (it stops at DOWNLOAD_MAXSIZE), with the refusal counted."""

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response, *_args(spider))
        except IgnoreRequest as exc:
            if "decompression" in str(exc):
                count_limit(self.stats, request, "decompression_bomb")
            raise
