"""A hostile portal (mockportal/hostile.py) crawled by the real `ogi crawl`: every trap
is refused with a reason in the crawl run's stats, the crawl finishes, the one real
report behind the broken page is found, and nothing else is stored as a report.

The test lowers DOWNLOAD_MAXSIZE (8 MB) and DOWNLOAD_TIMEOUT (2 s) with `--set`, so a
1 GiB body, a 64 MiB gzip bomb and a one-byte-a-second server cost seconds, not minutes.
"""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from e2e_support import FAST, OGI, jsonl, ogi

from archive import Archive
from mockportal.hostile import LIST, OK_REPORT, OK_TITLE, serving_hostile

pytestmark = pytest.mark.slow
PEAK = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)
LIMITS = ["--set", "DOWNLOAD_MAXSIZE=8000000", "--set", "DOWNLOAD_TIMEOUT=2"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("hostile")
    archive = tmp / "archive"
    with serving_hostile() as running:
        portals = tmp / "portals.toml"
        portals.write_text(
            f'[[portal]]\nname = "hostile"\nagency = "示例县人民政府"\n'
            f'start_urls = ["{running.base}/"]\nallow_private = true\n',
            encoding="utf-8",
        )
        args = ["crawl", "--portals", str(portals), "--archive", str(archive), *FAST, *LIMITS]
        proc = subprocess.run(  # through a wrapper that reports the crawl's peak memory
            [sys.executable, "-c", PEAK, *OGI, *args, "-q"],
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr.decode()[-3000:]
        portal_hits, admin_hits = running.portal.hits.snapshot(), running.admin.hits.snapshot()
    with Archive.open(archive, create=False, readonly=True) as arc:
        run = arc.runs()[-1]
        urls = {c.final_url: c for c in arc.captures()}
    reports = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    return {
        "stats": run.stats,
        "urls": urls,
        "reports": reports,
        "portal_hits": portal_hits,
        "admin_hits": admin_hits,
        "stderr": proc.stderr.decode(),
        "peak_kib": int(proc.stdout.decode().split()[-1]),
        "archive": archive,
    }


def test_the_crawl_finishes_and_finds_the_report_behind_broken_markup(crawled: dict) -> None:
    assert "ogi/archive_fatal" not in crawled["stats"], crawled["stats"]
    assert [r["title"] for r in crawled["reports"]] == [OK_TITLE]


def test_a_gzip_bomb_is_refused_as_a_decompression_bomb(crawled: dict) -> None:
    assert crawled["stats"]["ogi/limits/decompression_bomb"] == 1
    assert not [u for u in crawled["urls"] if u.endswith("bomb.html")]


def test_a_1_gib_body_is_cut_off_announced_or_not(crawled: dict) -> None:
    assert crawled["stats"]["ogi/limits/too_large"] == 2  # huge.html and endless.html
    assert not [u for u in crawled["urls"] if u.endswith(("huge.html", "endless.html"))]
    # the crawler never held anything near 1 GiB (the limit is 8 MB)
    assert crawled["peak_kib"] < 600 * 1024


def test_a_trickling_server_times_out(crawled: dict) -> None:
    assert crawled["stats"]["ogi/limits/timeout"] == 1  # counted once, after its retries
    assert crawled["portal_hits"].count(f"{LIST}trickle.html") == 3  # RETRY_TIMES = 2
    assert not [u for u in crawled["urls"] if u.endswith("trickle.html")]


def test_an_endless_redirect_chain_stops_at_the_limit(crawled: dict) -> None:
    assert crawled["stats"]["ogi/limits/too_many_redirects"] == 1
    loops = [p for p in crawled["portal_hits"] if p.startswith(f"{LIST}loop/")]
    assert len(loops) == 11  # the first request and REDIRECT_MAX_TIMES = 10 redirects


def test_control_characters_in_urls_are_never_requested(crawled: dict) -> None:
    assert crawled["stats"]["ogi/limits/control_characters"] >= 2
    asked = crawled["portal_hits"]
    assert not [p for p in asked if "%00" in p or "%0d" in p.lower() or "%01" in p]


def test_admin_ports_files_and_other_schemes_are_never_reached(crawled: dict) -> None:
    assert crawled["admin_hits"] == []
    assert crawled["stats"]["ogi/dropped/offsite"] >= 4  # admin port, :9, file:, ftp:


def test_mislabelled_and_mixed_charsets_are_stored_with_the_detected_charset(
    crawled: dict,
) -> None:
    assert crawled["stats"]["ogi/charset/mislabelled"] >= 2
    by_name = {u.rsplit("/", 1)[1]: c for u, c in crawled["urls"].items()}
    assert by_name["wrong-utf8.html"].charset == "utf-8"
    assert by_name["wrong-gbk.html"].charset == "gb18030"
    assert "mixed.html" in by_name and "malformed.html" in by_name


def test_the_hostile_crawl_leaves_a_clean_archive(crawled: dict) -> None:
    proc = ogi("check", "--archive", crawled["archive"], check=False)
    assert proc.returncode == 0, proc.stderr.decode()


def test_nothing_but_pages_and_the_report_was_stored(crawled: dict) -> None:
    stored = sorted(urlsplit(u).path for u in crawled["urls"])
    assert stored == sorted(
        [
            "/",
            "/xxgk/",  # the breadcrumb's 政务公开 link: a 404 page, kept to mark it gone
            *(f"{LIST}{n}.html" for n in ("malformed", "wrong-utf8", "wrong-gbk", "mixed")),
            OK_REPORT,
            # the redirect at the limit is kept with its chain as evidence (not a report)
            f"{LIST}loop/10.html",
        ]
    ), stored
