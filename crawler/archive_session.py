"""The archiving work of a crawl, wherever it runs: the Archive, the capture hook, outcomes.

The crawl hands over each kept response as a :class:`Handover`; an
:class:`ArchiveSession` records it and calls the OGI_ON_CAPTURE hook, and answers with
an :class:`Outcome` the crawl counts. Everything that crosses between the two is a
small picklable value, so the session can live in the crawl process (inline) or in the
archive-writer process (crawler.archive_writer) with the same results.
"""

from __future__ import annotations

import errno
import logging
import pkgutil
from dataclasses import dataclass, field, replace
from typing import Any

from archive import Archive, ArchiveError, CaptureResult, FetchRecord
from extract.charset import detect_charset

log = logging.getLogger(__name__)
FATAL_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}
AFTER_FATAL = "not_stored_after_fatal"


@dataclass(frozen=True)
class Handover:
    """One kept response as the crawl hands it over. Charset detection needs only the
    body, so it is left to the session (``detect_charset``) and runs where it does."""

    fetch: FetchRecord
    detect_charset: bool = False
    declared_charset: str | None = None

    @property
    def size(self) -> int:
        return len(self.fetch.body) + len(self.fetch.request_body) + 1024

    def complete(self) -> FetchRecord:
        if not self.detect_charset:
            return self.fetch
        return replace(self.fetch, charset=detect_charset(self.fetch.body, self.declared_charset))


@dataclass(frozen=True)
class Outcome:
    """What became of one handover: a CaptureResult, or the reason it was not stored."""

    result: CaptureResult | None
    reason: str | None = None  # archive error reason when result is None
    message: str = ""
    fatal: bool = False  # the disk is full or read-only: nothing more can be stored
    hook_errors: tuple[str, ...] = ()  # exception names the OGI_ON_CAPTURE hook raised


@dataclass(frozen=True)
class RunMeta:
    software: dict[str, str]
    settings_digest: str
    portals_digest: str


@dataclass(frozen=True)
class SessionConfig:
    directory: str
    catalog_url: str | None
    hook: str | None  # dotted path of the OGI_ON_CAPTURE object
    log_level: str = "INFO"


@dataclass
class Finished:
    """The session's last word: hook lifecycle errors, the hook's own stats, resources."""

    hook_errors: list[str] = field(default_factory=list)
    hook_stats: Any = None  # the hook's take_stats(), when it ran in the writer process
    usage: dict[str, float] = field(default_factory=dict)
    error: str | None = None  # finishing the run failed (the archive keeps what was stored)


class ArchiveSession:
    """The Archive plus the capture hook; applies handovers in the order given."""

    def __init__(self, config: SessionConfig) -> None:
        self.config = config
        # pkgutil, not Scrapy's load_object: the archive-writer process then never
        # imports Scrapy (a second or so of its start, which the crawl waits for)
        self.hook = pkgutil.resolve_name(config.hook) if config.hook else None
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.fatal = False

    def open(self, run: RunMeta) -> tuple[int, list[str]]:
        """Start the hook (before anything else: it may fork workers), open, start the run."""
        errors = self.lifecycle("open")
        return self.open_archive(run), errors

    def open_archive(self, run: RunMeta) -> int:
        self.archive = Archive.open(self.config.directory, self.config.catalog_url)
        self.run_id = self.archive.start_run(
            software=run.software,
            settings_digest=run.settings_digest,
            portals_digest=run.portals_digest,
        )
        return self.run_id

    def apply(self, handover: Handover) -> Outcome:
        if self.fatal:
            return Outcome(None, AFTER_FATAL)
        assert self.archive is not None
        fetch = handover.complete()
        try:
            result = self.archive.record(fetch, self.run_id)
        except (ArchiveError, OSError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            fatal = is_fatal(exc)
            self.fatal = self.fatal or fatal
            return Outcome(None, reason, str(exc), fatal)
        return Outcome(result, hook_errors=self._call_hook(result, fetch))

    def _call_hook(self, result: CaptureResult, fetch: FetchRecord) -> tuple[str, ...]:
        """The capture is stored whatever the hook does; a failing hook is counted, not fatal."""
        if self.hook is None:
            return ()
        try:
            self.hook(self.archive, result, fetch)
        except Exception as exc:
            log.exception("OGI_ON_CAPTURE hook failed on %s", fetch.final_url)
            return (type(exc).__name__,)
        return ()

    def lifecycle(self, step: str, *args: Any) -> list[str]:
        """A hook object may have ``open()`` and ``close(archive)``; failures are counted."""
        method = getattr(self.hook, step, None)
        if not callable(method):
            return []
        try:
            method(*args)
        except Exception as exc:
            log.exception("OGI_ON_CAPTURE hook failed to %s", step)
            return [type(exc).__name__]
        return []

    def flush(self) -> None:
        if self.archive is not None:
            self.archive.flush()

    def finish(self, stats: dict[str, Any]) -> Finished:
        """Close the hook (its errors go into ``stats`` too), finish the run, close."""
        done = Finished()
        if self.archive is None:
            return done
        try:
            done.hook_errors = self.lifecycle("close", self.archive)
            for name in done.hook_errors:
                key = f"ogi/on_capture_errors/{name}"
                stats[key] = int(stats.get(key, 0)) + 1
            if self.run_id is not None:
                self.archive.finish_run(self.run_id, stats)
        finally:
            self.close()
        return done

    def take_hook_stats(self) -> Any:
        """The hook's own counts (its take_stats()), to send to the crawl process."""
        take = getattr(self.hook, "take_stats", None)
        return take() if callable(take) else None

    def close(self) -> None:
        archive, self.archive = self.archive, None
        if archive is not None:
            archive.close()


def is_fatal(exc: BaseException | None) -> bool:
    """A full or read-only disk, anywhere in the exception's cause chain."""
    for _ in range(10):  # cause chains are short; never loop on a cyclic one
        if exc is None:
            return False
        if isinstance(exc, OSError) and exc.errno in FATAL_ERRNOS:
            return True
        exc = exc.__cause__ or exc.__context__
    return False
