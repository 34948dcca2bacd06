"""Politeness under the broad-crawl settings: many hosts at once, none faster than its delay.

The project's settings (settings/crawl.py) let one process keep hundreds of hosts busy
(CONCURRENT_REQUESTS = 512, crawler.hostqueue). These tests crawl a loopback farm with
exactly those settings and time every request as the *server* sees it arrive, per host.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest

from mockportal.farm import Farm, farm

ROOT = Path(__file__).parents[2]
CHILD = """
import json, logging, sys
from pathlib import Path
from crawler.portals import load_portals
from crawler.run import run_crawl
logging.disable(logging.WARNING)
out = run_crawl(load_portals(Path(sys.argv[1])), archive_dir=Path(sys.argv[2]),
                catalog_url=None, settings=json.loads(sys.argv[3]))
print(json.dumps({"pages": out.stats.get("ogi/pages", 0), "reason": out.finish_reason}))
"""


def record_arrivals(f: Farm) -> dict[str, list[float]]:
    """Wrap the farm's responder (it runs in this process): host -> arrival times."""
    arrivals: dict[str, list[float]] = {}
    lock = threading.Lock()
    respond: Callable = f.plan.respond

    def timed(host: str, path: str) -> tuple[int, str, bytes]:
        with lock:
            arrivals.setdefault(host, []).append(time.monotonic())
        return respond(host, path)

    f.plan.respond = timed  # type: ignore[method-assign]
    return arrivals


def crawl(f: Farm, archive: Path, **settings: object) -> tuple[dict, float]:
    """One crawl in a child process (CrawlerProcess runs once per process)."""
    began = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(f.portals_path), str(archive), json.dumps(settings)],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    return json.loads(proc.stdout.decode().splitlines()[-1]), time.monotonic() - began


@pytest.mark.slow
def test_many_hosts_at_once_none_faster_than_its_delay(tmp_path: Path) -> None:
    seconds = 8
    with farm(portals=12, pages=400, seed=5) as f:
        arrivals = record_arrivals(f)
        outcome, took = crawl(f, tmp_path / "a", CLOSESPIDER_TIMEOUT=seconds, LOG_LEVEL="ERROR")
    assert outcome["reason"] == "closespider_timeout"
    # Project defaults: DOWNLOAD_DELAY 1 s with ±50 % jitter, AutoThrottle never below it.
    shortest = 1.0 * (1 - 0.5)
    gaps = {host: [b - a for a, b in pairwise(ts)] for host, ts in arrivals.items()}
    for host, host_gaps in gaps.items():
        assert min(host_gaps, default=9) >= shortest - 0.1, (host, sorted(host_gaps)[:3])
        if len(host_gaps) >= 4:
            # ~8 gaps drawn from 1 s ± 50 %: a host's mean is 1 s within ~0.3 s
            mean = sum(host_gaps) / len(host_gaps)
            assert mean >= 0.7, (host, mean)  # ~1 request/s on average, never a burst
    # All ~100 gaps together average the delay itself (within ~4 standard errors): not
    # faster, and not the ~1.25 s of Scrapy's stock slots, which draw a new delay each
    # time they look at a slot (crawler.slots), a fifth of the polite rate given away.
    pooled = [g for host_gaps in gaps.values() for g in host_gaps]
    assert len(pooled) >= 60, len(pooled)
    assert 0.9 <= sum(pooled) / len(pooled) <= 1.12, sum(pooled) / len(pooled)
    # ... and every host was crawled at the same time, not a few hosts after another.
    busy = [h for h, ts in arrivals.items() if len(ts) >= seconds // 2]
    assert len(busy) == 12, {h: len(ts) for h, ts in arrivals.items()}
    # A stopped crawl has no backlog of waiting requests to drain (crawler.hostqueue):
    # before, 20 hosts kept ~25 queued requests each, a 2-minute tail at 1 request/s.
    first = min(ts[0] for ts in arrivals.values())
    last = max(ts[-1] for ts in arrivals.values())
    assert last - first < seconds + 5, last - first
    assert took < seconds + 60, took
