"""Pure text normalisers: the same statistic is printed many ways, compare it one way.

Every function here is total (never raises) and has no state.
"""

from __future__ import annotations

import re

from .vocabulary import (
    CN_DIGITS,
    LABEL_ALIASES,
    NOT_A_NUMBER,
    NUMBER_RE,
    NUMBERING_RE,
)

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space
_SPACES = {0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20, 0x200B: None, 0xFEFF: None}
_DASHES = str.maketrans({"—": "-", "–": "-", "―": "-", "－": "-", "‐": "-", "‑": "-"})
_WS_RE = re.compile(r"[ \t\r\f\v\u3000\u00a0]+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK}0-9])\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+(?=[{_CJK}0-9])")


def halfwidth(text: str) -> str:
    """Full-width ASCII (０-９, Ａ-Ｚ, （）, ：) and the ideographic space to ASCII."""
    return text.translate(_FULLWIDTH).translate(_SPACES)


_DIGITS = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)} | {0x3000: 0x20}


def ascii_digits(text: str) -> str:
    """Only full-width digits and ideographic spaces to ASCII (titles keep their （）)."""
    return text.translate(_DIGITS)


def collapse_ws(text: str) -> str:
    """Runs of spaces/tabs (incl. U+3000) to one space, ends stripped; newlines kept out."""
    return _WS_RE.sub(" ", text.replace("\n", " ")).strip()


def despace_cjk(text: str) -> str:
    """Drop spaces next to Chinese characters ("2018 年" -> "2018年"), keep "OA 办公" style
    ASCII-word spacing only where both sides are ASCII letters."""
    return _CJK_GAP_RE.sub("", collapse_ws(text))


def join_fragments(parts: list[str]) -> str:
    """Join hard-wrapped pieces of one cell: no space between Chinese pieces."""
    out = ""
    for part in (collapse_ws(p) for p in parts):
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii():
            out += " "
        out += part
    return out


def normalize_dashes(text: str) -> str:
    """Full-width and em dashes to "-" (phone numbers: 0951—5032404 -> 0951-5032404)."""
    return text.translate(_DASHES)


def split_numbering(label: str) -> tuple[str, str]:
    """Split a leading item number ("一、", "（一）", "(三)", "1.", "2、", "其中：") from a label.

    Returns (numbering, rest), numbering normalised to ASCII brackets/dots; "" if none.
    """
    text = halfwidth(collapse_ws(label))
    m = NUMBERING_RE.match(text)
    if not m:
        return "", text
    num = re.sub(r"\s+", "", m.group(0)).replace("、", ".").rstrip(".")
    if num.endswith(":"):
        num = num[:-1]
    return num, text[m.end() :].strip()


def normalize_label(label: str) -> str:
    """Comparison form of a row label: half-width, no spaces, no numbering, aliases applied.

    Two labels that mean the same row should compare equal after this (brackets,
    numbering, spacing and 行政规范性文件/规范性文件 drift removed).
    """
    _, rest = split_numbering(label)
    while True:  # "其中：1." etc.
        num, rest2 = split_numbering(rest)
        if not num:
            break
        rest = rest2
    text = re.sub(r"\s+", "", halfwidth(rest))
    text = text.replace("“", '"').replace("”", '"').replace("《", "<").replace("》", ">")
    for old, new in LABEL_ALIASES:
        text = text.replace(old, new)
    return text


def strip_notes(label: str) -> str:
    """Drop parenthesised notes ("(不同渠道…计1条)") from a normalised label."""
    return re.sub(r"\([^()]*\)?$", "", re.sub(r"\([^()]*\)", "", label)) or label


def parse_number(raw: str) -> int | float | None:
    """A printed cell to a number; None for blank, dashes, "/", "无", or anything else."""
    text = re.sub(r"[\s,，]", "", halfwidth(raw or ""))
    if not text or text in NOT_A_NUMBER:
        return None
    if not NUMBER_RE.fullmatch(text):
        return None
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return float(text)


def cn_number(text: str) -> int | None:
    """Chinese numerals up to 99 ("三" 3, "十二" 12, "二十" 20, "二〇一九" 2019 digit-wise)."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if "十" not in text:
        digits = [CN_DIGITS.get(ch) for ch in text]
        if None in digits:
            return None
        return int("".join(str(d) for d in digits))
    tens, _, ones = text.partition("十")
    t = CN_DIGITS.get(tens, None) if tens else 1
    o = CN_DIGITS.get(ones, None) if ones else 0
    if t is None or o is None:
        return None
    return t * 10 + o
