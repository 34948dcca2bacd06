"""A lost catalog loses nothing but derived data: `ogi rebuild-catalog` from the WARC files
gives back every capture, version and gone URL, and the same reports."""

from __future__ import annotations

import pytest
from e2e_support import FAST, control, jsonl, mock_portal, ogi, portals_file

pytestmark = pytest.mark.slow

KEEP = (
    "agency",
    "year",
    "title",
    "published",
    "url",
    "sha256",
    "fetched_at",
    "format",
    "versions",
    "stats",
    "media_type",
)


def test_rebuild_from_warc_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "archive"
    with mock_portal() as base:
        crawl = [
            "crawl",
            "--portals",
            portals_file(tmp_path, base),
            "--archive",
            archive,
            *FAST,
            "-q",
        ]
        ogi(*crawl)
        report = next(
            r
            for r in jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
            if r["agency"] == "自治区科技厅"
        )
        path = report["url"][len(base) :]
        page = ogi("show", report["capture_id"], "--raw", "--archive", archive).stdout.decode()
        control(
            base, "set", {"path": path, "body_text": page.replace("</body>", "<p>更正</p></body>")}
        )
        ogi(*crawl)  # a second version, and revisits of everything else
        control(base, "delete", {"path": "/xxgk/zfxxgknb/201802/t20180226_103.html"})
        ogi(*crawl)  # one report gone
    before = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    versions_before = ogi(
        "versions", report["url"], "--archive", archive, "--format", "jsonl"
    ).stdout

    for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        (archive / name).unlink(missing_ok=True)
    ogi("rebuild-catalog", "--archive", archive)

    after = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    assert [{k: r[k] for k in KEEP} for r in after] == [{k: r[k] for k in KEEP} for r in before]
    versions_after = ogi(
        "versions", report["url"], "--archive", archive, "--format", "jsonl"
    ).stdout
    assert versions_after == versions_before
    gone = jsonl(
        ogi(
            "versions",
            f"{base}/xxgk/zfxxgknb/201802/t20180226_103.html",
            "--archive",
            archive,
            "--format",
            "jsonl",
        )
    )
    assert gone[-1]["gone"] is True
    assert ogi("check", "--archive", archive).returncode == 0


def test_rebuild_refuses_a_catalog_that_has_captures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "archive"
    with mock_portal() as base:
        ogi("crawl", "--portals", portals_file(tmp_path, base), "--archive", archive, *FAST, "-q")
    proc = ogi("rebuild-catalog", "--archive", archive, check=False)
    assert proc.returncode != 0 and b"already holds captures" in proc.stderr
