"""The report's headed parts: heading as printed -> the text under it.

Readers quote "what the agency said about its problems" (section 五) or compare the
总体情况 across years, so the sections are kept as text. Headings are recognised by
their numbering 一、二、三… in strict order, which keeps table rows ("一、本年新收…") and
list items ("一是…") out; in the 2019/2021 formats a heading must also resemble the
official title of its number.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from .metadata import clean_line
from .normalize import cn_number, despace_cjk, normalize_label
from .vocabulary import (
    GB_SECTIONS,
    SECTION_END_RE,
    SECTION_HEADING_RE,
    SIGNATURE_ORG_RE,
    STANDALONE_DATE_RE,
    VALUE_TOKEN_RE,
)

Sections = tuple[tuple[str, str], ...]
_GB_MIN_RATIO = 0.5


def is_heading(number: int, rest: str, fmt: str | None) -> bool:
    """A heading line: short, not a sentence, no trailing table values, and in the
    2019/2021 formats similar to the official title of its number."""
    tokens = rest.split()
    if len(tokens) > 1 and VALUE_TOKEN_RE.match(tokens[-1]):
        return False
    if "。" in rest.rstrip("。") or "\t" in rest:
        return False
    if fmt in ("2019", "2021"):
        if number > len(GB_SECTIONS):
            return False
        official = normalize_label(GB_SECTIONS[number - 1])
        ratio = SequenceMatcher(None, normalize_label(rest), official, autojunk=False).ratio()
        return ratio >= _GB_MIN_RATIO
    return True


def _drop_signature(body: list[str]) -> list[str]:
    """The last section without the signature block (organisation line + date line)."""
    body = list(body)
    if body and STANDALONE_DATE_RE.match(clean_line(body[-1])):
        body.pop()
        if body and SIGNATURE_ORG_RE.match(clean_line(body[-1])):
            body.pop()
    return body


def split_sections(text: str, fmt: str | None) -> Sections:
    """((heading, text), …) in printed order; empty when no numbered heading is found.

    Pre-2019 reports end their last section at the 附件 (statistics table) line.
    """
    out: list[tuple[str, list[str]]] = []
    expected = 1
    for raw in text.splitlines():
        line = clean_line(raw)
        if not line:
            continue
        m = None if "\t" in raw else SECTION_HEADING_RE.match(line)
        if m and cn_number(m.group(1)) == expected and is_heading(expected, m.group(2), fmt):
            out.append((despace_cjk(line), []))
            expected += 1
            continue
        if out and SECTION_END_RE.match(line) and fmt not in ("2019", "2021"):
            break
        if out:
            out[-1][1].append(raw.strip() if "\t" in raw else line)
    if out:
        out[-1] = (out[-1][0], _drop_signature(out[-1][1]))
    return tuple((heading, "\n".join(body)) for heading, body in out)
