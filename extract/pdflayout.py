"""Characters → visual lines → paragraphs, for PDF pages (top-down coordinates).

We group characters ourselves instead of using pdfminer's text boxes: boxes cut one
visual line into pieces (table cells, justified text) and glue wrapped lines of a
paragraph together in ways that lose where a table row begins and ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extract.tables import join_fragments, squeeze_cjk_spaces

SPACE_GAP = 0.25  # gap (in font sizes) that means a space between characters
TAB_GAP = 2.0  # gap that means a column break in running text (borderless tables)
_PAGE_NUMBER = re.compile(
    r"^[\s\-－—–_·•]*(第\s*)?\d{1,4}\s*(页)?(\s*[/／]\s*\d{1,4}|\s*共\s*\d{1,4}\s*页)?[\s\-－—–_·•]*$"
)


@dataclass(frozen=True)
class Char:
    """One glyph: text and its box, y measured downward from the page top."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def size(self) -> float:
        return max(self.bottom - self.top, 1.0)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Line:
    """A visual line: characters sharing a baseline band, left to right."""

    chars: list[Char]

    @property
    def top(self) -> float:
        return min(c.top for c in self.chars)

    @property
    def bottom(self) -> float:
        return max(c.bottom for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0].x0

    @property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars)

    @property
    def size(self) -> float:
        sizes = sorted(c.size for c in self.chars)
        return sizes[len(sizes) // 2]


def group_lines(chars: Iterable[Char]) -> list[Line]:
    """Cluster characters into lines by vertical centre, then sort each line by x."""
    ordered = sorted((c for c in chars if c.text.strip()), key=lambda c: (c.cy, c.x0))
    lines: list[Line] = []
    band_cy = band_h = 0.0
    for ch in ordered:
        if lines and abs(ch.cy - band_cy) <= 0.45 * min(ch.size, band_h):
            lines[-1].chars.append(ch)
            continue
        lines.append(Line([ch]))
        band_cy, band_h = ch.cy, ch.size
    for line in lines:
        line.chars.sort(key=lambda c: c.x0)
    return lines


def line_text(line: Line, *, tabs: bool) -> str:
    """A line's text: spaces from gaps; TABs for column-sized gaps when `tabs`."""
    parts: list[str] = []
    prev: Char | None = None
    for ch in line.chars:
        if prev is not None:
            gap = ch.x0 - prev.x1
            size = max(min(ch.size, prev.size), 1.0)
            if tabs and gap > TAB_GAP * size:
                parts.append("\t")
            elif gap > SPACE_GAP * size:
                parts.append(" ")
        parts.append(ch.text)
        prev = ch
    text = re.sub(r" *\t *", "\t", re.sub(r" {2,}", " ", "".join(parts)))
    return squeeze_cjk_spaces(text.strip(" "))


def cell_text(chars: Sequence[Char]) -> str:
    """Text of one table cell: its wrapped lines joined (vertical text reads top-down)."""
    lines = (line_text(ln, tabs=False) for ln in group_lines(chars))
    return squeeze_cjk_spaces(join_fragments(lines))


@dataclass
class TextLine:
    """A rendered line of running text with the geometry reflow needs."""

    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    size: float


def text_lines(chars: Iterable[Char]) -> list[TextLine]:
    return [
        TextLine(line_text(ln, tabs=True), ln.top, ln.bottom, ln.x0, ln.x1, ln.size)
        for ln in group_lines(chars)
    ]


def drop_page_numbers(lines: list[TextLine]) -> list[TextLine]:
    """Remove a bare page number ("- 3 -", "第 3 页") at the very top or bottom."""
    if lines and _PAGE_NUMBER.match(lines[-1].text):
        lines = lines[:-1]
    if lines and _PAGE_NUMBER.match(lines[0].text):
        lines = lines[1:]
    return lines


def reflow(lines: list[TextLine]) -> list[str]:
    """Join hard-wrapped lines of a paragraph (a line that runs to the right margin,
    followed by an unindented line at normal spacing); headings and indented starts
    stay on their own lines."""
    body = [ln for ln in lines if len(ln.text) >= 5 and "\t" not in ln.text]
    if not body:
        return [ln.text for ln in lines]
    left = min(ln.x0 for ln in body)
    right = max(ln.x1 for ln in body)
    out: list[str] = []
    prev: TextLine | None = None
    for ln in lines:
        if prev is not None and out and _continues(prev, ln, left, right):
            out[-1] = join_fragments([out[-1], ln.text])
        else:
            out.append(ln.text)
        prev = ln
    return out


def _continues(prev: TextLine, ln: TextLine, left: float, right: float) -> bool:
    if "\t" in prev.text or "\t" in ln.text or abs(prev.size - ln.size) > 1.0:
        return False
    reaches_right = prev.x1 >= right - 1.5 * prev.size
    unindented = ln.x0 <= left + 0.8 * ln.size
    close = ln.top - prev.bottom <= 1.2 * prev.size
    return reaches_right and unindented and close
