"""What the crawler asked the portal for: robots obeyed, look-alikes skipped, provenance kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_support import FAST, control, jsonl, mock_portal, ogi, portals_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    tmp = tmp_path_factory.mktemp("behaviour")
    archive = tmp / "archive"
    with mock_portal() as base:
        ogi("crawl", "--portals", portals_file(tmp, base), "--archive", archive, *FAST, "-q")
        log = control(base, "log")
    assert isinstance(log, list)
    return archive, log


def test_robots_disallowed_admin_never_requested(crawled: tuple[Path, list[str]]) -> None:
    _, log = crawled
    assert "/robots.txt" in log
    assert not [p for p in log if p.startswith("/admin/")]


def test_look_alikes_are_not_fetched(crawled: tuple[Path, list[str]]) -> None:
    _, log = crawled
    assert "/xxgk/zfgzbg/t20190301_107.html" not in log  # 政府工作报告
    assert "/xxgk/fzzfjs/t20190301_108.html" not in log  # 法治政府建设年度报告
    assert "/xxgk/zfxxgknb/201901/t20190110_105.html" not in log  # a meeting notice


def test_every_report_and_attachment_fetched_once(crawled: tuple[Path, list[str]]) -> None:
    _, log = crawled
    for path in (
        "/xxgk/zfxxgknb/201903/t20190327_101.html",
        "/xxgk/zfxxgknb/201802/t20180226_103.html",
        "/xxgk/zfxxgknb/201902/P020190222512345678901.pdf",
        "/xxgk/zfxxgknb/201903/W020190315333444555666.docx",
    ):
        assert log.count(path) == 1, path


def test_attachment_provenance(crawled: tuple[Path, list[str]]) -> None:
    archive, _ = crawled
    rows = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    pdf = next(r for r in rows if r["media_type"] == "application/pdf")
    meta = json.loads(ogi("show", pdf["capture_id"], "--json", "--archive", archive).stdout)
    assert meta["found_from"].endswith("/xxgk/zfxxgknb/201902/t20190222_104.html")
    assert meta["anchor_text"].endswith(".pdf") and meta["candidate"] is True
    assert meta["depth"] >= 3 and meta["portal"] == "seeds"
    assert meta["status"] == 200 and meta["warc_file"].endswith(".warc.gz")


def test_gbk_page_detected_as_gb18030(crawled: tuple[Path, list[str]]) -> None:
    archive, _ = crawled
    rows = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    gbk = next(r for r in rows if r["agency"] == "兴庆区科学技术局")
    meta = json.loads(ogi("show", gbk["capture_id"], "--json", "--archive", archive).stdout)
    assert meta["charset"] == "gb18030"
    text = ogi("show", gbk["capture_id"], "--text", "--archive", archive).stdout.decode()
    assert "兴庆区科学技术局" in text


def test_a_report_groups_its_page_and_its_attachment(crawled: tuple[Path, list[str]]) -> None:
    archive, _ = crawled
    rows = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    pdf_report = next(r for r in rows if r["media_type"] == "application/pdf")
    kinds = sorted(c["media_type"] for c in pdf_report["captures"])
    assert kinds == ["application/pdf", "text/html"]
    assert pdf_report["capture_id"] in {c["capture_id"] for c in pdf_report["captures"]}


def test_reports_of_an_older_parser_version_stay_readable(
    crawled: tuple[Path, list[str]], tmp_path: Path
) -> None:
    import shutil

    import parser as report_parser
    from archive import Archive

    archive = tmp_path / "copy"
    shutil.copytree(crawled[0], archive)
    with Archive.open(archive) as arc:
        text = next(t for t in arc.texts() if t.text and "自治区科技厅" in t.text)
        arc.add_parse(
            text_id=text.id,
            parser=report_parser.PARSER_NAME,
            parser_version="0.0.1",
            result={"agency": "旧解析", "title": "old", "stats": []},
            agency="旧解析",
            year=2018,
            is_report=True,
        )
    newest = ogi("reports", "--archive", archive, "--format", "jsonl").stdout.decode()
    older = ogi("reports", "--archive", archive, "--format", "jsonl", "--parser-version", "0.0.1")
    assert "自治区科技厅" in newest and "旧解析" not in newest
    rows = jsonl(older)
    assert [(r["agency"], r["year"]) for r in rows] == [("旧解析", 2018)]


def test_hostile_links_are_dropped_with_a_reason(crawled: tuple[Path, list[str]]) -> None:
    from archive import Archive

    archive, log = crawled
    with Archive.open(archive, create=False, readonly=True) as arc:
        stats = arc.runs()[-1].stats
    assert stats["ogi/dropped/offsite"] >= 2  # 127.0.0.1:9 and file:///etc/passwd
    assert not any("\r" in p or "\n" in p for p in log)
