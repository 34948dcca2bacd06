"""The trap portal crawled with the real `ogi crawl`: every report found, no trap followed
far, and the run's stats saying why each trap was left (mockportal/sites/traps.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_support import FAST, control, jsonl, mock_portal, ogi, portals_file
from seed_reports import SEED_REPORTS

from mockportal.sites import traps
from mockportal.sites.published import LOOKALIKES

pytestmark = pytest.mark.slow

PDF = f"{traps.LIST}201902/P020190222512345678901.pdf"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    tmp = tmp_path_factory.mktemp("traps")
    archive = tmp / "archive"
    with mock_portal("traps") as base:
        portals = portals_file(tmp, base, "traps")
        backoff = ["--set", "RETRY_BACKOFF_BASE=0.2"]
        crawl = ["crawl", "--portals", portals, "--archive", archive, *FAST, *backoff, "-q"]
        ogi(*crawl)
        log = control(base, "log")
        rows = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
        ogi(*crawl)  # a recrawl of the unchanged portal, for the tests at the end
        again = control(base, "answers")[len(log) :]  # type: ignore[index]
    assert isinstance(log, list)
    return archive, log, rows, _stats(archive, 0), base, again


def _stats(archive: Path, run: int) -> dict:
    from archive import Archive

    with Archive.open(archive, create=False, readonly=True) as arc:
        return arc.runs()[run].stats


def test_every_report_found_behind_the_traps(crawled: tuple) -> None:
    _, _, rows, *_ = crawled
    assert {(r["agency"], r["year"]) for r in rows} == SEED_REPORTS
    assert {"text/html", "application/pdf"} <= {r["media_type"] for r in rows}


def test_no_look_alike_and_no_soft_404_kept(crawled: tuple) -> None:
    from archive import Archive

    archive, log, rows, stats, *_ = crawled
    assert not [p for p in traps.LOOKALIKE_PATHS if p in log]
    titles = " ".join(r["title"] or "" for r in rows)
    assert not any(t in titles for t in LOOKALIKES)
    assert traps.SOFT_404 in log and stats["ogi/dropped/soft_404"] == 1
    with Archive.open(archive, create=False, readonly=True) as arc:
        candidates = {c.url for c in arc.captures(candidates_only=True)}
    assert not [u for u in candidates if u.endswith(traps.SOFT_404)]
    # the same page under two URLs: whichever came first is the report, the other is not
    twins = (traps.DUPLICATE, traps.LIST + traps.ARTICLES["004"])
    assert len([u for u in candidates if u.endswith(twins)]) == 1


def test_robots_disallowed_urls_never_requested(crawled: tuple) -> None:
    _, log, *_ = crawled
    assert log[0] == "/robots.txt"
    assert not [p for p in log if p.startswith(traps.DISALLOWED)]


def test_session_ids_and_tracking_parameters_never_sent(crawled: tuple) -> None:
    _, log, _, stats, *_ = crawled
    assert not [p for p in log if "jsessionid" in p.lower() or "utm_" in p or "spm=" in p]
    assert stats["ogi/traps/session_removed"] >= 2 and stats["ogi/traps/tracking_removed"] >= 2
    for rel in traps.ARTICLES.values():
        assert log.count(traps.LIST + rel) == 1, rel


def test_trap_urls_are_bounded(crawled: tuple) -> None:
    _, log, _, stats, *_ = crawled
    assert not [p for p in log if p.startswith(traps.CALENDAR)]
    assert stats["ogi/dropped/trap_calendar"] >= 1
    catalog = [p for p in log if p.startswith(traps.CATALOG)]
    assert 1 <= len(catalog) <= 20 and stats["ogi/dropped/trap_param_space"] >= 1
    past = [p for p in log if (m := traps.PAST_LAST.match(p)) and int(m.group(1)) >= traps.PAGES]
    assert not past and stats["ogi/dropped/trap_past_last_page"] >= 1
    assert len(log) < 60, len(log)


def test_same_report_under_two_urls_counts_once(crawled: tuple) -> None:
    _, log, rows, stats, *_ = crawled
    assert traps.DUPLICATE in log
    assert stats["ogi/dropped/duplicate_payload"] == 1
    docx = [r for r in rows if r["agency"] == "百色市科学技术和知识产权局"]
    assert len(docx) == 1


def test_redirect_chain_archived_and_loop_bounded(crawled: tuple) -> None:
    archive, log, rows, stats, base, _ = crawled
    row = next(r for r in rows if r["agency"] == "兴庆区科学技术局")
    page = next(c for c in row["captures"] if c["media_type"] == "text/html")
    meta = json.loads(ogi("show", page["capture_id"], "--json", "--archive", archive).stdout)
    assert meta["redirect_chain"] == [
        base + traps.REDIRECT_FIRST,
        base + traps.REDIRECT_SECOND,
        base + traps.LIST + traps.ARTICLES["002"],
    ]
    assert log.count(traps.LOOP) == 1 and log.count(f"{traps.LOOP}?r=1") == 1
    assert stats["ogi/errors/redirect_loop"] == 1
    assert stats["ogi/portal/traps/errors/redirect_loop"] == 1


def test_flaky_report_archived_after_retries_with_back_off(crawled: tuple) -> None:
    _, log, rows, stats, *_ = crawled
    assert log.count(PDF) == traps.FLAKY_FAILURES + 1
    assert stats["retry/count"] == traps.FLAKY_FAILURES
    assert stats["ogi/retry/backoff_seconds"] == pytest.approx(0.2 + 0.4)
    assert any(r["media_type"] == "application/pdf" for r in rows)


def test_recrawl_of_the_trap_portal(crawled: tuple) -> None:
    """Mostly 304s; the twin page still counts once; the traps stay bounded."""
    archive, log, rows, stats, _, again = crawled
    second = _stats(archive, 1)
    statuses = [s for p, s in again if p != "/robots.txt"]
    assert statuses.count(304) / len(statuses) >= 0.6, again
    # the soft 404 and the twin answer 304: still no report, as their archived version
    assert second["ogi/dropped/known_non_report"] == 2
    assert second["ogi/portal/traps/candidates"] == stats["ogi/portal/traps/candidates"]
    # every report document unchanged, but the loop's 3xx (a report link that never arrives)
    assert second["ogi/portal/traps/reports_error"] == 1
    assert second["ogi/portal/traps/reports_unchanged"] == stats["ogi/portal/traps/candidates"] - 1
    assert len(again) <= len(log) + traps.FLAKY_FAILURES
    assert jsonl(ogi("reports", "--archive", archive, "--format", "jsonl")) == rows
