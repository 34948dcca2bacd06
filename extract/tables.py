"""Tables as text: one row per line, cells separated by TAB, merged cells as empty fields.

Every extractor (HTML, PDF, DOCX) ends in the same shape so the parser reads one
format. A merged cell's text appears once, in its top-left slot; the other slots it
covers are empty fields, so columns stay aligned without double-counting numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_COLSPAN = 100  # hostile or broken markup must not make a million-field row
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0]+")
_BREAKS = re.compile(r"[\r\n\f\v]")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


@dataclass(frozen=True)
class SpanCell:
    """A table cell as markup describes it: text plus how many rows/columns it covers."""

    text: str
    rowspan: int = 1
    colspan: int = 1


def is_cjk(ch: str) -> bool:
    """True for Han characters and full-width punctuation (no space needed around them)."""
    code = ord(ch)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or (0x3000 <= code <= 0x303F)
    )


def join_fragments(parts: Iterable[str]) -> str:
    """Join wrapped pieces of one cell or paragraph: nothing between CJK, a space otherwise."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk(part[0])):
            out += " "
        out += part
    return out


def clean_cell(text: str) -> str:
    """One-line cell text: no TAB or newline inside a cell, runs of spaces collapsed."""
    if not _BREAKS.search(text):  # the common single-line cell: skip the fragment join
        return _SPACES.sub(" ", text).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in re.split(r"[\r\n\f\v]+", text)]
    return join_fragments(lines).replace("\t", " ")


def squeeze_cjk_spaces(text: str) -> str:
    """Drop single spaces between two CJK characters (justified PDF text: "邮 编 ：")."""
    return _CJK_SPACE.sub("", text)


def place_spans(rows: Sequence[Sequence[SpanCell]], *, repeat: bool = False) -> list[list[str]]:
    """Lay HTML/DOCX-style span cells on a grid (the HTML table model).

    Slots covered by a rowspan/colspan are "" (or the cell's text with repeat=True).
    """
    grid: list[dict[int, str]] = [{} for _ in rows]
    for r, row in enumerate(rows):
        col = 0
        for cell in row:
            while col in grid[r]:
                col += 1
            _fill(grid, r, col, cell, repeat)
            col += max(1, min(cell.colspan, MAX_COLSPAN))
    width = max((max(g) + 1 for g in grid if g), default=0)
    return [[g.get(c, "") for c in range(width)] for g in grid]


def _fill(grid: list[dict[int, str]], r: int, col: int, cell: SpanCell, repeat: bool) -> None:
    rowspan = cell.rowspan if cell.rowspan > 0 else len(grid) - r
    rowspan = max(1, min(rowspan, len(grid) - r))
    colspan = max(1, min(cell.colspan, MAX_COLSPAN))
    for dr in range(rowspan):
        for dc in range(colspan):
            first = dr == 0 and dc == 0
            grid[r + dr].setdefault(col + dc, cell.text if first or repeat else "")


def render_rows(rows: Iterable[Sequence[str]]) -> list[str]:
    """TAB-joined lines; rows whose cells are all empty are dropped."""
    lines = []
    for row in rows:
        cells = [clean_cell(c) for c in row]
        if any(cells):
            lines.append("\t".join(cells))
    return lines
