"""The golden set and how a parse result is scored against it, field by field.

Shared by the golden tests, the real-PDF test, the roundtrip tests and the quality gate
(eval_gate.py), so "correct" means the same thing everywhere. Goldens hold what a
careful human reads in the document: metadata, the six sections' headings, and either
the pre-2019 table rows (``stats``) or every keyed cell of the 2019/2021 tables
(``cells``: key -> raw as printed and value).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "mockportal" / "data" / "seeds"
GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_SAMPLES = Path(__file__).resolve().parent / "golden_samples"
SAMPLES = ROOT / "tests" / "fixtures" / "samples"

META_FIELDS = (
    "is_report", "agency", "agency_normalized", "area", "year", "year_source", "title",
    "published", "published_source", "format", "signed_by", "period",
)  # fmt: skip
CONTACT_FIELDS = ("address", "phone", "fax", "email", "postcode", "website")
Scores = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Case:
    """One golden document: its name, the expectations, and how to get its text."""

    name: str
    golden: dict[str, Any]
    path: Path  # the seed text or the sample document

    def parse(self) -> dict[str, Any]:
        """The parser's result as a dict (PDF samples go through the real extractor)."""
        from parser import parse

        if self.path.suffix == ".txt":
            return parse(self.path.read_text(encoding="utf-8")).to_dict()
        from extract import extract

        ex = extract(self.path.read_bytes(), media_type="application/pdf", url=self.path.name)
        return parse(ex.text or "", title=ex.title, meta=ex.meta).to_dict()


def cases() -> list[Case]:
    """The five seeds and the real sample PDF(s)."""
    out = []
    for path in sorted(GOLDEN.glob("*.json")):
        golden = json.loads(path.read_text(encoding="utf-8"))
        out.append(Case(path.stem[:3], golden, SEEDS / golden["seed"]))
    for path in sorted(GOLDEN_SAMPLES.glob("*.json")):
        golden = json.loads(path.read_text(encoding="utf-8"))
        out.append(Case(path.stem, golden, SAMPLES / golden["sample"]))
    return out


def _add(scores: Scores, field: str, ok: int, total: int) -> None:
    had = scores.get(field, (0, 0))
    scores[field] = (had[0] + ok, had[1] + total)


def score(
    golden: dict[str, Any], got: dict[str, Any], *, stats: bool = True, loose: bool = False
) -> Scores:
    """(correct, total) per field for one document (``loose``: see field_results)."""
    scores: Scores = {}
    for field, ok in field_results(golden, got, stats=stats, loose=loose):
        _add(scores, field, int(ok), 1)
    return scores


def field_results(
    golden: dict[str, Any], got: dict[str, Any], *, stats: bool = True, loose: bool = False
) -> Iterator[tuple[str, bool]]:
    """(field, correct) for every expectation; stats cells are one result each.

    ``loose`` compares pre-2019 rows by what they mean (key, unit, raw, value), not by
    the printed label's spacing — for renderings whose extractor re-spaces labels.
    """
    meta = golden["metadata"]
    for field in META_FIELDS:
        if field in meta:
            yield field, got.get(field) == meta[field]
    for field in CONTACT_FIELDS:
        if field in meta.get("contact", {}):
            yield f"contact.{field}", got["contact"][field] == meta["contact"][field]
    if "section_headings" in meta:
        yield "sections", list(got.get("sections", {})) == meta["section_headings"]
    if not stats:
        return
    for ok in _cell_results(golden, got):
        yield "stats.cells", ok
    for ok in _row_results(golden, got, loose):
        yield "stats.pre2019_rows", ok


def _cell_results(golden: dict[str, Any], got: dict[str, Any]) -> Iterator[bool]:
    """Each expected keyed cell (raw and value equal), each unexpected keyed cell in the
    same tables (a failure), and the unkeyed leftovers (as a multiset of (table, raw))."""
    cells = golden.get("cells")
    if cells is None:
        return
    keyed = {s["key"]: s for s in got["stats"] if s["key"]}
    for key, exp in cells.items():
        s = keyed.get(key)
        yield s is not None and s["raw"] == exp["raw"] and s["value"] == exp["value"]
    prefixes = {key.split(".")[0] for key in cells}
    for key in keyed:
        if key not in cells and key.split(".")[0] in prefixes:
            yield False
    want = sorted((u["table"], u["raw"]) for u in golden.get("unkeyed", []))
    have = sorted((s["table"], s["raw"]) for s in got["stats"] if not s["key"])
    if want or have:
        yield want == have


_MEANING = ("key", "unit", "raw", "value")


def _row_results(golden: dict[str, Any], got: dict[str, Any], loose: bool) -> Iterator[bool]:
    """Each expected pre-2019 row equal in every Stat field (or in meaning when
    ``loose``), plus one failure per unexpected extra row."""
    expected = golden.get("stats")
    if expected is None:
        return
    rows = [s for s in got["stats"] if s["table"] == "pre2019"]
    if loose:
        rows = [{k: s[k] for k in _MEANING} for s in rows]
        expected = [{k: s[k] for k in _MEANING} for s in expected]
    for i, exp in enumerate(expected):
        yield i < len(rows) and rows[i] == exp
    for _ in rows[len(expected) :]:
        yield False


def mismatches(golden: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Readable differences, for assertion messages."""
    out = []
    meta = golden["metadata"]
    for field in META_FIELDS:
        if field in meta and got.get(field) != meta[field]:
            out.append(f"{field}: expected {meta[field]!r}, got {got.get(field)!r}")
    for field in CONTACT_FIELDS:
        want = meta.get("contact", {}).get(field, got["contact"][field])
        if got["contact"][field] != want:
            out.append(f"contact.{field}: expected {want!r}, got {got['contact'][field]!r}")
    if "section_headings" in meta and list(got.get("sections", {})) != meta["section_headings"]:
        out.append(f"sections: expected {meta['section_headings']}, got {list(got['sections'])}")
    keyed = {s["key"]: s for s in got["stats"] if s["key"]}
    for key, exp in golden.get("cells", {}).items():
        s = keyed.get(key)
        if s is None or (s["raw"], s["value"]) != (exp["raw"], exp["value"]):
            have = None if s is None else (s["raw"], s["value"])
            out.append(f"{key}: expected {(exp['raw'], exp['value'])}, got {have}")
    return out


def total(scores: list[Scores]) -> Scores:
    """Field scores summed over documents."""
    out: Scores = {}
    for one in scores:
        for field, (ok, n) in one.items():
            _add(out, field, ok, n)
    return out
