"""Incremental recrawls of unchanged portals with the real `ogi crawl`: conditional
requests answered 304, the same reports found, known reports asked only when due.

TRS (static lists) and gkmlpt (a JSON list API: a 304 answer is read from the archive
so the articles it lists are still rechecked)."""

from __future__ import annotations

import pytest
from e2e_support import FAST, control, jsonl, mock_portal, ogi, portals_file
from test_cms_portals import LIST_PATHS, REPORT_PATHS

from mockportal.sites import trs

pytestmark = pytest.mark.slow
REPORTS = {"trs": [trs.LIST + p for p in trs.ARTICLES.values()], "gkmlpt": REPORT_PATHS["gkmlpt"]}
LISTS = {"trs": [trs.LIST, *LIST_PATHS["trs"]], "gkmlpt": LIST_PATHS["gkmlpt"]}


def _since(answers: list, start: int) -> list:
    return [(p, s) for p, s in answers[start:] if p != "/robots.txt"]


@pytest.fixture(scope="module", params=["trs", "gkmlpt"])
def recrawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    family = request.param
    tmp = tmp_path_factory.mktemp(f"recrawl-{family}")
    archive = tmp / "archive"
    with mock_portal(family) as base:
        portals = portals_file(tmp, base, family)
        crawl = ["crawl", "--portals", portals, "--archive", archive, *FAST]
        ogi(*crawl, "-q")
        first = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
        mark = len(control(base, "answers"))  # type: ignore[arg-type]
        summary = ogi(*crawl).stderr.decode()
        second = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
        answers = control(base, "answers")
        mark3 = len(answers)  # type: ignore[arg-type]
        ogi(*crawl, "--set", "OGI_RECHECK_REPORTS_AFTER=1", "-q")
        third = control(base, "answers")
    return first, second, _since(answers, mark), _since(third, mark3), summary, archive, family


def test_second_crawl_answers_mostly_304(recrawled: tuple) -> None:
    _, _, answers, _, _, _, family = recrawled
    statuses = [s for _, s in answers]
    assert statuses and statuses.count(304) / len(statuses) >= 0.9, answers
    for path in LISTS[family] + REPORTS[family]:
        assert (path, 304) in answers, path


def test_same_reports_found_and_stored_as_revisits(recrawled: tuple) -> None:
    from archive import Archive

    first, second, _, _, _, archive, family = recrawled
    key = {(r["agency"], r["year"], r["sha256"]) for r in first}
    assert {(r["agency"], r["year"], r["sha256"]) for r in second} == key
    assert all(r["versions"] == 1 for r in second)
    with Archive.open(archive, create=False, readonly=True) as arc:
        runs = arc.runs()
        stats = runs[1].stats
        revisits = [c for c in arc.captures(run_id=runs[1].id) if c.status == 304]
    assert revisits and all(c.is_revisit and c.change == "unchanged" for c in revisits)
    prefix = f"ogi/portal/{family}"
    assert stats[f"{prefix}/reports_unchanged"] == stats[f"{prefix}/candidates"]
    assert stats["ogi/recrawl/links_from_archive"] >= len(LISTS[family])


def test_known_reports_not_due_are_not_asked(recrawled: tuple) -> None:
    _, _, _, third, _, archive, family = recrawled
    from archive import Archive

    asked = {p for p, _ in third}
    assert not asked & set(REPORTS[family])
    assert set(LISTS[family]) <= asked  # lists are always rechecked
    with Archive.open(archive, create=False, readonly=True) as arc:
        stats = arc.runs()[-1].stats
    # the report pages listed are skipped; their attachments are then not even found
    pages = [p for p in REPORTS[family] if p.endswith(".html")]
    assert stats[f"ogi/portal/{family}/skipped"] == len(pages)


def test_summary_shows_reports_unchanged(recrawled: tuple) -> None:
    _, _, _, _, summary, *_ = recrawled
    assert "unchanged" in summary and "not due" in summary and "reason" in summary
