"""`ogi schedule`: crawls on a recrawl policy read from configuration (settings/schedule.toml).

A policy is a list of jobs; each job names the months, day and hour (UTC) it runs and
the crawl settings it runs with (e.g. OGI_RECHECK_REPORTS_AFTER, so list pages are
rechecked more often than known report pages; every recheck is a conditional request).
A job is *due* when its latest occurrence has passed, it has not run since, and that
occurrence is at most ``catch_up_days`` old (a machine that was off still runs the
sweep it missed, never last year's). Each run is `ogi crawl --resume` in a child
process (a Scrapy crawl runs once per process; a killed run resumes next time).

Two runs never write the same archive at once: an exclusive lock file
``schedule.lock`` in the archive (archive.lock) in single mode; with OGI_DISTRIBUTED a
Redis key naming the running occurrence, which every machine's scheduler may *join*
(its crawler becomes one more worker of that occurrence's frontier) but no other
occurrence may take until it is released.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from archive.errors import ArchiveLocked
from archive.lock import ArchiveLock
from ogi.errors import CliError

STATE_FILE = "schedule-state.json"
LOCK_FILE = "schedule.lock"
Runner = Callable[[list[str]], int]


@dataclass(frozen=True)
class Job:
    name: str
    months: tuple[int, ...]
    day: int
    hour: int = 1
    settings: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    catch_up_days: float | None = None  # None: the policy's

    def occurrences(self, years: range) -> Iterator[datetime]:
        for year in years:
            for month in self.months:
                yield datetime(year, month, self.day, self.hour, tzinfo=UTC)

    def latest(self, now: datetime) -> datetime | None:
        past = [t for t in self.occurrences(range(now.year - 1, now.year + 1)) if t <= now]
        return max(past, default=None)

    def next_after(self, now: datetime) -> datetime:
        return min(t for t in self.occurrences(range(now.year, now.year + 2)) if t > now)


@dataclass(frozen=True)
class Policy:
    jobs: tuple[Job, ...]
    catch_up_days: float = 20.0
    poll_seconds: float = 3600.0


def load_policy(path: Path) -> Policy:
    """Read a policy file; a malformed one is a one-line error naming file and job."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CliError(f"cannot read the schedule {path}: {exc}") from exc
    jobs = []
    for i, raw in enumerate(doc.get("job", [])):
        name = raw.get("name") or f"job {i + 1}"
        try:
            job = Job(
                name=str(name),
                months=tuple(int(m) for m in raw.get("months", range(1, 13))),
                day=int(raw["day"]),
                hour=int(raw.get("hour", 1)),
                settings=dict(raw.get("settings", {})),
                note=str(raw.get("note", "")),
                catch_up_days=float(raw["catch_up_days"]) if "catch_up_days" in raw else None,
            )
            job.next_after(datetime(2000, 1, 1, tzinfo=UTC))  # checks months, day, hour
        except (KeyError, TypeError, ValueError) as exc:
            raise CliError(f"{path}: bad [[job]] {name!r}: {exc!r}") from exc
        jobs.append(job)
    if not jobs:
        raise CliError(f"{path} defines no [[job]]: nothing to schedule")
    return Policy(
        tuple(jobs),
        float(doc.get("catch_up_days", 20)),
        float(doc.get("poll_seconds", 3600)),
    )


def due(policy: Policy, state: dict[str, str], now: datetime) -> list[tuple[Job, datetime]]:
    """Jobs to run now, oldest occurrence first."""
    out = []
    for job in policy.jobs:
        latest = job.latest(now)
        late = job.catch_up_days if job.catch_up_days is not None else policy.catch_up_days
        if latest is None or now - latest > timedelta(days=late):
            continue
        done = state.get(job.name)
        if done is None or datetime.fromisoformat(done) < latest:
            out.append((job, latest))
    return sorted(out, key=lambda pair: pair[1])


def plan_lines(policy: Policy, state: dict[str, str], now: datetime) -> list[str]:
    """What --dry-run prints: per job, whether it is due now and when it runs next."""
    now_due = {job.name: when for job, when in due(policy, state, now)}
    lines = [f"schedule at {now.isoformat(timespec='minutes')}:"]
    for job in policy.jobs:
        status = (
            f"DUE (occurrence {now_due[job.name]:%Y-%m-%d %H:%M})" if job.name in now_due else "-"
        )
        settings = " ".join(f"{k}={v}" for k, v in job.settings.items())
        lines.append(
            f"  {job.name:<22} {status:<32} next {job.next_after(now):%Y-%m-%d %H:%M} UTC"
            + (f"  [{settings}]" if settings else "")
        )
    return lines


@dataclass
class Scheduler:
    """Runs due jobs against one archive; ``runner`` starts the crawl (a child process)."""

    policy: Policy
    archive_dir: Path
    crawl_args: list[str]
    distributed: str | None = None
    key: str = "ogi"
    runner: Runner = field(default=lambda cmd: subprocess.run(cmd, check=False).returncode)

    # -- state: when each job last completed
    def state(self) -> dict[str, str]:
        if self.distributed:
            raw = _redis(self.distributed).hgetall(f"{self.key}:schedule:done")
            return {k.decode(): v.decode() for k, v in raw.items()}
        path = self.archive_dir / STATE_FILE
        return json.loads(path.read_text()) if path.exists() else {}

    def _mark_done(self, job: Job, when: datetime) -> None:
        if self.distributed:
            _redis(self.distributed).hset(f"{self.key}:schedule:done", job.name, when.isoformat())
            return
        state = self.state()
        state[job.name] = when.isoformat()
        self.archive_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.archive_dir / f"{STATE_FILE}.tmp"
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
        os.replace(tmp, self.archive_dir / STATE_FILE)

    def command(self, job: Job, when: datetime) -> list[str]:
        cmd = [sys.executable, "-m", "ogi", "crawl", "--resume", "-q", *self.crawl_args]
        settings = dict(job.settings)
        if self.distributed:  # every machine joins this occurrence's frontier
            settings["OGI_DISTRIBUTED"] = self.distributed
            settings["OGI_DISTRIBUTED_KEY"] = f"{self.key}:{job.name}:{when:%Y%m%d%H}"
        for name, value in settings.items():
            cmd += ["--set", f"{name}={json.dumps(value) if not isinstance(value, str) else value}"]
        return cmd

    def run_due(self, now: datetime, say: Callable[[str], None]) -> int:
        """Run every due job (under the lock); returns how many completed."""
        completed = 0
        for job, when in due(self.policy, self.state(), now):
            with self.lock(job, when) as held:
                if not held:
                    say(f"{job.name}: another run holds the archive; skipped this turn")
                    continue
                say(f"{job.name}: crawling (occurrence {when:%Y-%m-%d %H:%M} UTC)")
                code = self.runner(self.command(job, when))
            if code != 0:
                say(f"{job.name}: the crawl exited {code}; it resumes at the next turn")
                continue
            self._mark_done(job, when)
            completed += 1
        return completed

    @contextmanager
    def lock(self, job: Job, when: datetime) -> Iterator[bool]:
        if self.distributed:
            with _redis_lock(self.distributed, self.key, f"{job.name}@{when.isoformat()}") as ok:
                yield ok
            return
        self.archive_dir.mkdir(parents=True, exist_ok=True)
        try:
            held = ArchiveLock.acquire(self.archive_dir, wait=0, name=LOCK_FILE)
        except ArchiveLocked:
            yield False
            return
        try:
            yield True
        finally:
            held.release()

    def forever(self, say: Callable[[str], None], clock: Callable[[], datetime]) -> None:
        """The long-running mode: run what is due, sleep until the next occurrence."""
        while True:
            now = clock()
            self.run_due(now, say)
            wake = min(job.next_after(now) for job in self.policy.jobs)
            pause = min(self.policy.poll_seconds, max(1.0, (wake - clock()).total_seconds()))
            time.sleep(pause)


def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


@contextmanager
def _redis_lock(url: str, key: str, occurrence: str, ttl: int = 120) -> Iterator[bool]:
    """Take ``<key>:schedule:active`` for ``occurrence``, or join it if it already holds
    that occurrence; refreshed while the crawl runs, so a dead scheduler frees it."""
    import threading

    server, name = _redis(url), f"{key}:schedule:active"
    if not server.set(name, occurrence, nx=True, ex=ttl):
        held = server.get(name)
        if held is None or held.decode() != occurrence:
            yield False
            return
    stop = threading.Event()

    def refresh() -> None:
        while not stop.wait(ttl / 3):
            server.set(name, occurrence, ex=ttl)

    thread = threading.Thread(target=refresh, daemon=True)
    thread.start()
    try:
        yield True
    finally:
        stop.set()
        thread.join(5)
        if (server.get(name) or b"").decode() == occurrence:
            server.delete(name)  # the last machine out frees it (others re-take it briefly)
