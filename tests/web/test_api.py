"""The JSON API and the pages over HTTP, against `ogi serve` on a really crawled archive."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from web_support import CORRECTION, INJECTED, REVISED, get_json

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _q(text: str) -> str:
    return urllib.parse.quote(text)


def _revised(server: str) -> dict:
    agency, year = REVISED
    found = get_json(f"{server}/api/reports?year={year}&agency={_q(agency)}")
    assert found["total"] == 1, found
    return found["items"][0]


def test_reports_are_paginated_with_totals(server: str) -> None:
    everything = get_json(f"{server}/api/reports?limit=500")
    assert everything["total"] == len(everything["items"]) == 5
    pages = [get_json(f"{server}/api/reports?limit=2&offset={o}") for o in (0, 2, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    assert all(p["total"] == 5 for p in pages)
    assert [i["capture_id"] for p in pages for i in p["items"]] == [
        i["capture_id"] for i in everything["items"]
    ]
    assert _get(f"{server}/api/reports?limit=0")[0] == 422
    assert _get(f"{server}/api/reports?limit=501")[0] == 422


def test_report_detail_has_versions_provenance_and_citation(server: str) -> None:
    row = _revised(server)
    assert row["versions"] == 2
    detail = get_json(f"{server}/api{urllib.parse.quote(row['path'])}")
    caps = [c for u in detail["urls"] for c in u["captures"]]
    changes = [c["change"] for c in caps]
    assert "new" in changes and "changed" in changes
    newest = next(c for c in caps if c["capture_id"] == row["capture_id"])
    assert newest["sha256"] == row["sha256"] and newest["run_id"] == 2
    assert newest["found_from"] and newest["status"] == 200
    assert row["sha256"] in detail["citation"] and row["url"] in detail["citation"]
    assert {s["key"]: s["value"] for s in detail["stats"]}["active.total"] == 2428


def test_coverage_grid_marks_the_revision(server: str) -> None:
    cov = get_json(f"{server}/api/coverage")
    assert cov["years"] == [2017, 2018, 2019]
    cells = {(r["agency"], y): c for r in cov["rows"] for y, c in r["cells"].items()}
    assert cells[("自治区科技厅", "2018")]["revisions"] == 1
    assert cells[("兴庆区科学技术局", "2017")]["revisions"] == 0
    assert all(c["first_captured"].endswith("Z") for c in cells.values())


def test_search_short_and_long_queries_with_filters_and_pages(server: str) -> None:
    short = get_json(f"{server}/api/search?q={_q('更正')}")  # 2 characters: LIKE fallback
    assert short["total"] == 1
    assert "<mark>更正</mark>" in short["items"][0]["snippet_html"]
    long = get_json(f"{server}/api/search?q={_q('依申请公开')}&limit=2")
    assert long["total"] >= 5 and len(long["items"]) == 2
    rest = get_json(f"{server}/api/search?q={_q('依申请公开')}&limit=2&offset=2")
    assert not {i["text_id"] for i in rest["items"]} & {i["text_id"] for i in long["items"]}
    only_2017 = get_json(f"{server}/api/search?q={_q('依申请公开')}&year=2017")
    assert only_2017["total"] >= 1 and {i["year"] for i in only_2017["items"]} == {2017}
    narrative = get_json(f"{server}/api/search?q={_q('依申请公开')}&format=narrative")
    assert {i["format"] for i in narrative["items"]} == {"narrative"}
    assert get_json(f"{server}/api/search?q={_q('依申请公开')}&portal=elsewhere")["total"] == 0
    both = get_json(f"{server}/api/search?q={_q('更正 依申请公开')}")  # every term must match
    assert both["total"] == 1
    hostile = get_json(f"{server}/api/search?q={_q(chr(34) + ' OR * NEAR(')}")  # not FTS syntax
    assert hostile["total"] == 0


def test_untrusted_text_is_escaped_everywhere(server: str) -> None:
    row = _revised(server)
    status, _, page = _get(f"{server}{urllib.parse.quote(row['path'])}")
    html = page.decode()
    assert status == 200 and CORRECTION in html
    assert INJECTED not in html
    assert "&lt;script&gt;alert(" in html
    status, headers, page = _get(f"{server}/search?q={_q('alert')}")
    assert status == 200 and INJECTED not in page.decode()
    assert "&lt;script&gt;" in page.decode() and "<mark>alert</mark>" in page.decode()
    assert "script-src" not in headers["content-security-policy"]  # default-src 'self' only
    api = get_json(f"{server}/api/search?q={_q('alert')}")
    assert INJECTED not in api["items"][0]["snippet_html"]


def test_raw_download_is_the_stored_bytes(server: str) -> None:
    row = _revised(server)
    status, headers, body = _get(f"{server}/captures/{row['capture_id']}/raw")
    assert status == 200 and hashlib.sha256(body).hexdigest() == row["sha256"]
    assert headers["content-type"].startswith("text/html")
    assert headers["content-disposition"].startswith("attachment;")
    assert headers["x-content-type-options"] == "nosniff"
    assert _get(f"{server}/captures/999999/raw")[0] == 404


def test_diff_api_names_the_changed_statistic(server: str) -> None:
    row = _revised(server)
    first, second = row["captures"]
    d = get_json(f"{server}/api/diff?a={first}&b={second}")
    assert not d["same_text"] and any(CORRECTION in line for line in d["unified"])
    (change,) = [s for s in d["stats"] if s["change"] == "changed"]
    assert (change["before"], change["after"]) == (2427, 2428)


def test_read_only_and_documented(server: str) -> None:
    req = urllib.request.Request(f"{server}/api/reports", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 405
    spec = get_json(f"{server}/openapi.json")
    assert {"/api/reports", "/api/search", "/api/diff", "/api/runs", "/api/coverage"} <= set(
        spec["paths"]
    )
    status, _, docs = _get(f"{server}/docs")
    assert status == 200 and b"/docs-assets/" in docs and b"cdn" not in docs.lower()


def test_runs_show_per_portal_counters(server: str) -> None:
    runs = get_json(f"{server}/api/runs")
    assert runs["total"] == 2
    newest = runs["items"][0]
    (seeds,) = newest["portals"]
    assert seeds["portal"] == "seeds" and seeds["changed"] == 1
    assert json.dumps(newest["errors"])  # JSON-able
