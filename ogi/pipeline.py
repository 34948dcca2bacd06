"""The hand-off between the stages: capture bytes → extract → text → parse → report.

This is the only module that knows all of archive/, extract/ and parser/. The heavy
work (extraction, parsing) runs in worker processes so a slow or hostile document
never blocks the caller; only the catalog writes happen here, in the caller's process.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

import extract
import parser as report_parser
from archive import Archive, CaptureInfo, CaptureResult, FetchRecord
from extract.sandbox import SandboxError, SandboxPool, preload_extractors, sandbox_failure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One payload to turn into text and a report (picklable for worker processes)."""

    sha256: str
    body: bytes
    media_type: str | None
    url: str
    headers: dict[str, str]


@dataclass(frozen=True)
class JobResult:
    sha256: str
    extraction: extract.Extraction
    report: dict | None
    agency: str | None
    year: int | None
    is_report: bool


@dataclass(frozen=True)
class ProcessStats:
    texts: int = 0
    reports: int = 0
    errors: int = 0


def run_job(job: Job) -> JobResult:
    """Extract and parse one payload; runs in a worker process and never raises."""
    try:
        return _run_job(job)
    except Exception as exc:  # a parser bug must cost one document, not the whole batch
        failed = extract.Extraction(
            text=None,
            extractor="pipeline",
            extractor_version=f"{extract.EXTRACT_VERSION}+none",
            options={},
            charset=None,
            title=None,
            meta={},
            error="pipeline_failed",
            error_detail=f"{type(exc).__name__}: {exc}"[:500],
        )
        return JobResult(job.sha256, failed, None, None, None, False)


def _run_job(job: Job) -> JobResult:
    extraction = extract.extract(
        job.body, media_type=job.media_type, url=job.url, headers=job.headers
    )
    if extraction.text is None:
        return JobResult(job.sha256, extraction, None, None, None, False)
    return _with_report(job, extraction, _parse_text(extraction.text, extraction, job.url))


def _parse_text(text: str, extraction: extract.Extraction, url: str) -> report_parser.Report:
    return report_parser.parse(text, title=extraction.title, url=url, meta=extraction.meta)


def _with_report(
    job: Job, extraction: extract.Extraction, report: report_parser.Report
) -> JobResult:
    return JobResult(
        job.sha256, extraction, report.to_dict(), report.agency, report.year, report.is_report
    )


def parse_text_record(text: str, meta: dict, url: str | None) -> report_parser.Report:
    """Parse a stored text again (reparse): the page meta was kept with the text."""
    page_meta = meta.get("page_meta", meta)
    return report_parser.parse(text, title=meta.get("title"), url=url, meta=page_meta)


def pending_jobs(archive: Archive, *, force: bool = False) -> Iterator[Job]:
    """Candidate captures whose payload has no text from the current extractor yet.

    Capture rows are read first and payloads loaded one at a time, so the catalog can be
    written while jobs are consumed and memory holds only the jobs in flight.
    """
    seen: set[str] = set()
    todo: list[CaptureInfo] = []
    for info in archive.captures(candidates_only=True):
        if info.is_revisit or not 200 <= info.status < 300 or info.sha256 in seen:
            continue
        seen.add(info.sha256)
        if force or not _has_current_text(archive, info.sha256):
            todo.append(info)
    for info in todo:
        yield _job_for(archive, info)


def _has_current_text(archive: Archive, sha256: str) -> bool:
    prefix = f"{extract.EXTRACT_VERSION}+"
    return any(t.extractor_version.startswith(prefix) for t in archive.texts_for(sha256))


def _job_for(archive: Archive, info: CaptureInfo) -> Job:
    headers = {k: v for k, v in (info.response_headers or [])}
    url = info.final_url or info.url
    return Job(info.sha256, archive.payload(info.id), info.media_type, url, headers)


def store_result(archive: Archive, result: JobResult) -> bool:
    """Write one job's text and parse rows; returns True when it is a report."""
    ex = result.extraction
    meta = {"title": ex.title, "charset": ex.charset, "page_meta": ex.meta}
    if ex.error_detail:
        meta["error_detail"] = ex.error_detail
    text_id = archive.add_text(
        sha256=result.sha256,
        extractor=ex.extractor,
        extractor_version=ex.extractor_version,
        options=ex.options,
        text=ex.text,
        error=ex.error,
        meta=meta,
    )
    if result.report is None:
        return False
    archive.add_parse(
        text_id=text_id,
        parser=report_parser.PARSER_NAME,
        parser_version=report_parser.PARSER_VERSION,
        result=result.report,
        agency=result.agency,
        year=result.year,
        is_report=result.is_report,
    )
    return result.is_report


def process_jobs(
    archive: Archive,
    jobs: Iterable[Job],
    *,
    workers: int | None = None,
    limits: Limits | None = None,
) -> ProcessStats:
    """Run jobs in sandboxed worker processes and store the results in this process."""
    texts = reports = errors = 0
    for result in _sandboxed(jobs, workers or os.cpu_count() or 1, limits or Limits()):
        texts += 1
        errors += result.extraction.error is not None
        reports += store_result(archive, result)
    archive.flush()
    return ProcessStats(texts=texts, reports=reports, errors=errors)


@dataclass(frozen=True)
class Limits:
    """Per-document limits: a hostile file costs one document, never the crawl."""

    timeout_s: float = 120.0
    memory_mb: int = 1536


def _sandboxed(jobs: Iterable[Job], workers: int, limits: Limits) -> Iterator[JobResult]:
    """Results in job order. No job, no pool: starting workers and importing the
    extractors costs seconds, which `ogi crawl` would spend after a crawl whose
    documents were all extracted while it ran."""
    todo = iter(jobs)
    first = next(todo, None)
    if first is None:
        return
    preload_extractors()
    pool = SandboxPool(workers, limits.timeout_s, limits.memory_mb, initializer=preload_extractors)
    try:
        pending: deque[tuple[Job, Future[JobResult]]] = deque()
        for job in itertools.chain([first], todo):
            pending.append((job, pool.submit(run_job, job)))
            if len(pending) >= workers * 3:
                yield _settled(*pending.popleft(), pool)
        while pending:
            yield _settled(*pending.popleft(), pool)
    finally:
        pool.shutdown(cancel_pending=True)


def _settled(job: Job, future: Future[JobResult], pool: SandboxPool) -> JobResult:
    """The job's result, or an extraction error naming the limit the sandbox enforced."""
    try:
        return future.result()
    except SandboxError as exc:
        failed = sandbox_failure(exc.reason, str(exc), pool)
    except Exception as exc:  # the worker raised something run_job did not catch
        failed = sandbox_failure("worker_crashed", f"{type(exc).__name__}: {exc}"[:300], pool)
    return JobResult(job.sha256, failed, None, None, None, False)


def process_pending(archive: Archive, *, workers: int | None = None) -> ProcessStats:
    """Extract and parse every candidate capture that has no current text (after a crawl
    that ran CrawlExtraction, only what it left; its counts are added in)."""
    done = extract_during_crawl.take_stats()
    rest = process_jobs(archive, pending_jobs(archive), workers=workers)
    return ProcessStats(
        texts=done.texts + rest.texts,
        reports=done.reports + rest.reports,
        errors=done.errors + rest.errors,
    )


class CrawlExtraction:
    """The OGI_ON_CAPTURE hook `ogi crawl` uses: extract and parse candidate report
    documents while the crawl runs, in one sandboxed worker process, so extraction
    costs the crawl's event loop almost nothing (trafilatura alone is ~26 ms a page).

    Called after each capture is recorded (under `ogi crawl` in the archive-writer
    process, crawler.archive_writer; on the reactor thread when archiving inline), it
    never waits: a new candidate payload is submitted unless too many are in flight
    (then it is left for `process_pending` after the crawl, which does whatever has no
    current text), and finished results are stored through the archive that recorded
    the capture, in its open batch. ``open()`` starts the worker before the archive is
    opened and before the crawl opens any connection (a forked worker inherits the
    parent's descriptors); ``close(archive)`` waits for what is in flight.
    """

    MAX_IN_FLIGHT = 16
    MAX_IN_FLIGHT_BYTES = 64 << 20
    MAX_SKIPPED = 10_000  # captures remembered (ids only) to extract at close()

    def __init__(self, workers: int = 1, limits: Limits | None = None) -> None:
        self.workers = workers
        self.limits = limits or Limits()
        self._pool: SandboxPool | None = None
        self._inflight: deque[tuple[Job, Future[JobResult]]] = deque()
        self._bytes = 0
        self._seen: set[str] = set()
        self._skipped: list[tuple[int, str]] = []  # (capture id, sha256) left while busy
        self._stats = ProcessStats()

    def open(self) -> None:
        """Start the worker now (before the crawl connects anywhere). The extractors are
        imported in the worker, not here: the crawl neither waits ~2 s for them nor keeps
        their memory."""
        self._seen.clear()
        if self._pool is None:
            self._pool = SandboxPool(
                self.workers,
                self.limits.timeout_s,
                self.limits.memory_mb,
                initializer=preload_extractors,
            )

    def __call__(self, archive: Archive, result: CaptureResult, fetch: FetchRecord) -> None:
        self._store_finished(archive, wait=False)
        if not self._wanted(archive, result, fetch):
            return
        if self._pool is None:
            self.open()
        assert self._pool is not None
        headers = dict(fetch.response_headers)
        job = Job(result.sha256, fetch.body, fetch.media_type, fetch.final_url, headers)
        self._inflight.append((job, self._pool.submit(run_job, job)))
        self._bytes += len(fetch.body)

    def _wanted(self, archive: Archive, result: CaptureResult, fetch: FetchRecord) -> bool:
        """A new candidate payload, room in flight, and no current text for it yet."""
        if not fetch.candidate or result.change not in ("new", "changed"):
            return False
        if result.sha256 in self._seen:
            return False
        full = len(self._inflight) >= self.MAX_IN_FLIGHT
        if full or self._bytes + len(fetch.body) > self.MAX_IN_FLIGHT_BYTES:
            if len(self._skipped) < self.MAX_SKIPPED:  # done at close(), by the warm worker
                self._skipped.append((result.capture_id, result.sha256))
            return False  # else process_pending takes it after the crawl
        if len(self._seen) > 100_000:
            self._seen.clear()  # bounded; a repeat only costs a text lookup below
        self._seen.add(result.sha256)
        return not _has_current_text(archive, result.sha256)

    def _store_finished(self, archive: Archive, *, wait: bool) -> None:
        while self._inflight and (wait or self._inflight[0][1].done()):
            self._store_one(archive)

    def _store_one(self, archive: Archive) -> None:
        job, future = self._inflight.popleft()
        self._bytes -= len(job.body)
        assert self._pool is not None
        result = _settled(job, future, self._pool)
        is_report = store_result(archive, result)
        self._stats = ProcessStats(
            texts=self._stats.texts + 1,
            reports=self._stats.reports + is_report,
            errors=self._stats.errors + (result.extraction.error is not None),
        )

    def close(self, archive: Archive) -> None:
        """Store what is still in flight and what was left while the worker was busy
        (its worker is warm: a fresh pool after the crawl costs seconds of imports),
        then stop the worker."""
        try:
            self._store_finished(archive, wait=True)
            self._extract_skipped(archive)
        finally:
            pool, self._pool = self._pool, None
            self._inflight.clear()
            self._skipped.clear()
            self._bytes = 0
            if pool is not None:
                pool.shutdown(cancel_pending=True)

    def _extract_skipped(self, archive: Archive) -> None:
        skipped, self._skipped = self._skipped, []
        if not skipped or self._pool is None:
            return
        archive.flush()  # their payloads are read back through the catalog
        done: set[str] = set()
        for capture_id, sha256 in skipped:
            if sha256 in done or _has_current_text(archive, sha256):
                continue  # a copy of the same payload was extracted meanwhile
            done.add(sha256)
            job = _job_for(archive, archive.capture(capture_id))
            self._inflight.append((job, self._pool.submit(run_job, job)))
            self._bytes += len(job.body)
            while len(self._inflight) >= self.workers * 3:
                self._store_one(archive)
        self._store_finished(archive, wait=True)

    def add_stats(self, stats: ProcessStats) -> None:
        """Counts of a copy of this hook that ran elsewhere (the crawl's archive writer)."""
        self._stats = ProcessStats(
            texts=self._stats.texts + stats.texts,
            reports=self._stats.reports + stats.reports,
            errors=self._stats.errors + stats.errors,
        )

    def take_stats(self) -> ProcessStats:
        """Texts, reports and errors stored during the crawl (reset once read)."""
        stats, self._stats = self._stats, ProcessStats()
        return stats


# settings.crawl names this as OGI_ON_CAPTURE (crawler.run loads it by its dotted path).
extract_during_crawl = CrawlExtraction()


@dataclass(frozen=True)
class ReparseJob:
    text_id: int
    text: str
    meta: dict
    url: str | None


@dataclass(frozen=True)
class ReparseResult:
    text_id: int
    report: dict
    agency: str | None
    year: int | None
    is_report: bool


def run_reparse(job: ReparseJob) -> ReparseResult:
    """Parse one stored text with the current parser; runs in a worker process."""
    report = parse_text_record(job.text, job.meta, job.url)
    return ReparseResult(
        job.text_id, report.to_dict(), report.agency, report.year, report.is_report
    )


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/N"`` -> (i, N) with 0 <= i < N; a bad value is a one-line error."""
    index, sep, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        i, n = -1, 0
    if not sep or n < 1 or not 0 <= i < n:
        raise ValueError(f"--shard wants i/N with 0 <= i < N (e.g. 0/4), got {text!r}")
    return i, n


def in_shard(text_id: int, shard: tuple[int, int] | None) -> bool:
    """Shards split texts by id modulo N: disjoint, and together every text."""
    return shard is None or text_id % shard[1] == shard[0]


def reparse_all(
    archive: Archive, *, workers: int | None = None, shard: tuple[int, int] | None = None
) -> ProcessStats:
    """Run the current parser over every stored text without a result from it, on all
    cores; results of older parser versions stay. Results are written in bulk. With
    ``shard=(i, N)`` only texts whose id is i modulo N (one of N machines)."""
    workers = workers or os.cpu_count() or 1
    done = archive.parsed_text_ids(report_parser.PARSER_NAME, report_parser.PARSER_VERSION)
    jobs = (
        (ReparseJob(t.id, t.text, t.meta or {}, None),)
        for t in archive.texts()
        if t.text and t.id not in done and in_shard(t.id, shard)
    )
    pool = SandboxPool(workers, Limits().timeout_s, Limits().memory_mb, prefetch=4)
    try:
        futures = pool.map_bounded(run_reparse, jobs, window=workers * 16)
        reports, texts, failed = _store_reparses(archive, futures)
    finally:
        pool.shutdown(cancel_pending=True)
    return ProcessStats(texts=texts, reports=reports, errors=failed)


def _store_reparses(
    archive: Archive, futures: Iterable[Future[ReparseResult]]
) -> tuple[int, int, int]:
    reports = texts = failed = 0
    batch: list[dict] = []
    for future in futures:
        try:
            r = future.result()
        except Exception as exc:  # a text that hangs or crashes the parser: logged, skipped
            log.warning("reparse failed: %s", exc)
            failed += 1
            continue
        batch.append(_parse_row(r))
        texts += 1
        reports += r.is_report
        if len(batch) >= 200:
            archive.add_parses(batch)
            batch = []
    archive.add_parses(batch)
    return reports, texts, failed


def _parse_row(r: ReparseResult) -> dict:
    return {
        "text_id": r.text_id,
        "parser": report_parser.PARSER_NAME,
        "parser_version": report_parser.PARSER_VERSION,
        "result": r.report,
        "agency": r.agency,
        "year": r.year,
        "is_report": r.is_report,
    }
