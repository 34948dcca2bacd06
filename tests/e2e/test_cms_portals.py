"""CMS-family discovery end to end: TRS, Hanweb and gkmlpt portals crawled with `ogi crawl`.

Each mock portal hides its later list pages where only CMS knowledge finds them (a
script pager, a POST data proxy, a JSON API); every seed report must be found and
archived as a report, and no look-alike fetched.
"""

from __future__ import annotations

import pytest
from e2e_support import FAST, control, jsonl, mock_portal, ogi, portals_file
from seed_reports import SEED_REPORTS

from mockportal.sites import hanweb, trs
from mockportal.sites.published import LOOKALIKES

pytestmark = pytest.mark.slow

REPORT_PATHS = {
    "trs": [trs.LIST + p for p in trs.ARTICLES.values()]
    + [f"{trs.LIST}201902/P020190222512345678901.pdf"],
    "hanweb": [
        *hanweb.ARTICLES.values(),
        "/module/download/downfile.jsp?classid=0&filename=P020190222512345678901.pdf",
    ],
    "gkmlpt": [
        *(f"/gkmlpt/content/0/2766/post_1{s}.html" for s in ("000", "001", "002", "003", "004")),
        "/attachment/0/1/P020190222512345678901.pdf",
        "/attachment/0/1/W020190315333444555666.docx",
    ],
}
LIST_PATHS = {
    "trs": ["/xxgk/xxgknb/index_1.html", "/xxgk/xxgknb/index_2.html"],
    "hanweb": [
        "/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=9&perpage=2",
        "/module/web/jpage/dataproxy.jsp?startrecord=10&endrecord=15&perpage=2",
        hanweb.ANNUAL,
    ],
    "gkmlpt": ["/gkmlpt/api/all/2766?page=1&sid=757001", "/gkmlpt/api/all/2766?page=2&sid=757001"],
}
LOOKALIKE_PATHS = {
    "trs": [trs.LIST + p for p in trs.LOOKALIKE_PATHS],
    "hanweb": [f"/art/2019/3/1/art_1001_{120 + n}.html" for n in range(len(LOOKALIKES))]
    + [hanweb.NEWS[0]],
    "gkmlpt": ["/gkmlpt/content/0/2766/post_150.html", "/gkmlpt/content/0/2766/post_151.html"],
}


@pytest.fixture(scope="module", params=["trs", "hanweb", "gkmlpt"])
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    family = request.param
    tmp = tmp_path_factory.mktemp(family)
    archive = tmp / "archive"
    with mock_portal(family) as base:
        portals = portals_file(tmp, base, family)
        proc = ogi("crawl", "--portals", portals, "--archive", archive, *FAST)
        log = control(base, "log")
    assert isinstance(log, list)
    rows = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    return family, archive, log, rows, proc.stderr.decode()


def test_every_report_found_and_archived_as_report(crawled: tuple) -> None:
    family, _, _, rows, _ = crawled
    assert {(r["agency"], r["year"]) for r in rows} == SEED_REPORTS
    assert all(r["portal"] == family for r in rows)
    assert {"text/html", "application/pdf"} <= {r["media_type"] for r in rows}


def test_every_list_page_and_report_fetched_once(crawled: tuple) -> None:
    family, _, log, _, _ = crawled
    for path in LIST_PATHS[family] + REPORT_PATHS[family]:
        assert log.count(path) == 1, (path, log)


def test_no_look_alike_fetched(crawled: tuple) -> None:
    family, _, log, rows, _ = crawled
    for path in LOOKALIKE_PATHS[family]:
        assert path not in log, path
    titles = " ".join(r["title"] or "" for r in rows)
    assert not any(t in titles for t in LOOKALIKES)


def test_requests_per_report_can_be_computed(crawled: tuple) -> None:
    """The run's stats count requests per portal; the summary shows them."""
    from archive import Archive

    family, archive, log, rows, stderr = crawled
    with Archive.open(archive, create=False) as arc:
        stats = arc.runs()[-1].stats
    requests = stats[f"ogi/portal/{family}/requests"]
    portal_log = [p for p in log if p != "/robots.txt"]
    assert requests == len(portal_log)
    assert stats[f"ogi/portal/{family}/candidates"] >= len(rows)
    assert requests / len(rows) < 6, (requests, len(rows))
    assert "requests" in stderr
