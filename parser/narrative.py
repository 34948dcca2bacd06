"""Prose numbers of narrative reports: a few sentences every report writes the same way."""

from __future__ import annotations

import re

from .normalize import despace_cjk
from .report import Stat
from .vocabulary import NARRATIVE_PATTERNS

TABLE = "narrative"
COLUMN = "正文"


def sentences(text: str) -> list[str]:
    """Sentences of the text with hard wraps undone and spaces next to Chinese removed."""
    text = re.sub(r"(?m)^\s*#+\s*(.*?)\s*$", r"\1。", text)  # headings end a sentence
    flat = despace_cjk(re.sub(r"\s*\n\s*", "", text))
    return [s.strip() + "。" for s in flat.split("。") if s.strip()]


def parse_narrative(text: str) -> tuple[list[Stat], list[str]]:
    """The first sentence matching each pattern, as a Stat whose raw is the sentence.

    "400 余条" (more than 400) keeps 400 and adds a warning: it is a lower bound.
    """
    stats: list[Stat] = []
    warnings: list[str] = []
    found = sentences(text)
    for key, unit, pattern in NARRATIVE_PATTERNS:
        for sentence in found:
            m = pattern.search(sentence)
            if not m:
                continue
            printed_unit = unit or m.group(3)
            stats.append(Stat(key, TABLE, m.group(0), COLUMN, printed_unit, int(m.group(1)),
                              sentence))  # fmt: skip
            if m.group(2):
                warnings.append(f"narrative: {key} is approximate ({m.group(0)!r})")
            break
    return stats, warnings
