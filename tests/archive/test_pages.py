"""Keyset pages of the report list and of a URL's versions, on SQLite and PostgreSQL.

Walking every page from the first must give exactly the reports of the whole list (none
lost, none twice), whatever the keys hold (NULL agency, NULL year), on both databases
(which order NULLs differently).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from archive import Archive
from archive.models import Capture, CrawlRun, ParseRow, Resource, TextRow
from archive.resources import url_hash
from ogi.reports import ReportFilter, decode_cursor, report_page, report_rows

PARSER, VERSION = "ogi-parser", "t1"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
AGENCIES = ["甲县财政局", "乙县人民政府", None, "丙县教育局", "甲县财政局"]
URL = "http://127.0.0.1:1/p/0.html"


def fill(arc: Archive, reports: int = 23) -> None:
    """``reports`` report captures (NULL agencies and years among them), one URL with
    seven versions, and one capture that is not a report."""
    caps, texts, parses = [], [], []
    for n in range(1, reports + 2):
        caps.append(_capture(n, resource_id=1 if n <= 7 else n, sha=f"{n:064x}"))
        texts.append(_text(n, f"{n:064x}"))
        agency = AGENCIES[n % len(AGENCIES)]
        year = None if n % 6 == 0 else 2010 + n % 4
        parses.append(_parse(n, agency, year, is_report=n <= reports))
    with arc.engine.begin() as conn:
        conn.execute(sa.insert(CrawlRun.__table__), [_run()])
        resources = [_resource(1, URL)] + [
            _resource(c["resource_id"], f"http://127.0.0.1:1/p/{c['resource_id']}.html")
            for c in caps
            if c["resource_id"] != 1
        ]
        conn.execute(sa.insert(Resource.__table__), resources)
        conn.execute(sa.insert(Capture.__table__), caps)
        conn.execute(sa.insert(TextRow.__table__), texts)
        conn.execute(sa.insert(ParseRow.__table__), parses)


def _run() -> dict:
    return {
        "id": 1,
        "started_at": T0,
        "host": "t",
        "pid": 1,
        "software": {},
        "settings_digest": "s",
        "portals_digest": "p",
        "stats": {},
    }


def _resource(rid: int, url: str) -> dict:
    return {
        "id": rid,
        "url": url,
        "url_hash": url_hash(url),
        "first_seen": T0,
        "last_seen": T0,
        "ever_ok": True,
    }


def _capture(n: int, *, resource_id: int, sha: str) -> dict:
    url = URL if resource_id == 1 else f"http://127.0.0.1:1/p/{resource_id}.html"
    return {
        "id": n,
        "resource_id": resource_id,
        "run_id": 1,
        "requested_url": url,
        "final_url": url,
        "redirect_chain": [],
        "method": "GET",
        "status": 200,
        "reason": "OK",
        "request_headers": [],
        "response_headers": [],
        # captures 2 and 3 share one moment: the versions cursor must still order them
        "fetched_at": T0 + timedelta(seconds=n if n != 3 else 2),
        "sha256": sha,
        "size": 10,
        "media_type": "text/html",
        "warc_file": "t.warc.gz",
        "warc_offset": n * 100,
        "warc_length": 50,
        "warc_record_id": f"urn:uuid:{n}",
        "request_offset": n * 100 + 50,
        "request_length": 50,
        "portal": f"p{n % 3}",
        "depth": 1,
        "candidate": True,
        "is_revisit": False,
        "change": "new" if n == 1 or resource_id != 1 else "changed",
        "changed": False,
        "gone": False,
    }


def _text(n: int, sha: str) -> dict:
    return {
        "id": n,
        "sha256": sha,
        "extractor": "t",
        "extractor_version": "1",
        "options_digest": "o",
        "options": {},
        "text": "text",
        "meta": {},
        "created_at": T0,
    }


def _parse(n: int, agency: str | None, year: int | None, *, is_report: bool) -> dict:
    return {
        "id": n,
        "text_id": n,
        "parser": PARSER,
        "parser_version": VERSION,
        "result": {"title": f"报告 {n}", "agency": agency},
        "agency": agency,
        "year": year,
        "is_report": is_report,
        "created_at": T0,
    }


def walk(arc: Archive, flt: ReportFilter, limit: int) -> list[list[dict]]:
    pages, after = [], None
    while True:
        rows, after = report_page(arc, PARSER, flt, after=after, limit=limit)
        pages.append(rows)
        if after is None:
            return pages
        assert len(pages) < 100, "the cursor does not advance"


def keys(arc: Archive, year: int | None) -> int:
    stmt = sa.select(ParseRow.agency, ParseRow.year).where(ParseRow.is_report.is_(True))
    if year is not None:
        stmt = stmt.where(ParseRow.year == year)
    with arc.engine.connect() as conn:
        return len(set(conn.execute(stmt).all()))


def ids(rows: list[dict]) -> list[int]:
    return [m["capture_id"] for r in rows for m in r["captures"]]


@pytest.fixture(params=["sqlite", "postgresql"])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Archive:
    catalog = request.getfixturevalue("pg_catalog_url") if request.param == "postgresql" else None
    arc = Archive.open(tmp_path / "a", catalog)
    fill(arc)
    yield arc
    arc.close()


@pytest.mark.parametrize("limit", [1, 2, 5, 100])
def test_pages_together_are_the_whole_list(archive: Archive, limit: int) -> None:
    for flt in (ReportFilter(None, None, VERSION), ReportFilter(2011, None, VERSION)):
        whole = report_rows(archive, PARSER, flt)
        pages = walk(archive, flt, limit)
        # a page is `limit` (agency, year) keys; a key without an agency is a row per portal
        assert len(pages) == -(-keys(archive, flt.year) // limit)
        paged = [r for p in pages for r in p]
        assert sorted(ids(paged)) == sorted(ids(whole))  # every capture once, none lost
        key = lambda r: (r["agency"] or "", r["year"] or 0)  # noqa: E731
        assert sorted(map(key, paged)) == sorted(map(key, whole))  # one row per report
    # 23 report captures, one non-report: it is never listed
    assert 24 not in ids(
        [r for p in walk(archive, ReportFilter(None, None, VERSION), 3) for r in p]
    )


def test_a_page_and_a_cursor_to_the_rest(archive: Archive) -> None:
    flt = ReportFilter(None, None, VERSION)
    rows, after = report_page(archive, PARSER, flt, after=None, limit=3)
    assert len(rows) >= 3 and after is not None
    decode_cursor(after)  # a cursor the CLI prints and takes back
    rest, _ = report_page(archive, PARSER, flt, after=after, limit=1000)
    assert not set(ids(rows)) & set(ids(rest))


def test_a_bad_cursor_is_refused_with_the_reason(archive: Archive) -> None:
    for bad in ("nonsense", "[1, 2]", '["x"]', '["x", true]'):
        with pytest.raises(ValueError, match="not a page cursor"):
            report_page(archive, PARSER, ReportFilter(None, None, VERSION), after=bad, limit=5)


def test_versions_pages_follow_the_oldest_first_order(archive: Archive) -> None:
    whole = [c.id for c in archive.versions(URL)]
    assert whole == [1, 2, 3, 4, 5, 6, 7]
    paged, after = [], None
    while True:
        page = archive.versions(URL, after=after, limit=2)
        if not page:
            break
        paged += [c.id for c in page]
        after = page[-1].id
    assert paged == whole
    with pytest.raises(ValueError, match="no capture 999"):
        archive.versions(URL, after=999, limit=2)


def test_the_cli_pages_with_a_cursor_and_keeps_jsonl_complete(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    with Archive.open(tmp_path / "a", None) as arc:
        fill(arc)

    def ogi(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "ogi", *args, "--archive", str(tmp_path / "a")]
        return subprocess.run(cmd, capture_output=True, timeout=120, check=False)

    version = ["--parser-version", VERSION]
    whole = ogi("reports", "--format", "jsonl", *version)
    assert whole.returncode == 0, whole.stderr.decode()
    everything = [json.loads(line) for line in whole.stdout.decode().splitlines()]
    seen, after = [], None
    for _ in range(50):
        args = ["reports", "--format", "jsonl", "--limit", "4", *version]
        proc = ogi(*args, *(["--after", after] if after else []))
        assert proc.returncode == 0, proc.stderr.decode()
        seen += [json.loads(line) for line in proc.stdout.decode().splitlines()]
        hint = proc.stderr.decode()
        if "--after" not in hint:
            break
        after = json.loads(hint.split("--after ", 1)[1].split(" (or")[0].strip("'"))
        after = json.dumps(after, ensure_ascii=False, separators=(",", ":"))
    assert sorted(ids(seen)) == sorted(ids(everything))
    clash = ogi("reports", "--all", "--limit", "3", *version)
    assert clash.returncode != 0 and "--all lists every row" in clash.stderr.decode()
    bad = ogi("reports", "--after", "nonsense", *version)
    assert bad.returncode != 0 and "not a page cursor" in bad.stderr.decode()
    page = ogi("versions", URL, "--format", "jsonl", "--limit", "3")
    assert len(page.stdout.decode().splitlines()) == 3
    assert "--after 3" in page.stderr.decode()
