"""The per-host shared frontier (crawler.hostfrontier) against the real Redis server."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from typing import Any

import pytest
import redis
from scrapy import Request, Spider

from crawler.hostfrontier import HostQueue

pytestmark = pytest.mark.slow


class _Spider(Spider):
    name = "ogi"


def _queue(url: str, prefix: str, turn_ms: int = 60_000) -> HostQueue:
    queue = HostQueue(redis.Redis.from_url(url), _Spider(), f"{prefix}:requests")
    queue.turn_ms = turn_ms
    return queue


def _requests(hosts: int, per_host: int) -> list[Request]:
    return [
        Request(f"http://10.0.0.{h}/page{i}", priority=i % 3, dont_filter=True)
        for h in range(1, hosts + 1)
        for i in range(per_host)
    ]


def _host(request: Request) -> str:
    return request.url.split("/")[2]


def test_hosts_take_turns_and_a_host_waits_for_its_turn(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    queue = _queue(url, prefix)
    queue.push_unseen([(r, "", None) for r in _requests(4, 5)], f"{prefix}:df", "")
    assert len(queue) == 20
    inflight = f"{prefix}:inflight:w1"
    first = [queue.pop_ready(inflight)[0] for _ in range(4)]
    assert sorted(_host(r) for r in first if r) == [f"10.0.0.{h}" for h in range(1, 5)]
    # each host's best request first: priority 2 (page2) before 1 and 0
    assert all(r is not None and r.url.endswith("/page2") for r in first)
    request, wait = queue.pop_ready(inflight)
    assert request is None and 50_000 < wait <= 60_000  # every host's next turn is a minute away
    assert len(queue) == 16 and redis.Redis.from_url(url).hlen(inflight) == 4


def test_turns_go_round_the_hosts_in_order(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    queue = _queue(url, prefix, turn_ms=1)
    queue.push_unseen([(r, "", None) for r in _requests(3, 4)], f"{prefix}:df", "")
    order = []
    while True:
        request, wait = queue.pop_ready(f"{prefix}:inflight:w1")
        if request is None:
            assert wait == -1  # nothing left anywhere
            break
        order.append(_host(request))
        time.sleep(0.002)
    assert Counter(order) == {f"10.0.0.{h}": 4 for h in range(1, 4)}
    for start in range(0, 12, 3):  # every host once before any host again
        assert len(set(order[start : start + 3])) == 3, order
    assert len(queue) == 0


def test_a_busy_host_is_skipped(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    queue = _queue(url, prefix, turn_ms=1)
    queue.push_unseen([(r, "", None) for r in _requests(2, 3)], f"{prefix}:df", "")
    got = []
    for _ in range(3):
        request, _ = queue.pop_ready(f"{prefix}:inflight:w1", busy=["10.0.0.1"])
        got.append(request)
        time.sleep(0.002)
    assert [_host(r) for r in got if r] == ["10.0.0.2"] * 3
    request, wait = queue.pop_ready(f"{prefix}:inflight:w1", busy=["10.0.0.1"])
    assert request is None and wait == -1  # only the busy host has work: the engine asks later
    queue.turn_ms = 60_000
    request, _ = queue.pop_ready(f"{prefix}:inflight:w1")
    assert request is not None and _host(request) == "10.0.0.1"
    request, wait = queue.pop_ready(f"{prefix}:inflight:w1", busy=["10.0.0.2"])
    assert request is None and wait > 50_000  # 10.0.0.1's next turn, not the busy host's


def test_the_shared_filter_keeps_one_of_each(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    queue = _queue(url, prefix)
    one = Request("http://10.0.0.1/a")
    queued = queue.push_unseen([(one, "fp-a", None), (one, "fp-a", None)], f"{prefix}:df", "")
    assert queued == [True, False] and len(queue) == 1


def _drain(url: str, prefix: str, worker: str, out: multiprocessing.Queue, start: Any) -> None:
    queue = _queue(url, prefix, turn_ms=1)
    urls = []
    start.wait(60)  # both processes pop from the same moment on
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < 1.0:
        request, _ = queue.pop_ready(f"{prefix}:inflight:{worker}")
        if request is None:
            time.sleep(0.001)
            continue
        idle_since = time.monotonic()
        urls.append(request.url)
    out.put((worker, urls))


def test_two_processes_popping_at_once_never_get_the_same_request(
    redis_prefix: tuple[str, str],
) -> None:
    url, prefix = redis_prefix
    queue = _queue(url, prefix, turn_ms=1)
    pushed = _requests(20, 30)
    queue.push_unseen([(r, "", None) for r in pushed], f"{prefix}:df", "")
    ctx = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = ctx.Queue()
    start = ctx.Barrier(2)
    procs = [
        ctx.Process(target=_drain, args=(url, prefix, w, results, start)) for w in ("w1", "w2")
    ]
    for proc in procs:
        proc.start()
    got = dict(results.get(timeout=120) for _ in procs)
    for proc in procs:
        proc.join(30)
    everything = got["w1"] + got["w2"]
    assert len(everything) == len(pushed) == len(set(everything))
    assert min(len(got["w1"]), len(got["w2"])) > 0, "one process took all"
    server = redis.Redis.from_url(url)
    assert server.hlen(f"{prefix}:inflight:w1") + server.hlen(f"{prefix}:inflight:w2") == 600
    assert len(queue) == 0


def test_a_dead_workers_requests_go_back_to_their_hosts(redis_prefix: tuple[str, str]) -> None:
    """What crawler.distributed.ReliableScheduler.requeue does with a dead worker's hash."""
    url, prefix = redis_prefix
    queue = _queue(url, prefix, turn_ms=1)
    queue.push_unseen([(r, "", None) for r in _requests(3, 2)], f"{prefix}:df", "")
    dead = f"{prefix}:inflight:dead"
    taken = []
    for _ in range(4):
        request, _ = queue.pop_ready(dead)
        taken.append(request)
        time.sleep(0.002)
    server = redis.Redis.from_url(url)
    assert server.hlen(dead) == 4 and len(queue) == 2
    for token, data in server.hgetall(dead).items():  # the dead worker's in-flight entries
        queue.push_replacing(queue._decode_request(data), dead, token.decode())
    assert server.hlen(dead) == 0 and len(queue) == 6
    again = []
    while True:
        request, _ = queue.pop_ready(f"{prefix}:inflight:live")
        if request is None:
            break
        again.append(request.url)
        time.sleep(0.002)
    assert sorted(again) == sorted(r.url for r in _requests(3, 2))


def test_clear_leaves_no_key_behind(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    queue = _queue(url, prefix)
    queue.push_unseen([(r, "", None) for r in _requests(3, 2)], f"{prefix}:df", "")
    queue.clear()
    assert list(redis.Redis.from_url(url).scan_iter(match=f"{prefix}:requests*")) == []


def test_a_crawl_queued_in_the_single_zset_continues_by_host(
    redis_prefix: tuple[str, str],
) -> None:
    """A crawl begun with the earlier queue (OGI_DISTRIBUTED_QUEUE=zset) loses nothing."""
    from crawler.distributed import ReliableQueue

    url, prefix = redis_prefix
    server = redis.Redis.from_url(url)
    old = ReliableQueue(server, _Spider(), f"{prefix}:requests")
    old.push_unseen([(r, "", None) for r in _requests(3, 3)], f"{prefix}:df", "")
    queue = _queue(url, prefix, turn_ms=1)
    assert queue.adopt_single_zset(chunk=4) == 9
    assert queue.adopt_single_zset() == 0 and len(queue) == 9
    assert server.exists(f"{prefix}:requests") == 0
    urls = []
    while (request := queue.pop_ready(f"{prefix}:inflight:w")[0]) is not None:
        urls.append(request.url)
        time.sleep(0.002)
    assert sorted(urls) == sorted(r.url for r in _requests(3, 3))
