"""SandboxPool: long-lived workers, per-task time and memory limits, failures isolated."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import sandbox_tasks as tasks

from extract import Extraction
from extract.sandbox import (
    SandboxCrashed,
    SandboxedExtractor,
    SandboxMemoryError,
    SandboxPool,
    SandboxTimeout,
)


@pytest.fixture
def pool():
    with SandboxPool(workers=2, timeout_s=1.0, memory_mb=256) as p:
        yield p


def test_results_and_exceptions_come_back(pool: SandboxPool) -> None:
    assert pool.submit(tasks.double, 21).result(timeout=10) == 42
    with pytest.raises(ValueError, match="bad input"):
        pool.submit(tasks.raise_value_error, "bad input").result(timeout=10)
    with pytest.raises(RuntimeError, match="not picklable"):
        pool.submit(tasks.unpicklable_result).result(timeout=10)


def test_workers_are_reused(pool: SandboxPool) -> None:
    pids = {pool.submit(tasks.worker_pid).result(timeout=10) for _ in range(20)}
    assert len(pids) <= 2 and os.getpid() not in pids
    assert pool.stats["started"] == 2


def test_timeout_kills_only_that_task(pool: SandboxPool) -> None:
    start = time.monotonic()
    slow = pool.submit(tasks.sleep_then, 30)
    quick = [pool.submit(tasks.double, i) for i in range(20)]
    assert [f.result(timeout=10) for f in quick] == [2 * i for i in range(20)]
    with pytest.raises(SandboxTimeout):
        slow.result(timeout=10)
    assert time.monotonic() - start < 5
    assert pool.stats["timeouts"] == 1
    assert pool.submit(tasks.double, 5).result(timeout=10) == 10  # replaced worker serves


def test_task_queued_behind_a_killed_one_is_rerun() -> None:
    with SandboxPool(workers=1, timeout_s=0.5, memory_mb=256, prefetch=1) as one:
        slow = one.submit(tasks.sleep_then, 30)
        behind = one.submit(tasks.double, 4)  # prefetched into the same worker's pipe
        with pytest.raises(SandboxTimeout):
            slow.result(timeout=10)
        assert behind.result(timeout=10) == 8


def test_memory_limit(pool: SandboxPool) -> None:
    with pytest.raises(SandboxMemoryError, match="256 MB"):
        pool.submit(tasks.allocate, 2048).result(timeout=10)
    assert pool.submit(tasks.allocate, 64).result(timeout=10) == 64 * 1024 * 1024


def test_abort_at_the_address_space_cap_is_a_memory_error() -> None:
    """C code (PDFium) that cannot allocate under the cap aborts instead of raising."""
    at_cap = r"SIGABRT with its address space at the cap \(\d+ of \d+ MB; a task may add 256 MB\)"
    with SandboxPool(workers=1, timeout_s=10.0, memory_mb=256) as pool:
        with pytest.raises(SandboxMemoryError, match=at_cap):
            pool.submit(tasks.malloc_until_it_fails_then_abort).result(timeout=20)
        assert pool.stats["memory_errors"] == 1 and pool.stats["crashes"] == 0
        assert pool.submit(tasks.double, 1).result(timeout=10) == 2


@pytest.mark.parametrize(("fn", "args", "reason"), [
    (tasks.segfault, (), "SIGSEGV"), (tasks.abort, (), "SIGABRT"),
    (tasks.hard_exit, (3,), "code 3"),
])  # fmt: skip
def test_crashes_are_reported_and_replaced(pool: SandboxPool, fn, args, reason) -> None:
    with pytest.raises(SandboxCrashed, match=reason):  # far below the cap: not memory
        pool.submit(fn, *args).result(timeout=10)
    assert pool.submit(tasks.double, 1).result(timeout=10) == 2


def test_converter_started_by_a_killed_task_dies_too(pool: SandboxPool, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    with pytest.raises(SandboxTimeout):
        pool.submit(tasks.start_converter_then_hang, str(pid_file)).result(timeout=10)
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


def test_map_bounded_keeps_order_and_failures(pool: SandboxPool) -> None:
    items = [(tasks.double, (i,)) for i in range(10)] + [(tasks.raise_value_error, ("x",))]
    futures = list(pool.map_bounded(_apply, items, window=3))
    assert [f.result() for f in futures[:10]] == [2 * i for i in range(10)]
    assert isinstance(futures[10].exception(), ValueError)


def _apply(fn, args):
    return fn(*args)


def test_shutdown_refuses_new_work() -> None:
    p = SandboxPool(workers=1, timeout_s=5, memory_mb=256)
    future = p.submit(tasks.double, 2)
    p.shutdown()
    assert future.result() == 4
    with pytest.raises(RuntimeError):
        p.submit(tasks.double, 1)


def test_sandboxed_extractor_turns_limits_into_errors(report_page: str) -> None:
    with SandboxedExtractor(workers=1, timeout_s=0.5, memory_mb=512) as sx:
        page = sx.extract(report_page.encode(), media_type="text/html", url="http://x/a.html")
        assert isinstance(page, Extraction) and page.error is None
        assert "统计指标\t单位\t统计数" in page.text
        timed_out = _outcome_of(sx, tasks.sleep_then, 30)
        assert timed_out.error == "timeout" and timed_out.extractor == "sandbox"
        assert timed_out.options == {"timeout_s": 0.5, "memory_mb": 512}


def _outcome_of(sx: SandboxedExtractor, fn, *args) -> Extraction:
    from extract.sandbox import outcome

    return outcome(sx.pool.submit(fn, *args), sx.pool)
