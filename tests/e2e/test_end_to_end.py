"""portal → crawl → archive → text → report, through the real `ogi` command, on SQLite and
PostgreSQL: reports with the right numbers, versions, revisits, gone pages, valid WARCs."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from e2e_support import FAST, control, jsonl, mock_portal, ogi, portals_file
from warcio.archiveiterator import ArchiveIterator

pytestmark = pytest.mark.slow

EXPECTED = {  # (agency as printed, report year) -> (format, canonical key, value) from the seeds
    ("自治区科技厅", 2018): ("pre2019", "active.total", 2427),
    ("兴庆区科学技术局", 2017): ("pre2019", "active.total", 9),
    ("隆德县科技局", 2019): ("2019", None, None),
    ("攀枝花市科学技术局", 2018): ("narrative", None, None),
    ("百色市科学技术和知识产权局", 2018): ("narrative", None, None),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_args(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "sqlite":
        return []
    return ["--catalog", request.getfixturevalue("pg_catalog_url")]


def _reports(archive: Path, catalog: list[str]) -> dict[tuple[str, int], dict]:
    rows = jsonl(ogi("reports", "--archive", archive, *catalog, "--format", "jsonl"))
    return {(r["agency"], r["year"]): r for r in rows}


def _warc_records(archive: Path) -> list[tuple[str, str]]:
    """(record type, HTTP status) of every record in the archive's WARC files."""
    out = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for r in ArchiveIterator(fh):
                status = r.http_headers.get_statuscode() if r.http_headers else ""
                out.append((r.rec_type, status))
    return out


def _warcio_check(*paths: Path) -> None:
    warcio = Path(sys.executable).parent / "warcio"
    proc = subprocess.run([warcio, "check", "-v", *map(str, paths)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "digest pass" in proc.stdout


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read()


def test_crawl_recrawl_change_and_gone(tmp_path: Path, catalog_args: list[str]) -> None:
    archive = tmp_path / "archive"
    with mock_portal() as base:
        portals = portals_file(tmp_path, base)
        crawl = ["crawl", "--portals", portals, "--archive", archive, *catalog_args, *FAST, "-q"]
        ogi(*crawl)

        # 1. every seed report found, with the right agency, year, format and numbers
        reports = _reports(archive, catalog_args)
        for (agency, year), (fmt, key, value) in EXPECTED.items():
            row = reports.get((agency, year))
            assert row is not None, f"{agency} {year} missing; got {sorted(reports)}"
            assert row["format"] == fmt
            assert row["versions"] == 1 and len(row["sha256"]) == 64
            assert row["fetched_at"].endswith("Z") and row["portal"] == "seeds"
            if key:
                assert {s["key"]: s["value"] for s in row["stats"]}[key] == value
        media = {r["media_type"] for r in reports.values()}
        assert {"text/html", "application/pdf"} <= media

        target = reports[("自治区科技厅", 2018)]
        raw_before = ogi("show", target["capture_id"], "--raw", "--archive", archive, *catalog_args)
        assert hashlib.sha256(raw_before.stdout).hexdigest() == target["sha256"]
        payloads = [r for r in _warc_records(archive) if r == ("response", "200")]

        # 2. an unchanged recrawl stores no new payload: only revisit records
        ogi(*crawl)
        assert [r for r in _warc_records(archive) if r == ("response", "200")] == payloads
        assert any(t == "revisit" for t, _ in _warc_records(archive))
        assert _reports(archive, catalog_args)[("自治区科技厅", 2018)]["versions"] == 1

        # 3. the report page changes: a recrawl makes a second version, marked changed
        page = _get(target["url"]).decode("utf-8")
        changed = page.replace("</body>", "<p>（本报告于2019年4月更正）</p></body>")
        path = target["url"][len(base) :]
        control(
            base,
            "set",
            {
                "path": path,
                "status": 200,
                "body_text": changed,
                "content_type": "text/html; charset=utf-8",
            },
        )
        ogi(*crawl)
        versions = jsonl(
            ogi("versions", target["url"], "--archive", archive, *catalog_args, "--format", "jsonl")
        )
        payload_versions = [v for v in versions if v["changed"] or v is versions[0]]
        assert len(payload_versions) == 2 and versions[-1]["changed"] is True
        assert _reports(archive, catalog_args)[("自治区科技厅", 2018)]["versions"] == 2

        # 4. the page vanishes: the URL is marked gone, the old bytes stay retrievable
        control(base, "delete", {"path": path})
        ogi(*crawl)
        versions = jsonl(
            ogi("versions", target["url"], "--archive", archive, *catalog_args, "--format", "jsonl")
        )
        assert versions[-1]["gone"] is True and versions[-1]["status"] == 404
        raw_after = ogi("show", target["capture_id"], "--raw", "--archive", archive, *catalog_args)
        assert raw_after.stdout == raw_before.stdout

    # 5. every WARC written, and the export, pass warcio's digest check
    _warcio_check(*sorted((archive / "warc").glob("*.warc.gz")))
    out = tmp_path / "all.warc.gz"
    ogi("export", "--format", "warc", "--out", out, "--archive", archive, *catalog_args)
    _warcio_check(out)


def test_text_and_json_views(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    with mock_portal() as base:
        ogi("crawl", "--portals", portals_file(tmp_path, base), "--archive", archive, *FAST, "-q")
    reports = _reports(archive, [])
    pdf = next(r for r in reports.values() if r["media_type"] == "application/pdf")
    text = ogi("show", pdf["capture_id"], "--text", "--archive", archive).stdout.decode()
    assert "政府信息公开" in text
    meta = ogi("show", pdf["capture_id"], "--json", "--archive", archive).stdout.decode()
    assert '"found_from"' in meta and pdf["sha256"] in meta
