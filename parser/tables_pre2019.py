"""The pre-2019 统计表 (统计指标 / 单位 / 统计数): rows from TAB cells or runs of spaces.

Two text shapes reach us: one row per line with TAB-separated cells (our extractor), and
hard-wrapped PDF text where a label runs over several lines and the unit/value come at
the end of its last line (or alone on the next line). Each row is read as printed, then
given a canonical key by label similarity within its top section and its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .matching import OrderedMatcher
from .normalize import cn_number, collapse_ws, join_fragments, parse_number
from .report import Stat
from .vocabulary import (
    PRE2019_MIN_RATIO,
    PRE2019_MIN_SCORE,
    PRE2019_ROWS,
    PRE2019_SUMS,
    SPACED_ROW_RE,
    SPACED_VALUE_ONLY_RE,
    STATS_HEADER,
    TABLE_END_RE,
    TOP_SECTION_RE,
    UNIT_RE,
)

TABLE = "pre2019"
COLUMN = "统计数"
_UNIT_ONLY = re.compile(rf"^{UNIT_RE}$")
_MAX_FRAGMENTS = 4


@dataclass(frozen=True)
class RawRow:
    """A row as printed: label (fragments joined), unit cell, value cell."""

    label: str
    unit: str | None
    raw: str


def find_header(lines: list[str]) -> int | None:
    """Index of the 统计指标/单位/统计数 header line, or None."""
    for i, line in enumerate(lines):
        if STATS_HEADER in re.sub(r"\s+", "", line):
            return i
    return None


def _tab_row(line: str) -> tuple[str, str | None, str | None]:
    """(label, unit, value) of a TAB-separated line; unit/value None when the cell is absent."""
    cells = [c.strip() for c in line.split("\t")]
    while len(cells) > 3 and not cells[-1]:
        cells.pop()
    if len(cells) == 2:
        second = cells[1]
        if _UNIT_ONLY.match(second) or not second:
            return cells[0], second, ""
        return cells[0], None, second
    label = " ".join(c for c in cells[:-2] if c)
    return label, cells[-2], cells[-1]


_GLUED_NUMBERED = re.compile(r"^(\d*)(\d\s*[.、．]\s*\D.*)$")  # "21.属于…" = "2" + "1.属于…"
_GLUED_PLAIN = re.compile(r"^(\d*)([^\d\s.].*)$")  # "0涉及商业秘密" = "0" + "涉及商业秘密"


def split_glued(line: str) -> list[str]:
    """TAB lines holding two rows (a page break glued the next row's label onto this
    row's value cell: "申请答复数⇥件⇥21.属于…⇥件⇥1") as separate lines."""
    cells = line.split("\t")
    for i in range(2, len(cells) - 1):
        cell = cells[i].strip()
        if not _UNIT_ONLY.match(cells[i - 1].strip()) or not cell:
            continue
        m = _GLUED_NUMBERED.match(cell) or _GLUED_PLAIN.match(cell)
        if m:
            rest = "\t".join([m.group(2), *cells[i + 1 :]])
            return ["\t".join([*cells[:i], m.group(1)]), *split_glued(rest)]
    return [line]


def _spaced_row(line: str) -> tuple[str, str | None, str | None] | None:
    """(label, unit, value) of a space-separated line, None when it is only label text."""
    text = collapse_ws(line)
    m = SPACED_ROW_RE.match(text)
    if m:
        return m.group("label") or "", collapse_ws(m.group("unit")), m.group("value") or ""
    m = SPACED_VALUE_ONLY_RE.match(text)
    if m:
        return m.group("label"), None, m.group("value")
    return None


def _unglued(lines: list[str], warnings: list[str]) -> list[str]:
    out = []
    for line in lines:
        parts = split_glued(line) if "\t" in line else [line]
        if len(parts) > 1:
            warnings.append(f"pre2019: two rows printed on one line, split: {line!r}")
        out += parts
    return out


def read_rows(lines: list[str]) -> tuple[list[RawRow], list[str]]:
    """Rows after the header until a sign-off line; wrapped label pieces are joined."""
    rows: list[RawRow] = []
    warnings: list[str] = []
    pending: list[str] = []
    for line in _unglued(lines, warnings):
        if not line.strip():
            continue
        if TABLE_END_RE.match(line) or line.lstrip().startswith("#"):
            break
        parsed = _tab_row(line) if "\t" in line else _spaced_row(line)
        if parsed is None:
            pending.append(line.strip())
            if len(pending) > _MAX_FRAGMENTS:
                warnings.append(f"pre2019: dropped unmatched text {pending.pop(0)!r}")
            continue
        label, unit, value = parsed
        label = join_fragments([*pending, label])
        pending = []
        if not label:
            warnings.append(f"pre2019: row without a label (unit {unit!r}, value {value!r})")
            continue
        rows.append(RawRow(label, unit or None, (value or "").strip()))
    if pending:
        warnings.append(f"pre2019: text after the last row: {join_fragments(pending)!r}")
    return rows, warnings


class KeyMatcher:
    """Gives printed rows canonical keys within their top section (一…九), in order."""

    def __init__(self) -> None:
        self.section: int | None = None
        self.matcher = OrderedMatcher(
            [num + label for _, _, num, label, _ in PRE2019_ROWS],
            min_ratio=PRE2019_MIN_RATIO,
            min_score=PRE2019_MIN_SCORE,
        )

    def match(self, label: str, unit: str | None) -> str | None:
        """The key of a printed row, or None (heading rows, unknown or ambiguous rows)."""
        top = TOP_SECTION_RE.match(collapse_ws(label))
        if top and cn_number(top.group(1)):
            self.section = cn_number(top.group(1))
        idx = self.matcher.match(
            label,
            allowed=lambda i: self.section is None or PRE2019_ROWS[i][1] == self.section,
            bonus=lambda i: 0.03 * (unit is not None and unit == PRE2019_ROWS[i][4]),
        )
        return None if idx is None else PRE2019_ROWS[idx][0]


def parse_pre2019(text: str) -> tuple[list[Stat], list[str]]:
    """All rows of the first 统计表 in ``text`` as Stats, with sum-check warnings."""
    lines = text.splitlines()
    header = find_header(lines)
    if header is None:
        return [], []
    rows, warnings = read_rows(lines[header + 1 :])
    matcher = KeyMatcher()
    stats = [
        Stat(
            key=matcher.match(row.label, row.unit),
            table=TABLE,
            row=row.label,
            column=COLUMN,
            unit=row.unit,
            value=parse_number(row.raw),
            raw=row.raw,
        )
        for row in rows
    ]
    return stats, warnings + check_sums(stats)


def check_sums(stats: list[Stat]) -> list[str]:
    """Warnings where a printed total differs from the sum of its fully printed parts."""
    values = {s.key: s.value for s in stats if s.key}
    out = []
    for total, parts in PRE2019_SUMS:
        if values.get(total) is None or any(values.get(p) is None for p in parts):
            continue
        got = sum(values[p] for p in parts)  # type: ignore[misc]
        if abs(got - values[total]) > 1e-9:  # type: ignore[operator]
            out.append(f"pre2019: {total} = {values[total]} but its parts sum to {got}")
    return out
