"""The archive-writer process (crawler.archive_writer): the same outcomes as inline, in
the order sent, a bounded number in flight, a full disk and a dead writer reported
clearly, and an archive that stays consistent whatever happens to the writer."""

from __future__ import annotations

import errno
import os
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archive import Archive, FetchRecord
from crawler.archive_session import AFTER_FATAL, Handover, Outcome, RunMeta, SessionConfig
from crawler.archive_writer import WRITER_DIED, InlineWriter, ProcessWriter, WriterFailed

RUN = RunMeta(software={"python": "3"}, settings_digest="s" * 64, portals_digest="p" * 64)
_seen = 0


def fail_disk_after_3(archive: Any, result: Any, fetch: Any) -> None:
    """OGI_ON_CAPTURE run in the writer: after 3 captures every WARC write hits ENOSPC."""
    from archive import warcfile

    global _seen
    _seen += 1
    if _seen == 3:

        def failing(self: Any, *records: Any) -> Any:
            raise warcfile._write_error(OSError(errno.ENOSPC, "No space left"), self.folder / "x")

        warcfile.RotatingWarcWriter.write = failing  # type: ignore[method-assign]


def broken_hook(archive: Any, result: Any, fetch: Any) -> None:
    raise KeyError("hook bug")


def fetch(i: int, body: bytes | None = None) -> FetchRecord:
    url = f"http://127.0.0.1:8000/page/{i % 7}.html"  # repeats: unchanged and changed too
    return FetchRecord(
        requested_url=url,
        final_url=url,
        redirect_chain=(),
        method="GET",
        request_headers=(("Accept", "text/html"),),
        request_body=b"",
        status=200,
        reason="OK",
        response_headers=(("Content-Type", "text/html; charset=gbk"),),
        body=body if body is not None else f"<html>第{i // 10}版 {i % 7}</html>".encode("gbk"),
        fetched_at=datetime(2024, 1, 1, tzinfo=UTC),
        portal="127.0.0.1",
        media_type="text/html",
        candidate=i % 2 == 0,
    )


def handovers(n: int) -> list[Handover]:
    return [Handover(fetch(i), detect_charset=True, declared_charset="gbk") for i in range(n)]


def config(directory: Path, hook: str | None = None) -> SessionConfig:
    return SessionConfig(str(directory), None, hook, log_level="WARNING")


class Client:
    """Collects what a writer reports, as the pipeline does."""

    def __init__(self) -> None:
        self.run_id: int | None = None
        self.lost: list[str] = []
        self.outcomes: list[Outcome] = []

    def ready(self, run_id: int, errors: list[str]) -> None:
        self.run_id = run_id

    def writer(self, directory: Path, hook: str | None = None, **kw: Any) -> ProcessWriter:
        return ProcessWriter(
            config(directory, hook), on_ready=self.ready, on_lost=self.lost.append, **kw
        )

    def submit(self, writer: Any, handover: Handover) -> None:
        answer = writer.submit(handover)
        if isinstance(answer, Outcome):
            self.outcomes.append(answer)
        else:
            answer.addCallback(self.outcomes.append)


def test_outcomes_match_the_inline_writer_in_order(tmp_path: Path) -> None:
    inline, proc = Client(), Client()
    writer = InlineWriter(config(tmp_path / "a"), on_ready=inline.ready, on_lost=inline.lost.append)
    writer.start(RUN)
    for h in handovers(30):
        inline.submit(writer, h)
    writer.finish({"ogi/pages": 30})

    remote = proc.writer(tmp_path / "b", max_in_flight=4)
    remote.start(RUN)
    for h in handovers(30):
        proc.submit(remote, h)
    assert len(remote.sent) <= 4 and len(remote.backlog) >= 26  # the rest waits here
    finished = remote.finish({"ogi/pages": 30})

    assert finished is not None and finished.usage["cpu_seconds"] > 0
    assert proc.lost == [] and proc.run_id == inline.run_id == 1
    assert remote.peak_in_flight <= 4
    assert proc.outcomes == inline.outcomes  # capture ids, changes, digests: identical
    assert {o.result.change for o in proc.outcomes if o.result} == {"new", "changed", "unchanged"}
    with Archive.open(tmp_path / "b", readonly=True) as arc:
        captures = list(arc.captures())
        assert [c.id for c in captures] == [o.result.capture_id for o in proc.outcomes if o.result]
        assert [c.url for c in captures] == [h.fetch.final_url for h in handovers(30)]
        assert {c.charset for c in captures} == {"gb18030"}  # detected in the writer
        assert arc.runs()[-1].stats == {"ogi/pages": 30}
        assert arc.check().clean


def test_in_flight_is_bounded_by_bytes(tmp_path: Path) -> None:
    client = Client()
    remote = client.writer(tmp_path, max_in_flight=100, max_in_flight_bytes=3 << 20)
    remote.start(RUN)
    for i in range(8):
        client.submit(remote, Handover(fetch(i, body=bytes([i]) * (1 << 20))))
        assert remote.bytes_in_flight <= 3 << 20
    assert len(remote.sent) <= 2
    remote.finish({})
    assert len(client.outcomes) == 8 and all(o.result for o in client.outcomes)


def test_a_full_disk_in_the_writer_is_fatal_once(tmp_path: Path) -> None:
    client = Client()
    remote = client.writer(tmp_path, f"{__name__}.fail_disk_after_3")
    remote.start(RUN)
    for h in handovers(6):
        client.submit(remote, h)
    remote.finish({})
    reasons = [o.reason for o in client.outcomes]
    assert reasons == [None, None, None, "warc_write_failed", AFTER_FATAL, AFTER_FATAL]
    failed = client.outcomes[3]
    assert failed.fatal and "No space left" in failed.message
    with Archive.open(tmp_path, readonly=True) as arc:
        assert len(list(arc.captures())) == 3 and arc.check().clean


def test_hook_errors_come_back_with_the_outcome(tmp_path: Path) -> None:
    client = Client()
    remote = client.writer(tmp_path, f"{__name__}.broken_hook")
    remote.start(RUN)
    client.submit(remote, handovers(1)[0])
    remote.finish({})
    (outcome,) = client.outcomes
    assert outcome.result is not None and outcome.hook_errors == ("KeyError",)


def test_a_killed_writer_is_reported_and_the_archive_stays_consistent(tmp_path: Path) -> None:
    client = Client()
    remote = client.writer(tmp_path)
    remote.start(RUN)
    for h in handovers(5):
        client.submit(remote, h)
    remote.wait_idle(60)
    assert [o.reason for o in client.outcomes] == [None] * 5
    os.kill(remote.process.pid, signal.SIGKILL)
    remote.process.wait(10)
    for h in handovers(8)[5:]:
        client.submit(remote, h)
    assert remote.finish({}) is None

    (message,) = client.lost  # told once, with the cause
    assert "archive writer process stopped" in message and "SIGKILL" in message
    assert [o.reason for o in client.outcomes[5:]] == [WRITER_DIED] * 3
    with Archive.open(tmp_path) as arc:  # a writer again: the torn tail is repaired
        report = arc.check()
        assert report.clean, report.problems
        # as after any kill: what it had committed, plus whole fetches recovered from the
        # WARC files, in order; nothing unconfirmed, nothing torn
        urls = [c.url for c in arc.captures()]
        assert urls == [h.fetch.final_url for h in handovers(5)][: len(urls)]


def test_a_writer_that_cannot_open_the_archive_fails_to_start(tmp_path: Path) -> None:
    (tmp_path / "archive").write_text("not a directory")
    client = Client()
    remote = client.writer(tmp_path / "archive")
    with pytest.raises(WriterFailed, match="could not open the archive"):
        remote.start(RUN)  # before the crawl fetches anything, as an inline open would
    assert client.run_id is None and client.lost == []
    assert remote.process is not None and remote.process.returncode is not None


def test_the_run_starts_before_start_returns(tmp_path: Path) -> None:
    """`ogi crawl --resume` replays captures since the run began: no fetch may precede it."""
    client = Client()
    remote = client.writer(tmp_path)
    remote.start(RUN)
    after = datetime.now(UTC)
    assert client.run_id == 1
    remote.finish({})
    with Archive.open(tmp_path, readonly=True) as arc:
        started = arc.runs()[-1].started_at
    assert (started if started.tzinfo else started.replace(tzinfo=UTC)) <= after


@pytest.mark.parametrize("mode", ["process", "bogus"])
def test_writer_mode_setting(mode: str) -> None:
    from scrapy.settings import Settings

    from crawler.archiving import writer_mode

    if mode == "bogus":
        with pytest.raises(ValueError, match="OGI_ARCHIVE_WRITER"):
            writer_mode(Settings({"OGI_ARCHIVE_WRITER": mode}))
        return
    assert writer_mode(Settings({"OGI_ARCHIVE_WRITER": mode})) == "process"
    resumed = Settings({"OGI_ARCHIVE_WRITER": mode, "OGI_RESUME_SINCE": "2024-01-01"})
    assert writer_mode(resumed) == "inline"  # replay reads the archive in the crawl process
    assert writer_mode(Settings({})) == "inline"


class Turns:
    """The crawl's reactor as the writer uses it, turn by turn: Twisted's own
    deterministic Clock runs callLater(0) at advance(0); readers are only kept, since
    wait_idle and finish read the pipe themselves."""

    def __init__(self) -> None:
        from twisted.internet.task import Clock

        self.clock = Clock()
        self.callLater = self.clock.callLater
        self.readers: list[Any] = []

    def addReader(self, reader: Any) -> None:
        self.readers.append(reader)

    def removeReader(self, reader: Any) -> None:
        self.readers.remove(reader)


def test_records_of_one_reactor_turn_go_as_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = Client()
    writer = InlineWriter(config(tmp_path / "a"), on_ready=inline.ready, on_lost=inline.lost.append)
    writer.start(RUN)
    for h in handovers(12):
        inline.submit(writer, h)
    writer.finish({})

    client, turns = Client(), Turns()
    remote = client.writer(tmp_path / "b", reactor=turns, max_in_flight=64)
    sent: list[str] = []
    send = remote._send
    remote.spawn()  # as the pipeline does when Scrapy builds its engine: config only
    monkeypatch.setattr(remote, "_send", lambda message: (sent.append(message[0]), send(message)))
    remote.start(RUN)
    assert sent == ["run"] and len(turns.readers) >= 1
    for h in handovers(12):
        client.submit(remote, h)
    assert len(remote.backlog) == 12 and not remote.sent  # held until the turn ends
    turns.clock.advance(0)
    assert sent.count("records") == 1 and len(remote.sent) == 12
    remote.wait_idle(60)
    remote.finish({})
    assert client.lost == [] and client.outcomes == inline.outcomes  # in order, the same
    assert turns.readers == []


def test_a_spawned_writer_whose_crawl_never_starts_exits_cleanly(tmp_path: Path) -> None:
    """The writer is spawned when Scrapy builds its engine; a crawl can still end before
    it opens its spider (a bad setting, Ctrl-C): the writer then leaves no archive."""
    remote = Client().writer(tmp_path / "archive")
    remote.spawn()
    assert remote.conn is not None and remote.process is not None
    remote.conn.close()
    assert remote.process.wait(60) == 0
    assert not (tmp_path / "archive").exists() or not any((tmp_path / "archive").iterdir())
