"""What changed between two captures: their texts line by line and their statistics.

Used by `ogi diff A B` and the workbench's diff page, so both say the same thing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from archive import Archive, CaptureInfo
from archive.browse import parse_for_text

CONTEXT = 3  # unchanged lines kept around each change (the rest fold away)


@dataclass(frozen=True)
class Side:
    """One capture as the diff sees it: its newest text and that text's parse result."""

    capture: CaptureInfo
    text: str
    text_id: int | None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatChange:
    table: str
    row: str
    column: str
    key: str | None
    unit: str | None
    before: Any
    after: Any
    change: str  # changed | added | removed


@dataclass(frozen=True)
class Row:
    """One line of the side-by-side view; ``kind`` is equal/replace/delete/insert/skip."""

    kind: str
    left_no: int | None
    left: str
    right_no: int | None
    right: str


@dataclass(frozen=True)
class CaptureDiff:
    a: Side
    b: Side
    unified: list[str]
    rows: list[Row]
    stats: list[StatChange]

    @property
    def same_text(self) -> bool:
        return self.a.text == self.b.text


def load_side(arc: Archive, capture_id: int, parser: str, version: str | None) -> Side:
    """The capture (revisits resolve to the version they repeat) with its newest text."""
    info = arc.capture(capture_id)
    texts = [t for t in arc.texts_for(info.sha256) if t.text is not None] if info.sha256 else []
    if not texts:
        return Side(info, "", None)
    text = max(texts, key=lambda t: t.id)
    with arc.engine.connect() as conn:
        parsed = parse_for_text(conn, text.id, parser, version)
    return Side(info, text.text or "", text.id, parsed[1] if parsed else {})


def diff_captures(arc: Archive, a: int, b: int, *, parser: str, version: str | None) -> CaptureDiff:
    left, right = load_side(arc, a, parser, version), load_side(arc, b, parser, version)
    return diff_sides(left, right)


def diff_sides(left: Side, right: Side) -> CaptureDiff:
    la, lb = left.text.splitlines(), right.text.splitlines()
    unified = list(
        difflib.unified_diff(
            la,
            lb,
            fromfile=f"capture {left.capture.id} {left.capture.fetched_at:%Y-%m-%d %H:%M}",
            tofile=f"capture {right.capture.id} {right.capture.fetched_at:%Y-%m-%d %H:%M}",
            lineterm="",
        )
    )
    return CaptureDiff(left, right, unified, side_by_side(la, lb), stat_changes(left, right))


def side_by_side(a: list[str], b: list[str], context: int = CONTEXT) -> list[Row]:
    """Rows for a two-column view; long unchanged runs fold into one ``skip`` row."""
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += _equal_rows(a, i1, i2, j1, context)
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            li, rj = i1 + k, j1 + k
            lt = a[li] if li < i2 else None
            rt = b[rj] if rj < j2 else None
            kind = (
                tag
                if tag != "replace"
                else (
                    "replace"
                    if lt is not None and rt is not None
                    else ("delete" if rt is None else "insert")
                )
            )
            rows.append(
                Row(
                    kind,
                    li + 1 if lt is not None else None,
                    lt or "",
                    rj + 1 if rt is not None else None,
                    rt or "",
                )
            )
    return rows


def _equal_rows(a: list[str], i1: int, i2: int, j1: int, context: int) -> list[Row]:
    n = i2 - i1
    keep = list(range(n)) if n <= 2 * context + 1 else [*range(context), -1, *range(n - context, n)]
    rows = []
    for k in keep:
        if k < 0:
            rows.append(Row("skip", None, f"… {n - 2 * context} unchanged lines …", None, ""))
        else:
            rows.append(Row("equal", i1 + k + 1, a[i1 + k], j1 + k + 1, a[i1 + k]))
    return rows


def _stat_map(result: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for s in result.get("stats") or []:
        out.setdefault((s.get("table") or "", s.get("row") or "", s.get("column") or ""), s)
    return out


def stat_changes(left: Side, right: Side) -> list[StatChange]:
    """Statistics whose value differs, appeared or disappeared, in the right side's order."""
    before, after = _stat_map(left.result), _stat_map(right.result)
    changes = []
    for ident in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(ident), after.get(ident)
        if old is not None and new is not None and old.get("value") == new.get("value"):
            continue
        ref = new or old or {}
        kind = "changed" if old and new else ("added" if new else "removed")
        changes.append(
            StatChange(
                *ident,
                ref.get("key"),
                ref.get("unit"),
                (old or {}).get("value"),
                (new or {}).get("value"),
                kind,
            )
        )
    return changes


def to_json(diff: CaptureDiff) -> dict[str, Any]:
    def side(s: Side) -> dict[str, Any]:
        c = s.capture
        return {
            "capture_id": c.id,
            "url": c.url,
            "sha256": c.sha256,
            "fetched_at": c.fetched_at.isoformat().replace("+00:00", "Z"),
            "text_id": s.text_id,
        }

    return {
        "a": side(diff.a),
        "b": side(diff.b),
        "same_text": diff.same_text,
        "unified": diff.unified,
        "stats": [vars(s) for s in diff.stats],
    }


def stat_changes_table(changes: list[StatChange]) -> Table:
    """`ogi diff`: the statistics whose value changed, appeared or disappeared."""
    table = Table(title="statistics that changed")
    for col in ("table", "row", "column", "before", "after", "change"):
        table.add_column(col, justify="right" if col in ("before", "after") else "left")
    for c in changes:
        table.add_row(c.table, c.row, c.column, _cell(c.before), _cell(c.after), c.change)
    return table


def _cell(value: object) -> str:
    return "" if value is None else str(value)
