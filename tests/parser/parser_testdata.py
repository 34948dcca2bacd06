"""Helpers for parser tests: the seed texts as copied into mockportal/data/seeds/."""

from __future__ import annotations

from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "mockportal" / "data" / "seeds"
GOLDEN = Path(__file__).resolve().parent / "golden"


def seed_text(name: str) -> str:
    """The text of a seed file by its prefix ("000") or full stem."""
    (path,) = sorted(SEEDS.glob(f"{name}*.txt"))
    return path.read_text(encoding="utf-8")


def all_seeds() -> dict[str, str]:
    """All five seed texts keyed by stem."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
