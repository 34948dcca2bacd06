"""CrawlExtraction, the capture hook that extracts candidate documents during a crawl:
what it had to leave while its worker was busy is extracted at close(), once per
payload, by the same worker, so nothing is left for a cold pool after the crawl."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from archive_testdata import fetch_record

from archive import Archive, FetchRecord
from ogi import pipeline


def page(i: int, body: str) -> FetchRecord:
    url = f"http://127.0.0.1:8000/xxgk/t2019_{i}.html"
    at = datetime(2024, 1, 1, tzinfo=UTC)
    return fetch_record(url, body.encode(), at=at, charset="utf-8", candidate=True)


def test_what_was_skipped_while_busy_is_extracted_at_close(tmp_path: Path) -> None:
    hook = pipeline.CrawlExtraction()
    hook.MAX_IN_FLIGHT = 0  # always busy: every candidate is left for close()
    bodies = [
        f"<html><title>某县{y}年政府信息公开工作年度报告</title><p>正文{y}</p></html>"
        for y in (2018, 2019)
    ]
    with Archive.open(tmp_path / "archive") as arc:
        hook.open()
        for i, body in enumerate([*bodies, bodies[0]]):  # the third repeats the first payload
            fetch = page(i, body)
            hook(arc, arc.record(fetch, None), fetch)
        assert not hook._inflight  # nothing was submitted while busy
        hook.close(arc)
        stats = hook.take_stats()
        assert stats.texts == 2  # one per payload, none twice
        for info in arc.captures():
            assert [t.extractor_version for t in arc.texts_for(info.sha256)]
        assert list(pipeline.pending_jobs(arc)) == []  # nothing left for process_pending
