"""The hand-off to archive/: FetchRecords as the contract says, counted outcomes, and
storage errors that are counted and logged, never swallowed and never crawl-killing
unless the disk itself is gone. A fake Archive records the calls."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

import crawler.archive_session as archive_session
import crawler.archiving as archiving
from archive import ArchiveError, CaptureResult, FetchRecord
from crawler.archiving import ENCODING_HEADER, ArchivePipeline, to_fetch_record
from crawler.items import KeptResponse
from crawler.portals import adhoc_portal
from crawler.spider import PortalSpider

HOOKED: list[tuple[Any, CaptureResult, FetchRecord]] = []


def remember(archive: Any, result: CaptureResult, fetch: FetchRecord) -> None:
    HOOKED.append((archive, result, fetch))


def explode(archive: Any, result: CaptureResult, fetch: FetchRecord) -> None:
    raise RuntimeError("hook bug")


@dataclass
class FakeArchive:
    directory: str
    catalog_url: str | None
    changes: list[str | Exception] = field(default_factory=list)
    records: list[FetchRecord] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    finished: dict[int, dict] = field(default_factory=dict)
    closed: bool = False

    @classmethod
    def open(cls, directory: str, catalog_url: str | None = None) -> FakeArchive:
        FakeArchive.last = cls(directory, catalog_url)  # type: ignore[attr-defined]
        return FakeArchive.last  # type: ignore[attr-defined]

    def start_run(self, *, software: dict, settings_digest: str, portals_digest: str) -> int:
        self.runs.append(
            {"software": software, "settings": settings_digest, "portals": portals_digest}
        )
        return 7

    def record(self, fetch: FetchRecord, run_id: int) -> CaptureResult:
        change = self.changes.pop(0) if self.changes else "new"
        if isinstance(change, Exception):
            raise change
        self.records.append(fetch)
        return CaptureResult(len(self.records), 1, "0" * 64, change)

    def finish_run(self, run_id: int, stats: dict) -> None:
        self.finished[run_id] = stats

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def pipeline(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> ArchivePipeline:
    monkeypatch.setattr(archive_session, "Archive", FakeArchive)
    HOOKED.clear()
    return _pipeline(tmp_path, {"OGI_ON_CAPTURE": f"{__name__}.remember"})


def _pipeline(tmp_path: Any, extra: dict | None = None) -> ArchivePipeline:
    portal = adhoc_portal("http://127.0.0.1:8000/")
    crawler = get_crawler(
        PortalSpider,
        {"OGI_ARCHIVE_DIR": str(tmp_path), "OGI_PORTALS": [portal], **(extra or {})},
    )
    crawler.spider = PortalSpider.from_crawler(crawler)
    crawler.stats.open_spider()  # type: ignore[union-attr]
    pipe = ArchivePipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe


def _kept(response: Response, candidate: bool = True) -> KeptResponse:
    return KeptResponse(response, "127.0.0.1", "http://127.0.0.1:8000/list/", "年报", 2, candidate)


def _response(url: str = "http://127.0.0.1:8000/a.html", **kw: Any) -> Response:
    request = Request(url, headers={"Accept": "text/html"}, meta=kw.pop("meta", {}))
    kw.setdefault("body", "<html>2018年报</html>".encode())
    kw.setdefault("headers", {"Content-Type": "text/html; charset=utf-8"})
    return HtmlResponse(url, request=request, **kw)


def test_not_configured_without_an_archive_dir() -> None:
    crawler = get_crawler(PortalSpider, {})
    with pytest.raises(NotConfigured, match="OGI_ARCHIVE_DIR"):
        ArchivePipeline.from_crawler(crawler)


def test_a_run_is_started_with_software_and_digests(pipeline: ArchivePipeline) -> None:
    (run,) = FakeArchive.last.runs  # type: ignore[attr-defined]
    assert {"python", "scrapy", "twisted", "ogi-archive"} <= set(run["software"])
    assert len(run["settings"]) == len(run["portals"]) == 64
    assert pipeline.run_id == 7


def test_fetch_record_after_redirects_with_encoding_moved_aside() -> None:
    response = _response(
        "http://127.0.0.1:8000/new.html",
        headers={"Content-Type": "text/html; charset=gb2312", "Content-Encoding": "gzip"},
        body="<html>兴庆区 2017年</html>".encode("gb18030"),
        meta={"redirect_urls": ["http://127.0.0.1:8000/old.html", "http://127.0.0.1:8000/mid"]},
    )
    fetch = to_fetch_record(_kept(response))
    assert fetch.requested_url == "http://127.0.0.1:8000/old.html"
    assert fetch.final_url == "http://127.0.0.1:8000/new.html"
    assert fetch.redirect_chain == (
        "http://127.0.0.1:8000/old.html",
        "http://127.0.0.1:8000/mid",
        "http://127.0.0.1:8000/new.html",
    )
    headers = dict(fetch.response_headers)
    assert headers[ENCODING_HEADER] == "gzip" and "Content-Encoding" not in headers
    assert fetch.charset == "gb18030" and fetch.media_type == "text/html"
    assert fetch.fetched_at.utcoffset() is not None and fetch.fetched_at.utcoffset().seconds == 0
    assert ("Accept", "text/html") in fetch.request_headers and fetch.request_body == b""
    assert (fetch.portal, fetch.found_from, fetch.anchor_text, fetch.depth, fetch.candidate) == (
        "127.0.0.1",
        "http://127.0.0.1:8000/list/",
        "年报",
        2,
        True,
    )


def test_without_redirects_the_chain_is_empty_and_vague_types_come_from_the_url() -> None:
    pdf = Response(
        "http://127.0.0.1:8000/P020190222.pdf",
        body=b"%PDF-1.4",
        headers={"Content-Type": "application/octet-stream"},
        request=Request("http://127.0.0.1:8000/P020190222.pdf"),
    )
    fetch = to_fetch_record(_kept(pdf))
    assert fetch.redirect_chain == () and fetch.requested_url == fetch.final_url
    assert fetch.media_type == "application/pdf" and fetch.charset is None


def test_outcomes_are_counted_overall_and_per_portal(pipeline: ArchivePipeline) -> None:
    FakeArchive.last.changes = ["new", "unchanged", "gone", "error"]  # type: ignore[attr-defined]
    for i in range(4):
        pipeline.process_item(_kept(_response(f"http://127.0.0.1:8000/{i}"), candidate=i < 2))
    stats = pipeline.stats.get_stats()
    assert stats["ogi/captures/new"] == stats["ogi/captures/gone"] == 1
    assert stats["ogi/portal/127.0.0.1/pages"] == 4
    assert stats["ogi/portal/127.0.0.1/candidates"] == 2
    assert stats["ogi/portal/127.0.0.1/errors"] == 1
    assert [r.change for _, r, _ in HOOKED] == ["new", "unchanged", "gone", "error"]


def test_other_items_pass_through_untouched(pipeline: ArchivePipeline) -> None:
    assert pipeline.process_item({"x": 1}) == {"x": 1}
    assert FakeArchive.last.records == []  # type: ignore[attr-defined]


def test_a_failing_hook_is_counted_and_the_capture_kept(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(archive_session, "Archive", FakeArchive)
    pipe = _pipeline(tmp_path, {"OGI_ON_CAPTURE": f"{__name__}.explode"})
    pipe.process_item(_kept(_response()))
    assert pipe.stats.get_value("ogi/on_capture_errors/RuntimeError") == 1
    assert pipe.stats.get_value("ogi/captures/new") == 1


def test_storage_errors_are_counted_by_reason(pipeline: ArchivePipeline, monkeypatch: Any) -> None:
    closed: list[str] = []
    monkeypatch.setattr(archiving, "_close_crawl", lambda crawler, reason: closed.append(reason))
    FakeArchive.last.changes = [ArchiveError("catalog busy"), "new"]  # type: ignore[attr-defined]
    pipeline.process_item(_kept(_response("http://127.0.0.1:8000/1")))
    pipeline.process_item(_kept(_response("http://127.0.0.1:8000/2")))
    assert pipeline.stats.get_value("ogi/archive_errors/archive_error") == 1
    assert pipeline.stats.get_value("ogi/captures/new") == 1 and closed == []


def test_a_full_disk_closes_the_crawl_once(pipeline: ArchivePipeline, monkeypatch: Any) -> None:
    closed: list[str] = []
    monkeypatch.setattr(archiving, "_close_crawl", lambda crawler, reason: closed.append(reason))
    full = ArchiveError("WARC write failed")
    full.__cause__ = OSError(errno.ENOSPC, "No space left on device")
    FakeArchive.last.changes = [full]  # type: ignore[attr-defined]
    for i in range(3):
        pipeline.process_item(_kept(_response(f"http://127.0.0.1:8000/{i}")))
    assert closed == ["archive_disk_full"]
    assert pipeline.stats.get_value("ogi/archive_errors/not_stored_after_fatal") == 2
    assert pipeline.stats.get_value("ogi/portal/127.0.0.1/errors") == 3
    assert FakeArchive.last.records == []  # type: ignore[attr-defined]


def test_close_finishes_the_run_with_the_stats(pipeline: ArchivePipeline) -> None:
    pipeline.process_item(_kept(_response()))
    fake = FakeArchive.last  # type: ignore[attr-defined]
    pipeline.close_spider()
    assert fake.finished[7]["ogi/captures/new"] == 1 and fake.closed
