"""Distributed mode keeps what the scrapy-redis scheduler needs from the broad-crawl settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.distributed import DISTRIBUTED_CONCURRENCY, queue_kind
from crawler.run import crawl_settings


def test_single_mode_is_a_broad_crawl_polite_per_host(tmp_path: Path) -> None:
    s = crawl_settings([], tmp_path, None, {})
    assert s.getint("CONCURRENT_REQUESTS") >= 256
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert s.getfloat("DOWNLOAD_DELAY") == 1.0
    assert s["SCHEDULER_PRIORITY_QUEUE"] == "crawler.hostqueue.HostCappedPriorityQueue"


def test_distributed_mode_uses_its_redis_queue_and_a_small_window(tmp_path: Path) -> None:
    s = crawl_settings([], tmp_path, None, {"OGI_DISTRIBUTED": "redis://127.0.0.1:6379/0"})
    assert s["SCHEDULER"] == "crawler.distributed.ReliableScheduler"
    assert queue_kind(s) == "zset"
    assert s.getint("CONCURRENT_REQUESTS") == DISTRIBUTED_CONCURRENCY
    assert s.getfloat("DOWNLOAD_DELAY") == 1.0  # the shared per-host gate's delay


def test_the_per_host_queue_is_a_broad_crawl(tmp_path: Path) -> None:
    overrides = {"OGI_DISTRIBUTED": "redis://127.0.0.1:6379/0", "OGI_DISTRIBUTED_QUEUE": "hosts"}
    s = crawl_settings([], tmp_path, None, overrides)
    assert queue_kind(s) == "hosts"
    assert s.getint("CONCURRENT_REQUESTS") >= 256  # hosts take turns (crawler.hostfrontier)


def test_an_unknown_queue_is_a_clear_error(tmp_path: Path) -> None:
    overrides = {"OGI_DISTRIBUTED": "redis://127.0.0.1:6379/0", "OGI_DISTRIBUTED_QUEUE": "fifo"}
    with pytest.raises(ValueError, match="OGI_DISTRIBUTED_QUEUE='fifo' is not a queue"):
        crawl_settings([], tmp_path, None, overrides)


def test_distributed_mode_keeps_a_concurrency_the_run_sets(tmp_path: Path) -> None:
    overrides = {"OGI_DISTRIBUTED": "redis://127.0.0.1:6379/0", "CONCURRENT_REQUESTS": 64}
    assert crawl_settings([], tmp_path, None, overrides).getint("CONCURRENT_REQUESTS") == 64
