"""Ruled tables in PDF pages: ruling lines → cells → grid rows (pdfplumber's method).

Report tables are drawn with ruling lines. We snap and join the line segments, find
their intersections, take each smallest rectangle whose four sides are drawn as a
cell, group cells that share corners into tables, and lay every table on a grid of
its distinct cell edges so a merged cell's text sits once in its top-left slot.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from extract.pdflayout import Char, cell_text
from extract.tables import render_rows

SNAP = 3.0  # points: edges closer than this are the same ruling line
JOIN = 3.0  # collinear segments with gaps up to this are one line
MIN_LEN = 4.0  # shorter strokes are glyph parts or dots, not rules
MAX_EDGES = 3000  # more segments than this on a page: drawings, not a table


@dataclass(frozen=True)
class Edge:
    """An axis-aligned ruling segment: `pos` across, `start`..`end` along it."""

    horizontal: bool
    pos: float
    start: float
    end: float


@dataclass(frozen=True)
class Cell:
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class Table:
    cells: list[Cell]
    texts: dict[Cell, list[Char]] = field(default_factory=dict)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (
            min(c.x0 for c in self.cells),
            min(c.top for c in self.cells),
            max(c.x1 for c in self.cells),
            max(c.bottom for c in self.cells),
        )


def snap_and_join(edges: Iterable[Edge]) -> list[Edge]:
    """Merge near-identical ruling segments into whole lines."""
    out: list[Edge] = []
    for horizontal in (True, False):
        group = sorted((e for e in edges if e.horizontal == horizontal), key=lambda e: e.pos)
        for cluster in _clusters(group):
            pos = sum(e.pos for e in cluster) / len(cluster)
            out.extend(_join(horizontal, pos, cluster))
    return [e for e in out if e.end - e.start >= MIN_LEN]


def _clusters(edges: list[Edge]) -> list[list[Edge]]:
    clusters: list[list[Edge]] = []
    for e in edges:
        if clusters and e.pos - clusters[-1][0].pos <= SNAP:
            clusters[-1].append(e)
        else:
            clusters.append([e])
    return clusters


def _join(horizontal: bool, pos: float, cluster: list[Edge]) -> list[Edge]:
    spans = sorted((e.start, e.end) for e in cluster)
    merged = [list(spans[0])]
    for start, end in spans[1:]:
        if start <= merged[-1][1] + JOIN:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [Edge(horizontal, pos, s, e) for s, e in merged]


def close_open_ends(edges: list[Edge]) -> list[Edge]:
    """Add the missing top/bottom rule of a table split across pages.

    When several vertical rules stop at the same height and no horizontal rule joins
    them there (the page cut the table), draw one so the last row still forms cells.
    """
    ends: list[tuple[float, float]] = []
    for v in (e for e in edges if not e.horizontal):
        ends += [(v.start, v.pos), (v.end, v.pos)]
    added = []
    for cluster in _clusters([Edge(True, y, x, x) for y, x in sorted(ends)]):
        if len(cluster) >= 2:
            y = sum(e.pos for e in cluster) / len(cluster)
            xs = [e.start for e in cluster]
            added.append(Edge(True, y, min(xs), max(xs)))
    return snap_and_join(edges + added) if added else edges


def find_cells(edges: list[Edge]) -> list[Cell]:
    """Smallest rectangles whose corners are intersections joined by drawn edges."""
    hs = [e for e in edges if e.horizontal]
    vs = [e for e in edges if not e.horizontal]
    on_h: dict[tuple[float, float], set[int]] = defaultdict(set)
    on_v: dict[tuple[float, float], set[int]] = defaultdict(set)
    for vi, v in enumerate(vs):
        for hi, h in enumerate(hs):
            if h.start - SNAP <= v.pos <= h.end + SNAP and v.start - SNAP <= h.pos <= v.end + SNAP:
                on_h[(v.pos, h.pos)].add(hi)
                on_v[(v.pos, h.pos)].add(vi)
    points = sorted(on_h, key=lambda p: (p[1], p[0]))
    by_x: dict[float, list[tuple[float, float]]] = defaultdict(list)
    by_y: dict[float, list[tuple[float, float]]] = defaultdict(list)
    for p in points:
        by_x[p[0]].append(p)
        by_y[p[1]].append(p)
    cells = []
    for p in points:
        cell = _cell_at(p, by_x, by_y, on_h, on_v)
        if cell is not None:
            cells.append(cell)
    return cells


Point = tuple[float, float]


def _cell_at(
    p: Point,
    by_x: dict[float, list[Point]],
    by_y: dict[float, list[Point]],
    on_h: dict[Point, set[int]],
    on_v: dict[Point, set[int]],
) -> Cell | None:
    below = [q for q in by_x[p[0]] if q[1] > p[1] and on_v[p] & on_v[q]]
    right = [q for q in by_y[p[1]] if q[0] > p[0] and on_h[p] & on_h[q]]
    for b in below:
        for r in right:
            corner = (r[0], b[1])
            if corner in on_h and on_v[corner] & on_v[r] and on_h[corner] & on_h[b]:
                return Cell(p[0], p[1], r[0], b[1])
    return None


def group_tables(cells: list[Cell]) -> list[Table]:
    """Cells sharing a corner belong to one table; single boxes are just frames."""
    parent = list(range(len(cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[float, float], int] = {}
    for i, c in enumerate(cells):
        for corner in ((c.x0, c.top), (c.x1, c.top), (c.x0, c.bottom), (c.x1, c.bottom)):
            if corner in owner:
                parent[root(i)] = root(owner[corner])
            else:
                owner[corner] = i
    groups: dict[int, list[Cell]] = defaultdict(list)
    for i, c in enumerate(cells):
        groups[root(i)].append(c)
    return [Table(sorted(g, key=lambda c: (c.top, c.x0))) for g in groups.values() if len(g) >= 2]


def assign_chars(tables: list[Table], chars: list[Char]) -> list[Char]:
    """Put each character into the table cell holding its centre; return the rest."""
    rest = []
    for ch in chars:
        for table in tables:
            cell = _containing(table, ch)
            if cell is not None:
                table.texts.setdefault(cell, []).append(ch)
                break
        else:
            rest.append(ch)
    return rest


def _containing(table: Table, ch: Char) -> Cell | None:
    x0, top, x1, bottom = table.bbox
    if not (x0 <= ch.cx <= x1 and top <= ch.cy <= bottom):
        return None
    for cell in table.cells:
        if cell.x0 <= ch.cx <= cell.x1 and cell.top <= ch.cy <= cell.bottom:
            return cell
    return None


def table_lines(table: Table) -> list[str]:
    """The table as TAB-separated rows on the grid of its distinct cell edges."""
    xs = sorted({c.x0 for c in table.cells} | {c.x1 for c in table.cells})
    ys = sorted({c.top for c in table.cells} | {c.bottom for c in table.cells})
    grid = [[""] * (len(xs) - 1) for _ in range(len(ys) - 1)]
    for cell in table.cells:
        row = bisect.bisect_left(ys, cell.top)
        col = bisect.bisect_left(xs, cell.x0)
        grid[row][col] = cell_text(table.texts.get(cell, []))
    return render_rows(grid)


def page_tables(edges: list[Edge], chars: list[Char]) -> tuple[list[Table], list[Char]]:
    """Tables on one page and the characters that are not inside any of them."""
    if not edges or len(edges) > MAX_EDGES:
        return [], chars
    tables = group_tables(find_cells(close_open_ends(snap_and_join(edges))))
    return tables, assign_chars(tables, chars)
