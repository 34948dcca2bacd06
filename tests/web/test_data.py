"""The workbench's data layer (web/data.py) on SQLite and on the real PostgreSQL: the report
index built in SQL groups captures as `ogi reports` does, and search filters agree."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from archive_testdata import fetch_record

from archive import Archive, FetchRecord
from archive.search import SearchFilter
from ogi.reports import ReportFilter, report_rows
from web.data import Workbench

PARSER = "p"
T0 = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "sqlite" else request.getfixturevalue("pg_catalog_url")


def _fetch(url: str, body: str, n: int) -> FetchRecord:
    at = T0 + timedelta(minutes=n)
    return fetch_record(url, body.encode(), content_type="text/html", at=at, portal="pp")


def _store(arc: Archive, run: int, url: str, text: str, n: int, **result: object) -> None:
    done = arc.record(_fetch(url, text, n), run)
    tid = arc.add_text(
        sha256=done.sha256,
        extractor="x",
        extractor_version="1",
        options={},
        text=text,
        error=None,
        meta={},
    )
    arc.add_parse(
        text_id=tid,
        parser=PARSER,
        parser_version="1",
        result=result,
        agency=str(result["agency"]),
        year=int(result["year"]),
        is_report=True,
    )


def _archive(tmp_path: Path, catalog: str | None) -> None:
    with Archive.open(tmp_path / "a", catalog) as arc:
        run = arc.start_run(software={"t": "1"}, settings_digest="s", portals_digest="p")
        stats = [{"table": "t", "row": "收到申请", "column": "数", "value": 3}]
        base = {"agency": "甲局", "agency_normalized": "某市甲局", "year": 2020, "format": "2019"}
        _store(arc, run, "http://127.0.0.1:1/page.html", "甲局年报 见附件", 1, **base, stats=[])
        _store(
            arc,
            run,
            "http://127.0.0.1:1/a.pdf",
            "甲局 依申请公开 3 件",
            2,
            **base,
            stats=stats,
            sections={"一": "x"},
            warnings=["合计不符"],
            title="甲局2020年报",
        )
        _store(
            arc,
            run,
            "http://127.0.0.1:1/a.pdf",
            "甲局 依申请公开 4 件",
            3,
            **base,
            stats=[{**stats[0], "value": 4}],
            sections={"一": "x"},
            title="甲局2020年报",
        )
        _store(
            arc,
            run,
            "http://127.0.0.1:1/b.html",
            "乙局 依申请公开",
            4,
            agency="乙局",
            year=2021,
            format="narrative",
            stats=[],
        )


def test_index_groups_reports_like_ogi_reports(tmp_path: Path, catalog: str | None) -> None:
    _archive(tmp_path, catalog)
    with Archive.open(tmp_path / "a", catalog, create=False, readonly=True) as arc:
        bench = Workbench(arc, parser=PARSER, parser_version=None, configured=[("zz", "丙局")])
        entries = bench.reports()
        expected = report_rows(arc, PARSER, ReportFilter(parser_version="1"))
        assert [(e.agency, e.year, e.capture_id) for e in entries] == [
            (r["agency"], r["year"], r["capture_id"]) for r in expected
        ]
        jia = bench.report("2020", "某市甲局")
        assert jia is not None and jia.versions == 2 and jia.n_stats == 1
        assert jia.title == "甲局2020年报" and len(jia.members) == 3
        detail = bench.report_detail(jia)
        assert detail["stats"][0]["value"] == 4 and detail["text"] == "甲局 依申请公开 4 件"
        cov = bench.coverage()
        assert cov["years"] == [2020, 2021] and cov["total"] == 3  # 丙局: configured, none
        assert {r["agency"]: r["cells"] for r in cov["rows"]}["丙局"] == {}
        total, hits = bench.search(SearchFilter("依申请公开", PARSER, None), limit=10, offset=0)
        assert total == 3
        flt = SearchFilter("依申请公开", PARSER, None, year=2021, format="narrative")
        total, hits = bench.search(flt, limit=10, offset=0)
        assert total == 1 and hits[0].agency == "乙局"
        assert (
            bench.search(SearchFilter("公开", PARSER, None, agency="甲"), limit=1, offset=0)[0] == 2
        )


def test_index_follows_a_writer_without_blocking(tmp_path: Path) -> None:
    """The server reads while a crawl writes: new reports appear once the index catches up."""
    _archive(tmp_path, None)
    reader = Archive.open(tmp_path / "a", create=False, readonly=True)
    try:
        bench = Workbench(reader, parser=PARSER, parser_version=None)
        assert len(bench.reports()) == 2
        with Archive.open(tmp_path / "a") as writer:
            run = writer.start_run(software={"t": "1"}, settings_digest="s", portals_digest="p")
            _store(writer, run, "http://127.0.0.1:1/c.html", "丙局", 5, agency="丙局", year=2022)
        deadline = time.monotonic() + 10
        while len(bench.reports()) != 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sorted(e.agency for e in bench.reports()) == sorted(["乙局", "丙局", "甲局"])
    finally:
        reader.close()
