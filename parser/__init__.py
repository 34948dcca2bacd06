"""OGI annual-report parser: text in, a frozen ``Report`` out. Imports nothing of the project.

from parser import parse
report = parse(text, title=page_title, url=url, meta=page_meta)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from . import dates
from . import metadata as md
from .agency import normalize_agency
from .narrative import parse_narrative
from .report import Contact, Report, Stat
from .sections import split_sections
from .tables_gb import parse_gb_tables
from .tables_pre2019 import parse_pre2019

PARSER_NAME = "ogi-parser"
PARSER_VERSION = "0.2.0"

__all__ = ["PARSER_NAME", "PARSER_VERSION", "Contact", "Report", "Stat", "parse"]


def parse(
    text: str,
    *,
    title: str | None = None,
    url: str | None = None,
    meta: Mapping[str, str] | None = None,
) -> Report:
    """Read one extracted text. Never raises on text: odd input gives is_report=False."""
    try:
        return _parse(text or "", title=title, url=url, meta=meta)
    except Exception as exc:  # the pipeline must not stop on one strange document
        return Report(is_report=False, warnings=(f"parser error: {type(exc).__name__}: {exc}",))


def _parse(
    text: str, *, title: str | None, url: str | None, meta: Mapping[str, str] | None
) -> Report:
    printed_title = md.text_title(text)
    other_title = md.page_title(title, meta)
    fmt = md.detect_format(text)
    if not md.looks_like_report([printed_title or "", other_title or ""], text, fmt is not None):
        return Report(is_report=False, title=printed_title or other_title)
    best_title = printed_title or other_title
    agency, title_year = md.title_year(best_title)
    if title_year is None and printed_title and other_title:
        agency, title_year = md.title_year(other_title)
    period = dates.statistics_period(text)
    signed, signed_by = md.signature(text)
    year, year_source, warnings = dates.vote_year(title_year, period, signed)
    published, source, date_warnings = _published(signed, url, meta)
    agency = agency or md.meta_agency(meta)
    normalized, area = normalize_agency(agency, (signed_by, md.meta_agency(meta)), text)
    stats, table_warnings = _stats(text, fmt)
    return Report(
        is_report=True,
        agency=agency,
        year=year,
        title=best_title,
        published=published,
        published_source=source,
        format=fmt or "narrative",
        contact=md.contact(text),
        stats=tuple(stats),
        warnings=tuple(warnings + date_warnings + table_warnings),
        signed_by=signed_by,
        period_year=period[0].year if period and period[0].year == period[1].year else None,
        agency_normalized=normalized,
        area=area,
        year_source=year_source,
        period=period,
        sections=split_sections(text, fmt),
    )


def _published(
    signed: date | None, url: str | None, meta: Mapping[str, str] | None
) -> tuple[date | None, str | None, list[str]]:
    """(date, source, warnings): the signature, else the PubDate meta, else the URL date.

    A URL month folder (/201903/) gives no day: day 1 is used and flagged.
    """
    if signed:
        return signed, "signature", []
    from_meta = md.meta_date(meta)
    if from_meta:
        return from_meta, "page_meta", []
    from_url, exact = dates.url_date(url)
    if from_url:
        note = [] if exact else [f"published: URL gives only the month; day 1 used ({url})"]
        return from_url, "url", note
    return None, None, []


def _stats(text: str, fmt: str | None) -> tuple[list[Stat], list[str]]:
    """Statistics of the detected format's tables (prose numbers for narrative reports)."""
    if fmt == "pre2019":
        return parse_pre2019(text)
    if fmt in ("2019", "2021"):
        return parse_gb_tables(text, fmt)
    return parse_narrative(text)
