"""What the pages and the API show, computed once per catalog state and kept in memory.

The report index (one entry per report, as `ogi reports` groups them) is rebuilt only
when the catalog's highest capture/text/parse id changes, so a page costs a few indexed
queries, not a pass over every parse result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archive import Archive, CaptureInfo, browse, search
from archive.search import SearchFilter, SearchHit
from ogi.reports import iso_utc

STATE_CHECK_SECONDS = 1.0  # how often a request may look for catalog changes
UNKNOWN_YEAR = "unknown"


@dataclass(frozen=True)
class ReportEntry:
    """One report (agency + year) and the captures that carry it."""

    key_agency: str
    agency: str
    year: int | None
    title: str | None
    format: str | None
    capture_id: int
    parse_id: int
    text_id: int
    url: str
    portal: str | None
    fetched_at: datetime
    media_type: str | None
    sha256: str
    n_stats: int
    n_warnings: int
    first_captured: datetime
    versions: int
    gone: bool
    members: tuple[int, ...]
    member_urls: tuple[str, ...]

    @property
    def year_slug(self) -> str:
        return str(self.year) if self.year is not None else UNKNOWN_YEAR

    def summary(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "agency_key": self.key_agency,
            "year": self.year,
            "title": self.title,
            "format": self.format,
            "capture_id": self.capture_id,
            "url": self.url,
            "portal": self.portal,
            "fetched_at": iso_utc(self.fetched_at),
            "first_captured": iso_utc(self.first_captured),
            "media_type": self.media_type,
            "sha256": self.sha256,
            "stats_count": self.n_stats,
            "warnings_count": self.n_warnings,
            "versions": self.versions,
            "gone": self.gone,
            "captures": list(self.members),
            "path": f"/reports/{self.year_slug}/{self.key_agency}",
        }


@dataclass
class ReportIndex:
    state: tuple[int, int, int]
    reports: list[ReportEntry] = field(default_factory=list)
    by_key: dict[tuple[str, str], ReportEntry] = field(default_factory=dict)
    by_capture: dict[int, ReportEntry] = field(default_factory=dict)
    coverage_rows: list[dict[str, Any]] | None = None  # computed on first use
    texts: dict[int, TextFacts] = field(default_factory=dict)  # search filters, by text id


@dataclass
class TextFacts:
    """What the search filters ask of a report text, kept in memory (the parse rows'
    year and agency sit behind their large result JSON on disk)."""

    year: int | None
    agency: str
    key_agency: str
    format: str | None
    portals: set[str]

    def passes(self, flt: SearchFilter) -> bool:
        return (
            (flt.year is None or self.year == flt.year)
            and (not flt.agency or flt.agency in self.agency or flt.agency in self.key_agency)
            and (not flt.format or self.format == flt.format)
            and (not flt.portal or flt.portal in self.portals)
        )


def _display_agency(row: Any) -> str:
    return str(row.agency or row.r_agency or row.portal or "")


def _key(row: Any) -> tuple[str, int | None]:
    """As ogi.reports groups them: one report = one (normalised) agency and year."""
    return str(row.r_agency_normalized or _display_agency(row)), row.year


def _rank(row: Any) -> tuple[int, int, datetime, int]:
    """The capture that stands for the report: the one holding its data, then the newest
    (as ogi.reports; the sections are weighed by size, which SQL can tell cheaply)."""
    return (int(row.n_stats), int(row.sections_size), row.fetched_at, int(row.capture_id))


def build_index(arc: Archive, parser: str, version: str | None) -> ReportIndex:
    with arc.engine.connect() as conn:
        state = browse.catalog_state(conn)
        version = version or browse.newest_parser_version(conn, parser)
        rows = browse.report_index_rows(conn, parser, version) if version else []
        groups: dict[tuple[str, int | None], list[Any]] = {}
        for row in rows:
            groups.setdefault(_key(row), []).append(row)
        urls = {r.url for r in rows}
        gone = browse.gone_since(conn, urls)
        first = browse.first_captured(conn, urls)
    index = ReportIndex(state)
    for row in rows:
        key_agency = _key(row)[0]
        facts = index.texts.setdefault(
            row.text_id,
            TextFacts(row.year, _display_agency(row), key_agency, row.format, set()),
        )
        facts.portals.add(row.portal or "")
    for (key_agency, _year), members in groups.items():
        index.reports.append(_entry(key_agency, members, gone, first))
    index.reports.sort(key=lambda e: (e.agency, e.year or 0, e.capture_id))
    for e in index.reports:
        index.by_key[(e.year_slug, e.key_agency)] = e
        for cid in e.members:
            index.by_capture[cid] = e
    return index


def _entry(
    key_agency: str,
    members: list[Any],
    gone: dict[str, datetime],
    first: dict[str, datetime],
) -> ReportEntry:
    best = max(members, key=_rank)
    members = sorted(members, key=lambda m: m.capture_id)
    urls = [m.url for m in members]
    firsts = [first[u] for u in urls if u in first] or [m.fetched_at for m in members]
    return ReportEntry(
        key_agency=key_agency,
        agency=_display_agency(best),
        year=best.year,
        title=best.title,
        format=best.format,
        capture_id=best.capture_id,
        parse_id=best.parse_id,
        text_id=best.text_id,
        url=best.url,
        portal=best.portal,
        fetched_at=best.fetched_at,
        media_type=best.media_type,
        sha256=best.sha256,
        n_stats=int(best.n_stats),
        n_warnings=int(best.n_warnings),
        first_captured=min(firsts),
        versions=max(int(m.versions) for m in members),
        gone=any(u in gone for u in urls),
        members=tuple(dict.fromkeys(m.capture_id for m in members)),
        member_urls=tuple(dict.fromkeys(urls)),
    )


def capture_json(c: CaptureInfo) -> dict[str, Any]:
    """Provenance of one capture, as the report page and the API show it."""
    return {
        "capture_id": c.id,
        "url": c.url,
        "requested_url": c.requested_url,
        "final_url": c.final_url,
        "redirect_chain": list(c.redirect_chain),
        "status": c.status,
        "fetched_at": iso_utc(c.fetched_at),
        "sha256": c.sha256,
        "size": c.size,
        "media_type": c.media_type,
        "charset": c.charset,
        "run_id": c.run_id,
        "portal": c.portal,
        "found_from": c.found_from,
        "anchor_text": c.anchor_text,
        "depth": c.depth,
        "change": c.change,
        "is_revisit": c.is_revisit,
        "revisit_of": c.revisit_of,
        "warc_file": c.warc_file,
        "warc_offset": c.warc_offset,
    }


def citation(entry_agency: str, title: str | None, c: CaptureInfo) -> str:
    """Agency, title, URL, capture time and SHA-256: what a reader needs to check a quote."""
    name = title or "政府信息公开工作年度报告"
    return (
        f"{entry_agency}. {name}. {c.url} (captured {iso_utc(c.fetched_at)}, "
        f"SHA-256 {c.sha256}). ogi-archive capture {c.id}."
    )


class Workbench:
    """The archive, opened read-only, and the report index over it."""

    def __init__(
        self,
        arc: Archive,
        *,
        parser: str,
        parser_version: str | None,
        configured: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.arc = arc
        self.parser = parser
        self.parser_version = parser_version
        self.configured = list(configured)  # (portal name, agency) from the portal list
        self._index: ReportIndex | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._rebuilding: threading.Thread | None = None

    def index(self) -> ReportIndex:
        """The report index, rebuilt when the catalog changed since it was built."""
        with self._lock:
            now = time.monotonic()
            if self._index is not None and now - self._checked < STATE_CHECK_SECONDS:
                return self._index
            self._checked = now
            with self.arc.engine.connect() as conn:
                state = browse.catalog_state(conn)
            if self._index is None:
                self._index = build_index(self.arc, self.parser, self.parser_version)
            elif self._index.state != state and self._rebuilding is None:
                # a crawl is writing: keep answering from the last index meanwhile
                self._rebuilding = threading.Thread(target=self._rebuild, daemon=True)
                self._rebuilding.start()
            return self._index

    def _rebuild(self) -> None:
        try:
            fresh = build_index(self.arc, self.parser, self.parser_version)
            with self._lock:
                self._index = fresh
        finally:
            self._rebuilding = None

    # ------------------------------------------------------------- reports
    def reports(
        self,
        *,
        year: int | None = None,
        agency: str | None = None,
        portal: str | None = None,
        fmt: str | None = None,
    ) -> list[ReportEntry]:
        out = self.index().reports
        if year is not None:
            out = [e for e in out if e.year == year]
        if agency:
            out = [e for e in out if agency in e.agency or agency in e.key_agency]
        if portal:
            out = [e for e in out if e.portal == portal]
        if fmt:
            out = [e for e in out if e.format == fmt]
        return out

    def report(self, year: str, agency: str) -> ReportEntry | None:
        return self.index().by_key.get((year, agency))

    def report_detail(self, entry: ReportEntry) -> dict[str, Any]:
        """Everything the report page shows: result, text, every capture of every URL."""
        with self.arc.engine.connect() as conn:
            result = browse.parse_result(conn, entry.parse_id) or {}
            text = browse.text_body(conn, entry.text_id) or ""
        best = self.arc.capture(entry.capture_id)
        urls = []
        for url in entry.member_urls:
            caps = self.arc.versions(url)
            gone = self.arc.resource(url)
            urls.append(
                {
                    "url": url,
                    "gone_at": iso_utc(gone.gone_at) if gone and gone.gone_at else None,
                    "captures": [capture_json(c) for c in caps],
                }
            )
        return {
            **entry.summary(),
            "result": result,
            "stats": result.get("stats") or [],
            "warnings": list(result.get("warnings") or []),
            "text": text,
            "urls": urls,
            "citation": citation(entry.agency, entry.title, best),
        }

    # ------------------------------------------------------------- coverage
    def coverage(
        self, *, agency: str | None = None, limit: int = 100, offset: int = 0
    ) -> dict[str, Any]:
        """Agencies × years: which reports exist, first captured, revisions, gone.

        Rows (agencies) are paginated; the years are those of the whole archive."""
        index = self.index()
        if index.coverage_rows is None:
            index.coverage_rows = self._coverage_rows(index.reports)
        rows = index.coverage_rows
        if agency:
            rows = [r for r in rows if agency in r["agency"]]
        years = sorted({e.year for e in index.reports if e.year is not None})
        return {
            "years": years,
            "total": len(rows),
            "limit": limit,
            "offset": offset,
            "rows": rows[offset : offset + limit],
        }

    def _coverage_rows(self, entries: list[ReportEntry]) -> list[dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for e in entries:
            row = rows.setdefault(e.key_agency, {"agency": e.agency, "portals": set(), "cells": {}})
            row["portals"].add(e.portal or "")
            row["cells"][e.year_slug] = {
                "path": f"/reports/{e.year_slug}/{e.key_agency}",
                "first_captured": iso_utc(e.first_captured),
                "revisions": max(e.versions - 1, 0),
                "gone": e.gone,
                "format": e.format,
            }
        found_portals = {p for r in rows.values() for p in r["portals"]}
        for name, agency in self.configured:
            if name not in found_portals:
                rows[f"portal:{name}"] = {"agency": agency, "portals": {name}, "cells": {}}
        return [
            {**r, "portals": sorted(p for p in r["portals"] if p)}
            for r in sorted(rows.values(), key=lambda r: r["agency"])
        ]

    # ------------------------------------------------------------- search
    def search(self, flt: SearchFilter, *, limit: int, offset: int) -> tuple[int, list[SearchHit]]:
        """Matching text ids from the index, filtered in memory, one page of hits."""
        index = self.index()
        with self.arc.engine.connect() as conn:
            ids = search.matching_text_ids(conn, flt.query)
            if flt.year is not None or flt.agency or flt.format or flt.portal:
                ids = [i for i in ids if i in index.texts and index.texts[i].passes(flt)]
            return len(ids), search.hits(conn, flt, ids[offset : offset + limit])

    # ------------------------------------------------------------- runs
    def runs(self) -> list[dict[str, Any]]:
        return [run_summary(r) for r in reversed(self.arc.runs())]


PORTAL_PREFIX = "ogi/portal/"
ERROR_MARKERS = ("error", "exception", "retry/", "dropped", "timeout", "refused")


def run_summary(run: Any) -> dict[str, Any]:
    """A crawl run's per-portal counters and the statistics that record trouble."""
    stats = run.stats or {}
    portals: dict[str, dict[str, Any]] = {}
    for key, value in stats.items():
        if key.startswith(PORTAL_PREFIX):
            # ogi/portal/<name>/<counter>, where a counter may nest: reports/new, errors/http_404
            name, _, counter = key[len(PORTAL_PREFIX) :].partition("/")
            if name and counter:
                portals.setdefault(name, {})[counter] = value
    errors = {
        k: v
        for k, v in sorted(stats.items())
        if any(m in k.lower() for m in ERROR_MARKERS) and not k.startswith(PORTAL_PREFIX)
    }
    return {
        "run_id": run.id,
        "started_at": iso_utc(run.started_at),
        "finished_at": iso_utc(run.finished_at) if run.finished_at else None,
        "host": run.host,
        "software": run.software,
        "portals": [{"portal": n, **c} for n, c in sorted(portals.items())],
        "errors": errors,
        "finish_reason": stats.get("finish_reason"),
        "stats_count": len(stats),
    }
