"""The parser's output: frozen dataclasses, so a parse result can be shared and hashed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Contact:
    """Contact details printed in the report's opening paragraph (None when absent)."""

    address: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    postcode: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Stat:
    """One printed table cell: what was printed (row, unit, raw) and what it means (key, value).

    ``value`` is None for a blank cell or a non-number ("—", "/", "无"): blank is not zero.
    """

    key: str | None
    table: str
    row: str
    column: str
    unit: str | None
    value: int | float | None
    raw: str


@dataclass(frozen=True)
class Report:
    """Everything the parser read from one text; ``warnings`` flag conflicts, never fixes."""

    is_report: bool
    agency: str | None = None
    year: int | None = None
    title: str | None = None
    published: date | None = None
    published_source: str | None = None  # "signature" | "page_meta" | "url"
    format: str | None = None  # "pre2019" | "2019" | "2021" | "narrative"
    contact: Contact = field(default_factory=Contact)
    stats: tuple[Stat, ...] = ()
    warnings: tuple[str, ...] = ()
    # additions to the contract
    signed_by: str | None = None  # the organisation above the signature date
    period_year: int | None = None  # year of the 统计期限 sentence, when printed
    agency_normalized: str | None = None  # 科技局 -> 科学技术局, dropped area restored
    area: str | None = None  # the place the agency serves: 隆德县, 宁夏回族自治区
    year_source: str | None = None  # sources agreeing on ``year``: "title+period+signature"
    period: tuple[date, date] | None = None  # 统计期限 (start, end)
    sections: tuple[tuple[str, str], ...] = ()  # (heading as printed, text under it)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: dates as YYYY-MM-DD, tuples as lists."""
        out = asdict(self)
        out["published"] = self.published.isoformat() if self.published else None
        out["period"] = (
            {"start": self.period[0].isoformat(), "end": self.period[1].isoformat()}
            if self.period
            else None
        )
        out["sections"] = dict(self.sections)
        out["stats"] = [asdict(s) for s in self.stats]
        out["warnings"] = list(self.warnings)
        return out
