"""Report rows for `ogi reports`: one per (agency, year), its latest captured version.

The row layout is the stable public contract of `ogi reports --format jsonl|csv`;
researchers' scripts read it, so fields are only ever added, never renamed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from archive import Archive, ParsedCapture

CONTACT_FIELDS = ("address", "phone", "email", "postcode", "website")
CSV_FIELDS = (
    "agency",
    "year",
    "title",
    "published",
    "url",
    "portal",
    "capture_id",
    "sha256",
    "fetched_at",
    "media_type",
    "format",
    "versions",
    "contact_address",
    "contact_phone",
    "contact_email",
    "contact_postcode",
    "contact_website",
    "stats_count",
)


@dataclass(frozen=True)
class ReportFilter:
    year: int | None = None
    agency: str | None = None
    parser_version: str | None = None


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, whatever zone the catalog handed back."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def report_rows(archive: Archive, parser: str, flt: ReportFilter) -> list[dict]:
    """The latest version of every report matching the filter, sorted by agency and year."""
    parsed = archive.parsed_captures(
        parser=parser, parser_version=flt.parser_version, year=flt.year
    )
    rows = [_row(best, members) for best, members in group_reports(parsed)]
    if flt.agency:
        rows = [r for r in rows if flt.agency in (r["agency"] or "")]
    return sorted(rows, key=lambda r: (r["agency"] or "", r["year"] or 0, r["capture_id"]))


PAGE_SIZE = 50  # (agency, year) keys per page of `ogi reports` unless --limit or --all


def report_page(
    archive: Archive, parser: str, flt: ReportFilter, *, after: str | None, limit: int
) -> tuple[list[dict], str | None]:
    """One page of report_rows: the reports of the next ``limit`` (agency, year) keys after
    the cursor ``after``, sorted as report_rows sorts, and the next page's cursor (None
    after the last). A key without a printed agency gives a row per portal, so a page can
    hold more than ``limit`` rows. Pages are cut between the catalog's printed agency
    names, so a report whose captures print its agency in two spellings (科技局 and
    科学技术局) can show once on each of two pages; report_rows (--all) merges them."""
    if flt.parser_version is None:
        return [], None
    parsed, following = archive.parsed_captures_page(
        parser=parser,
        parser_version=flt.parser_version,
        year=flt.year,
        agency=flt.agency,
        after=decode_cursor(after) if after else None,
        limit=limit,
    )
    rows = [_row(best, members) for best, members in group_reports(parsed)]
    rows.sort(key=lambda r: (r["agency"] or "", r["year"] or 0, r["capture_id"]))
    return rows, (encode_cursor(following) if following else None)


def encode_cursor(key: tuple[str | None, int | None]) -> str:
    return json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))


def decode_cursor(text: str) -> tuple[str | None, int | None]:
    """A cursor printed by a previous page; anything else is refused with the reason."""
    try:
        agency, year = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a page cursor of `ogi reports`: {text!r}") from exc
    if not (agency is None or isinstance(agency, str)) or not (
        year is None or (isinstance(year, int) and not isinstance(year, bool))
    ):
        raise ValueError(f"not a page cursor of `ogi reports`: {text!r}")
    return agency, year


def _agency(pc: ParsedCapture) -> str:
    return pc.agency or pc.result.get("agency") or pc.capture.portal or ""


def _report_key(pc: ParsedCapture) -> tuple[str, int | None]:
    """One report = one agency and year, whichever page or attachment carries it."""
    return pc.result.get("agency_normalized") or _agency(pc), pc.year


def group_reports(
    parsed: Iterable[ParsedCapture],
) -> Iterator[tuple[ParsedCapture, list[ParsedCapture]]]:
    """Each report's representative capture and all the captures that carry it."""
    groups: dict[tuple[str, int | None], list[ParsedCapture]] = {}
    for pc in parsed:
        groups.setdefault(_report_key(pc), []).append(pc)
    for members in groups.values():
        yield max(members, key=_rank), sorted(members, key=lambda m: m.capture.id)


def _rank(pc: ParsedCapture) -> tuple[int, int, datetime, int]:
    """The capture that stands for a report: the document holding its data (an article
    page that only links its PDF holds none), then its newest version."""
    result = pc.result
    return (
        len(result.get("stats") or []),
        len(result.get("sections") or {}),
        pc.capture.fetched_at,
        pc.capture.id,
    )


def _row(pc: ParsedCapture, members: list[ParsedCapture]) -> dict:
    result, cap = pc.result, pc.capture
    contact = result.get("contact") or {}
    return {
        "agency": _agency(pc) or None,
        "year": pc.year,
        "title": result.get("title"),
        "published": result.get("published"),
        "url": cap.url,
        "portal": cap.portal,
        "capture_id": cap.id,
        "sha256": cap.sha256,
        "fetched_at": iso_utc(cap.fetched_at),
        "media_type": cap.media_type,
        "format": result.get("format"),
        "versions": pc.versions,
        "contact": {k: contact.get(k) for k in CONTACT_FIELDS},
        "stats": [_stat(s) for s in result.get("stats") or []],
        "warnings": list(result.get("warnings") or []),
        "captures": [_member(m) for m in members],
    }


def _member(pc: ParsedCapture) -> dict:
    """One capture of the report: the HTML page, its attachment, a copy in another column."""
    cap = pc.capture
    return {
        "capture_id": cap.id,
        "url": cap.url,
        "media_type": cap.media_type,
        "sha256": cap.sha256,
        "fetched_at": iso_utc(cap.fetched_at),
    }


def _stat(stat: dict) -> dict:
    keep = ("key", "table", "row", "column", "unit", "value")
    return {k: stat.get(k) for k in keep}


def to_jsonl(rows: Iterable[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def to_csv(rows: Iterable[dict]) -> str:
    """Flat CSV: contact fields spread out, statistics counted (full data: jsonl/export)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        flat = {k: r[k] for k in CSV_FIELDS if k in r}
        flat.update({f"contact_{k}": r["contact"].get(k) for k in CONTACT_FIELDS})
        flat["stats_count"] = len(r["stats"])
        writer.writerow(flat)
    return out.getvalue()
