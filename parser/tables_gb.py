"""Tables of the 2019 trial and 2021 formats: 第二十条 tables, the application matrix and
the review/litigation row. Cells come TAB-separated (our extractor) or as runs of spaces
(pdftotext -layout); merged header cells and wrapped labels are tolerated, and whatever
cannot be placed in a column is kept unkeyed with a warning.
"""

from __future__ import annotations

import re

from .matching import OrderedMatcher
from .normalize import despace_cjk, join_fragments, normalize_label, parse_number
from .report import Stat
from .vocabulary import (
    APPLICANT_COLUMN_KEYS,
    APPLICATION_COLUMNS,
    APPLICATION_END,
    APPLICATION_GROUP_HEADINGS,
    APPLICATION_OUTCOMES,
    APPLICATION_ROWS,
    APPLICATIONS_MARKER,
    ART20_HEADER_RE,
    ART20_TABLES,
    GB_MIN_RATIO,
    PAGE_NUMBER_RE,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    REVIEW_HEADING,
    VALUE_TOKEN_RE,
    Pairs,
)

_ART20_ITEM = {"一": "art20_1", "五": "art20_5", "六": "art20_6", "八": "art20_8", "九": "art20_9"}
_BALANCE_ROWS = ("new_received", "carried_over", "total_processed", "carried_forward")
_GROUP_NORMS = {normalize_label(h) for h in APPLICATION_GROUP_HEADINGS}


def is_value(cell: str) -> bool:
    """A number or a printed "not applicable" mark ("/", "—", "无")."""
    return bool(VALUE_TOKEN_RE.match(cell.strip()))


def split_cells(line: str) -> list[str]:
    """TAB cells as printed (blanks kept), else whitespace-separated tokens."""
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    return line.split()


def segments(line: str) -> list[tuple[list[str], list[str]]]:
    """(label cells, value cells) runs of a line; a label after values starts a new row
    (two table rows merged on one line by a page break)."""
    out: list[tuple[list[str], list[str]]] = []
    labels: list[str] = []
    values: list[str] = []
    for cell in split_cells(line):
        if cell and not is_value(cell):
            if any(values):
                out.append((labels, values))
                labels, values = [], []
            labels.append(cell)
        elif labels or cell:
            values.append(cell)
    if labels or values:
        out.append((labels, values))
    return out


def _stat(key: str | None, table: str, row: str, column: str, raw: str) -> Stat:
    return Stat(key, table, row, column, None, parse_number(raw), raw)


def parse_gb_tables(text: str, fmt: str) -> tuple[list[Stat], list[str]]:
    """Stats of the 第二十条 tables, the application matrix and the review/litigation row."""
    lines = text.splitlines()
    stats: list[Stat] = []
    warnings: list[str] = []
    for part in (parse_art20(lines, fmt), parse_applications(lines), parse_review(lines)):
        stats += part[0]
        warnings += part[1]
    return stats, warnings


# ---------------------------------------------------------------- section 二
def parse_art20(lines: list[str], fmt: str) -> tuple[list[Stat], list[str]]:
    """Rows of the 第二十条第（X）项 tables, columns in the format's official order."""
    tables = ART20_TABLES[fmt]
    stats: list[Stat] = []
    warnings: list[str] = []
    table = None
    for line in lines:
        flat = re.sub(r"\s+", "", line)
        if APPLICATIONS_MARKER in flat or "收到和处理政府信息公开申请" in flat:
            break
        header = ART20_HEADER_RE.search(flat)
        if header:
            table = _ART20_ITEM.get(header.group(1))
            continue
        if table not in tables or "信息内容" in flat:
            continue
        for labels, values in segments(line):
            if labels and any(values):
                found, msgs = _art20_row(table, tables[table], join_fragments(labels), values)
                stats += found
                warnings += msgs
    return stats, warnings


def _art20_row(
    table: str, spec: tuple[Pairs, Pairs], label: str, values: list[str]
) -> tuple[list[Stat], list[str]]:
    """Stats of one 第二十条 row; unkeyed with a warning when cells and columns differ."""
    columns, rows = spec
    matcher = OrderedMatcher([r for _, r in rows], min_ratio=GB_MIN_RATIO)
    idx = matcher.match(label)
    row_key = rows[idx][0] if idx is not None else None
    while len(values) > len(columns) and not values[-1]:
        values = values[:-1]
    if len(values) != len(columns) or row_key is None:
        why = "unknown row" if row_key is None else f"{len(values)} cells for {len(columns)}"
        warn = f"{table}: {label!r}: {why}; kept unkeyed"
        return [_stat(None, table, label, f"cell {i + 1}", v) for i, v in enumerate(values)], [warn]
    return [
        _stat(f"active.{table}.{row_key}.{ckey}", table, label, clabel, raw)
        for (ckey, clabel), raw in zip(columns, values, strict=True)
    ], []


# ---------------------------------------------------------------- section 三
def application_rows(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(label, value cells) of the matrix rows, wrapped labels joined, group cells dropped."""
    flat = [re.sub(r"\s+", "", line) for line in lines]
    start = next((i for i, f in enumerate(flat) if APPLICATIONS_MARKER in f), None)
    if start is None:
        return []
    rows: list[tuple[str, list[str]]] = []
    pending: list[str] = []
    for i in range(start, len(lines)):
        tab = "\t" in lines[i]
        for labels, values in segments(lines[i]):
            labels = [c for c in labels if not PAGE_NUMBER_RE.match(c)]
            if not tab and labels:  # runs of spaces: the tokens are pieces of one label
                labels = [despace_cjk(" ".join(labels))]
            kept = [c for c in labels if normalize_label(c) not in _GROUP_NORMS]
            if not any(values):
                pending += kept
                continue
            label = kept[-1:] if kept else labels[-1:]
            rows.append((despace_cjk(join_fragments([*pending, *label])), values))
            pending = []
        if any(end in flat[i] for end in APPLICATION_END):
            break
    return rows


def _fit(values: list[str], width: int) -> list[str] | None:
    """Exactly ``width`` cells: colspan blanks after the label and trailing blanks dropped."""
    values = list(values)
    while len(values) > width and not values[0]:
        values.pop(0)
    while len(values) > width and not values[-1]:
        values.pop()
    return values if len(values) == width else None


def _total_only(values: list[str]) -> bool:
    """A row whose one printed value comes after (at least) six blank slots — the six
    applicant columns — with only blanks after it (grid padding): merged cells were
    flattened and only the 总计 column was filled in."""
    filled = [i for i, v in enumerate(values) if v]
    return len(filled) == 1 and filled[0] >= len(APPLICANT_COLUMN_KEYS)


def parse_applications(lines: list[str]) -> tuple[list[Stat], list[str]]:
    """The 7-column application matrix (rows in APPLICATION_ROWS order)."""
    rows = application_rows(lines)
    if not rows:
        return [], []
    matcher = OrderedMatcher([label for _, label in APPLICATION_ROWS], min_ratio=GB_MIN_RATIO)
    flattened = all(_total_only(values) for _, values in rows)
    stats: list[Stat] = []
    warnings: list[str] = []
    if flattened:
        warnings.append("applications: every row prints only its last (总计) cell; "
                        "the applicant columns are blank, kept as null")  # fmt: skip
    for label, values in rows:
        idx = matcher.match(label)
        key = APPLICATION_ROWS[idx][0] if idx is not None else None
        cells = [""] * 6 + [c for c in values if c][-1:] if flattened else _fit(values, 7)
        columns = APPLICATION_COLUMNS
        if key is None or cells is None:
            warnings.append(f"applications: {label!r} not placed ({len(values)} cells); unkeyed")
            stats += [_stat(None, "applications", label, f"cell {i + 1}", v)
                      for i, v in enumerate(values)]  # fmt: skip
            continue
        stats += [
            _stat(f"applications.{key}.{ckey}", "applications", label, clabel, raw)
            for (ckey, clabel), raw in zip(columns, cells, strict=True)
        ]
    return stats, warnings + check_applications(stats)


def check_applications(stats: list[Stat]) -> list[str]:
    """一+二 = （七）+四 per column; （七） = sum of outcomes; 总计 = sum of applicant columns."""
    val = {s.key: s.value for s in stats if s.key}
    out = []
    outcomes = [k for k in APPLICATION_OUTCOMES if any(f"applications.{k}." in s for s in val)]
    for col, _ in APPLICATION_COLUMNS:
        a, b, c, d = (val.get(f"applications.{r}.{col}") for r in _BALANCE_ROWS)
        if None not in (a, b, c, d) and a + b != c + d:
            out.append(f"applications: {col}: 一+二 = {a + b} but （七）+四 = {c + d}")
        parts = [val.get(f"applications.{k}.{col}") for k in outcomes]
        if parts and c is not None and None not in parts and sum(parts) != c:
            out.append(f"applications: {col}: （七）总计 = {c} but outcomes sum to {sum(parts)}")
    for row, _ in APPLICATION_ROWS:
        parts = [val.get(f"applications.{row}.{col}") for col in APPLICANT_COLUMN_KEYS]
        total = val.get(f"applications.{row}.total")
        if total is not None and None not in parts and sum(parts) != total:
            out.append(f"applications: {row}: 总计 = {total} but columns sum to {sum(parts)}")
    return out


# ---------------------------------------------------------------- section 四
def parse_review(lines: list[str]) -> tuple[list[Stat], list[str]]:
    """The one data row of 15 cells (3 groups x 5 results) after the section 四 heading."""
    start = next((i for i, line in enumerate(lines) if REVIEW_HEADING in despace_cjk(line)), None)
    if start is None:
        return [], []
    header: list[str] = []
    for line in [line for line in lines[start + 1 :] if line.strip()][:15]:
        cells = split_cells(line)
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) >= 10 and all(not c or is_value(c) for c in cells):
            return _review_stats(cells, _labelled_width(header))
        header.append(line)
    return [], ["review_litigation: no data row found"]


def _labelled_width(header: list[str]) -> int | None:
    """How many columns the TAB header rows label (last non-blank slot + 1), or None."""
    slots = [i for line in header if "\t" in line for i, c in enumerate(line.split("\t"))
             if c.strip()]  # fmt: skip
    return max(slots) + 1 if slots else None


def _review_stats(cells: list[str], labelled: int | None) -> tuple[list[Stat], list[str]]:
    """15 cells keyed in order; cells past the header's last labelled column (a stray
    extra column) are kept unkeyed and flagged, never folded into the 15."""
    names = [(f"{g}.{c}", gl, cl) for g, gl in REVIEW_GROUPS for c, cl in REVIEW_COLUMNS]
    if labelled == len(names) and len(cells) > labelled:
        stats, out = _review_stats(cells[:labelled], labelled)
        extra = cells[labelled:]
        stats += [_stat(None, "review_litigation", "行政复议/行政诉讼",
                        f"cell {labelled + i + 1} (no header)", c)
                  for i, c in enumerate(extra)]  # fmt: skip
        return stats, [
            *out,
            f"review_litigation: {len(cells)} cells printed but the header "
            f"labels {labelled}; {extra!r} past the last header kept unkeyed",
        ]
    if len(cells) != len(names):
        warn = f"review_litigation: {len(cells)} cells printed for 15; kept unkeyed"
        return [_stat(None, "review_litigation", "行政复议/行政诉讼", f"cell {i + 1}", c)
                for i, c in enumerate(cells)], [warn]  # fmt: skip
    stats = [
        _stat(f"review.{key}", "review_litigation", group, column, raw)
        for (key, group, column), raw in zip(names, cells, strict=True)
    ]
    val = {s.key: s.value for s in stats}
    out = []
    for group, _ in REVIEW_GROUPS:
        parts = [val[f"review.{group}.{c}"] for c, _ in REVIEW_COLUMNS[:4]]
        total = val[f"review.{group}.total"]
        if total is not None and None not in parts and sum(parts) != total:
            out.append(
                f"review_litigation: {group}: 总计 = {total} but results sum to {sum(parts)}"
            )
    return stats, out
