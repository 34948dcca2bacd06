"""Quality gate: field-level accuracy of the parser over the golden set.

Like trafilatura's evaluation gate: each field (agency, year, title, published, format,
contact.*, sections, statistics cells, …) is scored over every golden document (the five
seeds and the real PDF), printed as a table, and compared with the floors recorded in
eval_baseline.json. A field below its floor fails the gate.

    python tests/parser/eval_gate.py                    # print the table, exit 1 below a floor
    python tests/parser/eval_gate.py --update-baseline  # raise floors to today's accuracy

Floors only go up: --update-baseline never lowers one (it refuses and exits 1 when a
field is below its floor), so a regression cannot be recorded as the new normal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from golden_compare import Scores, cases, score, total

BASELINE = Path(__file__).resolve().parent / "eval_baseline.json"


def evaluate() -> Scores:
    """(correct, total) per field, summed over the golden set."""
    return total([score(case.golden, case.parse()) for case in cases()])


def accuracy(scores: Scores) -> dict[str, float]:
    return {field: round(ok / n, 4) for field, (ok, n) in scores.items() if n}


def load_floors(path: Path = BASELINE) -> dict[str, float]:
    return json.loads(path.read_text(encoding="utf-8"))["floors"] if path.exists() else {}


def below_floor(acc: dict[str, float], floors: dict[str, float]) -> dict[str, tuple]:
    """Fields under their floor (a field that disappeared counts as 0)."""
    return {f: (acc.get(f, 0.0), floor) for f, floor in floors.items() if acc.get(f, 0.0) < floor}


def table(scores: Scores, floors: dict[str, float]) -> str:
    """The accuracy table as printed."""
    acc = accuracy(scores)
    lines = [f"{'field':<22}{'correct':>9}{'total':>7}{'accuracy':>10}{'floor':>8}"]
    for field in sorted(scores):
        ok, n = scores[field]
        floor = floors.get(field)
        mark = "  BELOW" if floor is not None and acc[field] < floor else ""
        shown = "-" if floor is None else f"{floor:.4f}"
        lines.append(f"{field:<22}{ok:>9}{n:>7}{acc[field]:>10.4f}{shown:>8}{mark}")
    return "\n".join(lines)


def update_baseline(acc: dict[str, float], floors: dict[str, float], path: Path) -> bool:
    """Raise floors to the current accuracy; refuse (False) when any field is below."""
    if below_floor(acc, floors):
        return False
    raised = {f: max(acc.get(f, 0.0), floors.get(f, 0.0)) for f in {*acc, *floors}}
    note = "Per-field accuracy floors; raise only with eval_gate.py --update-baseline."
    path.write_text(json.dumps({"note": note, "floors": dict(sorted(raised.items()))},
                               indent=1, ensure_ascii=False) + "\n", encoding="utf-8")  # fmt: skip
    return True


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument(
        "--update-baseline",
        action="store_true",
        help="raise the recorded floors to today's accuracy (never lowers)",
    )
    opts = args.parse_args(argv)
    scores = evaluate()
    floors = load_floors()
    print(table(scores, floors))
    failing = below_floor(accuracy(scores), floors)
    if opts.update_baseline:
        if not update_baseline(accuracy(scores), floors, BASELINE):
            print(f"refused: below the floor, floors are not lowered: {failing}")
            return 1
        print(f"baseline updated: {BASELINE}")
        return 0
    if failing:
        print(f"FAIL: below the recorded floor: {failing}")
        return 1
    print("gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
