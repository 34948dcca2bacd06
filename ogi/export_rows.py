"""The rows `ogi export` writes: the reports exactly as `ogi reports` builds them, and their
statistics in long form (one row per statistic), filtered like `ogi reports`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import parser as report_parser
from archive import Archive, ParsedCapture
from ogi.reports import CONTACT_FIELDS, ReportFilter, report_rows


@dataclass(frozen=True)
class ExportFilter:
    """`ogi reports`'s filters plus the portal and the report format."""

    year: int | None = None
    agency: str | None = None
    parser_version: str | None = None
    portals: tuple[str, ...] = ()
    report_format: str | None = None

    @property
    def narrows(self) -> bool:
        """True when only some reports are wanted (WARC/WACZ then hold only their captures)."""
        return any((self.year, self.agency, self.portals, self.report_format))


@dataclass
class Selection:
    """The reports of one export, with what the long form needs beyond `ogi reports`."""

    reports: list[dict]
    results: dict[int, dict] = field(default_factory=dict)  # capture_id -> its parse result


class _Prefetched:
    """The parsed captures read once, handed to `report_rows` so the export's report rows
    are built by the very code of `ogi reports` without a second catalog query."""

    def __init__(self, parsed: list[ParsedCapture]) -> None:
        self._parsed = parsed

    def parsed_captures(self, **_: object) -> list[ParsedCapture]:
        return self._parsed


def select(arc: Archive, flt: ExportFilter) -> Selection:
    parsed = arc.parsed_captures(
        parser=report_parser.PARSER_NAME, parser_version=flt.parser_version, year=flt.year
    )
    base = ReportFilter(flt.year, flt.agency, flt.parser_version)
    rows = report_rows(_Prefetched(parsed), report_parser.PARSER_NAME, base)  # type: ignore[arg-type]
    if flt.portals:
        rows = [r for r in rows if r["portal"] in flt.portals]
    if flt.report_format:
        rows = [r for r in rows if r["format"] == flt.report_format]
    by_capture: dict[int, list[dict]] = {}
    for pc in parsed:
        by_capture.setdefault(pc.capture.id, []).append(pc.result)
    return Selection(rows, {r["capture_id"]: _result_of(r, by_capture) for r in rows})


_STAT_FIELDS = ("key", "table", "row", "column", "unit", "value")


def _result_of(row: dict, by_capture: dict[int, list[dict]]) -> dict:
    """The parse result a report row was built from: a capture read by two extractor
    versions has two, so match on the statistics too."""
    same = by_capture.get(row["capture_id"], [])
    for result in same:
        stats = [{k: s.get(k) for k in _STAT_FIELDS} for s in result.get("stats") or []]
        if stats == row["stats"]:
            return result
    return same[0] if same else {}


def capture_ids(sel: Selection) -> list[int]:
    """Every capture carrying a selected report (page, attachment, copies)."""
    return sorted({m["capture_id"] for r in sel.reports for m in r["captures"]})


def flat_report(row: dict) -> dict:
    """A report row with its contact spread into columns and its statistics counted."""
    flat = {k: v for k, v in row.items() if k not in ("contact", "stats")}
    flat.update({f"contact_{k}": (row["contact"] or {}).get(k) for k in CONTACT_FIELDS})
    flat["stats_count"] = len(row["stats"])
    return flat


def stat_rows(sel: Selection) -> Iterator[dict]:
    """The long form: one row per statistic, with the report's identity and its capture."""
    for r in sel.reports:
        result = sel.results.get(r["capture_id"], {})
        raw = [s.get("raw") for s in result.get("stats") or []]
        for i, stat in enumerate(r["stats"]):
            yield {
                "agency": r["agency"],
                "agency_normalized": result.get("agency_normalized"),
                "year": r["year"],
                "format": r["format"],
                "position": i + 1,
                **stat,
                "raw": raw[i] if i < len(raw) else None,
                "capture_id": r["capture_id"],
                "url": r["url"],
                "sha256": r["sha256"],
                "fetched_at": r["fetched_at"],
                "portal": r["portal"],
            }
