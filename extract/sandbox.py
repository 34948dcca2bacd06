"""Run extractions in long-lived worker processes with a time and memory limit.

A hostile or broken payload must cost one document, never the crawl: each worker
caps its address space (RLIMIT_AS) at start, and a task that overruns its time limit
has its worker SIGKILLed (with every converter it started) and replaced; only that
task's future fails. Workers are reused, because starting a process per document would
cost more than extracting a 26 ms HTML page. concurrent.futures' process pool is not
used: one dead worker breaks that whole pool (BrokenProcessPool), which is exactly
what this module exists to prevent.

    with SandboxPool(workers=2, timeout_s=60, memory_mb=1024) as pool:
        future = pool.submit(fn, *args)   # fn: a picklable top-level function
        future.result()                   # raises SandboxTimeout / SandboxMemoryError /
                                          # SandboxCrashed, or fn's own exception

SandboxedExtractor wraps a pool around extract.extract and turns those failures into
Extraction(error="timeout" / "memory_limit" / "worker_crashed").
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import faulthandler
import gc
import logging
import multiprocessing as mp
import os
import pickle
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from extract.model import EXTRACT_VERSION, Extraction, failure

log = logging.getLogger(__name__)


class SandboxError(Exception):
    """A task failed because of the sandbox's limits or a dead worker; `reason` is a code."""

    reason = "sandbox_error"


class SandboxTimeout(SandboxError):
    reason = "timeout"


class SandboxMemoryError(SandboxError):
    reason = "memory_limit"


class SandboxCrashed(SandboxError):
    reason = "worker_crashed"


# ---------------------------------------------------------------- worker side


def _vm_size_bytes() -> int:
    """This process's current address-space size (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _cap_memory(memory_mb: int) -> None:
    """Allow `memory_mb` of address space on top of what the forked worker starts with.

    Relative, because a forked worker inherits its parent's mappings (a crawl process
    may map hundreds of MB) and an absolute cap below that would fail every task. Only
    the soft limit is set, so converters we start (LibreOffice) can get their own cap.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _vm_size_bytes() + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _transportable(exc: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else a RuntimeError describing it."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}"[:500])
    return exc


def _worker_main(
    conn: Connection, memory_mb: int, close: list[int], initializer: Callable[[], None] | None
) -> None:
    """Serve tasks until told to stop (None) or the pipe closes."""
    for fd in close:  # other workers' pipe ends inherited through fork
        with contextlib.suppress(OSError):
            os.close(fd)
    os.setsid()  # own session: the pool kills it together with any converter it started
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    faulthandler.disable()  # a crash is reported by the pool, not as a C stack on stderr
    if initializer is not None:
        try:
            initializer()  # imports count toward the baseline, not against a task's allowance
        except Exception:  # a worker that cannot warm up still serves (tasks import lazily)
            log.exception("sandbox worker initializer failed")
    _cap_memory(memory_mb)
    gc.freeze()  # inherited objects: never scanned by the collector, never copied on write
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args = message
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except MemoryError:
            reply = ("memory", "MemoryError")
        except BaseException as exc:
            reply = ("exc", _transportable(exc))
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", "MemoryError while sending the result"))
        except Exception as exc:  # an unpicklable result
            conn.send(("exc", RuntimeError(f"result not picklable: {exc}"[:500])))
        if reply[0] == "memory":
            return  # a fresh worker rather than a fragmented heap (the parent replaces it)


# ---------------------------------------------------------------- parent side


@dataclass
class _Task:
    fn: Callable[..., Any]
    args: tuple
    future: cf.Future


@dataclass
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    tasks: collections.deque[_Task] = field(default_factory=collections.deque)
    deadline: float = 0.0  # for tasks[0], the one running
    done: int = 0
    vm_peak: int = 0  # the largest address space sampled while tasks[0] runs
    vm_limit: int = 0  # its RLIMIT_AS, read from /proc once it serves
    sampled_at: float = 0.0


class SandboxPool:
    """A fixed number of worker processes running picklable functions with limits.

    `timeout_s` counts from the moment a worker starts the task (queueing is free);
    `memory_mb` is the address space a task may add to its worker's starting size; a
    worker that dies of SIGABRT/SIGSEGV-like signals with its address space (sampled
    every 0.1 s from /proc) at the cap hit that limit too, since C libraries such as
    PDFium abort when an allocation fails instead of raising MemoryError.
    `max_tasks` recycles a worker after that many tasks (bounds slow leaks).
    `initializer` runs in each worker before the memory cap is set (e.g. imports).
    `prefetch` tasks wait in each worker's pipe behind the running one, so a worker
    never idles while the parent handles a reply (that gap cost ~5% on 26 ms pages); a
    task waiting behind one that is killed goes back to the queue untouched.
    """

    def __init__(
        self,
        workers: int = 1,
        timeout_s: float = 60.0,
        memory_mb: int = 1024,
        *,
        max_tasks: int | None = None,
        prefetch: int = 1,
        initializer: Callable[[], None] | None = None,
        start_method: str = "fork",
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.workers = workers
        self._max_tasks = max_tasks
        self._initializer = initializer
        self._depth = 1 + max(prefetch, 0)
        self._ctx = mp.get_context(start_method)
        self._lock = threading.Lock()
        self._pending: collections.deque[_Task] = collections.deque()
        self._closing = False
        self._wake_r, self._wake_w = os.pipe()
        self.stats: collections.Counter[str] = collections.Counter()
        self._pool: list[_Worker] = []
        for _ in range(workers):
            self._pool.append(self._spawn())
        self._thread = threading.Thread(target=self._run, name="sandbox-pool", daemon=True)
        self._thread.start()

    # -- public API

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        """Queue fn(*args) for a worker; the future gets its result or its failure."""
        future: cf.Future = cf.Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("SandboxPool is shut down")
            self._pending.append(_Task(fn, args, future))
        self._wake()
        return future

    def map_bounded(
        self, fn: Callable[..., Any], items: Iterable[tuple], *, window: int | None = None
    ) -> Iterator[cf.Future]:
        """Finished futures of fn(*args) for each args tuple, in input order.

        At most `window` tasks (default 3 x workers) are queued or running at once, so a
        long input stream never sits in memory all at once.
        """
        window = window or (self._depth + 1) * self.workers
        inflight: collections.deque[cf.Future] = collections.deque()
        for args in items:
            inflight.append(self.submit(fn, *args))
            if len(inflight) >= window:
                yield _finished(inflight.popleft())
        while inflight:
            yield _finished(inflight.popleft())

    def shutdown(self, wait: bool = True, *, cancel_pending: bool = False) -> None:
        """Stop accepting tasks; finish queued ones (unless cancelled), then stop workers."""
        with self._lock:
            self._closing = True
            if cancel_pending:
                while self._pending:
                    self._pending.popleft().future.cancel()
        self._wake()
        if wait:
            self._thread.join()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True, cancel_pending=exc[0] is not None)

    # -- worker management (dispatcher thread only, after __init__)

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        close = [w.conn.fileno() for w in self._pool] + [self._wake_r, self._wake_w]
        close.append(parent_end.fileno())
        process = self._ctx.Process(
            target=_worker_main,
            args=(child_end, self.memory_mb, close, self._initializer),
            name="sandbox-worker",
            daemon=True,
        )
        process.start()
        child_end.close()
        self.stats["started"] += 1
        return _Worker(process, parent_end)

    def _replace(self, worker: _Worker) -> None:
        """Kill the worker (and its converters); tasks still queued in it go back in line."""
        worker.process.kill()  # no-op once reaped, so a reused pid is never hit
        _kill_session(worker.process.pid)
        worker.process.join(5)
        worker.conn.close()
        with self._lock:
            self._pending.extendleft(reversed(worker.tasks))
        worker.tasks.clear()
        if worker in self._pool:
            self._pool.remove(worker)
        if not self._closing or self._pending or any(w.tasks for w in self._pool):
            self._pool.append(self._spawn())

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    # -- the dispatcher loop

    def _run(self) -> None:
        try:
            while self._step():
                pass
        except BaseException as exc:  # a bug here must not leave callers waiting forever
            log.exception("sandbox dispatcher failed")
            self._fail_everything(SandboxCrashed(f"dispatcher failed: {exc}"))
        finally:
            self._stop_workers()

    def _step(self) -> bool:
        self._assign()
        with self._lock:
            busy = [w for w in self._pool if w.tasks]
            if self._closing and not self._pending and not busy:
                return False
        now = time.monotonic()
        timeout = max(0.0, min((w.deadline for w in busy), default=now + 1.0) - now)
        if busy:
            timeout = min(timeout, MEMORY_SAMPLE_S)
        objects: list[Any] = [self._wake_r] + [w.conn for w in busy]
        objects += [w.process.sentinel for w in self._pool]
        ready = set(wait(objects, timeout))
        if self._wake_r in ready:
            os.read(self._wake_r, 4096)
        for worker in list(self._pool):
            if worker.tasks and worker.conn in ready:
                self._receive(worker)
        for worker in busy:
            due = time.monotonic() - worker.sampled_at >= MEMORY_SAMPLE_S
            if due and worker.tasks and worker in self._pool:
                _sample_memory(worker)
        for worker in list(self._pool):
            if worker.process.sentinel in ready or not worker.process.is_alive():
                self._died(worker)
        now = time.monotonic()
        for worker in list(self._pool):
            if worker.tasks and now >= worker.deadline:
                self._timed_out(worker)
        return True

    def _assign(self) -> None:
        """Hand queued tasks to workers, idle ones first (sending happens outside the lock)."""
        while True:
            with self._lock:
                free = [w for w in self._pool if len(w.tasks) < self._depth]
                if not free or not self._pending:
                    return
                worker = min(free, key=lambda w: len(w.tasks))
                task = self._pending.popleft()
            if not task.future.running() and not task.future.set_running_or_notify_cancel():
                continue  # cancelled while queued
            try:
                worker.conn.send((task.fn, task.args))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                task.future.set_exception(exc)
                continue
            except OSError:  # the worker died: the task goes back in line for its successor
                worker.tasks.append(task)
                self._replace(worker)
                continue
            if not worker.tasks:
                _start_task(worker, self.timeout_s)
            worker.tasks.append(task)
            self.stats["sent"] += 1  # requeued tasks count again

    def _receive(self, worker: _Worker) -> bool:
        """Read one reply and settle its future; False if the pipe is closed."""
        try:
            status, value = worker.conn.recv()
        except (EOFError, OSError):
            return False  # the worker died; _died reports it
        except Exception as exc:  # the reply did not unpickle
            status, value = "exc", RuntimeError(f"reply not readable: {exc}"[:500])
        task = worker.tasks.popleft()
        _start_task(worker, self.timeout_s)  # the next one starts now
        worker.done += 1
        if status == "memory" or (self._max_tasks and worker.done >= self._max_tasks):
            self._replace(worker)  # retire it now; its queued task goes to another
        if status == "ok":
            task.future.set_result(value)
        elif status == "memory":
            self.stats["memory_errors"] += 1
            task.future.set_exception(SandboxMemoryError(f"{value} (limit {self.memory_mb} MB)"))
        else:
            task.future.set_exception(value)
        return True

    def _died(self, worker: _Worker) -> None:
        while worker.tasks and worker.conn.poll() and self._receive(worker):
            if worker not in self._pool:  # replies it sent before it exited were read,
                return  # and reading them retired it already
        worker.process.join(2)  # its pipes close a moment before it can be reaped
        code = worker.process.exitcode
        if worker.tasks:
            task = worker.tasks.popleft()
            error = _death_error(code, self.memory_mb, _at_cap(worker, self.memory_mb))
            self.stats["memory_errors" if isinstance(error, SandboxMemoryError) else "crashes"] += 1
            task.future.set_exception(error)
        self._replace(worker)

    def _timed_out(self, worker: _Worker) -> None:
        task = worker.tasks.popleft()
        self.stats["timeouts"] += 1
        self._replace(worker)
        task.future.set_exception(SandboxTimeout(f"no result after {self.timeout_s:g} s"))

    def _fail_everything(self, error: SandboxError) -> None:
        with self._lock:
            tasks = list(self._pending) + [t for w in self._pool for t in w.tasks]
            self._pending.clear()
        for task in tasks:
            if not task.future.done():
                with contextlib.suppress(cf.InvalidStateError):
                    task.future.set_exception(error)

    def _stop_workers(self) -> None:
        for worker in self._pool:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        deadline = time.monotonic() + 2.0
        for worker in self._pool:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                _kill_session(worker.process.pid)
                worker.process.join(1)
            worker.conn.close()
        self._pool.clear()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)


def _finished(future: cf.Future) -> cf.Future:
    cf.wait([future])
    return future


MEMORY_SAMPLE_S = 0.1  # each wake-up costs the dispatcher ~0.3 ms
# C code that cannot allocate under RLIMIT_AS ends the process instead of raising:
# PDFium aborts (SIGABRT), others dereference the NULL they got back.
_ALLOCATION_DEATHS = {signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGTRAP}
AT_CAP_FRACTION = 0.1  # sampled within this share of the allowance below the cap


def _start_task(worker: _Worker, timeout_s: float) -> None:
    worker.deadline = time.monotonic() + timeout_s
    worker.vm_peak = 0


def _sample_memory(worker: _Worker) -> None:
    """Note the worker's address-space size (and, once, its cap) from /proc."""
    worker.sampled_at = time.monotonic()
    try:
        with open(f"/proc/{worker.process.pid}/statm", "rb") as fh:
            size = int(fh.read().split()[0]) * resource.getpagesize()
        if not worker.vm_limit:
            with open(f"/proc/{worker.process.pid}/limits", encoding="ascii") as fh:
                line = next(ln for ln in fh if ln.startswith("Max address space"))
            soft = line.split()[3]  # "unlimited" until the worker has set its cap
            worker.vm_limit = int(soft) if soft.isdigit() else 0
    except (OSError, ValueError, IndexError, StopIteration):
        return  # it is exiting; the last sample stands
    worker.vm_peak = max(worker.vm_peak, size)


def _at_cap(worker: _Worker, memory_mb: int) -> str | None:
    """How close the running task came to the address-space cap, if it reached it."""
    if not worker.vm_limit or not worker.vm_peak:
        return None
    if worker.vm_peak < worker.vm_limit - AT_CAP_FRACTION * memory_mb * 1024 * 1024:
        return None
    return f"{worker.vm_peak >> 20} of {worker.vm_limit >> 20} MB"


def _death_error(code: int | None, memory_mb: int, at_cap: str | None = None) -> SandboxError:
    """Why a worker died mid-task.

    SIGKILL we did not send is the kernel's OOM killer; a crash signal while the task's
    address space was at the cap is an allocation that failed under it.
    """
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        if -code == signal.SIGKILL:
            return SandboxMemoryError(f"worker killed by SIGKILL (out of memory?, {memory_mb} MB)")
        if at_cap and -code in _ALLOCATION_DEATHS:
            return SandboxMemoryError(
                f"worker died of {name} with its address space at the cap ({at_cap};"
                f" a task may add {memory_mb} MB)"
            )
        return SandboxCrashed(f"worker died: {name}")
    return SandboxCrashed(f"worker exited with code {code}")


def _kill_session(sid: int) -> None:
    """SIGKILL every process left in a dead worker's session (converters it started).

    Linux never hands out a pid still in use as a session id, so this cannot hit a
    stranger; the worker itself is killed through its Process object.
    """
    victims = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 3 and int(fields[3]) == sid:
            victims.add(int(entry))
    for pid in victims:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------- extraction on top


SANDBOX_EXTRACTOR = "sandbox"


def preload_extractors() -> None:
    """Import every extractor and its libraries (they load lazily otherwise).

    Done in the parent before forking (pages shared copy-on-write) and in each worker
    before its memory cap: a library first imported under the cap (pdfminer pulls in
    cryptography's 10 MB extension) would eat the task's allowance, or fail to map.
    """
    import importlib

    for name in ("extract.html", "extract.pdf", "extract.docx", "extract.word", "extract.sheet",
                 "extract.ofd", "extract.ocr", "extract.zipguard", "openpyxl", "xlrd",
                 "pypdfium2"):  # fmt: skip
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def extract_task(
    body: bytes, media_type: str | None, url: str, headers: Mapping[str, str] | None
) -> Extraction:
    """What a worker runs: extract.extract.

    An extraction that hit the memory cap is raised as MemoryError, so the pool
    retires the worker (its heap is suspect) and reports "memory_limit".
    """
    from extract.dispatch import extract

    result = extract(body, media_type=media_type, url=url, headers=headers)
    if result.error == "memory_limit":
        raise MemoryError(result.error_detail or "MemoryError")
    return result


def outcome(future: cf.Future, pool: SandboxPool) -> Extraction:
    """A finished extraction future as an Extraction, sandbox failures as error codes."""
    try:
        return future.result()
    except SandboxError as exc:
        return sandbox_failure(exc.reason, str(exc), pool)
    except Exception as exc:
        return sandbox_failure("worker_crashed", f"{type(exc).__name__}: {exc}"[:300], pool)


def sandbox_failure(error: str, detail: str, pool: SandboxPool) -> Extraction:
    """The Extraction recorded when the sandbox, not the extractor, ended the task.

    The limits are the options, so re-running with larger limits makes a new text row.
    """
    return failure(
        error,
        detail,
        extractor=SANDBOX_EXTRACTOR,
        extractor_version=f"{EXTRACT_VERSION}+sandbox",
        options={"timeout_s": pool.timeout_s, "memory_mb": pool.memory_mb},
    )


class SandboxedExtractor:
    """extract.extract in a SandboxPool: never raises, never hangs past the time limit."""

    def __init__(
        self,
        workers: int = 1,
        timeout_s: float = 60.0,
        memory_mb: int = 1024,
        *,
        pool: SandboxPool | None = None,
    ) -> None:
        preload_extractors()
        self.pool = pool or SandboxPool(
            workers, timeout_s, memory_mb, initializer=preload_extractors
        )
        self._own_pool = pool is None

    def submit(
        self,
        body: bytes,
        *,
        media_type: str | None,
        url: str,
        headers: Mapping[str, str] | None = None,
    ) -> cf.Future:
        """Future of an Extraction (pass it to `outcome` to turn failures into errors)."""
        return self.pool.submit(extract_task, body, media_type, url, _plain(headers))

    def extract(
        self,
        body: bytes,
        *,
        media_type: str | None,
        url: str,
        headers: Mapping[str, str] | None = None,
    ) -> Extraction:
        future = self.submit(body, media_type=media_type, url=url, headers=headers)
        return outcome(future, self.pool)

    def extract_many(self, docs: Iterable[Mapping[str, Any]]) -> Iterator[Extraction]:
        """Extractions of dicts with body, media_type, url (and headers), in input order."""
        items = ((d["body"], d.get("media_type"), d["url"], _plain(d.get("headers"))) for d in docs)
        for future in self.pool.map_bounded(extract_task, items):
            yield outcome(future, self.pool)

    def close(self) -> None:
        if self._own_pool:
            self.pool.shutdown()

    def __enter__(self) -> SandboxedExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def extract_in_sandbox(
    pool: SandboxPool,
    body: bytes,
    *,
    media_type: str | None,
    url: str,
    headers: Mapping[str, str] | None = None,
) -> Extraction:
    """One extraction through an existing pool (see SandboxedExtractor for streams)."""
    return SandboxedExtractor(pool=pool).extract(
        body, media_type=media_type, url=url, headers=headers
    )


def _plain(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    """Scrapy's Headers and other mappings as a plain picklable dict."""
    return None if headers is None else {str(k): str(v) for k, v in headers.items()}
