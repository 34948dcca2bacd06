"""The hand-off between the stages: capture bytes → extract → text → parse → report.

This is the only module that knows all of archive/, extract/ and parser/. The heavy
work (extraction, parsing) runs in worker processes so a slow or hostile document
never blocks the caller; only the catalog writes happen here, in the caller's process.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import extract
import parser as report_parser
from archive import Archive, CaptureInfo

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


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
    archive: Archive, jobs: Iterable[Job], *, workers: int | None = None
) -> ProcessStats:
    """Run jobs on ``workers`` processes (1 = in this process) and store the results."""
    workers = workers or os.cpu_count() or 1
    texts = reports = errors = 0
    for result in _results(jobs, workers):
        texts += 1
        errors += result.extraction.error is not None
        reports += store_result(archive, result)
    archive.flush()
    return ProcessStats(texts=texts, reports=reports, errors=errors)


def _results(jobs: Iterable[Job], workers: int) -> Iterator[JobResult]:
    if workers <= 1:
        yield from map(run_job, jobs)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from bounded_map(pool, run_job, jobs, window=workers * 4)


def bounded_map(
    pool: Executor, fn: Callable[[T], R], items: Iterable[T], *, window: int
) -> Iterator[R]:
    """Like ``pool.map`` but with at most ``window`` items in flight, in input order."""
    pending: deque[Future[R]] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def process_pending(archive: Archive, *, workers: int | None = None) -> ProcessStats:
    """Extract and parse every candidate capture that has no current text."""
    return process_jobs(archive, pending_jobs(archive), workers=workers)


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


def reparse_all(archive: Archive, *, workers: int | None = None) -> ProcessStats:
    """Re-run the current parser over every stored text; older parse rows stay."""
    workers = workers or os.cpu_count() or 1
    jobs = (ReparseJob(t.id, t.text, t.meta or {}, None) for t in list(archive.texts()) if t.text)
    texts = reports = 0
    if workers <= 1:
        results: Iterator[ReparseResult] = map(run_reparse, jobs)
        reports, texts = _store_reparses(archive, results)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = bounded_map(pool, run_reparse, jobs, window=workers * 8)
            reports, texts = _store_reparses(archive, results)
    archive.flush()
    return ProcessStats(texts=texts, reports=reports)


def _store_reparses(archive: Archive, results: Iterable[ReparseResult]) -> tuple[int, int]:
    reports = texts = 0
    for r in results:
        archive.add_parse(
            text_id=r.text_id,
            parser=report_parser.PARSER_NAME,
            parser_version=report_parser.PARSER_VERSION,
            result=r.report,
            agency=r.agency,
            year=r.year,
            is_report=r.is_report,
        )
        texts += 1
        reports += r.is_report
    return reports, texts
