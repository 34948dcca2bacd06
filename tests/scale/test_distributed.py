"""Several crawler processes, one frontier in Redis, one catalog on PostgreSQL."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import redis
from scale_support import captures, crawler, duplicates, finish

from archive import Archive
from mockportal.farm import Farm, farm


@pytest.fixture(scope="module")
def portal_farm() -> Farm:
    with farm(portals=4, pages=40, seed=7) as f:
        yield f


def _assert_complete(f: Farm, rows: list, archive: Path, catalog: str) -> None:
    urls = {url for url, _, _, _ in rows}
    missing = sorted(set(f.expected_reports) - urls)
    assert not missing, f"{len(missing)} reports never archived, e.g. {missing[:3]}"
    assert not duplicates(rows), f"captured twice: {list(duplicates(rows))[:3]}"
    with Archive.open(archive, catalog) as arc:  # opening repairs a killed writer's tail
        report = arc.check()
    assert report.clean, report.problems[:5]


QUEUES = ["zset", "hosts"]  # OGI_DISTRIBUTED_QUEUE: the single zset, per-host turns


@pytest.mark.parametrize("queue", QUEUES)
def test_two_crawlers_share_the_frontier_and_archive_each_report_once(
    portal_farm: Farm,
    tmp_path: Path,
    pg_catalog_url: str,
    redis_prefix: tuple[str, str],
    queue: str,
) -> None:
    url, prefix = redis_prefix
    archive = tmp_path / "archive"
    paced = ["--set", "DOWNLOAD_DELAY=0.2"]  # ~20 pages/s: long enough for both to join
    paced += ["--set", f"OGI_DISTRIBUTED_QUEUE={queue}"]
    procs = [
        crawler(portal_farm.portals_path, archive, pg_catalog_url, url, prefix, *paced)
        for _ in range(2)
    ]
    for proc in procs:
        finish(proc)
    rows = captures(pg_catalog_url)
    _assert_complete(portal_farm, rows, archive, pg_catalog_url)
    by_run: dict[int, int] = {}
    files: dict[str, set[int]] = {}
    for _, _, warc, run in rows:
        by_run[run] = by_run.get(run, 0) + 1
        files.setdefault(warc, set()).add(run)
    assert len(by_run) == 2 and min(by_run.values()) > 0, f"one crawler did all: {by_run}"
    assert all(len(runs) == 1 for runs in files.values()), "two writers shared a WARC file"
    with Archive.open(archive, pg_catalog_url, readonly=True) as arc:
        stamps: dict[str, list[float]] = {}
        for info in arc.captures():
            host = info.requested_url.split("/")[2]
            stamps.setdefault(host, []).append(info.fetched_at.timestamp())
        waits = sum(r.stats.get("ogi/distributed/host_waits", 0) for r in arc.runs())
    assert waits > 0, "the workers never met at a host's gate"
    for host, times in stamps.items():  # one request per 0.2 s per host, all workers together
        times.sort()
        busiest = max(sum(t <= s + 2.0 for t in times[i:]) for i, s in enumerate(times))
        assert busiest <= 13, f"{host}: {busiest} fetches in 2 s from two workers"
    left = sorted(k.decode() for k in redis.Redis.from_url(url).scan_iter(match=f"{prefix}:*"))
    assert left == [], f"a clean end leaves no crawl state behind: {left}"


@pytest.mark.parametrize("queue", QUEUES)
def test_a_crawler_killed_mid_crawl_loses_and_duplicates_nothing(
    portal_farm: Farm,
    tmp_path: Path,
    pg_catalog_url: str,
    redis_prefix: tuple[str, str],
    queue: str,
) -> None:
    url, prefix = redis_prefix
    archive = tmp_path / "archive"
    kind = ["--set", f"OGI_DISTRIBUTED_QUEUE={queue}"]
    slow = ["--set", "DOWNLOAD_DELAY=0.05", *kind]
    victim = crawler(portal_farm.portals_path, archive, pg_catalog_url, url, prefix, *slow)
    deadline = time.monotonic() + 60
    while len(captures(pg_catalog_url)) < 25 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert victim.poll() is None, "the crawl ended before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    partial = len(captures(pg_catalog_url))
    restarted = crawler(portal_farm.portals_path, archive, pg_catalog_url, url, prefix, *kind)
    finish(restarted, timeout=120)
    rows = captures(pg_catalog_url)
    assert len(rows) > partial
    _assert_complete(portal_farm, rows, archive, pg_catalog_url)
    with Archive.open(archive, pg_catalog_url, readonly=True) as arc:
        last = max(arc.runs(), key=lambda r: r.id)
    assert last.stats.get("ogi/distributed/requeued", 0) > 0, "the dead worker's requests"
