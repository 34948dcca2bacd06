"""Label matching: printed labels drift, so rows are matched by similarity and position."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .normalize import normalize_label, split_numbering, strip_notes


def similarity(a: str, b: str) -> float:
    """Best ratio of two normalised labels, with and without parenthesised notes."""
    pairs = ((a, b), (strip_notes(a), strip_notes(b)))
    return max(SequenceMatcher(None, x, y, autojunk=False).ratio() for x, y in pairs)


@dataclass
class OrderedMatcher:
    """Matches printed rows to official rows, preferring the row after the last match.

    Tables are printed in the official order, so position breaks ties between similar
    labels and rescues labels that lost characters when a PDF cell wrapped. Each official
    row is used once.
    """

    labels: Sequence[str]
    min_ratio: float = 0.55
    min_score: float = 0.72
    last: int = -1
    used: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._norm = [normalize_label(label) for label in self.labels]
        self._num = [split_numbering(label)[0] for label in self.labels]

    def match(self, label: str, allowed: Callable[[int], bool] | None = None,
              bonus: Callable[[int], float] | None = None) -> int | None:  # fmt: skip
        """Index of the official row ``label`` prints, or None."""
        norm, number = normalize_label(label), split_numbering(label)[0]
        best, best_score = None, 0.0
        for idx, official in enumerate(self._norm):
            if idx in self.used or (allowed and not allowed(idx)):
                continue
            ratio = similarity(norm, official)
            if ratio < self.min_ratio:
                continue
            score = ratio + 0.1 * (idx == self.last + 1) + 0.05 * (number == self._num[idx])
            score += bonus(idx) if bonus else 0.0
            if score > best_score:
                best, best_score = idx, score
        if best is None or best_score < self.min_score:
            return None
        self.used.add(best)
        self.last = best
        return best
