"""Where a crawl's ArchiveSession runs: in the crawl process, or in an archive-writer process.

Recording a capture (WARC build + gzip, catalog SQL) and the capture hook cost about as
much CPU as the crawl itself; in a process of their own they run on another core while
the crawl's event loop only pickles each FetchRecord into a pipe.

Both writers have one small interface: ``start(run)``, ``submit(handover)`` (an
Outcome, or a Deferred fired with it), ``finish(stats)`` and ``archive`` (the open
Archive when it is in this process, else None).

:class:`ProcessWriter` protocol over one duplex pipe, in order:
crawl → writer ``SessionConfig`` (at ``spawn``), ``("run", RunMeta)`` (at ``start``),
``("records", [Handover, …])`` … ``("finish", stats)``;
writer → crawl ``("ready", run_id, hook_errors)`` | ``("failed", message)``,
``("outcomes", [Outcome, …])`` in the order the records came, ``("finished", Finished)``.
The writer applies records in the order sent; the crawl pairs each outcome with the
oldest record it is waiting on. Records handed over in one turn of the reactor go in one
message: one pickle, one write and one wake-up of the writer for a burst of responses,
instead of a write per record (each write woke the writer, and on a busy machine the
crawl's event loop often lost its core to it right there).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import pickle
import queue
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from archive import Archive, ArchiveError
from crawler.archive_session import (
    ArchiveSession,
    Finished,
    Handover,
    Outcome,
    RunMeta,
    SessionConfig,
)

if TYPE_CHECKING:  # Twisted is the crawl side's: the writer process never imports it
    from twisted.internet.defer import Deferred

log = logging.getLogger(__name__)
WRITER_DIED = "archive_writer_died"


class WriterFailed(ArchiveError):
    """The archive-writer process could not open the archive or start the run."""

    reason = "archive_writer_failed"


OnReady = Callable[[int, list[str]], None]
OnLost = Callable[[str], None]


class InlineWriter:
    """The session in the crawl process: every call is done when it returns. Used where
    the crawl itself must read the archive (resume's replay, the distributed frontier's
    flush-then-ack and dead-worker recovery) and by tests."""

    def __init__(self, config: SessionConfig, *, on_ready: OnReady, on_lost: OnLost) -> None:
        self.session = ArchiveSession(config)
        self.on_ready = on_ready

    @property
    def archive(self) -> Archive | None:
        return self.session.archive

    def start(self, run: RunMeta) -> None:
        run_id, errors = self.session.open(run)
        self.on_ready(run_id, errors)

    def submit(self, handover: Handover) -> Outcome:
        return self.session.apply(handover)

    def finish(self, stats: dict[str, Any]) -> Finished | None:
        return self.session.finish(stats)


@dataclass
class _Sent:
    deferred: Deferred
    size: int


class ProcessWriter:
    """The session in an archive-writer process; the crawl's reactor reads its answers.

    Started as a fresh interpreter (``python -c BOOT fd sys.path…``), not forked: the
    crawl process runs a Twisted reactor (an epoll fd, a waker pipe, maybe threads and
    sockets); a forked copy would share the epoll instance and inherit every fd, and
    forking a threaded process is unsafe. The new interpreter inherits only its end of
    the socket pair. Not multiprocessing's "spawn" either: that re-runs the parent's
    ``__main__`` (a script that calls run_crawl at top level would start a second
    crawl) and adds a resource-tracker process; forkserver would add a server process
    for one child. The writer is not a daemon: it starts the extraction hook's
    SandboxPool children, and it outlives a dead crawl only long enough to commit.

    Bounded in flight: at most ``max_in_flight`` records and ``max_in_flight_bytes`` of
    them are in the pipe or the writer at once; the rest wait here, in order (their
    responses are held by Scrapy anyway, whose scraper slot then backs the crawl off).
    """

    MAX_IN_FLIGHT = 64
    MAX_IN_FLIGHT_BYTES = 32 << 20
    SEND_BUFFER = 8 << 20
    START_TIMEOUT = 300.0
    FINISH_TIMEOUT = 3600.0  # the hook's close waits for extraction in flight

    def __init__(
        self,
        config: SessionConfig,
        *,
        on_ready: OnReady,
        on_lost: OnLost,
        reactor: Any = None,
        max_in_flight: int | None = None,
        max_in_flight_bytes: int | None = None,
    ) -> None:
        self.config = config
        self.on_ready, self.on_lost = on_ready, on_lost
        self.reactor = reactor
        self.max_in_flight = max_in_flight or self.MAX_IN_FLIGHT
        self.max_in_flight_bytes = max_in_flight_bytes or self.MAX_IN_FLIGHT_BYTES
        self.process: subprocess.Popen | None = None
        self.conn: Connection | None = None
        self.sent: collections.deque[_Sent] = collections.deque()
        self.backlog: collections.deque[tuple[Handover, Deferred]] = collections.deque()
        self.bytes_in_flight = 0
        self.peak_in_flight = 0
        self.lost: str | None = None
        self.finished: Finished | None = None
        self.usage: dict[str, float] = {}
        self.ready = False  # the writer has the archive open and the run started
        self._starting = False
        self._readers: list[_Readable] = []
        self._pidfd: int | None = None
        self._flush_scheduled = False

    archive = None  # the archive is in the writer process

    # -- lifecycle
    def spawn(self) -> None:
        """Start the writer's interpreter now; it imports the archive and the hook's
        modules (seconds) while the crawl sets itself up, then waits for ``start``."""
        if self.process is not None:
            return
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-c", BOOT, str(theirs.fileno()), *sys.path],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self._fit_bound_to_socket(self.conn)
        self._send(self.config)  # it loads the hook and starts its workers meanwhile
        log.info("archive writer process started (pid %d)", self.process.pid)

    def start(self, run: RunMeta) -> None:
        self.spawn()
        assert self.process is not None and self.conn is not None
        parent_end = self.conn
        self._send(("run", run))
        with contextlib.suppress(AttributeError, OSError):
            # readable when the writer exits, even while its own children keep the pipe open
            self._pidfd = os.pidfd_open(self.process.pid)
        if self.reactor is not None:
            self._readers = [_Readable(parent_end.fileno(), self.read_available)]
            if self._pidfd is not None:
                self._readers.append(_Readable(self._pidfd, self._exited))
            for reader in self._readers:
                self.reactor.addReader(reader)
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Block until the writer has opened the archive and started the run.

        The run's start time must precede every fetch of the run (``ogi crawl --resume``
        replays what was captured since it), and an archive that cannot be opened must
        stop the crawl before it fetches anything, as inline."""
        deadline = time.monotonic() + self.START_TIMEOUT
        self._starting = True
        try:
            while not self.ready and self.lost is None:
                self._wait(deadline)
        finally:
            self._starting = False
        if self.lost is not None:
            self._stop()
            raise WriterFailed(self.lost)

    def _fit_bound_to_socket(self, conn: Connection) -> None:
        """A send must not wait for the writer: what is in flight must fit in the socket.

        So the socket's send buffer is raised (the kernel caps it at net.core.wmem_max)
        and the in-flight byte bound kept to half of it (the kernel counts its overhead)."""
        sock = socket.socket(fileno=os.dup(conn.fileno()))
        try:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.SEND_BUFFER)
            room = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) // 2
        finally:
            sock.close()
        self.max_in_flight_bytes = max(1 << 20, min(self.max_in_flight_bytes, room))

    def submit(self, handover: Handover) -> Deferred:
        from twisted.internet.defer import Deferred

        deferred: Deferred = Deferred()
        if self.lost is not None:
            deferred.callback(_lost_outcome(self.lost))
            return deferred
        self.backlog.append((handover, deferred))
        if self.reactor is None:
            self._pump()
        elif not self._flush_scheduled:  # the rest of this reactor turn joins the batch
            self._flush_scheduled = True
            self.reactor.callLater(0, self._flush)
        return deferred

    def _flush(self) -> None:
        self._flush_scheduled = False
        self._pump()

    def finish(self, stats: dict[str, Any]) -> Finished | None:
        """Wait for every outcome, send the final stats, wait for the writer to exit.

        Blocking, like the inline close: the crawl is over when this is called."""
        try:
            deadline = time.monotonic() + self.FINISH_TIMEOUT
            self.wait_idle(self.FINISH_TIMEOUT)
            if self.lost is None:
                self._send(("finish", stats))
            while self.finished is None and self.lost is None:
                self._wait(deadline)
            return self.finished
        finally:
            self._stop()

    def wait_idle(self, timeout: float) -> None:
        """Block until every record handed over has its outcome (or the writer is lost)."""
        deadline = time.monotonic() + timeout
        self._pump()  # a batch still waiting for its reactor turn goes now
        while (self.sent or self.backlog) and self.lost is None:
            self._wait(deadline)

    # -- the pipe
    def _pump(self) -> None:
        """Send what the in-flight bounds allow, as one ``records`` message."""
        batch: list[Handover] = []
        while self.backlog and self.lost is None and self.ready:
            handover = self.backlog[0][0]
            size = handover.size
            if self.sent and (
                len(self.sent) >= self.max_in_flight
                or self.bytes_in_flight + size > self.max_in_flight_bytes
            ):
                break
            _, deferred = self.backlog.popleft()
            self.sent.append(_Sent(deferred, size))
            self.bytes_in_flight += size
            batch.append(handover)
        self.peak_in_flight = max(self.peak_in_flight, len(self.sent))
        if batch:
            self._send(("records", batch))

    def _send(self, message: tuple) -> None:
        assert self.conn is not None
        try:
            self.conn.send(message)
        except (OSError, EOFError):
            self._lose(self._exit_note())

    def read_available(self) -> None:
        """Handle every message waiting in the pipe (the reactor calls this when readable)."""
        conn = self.conn
        try:
            while conn is not None and self.lost is None and conn.poll():
                self._handle(conn.recv())
        except (EOFError, OSError):
            self._lose(self._exit_note())

    def _handle(self, message: tuple) -> None:
        kind = message[0]
        if kind == "outcomes":
            for outcome in message[1]:
                sent = self.sent.popleft()
                self.bytes_in_flight -= sent.size
                sent.deferred.callback(outcome)
            self._pump()
        elif kind == "ready":
            self.ready = True
            self.on_ready(message[1], message[2])
            self._pump()
        elif kind == "finished":
            self.finished = message[1]
            self.usage = self.finished.usage if self.finished else {}
        elif kind == "failed":
            self._lose(f"it could not open the archive: {message[1]}")

    def _exited(self) -> None:
        """The writer process is gone: take what it sent before, then report it."""
        self.read_available()
        if self.finished is None and self.lost is None:
            self._lose(self._exit_note())
        self._unregister()

    def _wait(self, deadline: float) -> None:
        assert self.conn is not None
        if time.monotonic() > deadline:
            self._lose("it did not answer in time")
            return
        if self.conn.poll(0.5):  # also True at EOF: read_available then sees it
            self.read_available()
        elif self.process.poll() is not None:
            self._exited()

    def _exit_note(self) -> str:
        if self.process is None:
            return "it is not running"
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(2)
        code = self.process.returncode
        if code is None:
            return "it closed its pipe"
        if code < 0:
            return f"it was killed by signal {signal.Signals(-code).name}"
        return f"it exited with code {code}"

    def _lose(self, why: str) -> None:
        """Every record not confirmed gets an error outcome; the crawl is told once."""
        if self.lost is not None:
            return
        self.lost = f"the archive writer process stopped: {why}"
        log.critical("%s; records it did not confirm are counted as not stored", self.lost)
        waiting = [s.deferred for s in self.sent] + [d for _, d in self.backlog]
        self.sent.clear()
        self.backlog.clear()
        self.bytes_in_flight = 0
        self._unregister()
        for deferred in waiting:
            deferred.callback(_lost_outcome(self.lost))
        if not self._starting:  # while starting, start() raises instead
            self.on_lost(self.lost)

    def _unregister(self) -> None:
        if self.reactor is not None:
            for reader in self._readers:
                with contextlib.suppress(Exception):
                    self.reactor.removeReader(reader)
        self._readers = []

    def _stop(self) -> None:
        self._unregister()
        if self.process is not None:
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                log.error("the archive writer did not exit: terminating it")
                self.process.kill()
                self.process.wait(10)
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)
            self._pidfd = None


def _lost_outcome(message: str) -> Outcome:
    return Outcome(None, WRITER_DIED, message)


class _Readable:
    """A file descriptor the reactor watches (Twisted's IReadDescriptor, minimal)."""

    def __init__(self, fd: int, on_read: Callable[[], None]) -> None:
        self.fd, self.on_read = fd, on_read

    def fileno(self) -> int:
        return self.fd

    def doRead(self) -> None:
        self.on_read()

    def connectionLost(self, reason: Any) -> None:
        pass

    def logPrefix(self) -> str:
        return "ogi-archive-writer"


# ------------------------------------------------------------------- the writer process
BOOT = (
    "import sys; sys.path[:0] = sys.argv[2:]; "
    "from crawler.archive_writer import main; main(int(sys.argv[1]))"
)


def main(fd: int) -> None:
    """The writer process: its end of the socket pair, the SessionConfig on it at once,
    then ``("run", RunMeta)`` when the crawl opens its spider."""
    conn = Connection(fd)
    try:
        config = conn.recv()
    except (EOFError, OSError):
        return  # the crawl ended before it configured its writer
    writer_main(conn, config)


def writer_main(conn: Connection, config: SessionConfig) -> None:
    """Entry point of the archive-writer process: serve records until told to finish.

    Everything that needs no RunMeta (imports, the hook and its workers) is done before
    the run arrives, while the crawl process sets up its crawler.
    Ctrl-C and SIGTERM are the crawl's to handle (it then sends ``finish``); if the crawl
    process dies instead, the pipe closes and the writer commits what it has and exits.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=config.log_level,
        stream=sys.stderr,
        format="%(asctime)s [archive-writer] %(levelname)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter
    session = ArchiveSession(config)
    errors = session.lifecycle("open")  # forks the hook's workers: before any thread starts
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(conn, inbox), name="receiver", daemon=True).start()
    raw = inbox.get()
    if raw is None:  # the crawl never opened its spider
        session.lifecycle("close", None)
        return
    _, run = pickle.loads(raw)
    try:
        run_id = session.open_archive(run)
    except Exception as exc:
        log.error("could not open the archive: %s", exc)
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        session.close()
        return
    conn.send(("ready", run_id, errors))
    try:
        _serve(conn, inbox, session)
    finally:
        session.close()


def _receive(conn: Connection, inbox: queue.SimpleQueue[bytes | None]) -> None:
    """Drain the pipe as fast as the crawl writes (raw bytes: unpickled by the main
    thread), so the crawl's send never waits on the writer's work. The crawl bounds
    what is in flight, so the inbox is bounded too."""
    try:
        while True:
            inbox.put(conn.recv_bytes())
    except (EOFError, OSError):
        inbox.put(None)


# Outcomes are answered at least every this many records, even inside one batch of
# records, so the crawl can send more before the writer has done the whole batch.
ANSWER_EVERY = 16


def _serve(conn: Connection, inbox: queue.SimpleQueue[bytes | None], session: Any) -> None:
    outcomes: list[Outcome] = []
    while True:
        if outcomes and inbox.empty():
            conn.send(("outcomes", outcomes))  # answers batched while records queue up
            outcomes = []
        raw = inbox.get()
        if raw is None:
            log.error("the crawl process went away: committing what was recorded and exiting")
            session.flush()
            return
        kind, payload = pickle.loads(raw)
        if kind == "records":
            for handover in payload:
                outcomes.append(session.apply(handover))
                if len(outcomes) >= ANSWER_EVERY:
                    conn.send(("outcomes", outcomes))
                    outcomes = []
        elif kind == "finish":
            if outcomes:
                conn.send(("outcomes", outcomes))
            try:
                done = session.finish(payload)
            except (ArchiveError, OSError) as exc:  # e.g. the disk filled up: one line
                log.error("could not finish the crawl run in the archive: %s", exc)
                done = Finished(error=str(exc))
            done.hook_stats = session.take_hook_stats()
            done.usage = _usage()
            conn.send(("finished", done))
            return


def _usage() -> dict[str, float]:
    """CPU of this process and of its reaped children (the extraction workers), peak RSS."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu_seconds": own.ru_utime + own.ru_stime,
        "children_cpu_seconds": kids.ru_utime + kids.ru_stime,
        "peak_rss_mb": own.ru_maxrss / 1024,
    }
