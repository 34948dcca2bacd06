"""Seed 002's statistics table back into a grid: its text came from an unruled PDF table.

The seed prints rows as ``label  unit  value`` separated by runs of spaces, labels wrap
over several lines and blank cells are simply missing. A real portal page carries that
table as a <table>, so the mock portal rebuilds one: a line that ends in a unit (and
perhaps a value) closes a row, the lines before it are the wrapped start of its label.
"""

from __future__ import annotations

import html
import re

from mockportal.render import Block, blocks, html_content

UNITS = {"条", "件", "次", "篇", "个", "人", "人次", "万元", "项", "——", "—"}
VALUE = re.compile(r"^(?:\d[\d,]*(?:\.\d+)?|——|—)$")
HEADER = "统计指标单位统计数"


def spaced_html(text: str) -> str:
    """The article body: paragraphs as render.html_content makes them, then the grid
    with one <td> per cell (blank cells kept: not reported is not zero)."""
    table = spaced_blocks(text)[-1]
    if not table.rows:
        return html_content(text)
    lead = "\n".join(text.splitlines()[: _header_line(text)])
    trs = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>\n"
        for row in table.rows
    )
    return f'{html_content(lead)}\n<table border="1" class="tjb">\n{trs}</table>'


def _header_line(text: str) -> int:
    lines = text.splitlines()
    return next(i for i, ln in enumerate(lines) if re.sub(r"\s", "", ln) == HEADER)


def spaced_blocks(text: str) -> list[Block]:
    """Blocks of a seed whose last part is a space-laid statistics table (seed 002)."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if re.sub(r"\s", "", ln) == HEADER), None)
    if start is None:
        return blocks(text)
    rows = [("统计指标", "单位", "统计数"), *table_rows(lines[start + 1 :])]
    return [*blocks("\n".join(lines[:start])), Block(rows=tuple(rows))]


def table_rows(lines: list[str]) -> list[tuple[str, str, str]]:
    """(label, unit, value) rows; wrapped label lines join the row they lead into."""
    rows: list[tuple[str, str, str]] = []
    pending: list[str] = []
    for line in lines:
        tokens = line.split()
        if not tokens:
            continue
        row = _row(tokens)
        if row is None:
            pending.append(" ".join(tokens))
            continue
        label, unit, value = row
        rows.append(("".join([*pending, label]), unit, value))
        pending = []
    if pending:
        rows.append(("".join(pending), "", ""))
    return rows


def _row(tokens: list[str]) -> tuple[str, str, str] | None:
    """``label… unit [value]`` or ``label… value``; None for a wrapped label fragment."""
    value = ""
    if len(tokens) > 1 and VALUE.match(tokens[-1]) and tokens[-2] in UNITS:
        value = tokens.pop()
    if tokens[-1] in UNITS:
        unit = tokens.pop()
        return " ".join(tokens), unit, value
    if len(tokens) > 1 and VALUE.match(tokens[-1]):
        value = tokens.pop()
        return " ".join(tokens), "", value
    return None
