"""Report year and statistics period: several printed hints, voted, conflicts flagged.

The title's year is usually right but titles are copied from last year's report; the
统计期限 sentence and the signature date (reports come out early the next year) are
independent witnesses. We vote and say which sources agreed instead of trusting one.
"""

from __future__ import annotations

import re
from datetime import date

from .normalize import ascii_digits, cn_number, despace_cjk
from .vocabulary import DATE_RE, URL_DATE_RES, URL_MONTH_RE

EARLY_MONTHS = 6  # a signature in January-June dates the previous year's report
_PERIOD_RE = re.compile(rf"统计(?:期限|期间|时限|时间)[^。；;]{{0,12}}?{DATE_RE.pattern}"
                        rf"[^。；;]{{0,8}}?{DATE_RE.pattern}")  # fmt: skip
# source -> rank when votes tie (lower wins)
_PRIORITY = {"title": 0, "period": 1, "signature": 2}


def to_date(year: str, month: str, day: str) -> date | None:
    """A date from printed pieces (Arabic or Chinese numerals); None when impossible."""
    y = cn_number(year) if not year.isdigit() else int(year)
    m, d = cn_number(month), cn_number(day)
    if not (y and m and d and 1990 <= y <= 2100):
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def statistics_period(text: str) -> tuple[date, date] | None:
    """(start, end) of the 统计期限 sentence, hard wraps and spaces undone."""
    flat = despace_cjk(ascii_digits(re.sub(r"\s*\n\s*", "", text[:6000])))
    m = _PERIOD_RE.search(flat)
    if not m:
        return None
    start, end = to_date(*m.group(1, 2, 3)), to_date(*m.group(4, 5, 6))
    return (start, end) if start and end and start <= end else None


def vote_year(
    title_year: int | None, period: tuple[date, date] | None, signed: date | None
) -> tuple[int | None, str | None, list[str]]:
    """(year, year_source, warnings): the year most sources give; ties go to the title,
    then the period. ``year_source`` names every source that agrees ("title+period")."""
    votes: dict[str, int] = {}
    if title_year:
        votes["title"] = title_year
    if period and period[0].year == period[1].year:
        votes["period"] = period[0].year
    if signed and signed.month <= EARLY_MONTHS:
        votes["signature"] = signed.year - 1
    if not votes:
        return None, None, []
    counts = {y: sum(1 for v in votes.values() if v == y) for y in votes.values()}

    def rank(source: str) -> tuple[int, int]:
        return (-counts[votes[source]], _PRIORITY[source])

    winner = votes[min(votes, key=rank)]
    agreeing = [s for s in _PRIORITY if votes.get(s) == winner]
    warnings = []
    if len(counts) > 1:
        given = ",".join(f"{s}={votes[s]}" for s in _PRIORITY if s in votes)
        warnings.append(f"year_conflict:{given}->{winner}")
    return winner, "+".join(agreeing), warnings


def url_date(url: str | None) -> tuple[date | None, bool]:
    """(date, exact) from a URL path: TRS t20190327_…, /2019/3/27/, /20190327/, else a
    /201903/ month folder (day 1, exact False). URL dates are the least reliable."""
    for regex in URL_DATE_RES:
        for m in regex.finditer(url or ""):
            found = to_date(*m.group(1, 2, 3))
            if found:
                return found, True
    m = URL_MONTH_RE.search(url or "")
    if m:
        return to_date(m.group(1), m.group(2), "1"), False
    return None, False
