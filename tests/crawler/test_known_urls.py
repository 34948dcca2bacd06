"""Validators for recrawls from a real SQLite archive (Archive.known_urls, crawler.recrawl)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from archive_testdata import fetch_record

from archive import Archive, FetchRecord
from crawler.recrawl import Recrawl

BASE = "http://www.example.gov.example"


def _fetch(url: str, status: int = 200, headers: tuple = (), **kw: object) -> FetchRecord:
    body = b"<html>page</html>" if status == 200 else b""
    at = kw.pop("at", datetime.now(UTC))
    return fetch_record(url, body, status, content_type="text/html", headers=headers, at=at, **kw)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "sqlite" else request.getfixturevalue("pg_catalog_url")


def test_known_urls_carry_validators_and_last_confirmation(
    tmp_path: Path, catalog: str | None
) -> None:
    old = datetime.now(UTC) - timedelta(days=10)
    etag = (("ETag", '"abc"'), ("Last-Modified", "Wed, 01 May 2019 00:00:00 GMT"))
    with Archive.open(tmp_path, catalog) as arc:
        run = arc.start_run(software={}, settings_digest="", portals_digest="")
        arc.record(_fetch(f"{BASE}/list/", headers=etag, at=old), run)
        arc.record(_fetch(f"{BASE}/r.html?b=1&a=2", candidate=True, at=old), run)
        arc.record(_fetch(f"{BASE}/r.html?b=1&a=2", status=304), run)  # confirmed today
        arc.record(_fetch(f"{BASE}/gone.html"), run)
        arc.record(_fetch(f"{BASE}/gone.html", status=404), run)
        arc.record(_fetch(f"{BASE}/never.html", status=500), run)
        known = arc.known_urls()
    assert set(known) == {f"{BASE}/list/", f"{BASE}/r.html?a=2&b=1"}
    listed = known[f"{BASE}/list/"]
    assert (listed.etag, listed.last_modified) == (etag[0][1], etag[1][1])
    assert not listed.candidate and listed.media_type == "text/html"
    report = known[f"{BASE}/r.html?a=2&b=1"]
    assert report.candidate and report.etag is None and len(report.sha256 or "") == 64
    assert datetime.now(UTC) - report.checked_at < timedelta(minutes=1)  # the 304 counts

    recrawl = Recrawl(None, known, timedelta(days=7))
    assert recrawl.lookup(f"{BASE}/r.html?a=2&b=1#x") is report
    assert recrawl.fresh(report) and not recrawl.fresh(listed)
    assert Recrawl.headers(listed) == {
        "If-None-Match": '"abc"',
        "If-Modified-Since": "Wed, 01 May 2019 00:00:00 GMT",
    }
    assert not Recrawl(None, known, timedelta(0)).fresh(report)  # 0: always recheck
