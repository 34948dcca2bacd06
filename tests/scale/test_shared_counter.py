"""The per-portal page budget shared through Redis: every increment counts exactly once."""

from __future__ import annotations

import redis

from crawler.workers import SharedCounter


def test_interleaved_increments_from_two_processes_all_count(
    redis_prefix: tuple[str, str],
) -> None:
    url, prefix = redis_prefix
    server = redis.Redis.from_url(url)
    one = SharedCounter(server, f"{prefix}:scheduled", flush_every=0.0)
    two = SharedCounter(server, f"{prefix}:scheduled", flush_every=10.0)  # sends late
    for _ in range(30):
        one["p"] += 1
        two["p"] += 1
        two["q"] += 2
    assert two["p"] >= 30  # its own increments are visible at once, unsent or not
    two.flush()
    one.flush()
    assert int(server.hget(f"{prefix}:scheduled", "p")) == 60
    assert int(server.hget(f"{prefix}:scheduled", "q")) == 60
    assert one["p"] == 60 and sorted(one) == ["p", "q"]
