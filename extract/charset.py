"""Charset detection for Chinese government pages.

Pages labelled gb2312 contain GBK-only characters (镕, 喆, 珺 …), so every GB label
decodes as gb18030, a superset of both. Labels are often missing or wrong, so a
label is only believed when the bytes decode under it, and valid non-ASCII UTF-8
beats any other label (GBK text practically never forms valid UTF-8). Western
single-byte charsets are never chosen: they decode any bytes into mojibake.
"""

from __future__ import annotations

import codecs
import re

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz"}
_GB_ALIASES = {"gb_2312-80", "gb_2312", "x-gbk", "x-gb2312", "csgb2312", "chinese", "gb-2312"}
_SINGLE_BYTE_WESTERN = {
    "ascii", "iso8859-1", "cp1252", "iso8859-15", "latin-1", "mac-roman", "cp437", "cp850",
}  # fmt: skip
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_SNIFF_BYTES = 8192
# Counted in C (bytes.translate, a regex): a Python loop over each byte of a 30 KB GBK
# page cost ~2 ms, and the crawler asks for every page it archives.
_HIGH_BYTES = bytes(range(0x80, 0x100))
_ESCAPED = re.compile("[\udc80-\udcff]")
_NORMALIZER_BYTES = 65536


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for a declared label; any GB label becomes gb18030."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _GB_ALIASES:
        return "gb18030"
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    if codec in _GB_FAMILY:
        return "gb18030"
    return "utf-8" if codec == "utf-8-sig" else codec


def sniff_meta_charset(body: bytes) -> str | None:
    """The charset a `<meta charset>` / `http-equiv` tag declares near the top."""
    match = _META_CHARSET.search(body[:_SNIFF_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


def bom_charset(body: bytes) -> str | None:
    """The charset a byte order mark announces (checked before any label)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def _decodes(body: bytes, charset: str) -> bool:
    try:
        body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _plausible_utf8(body: bytes) -> bool:
    """Bytes whose UTF-8 reading is mostly CJK (or CJK punctuation), undecodable bytes aside.

    A few GBK characters can happen to be valid UTF-8 ("为" = CE AA = "Ϊ"); real UTF-8
    Chinese text decodes to Chinese, so a GB label is overruled only then.
    """
    text = body.decode("utf-8", errors="replace")
    wide = [c for c in text if ord(c) > 0x7F and c != "\ufffd"]
    cjk = sum(1 for c in wide if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
    return cjk * 2 >= len(wide)


def _trusted_label(body: bytes, label: str | None) -> str | None:
    """The label's codec if the bytes support it, else None (ask detection)."""
    charset = normalize_charset(label)
    if charset is None or not _decodes(body, charset):
        return None
    if body.isascii():
        return "utf-8" if charset in _SINGLE_BYTE_WESTERN else charset
    if charset in _SINGLE_BYTE_WESTERN:
        return None  # "iso-8859-1" on Chinese bytes is always wrong
    is_utf = charset.startswith("utf-")  # a UTF label that decodes needs no second reading
    if not is_utf and _decodes(body, "utf-8") and _plausible_utf8(body):
        return "utf-8"  # Chinese text in valid UTF-8 is UTF-8, whatever the label says
    if charset == "gb18030" and majority_charset(body) == "utf-8" and _plausible_utf8(body):
        return "utf-8"  # mostly UTF-8 with a GBK fragment: gb18030 would garble the rest
    return charset


def detect_charset(body: bytes, declared: str | None = None) -> str:
    """The charset to decode `body` with: BOM, then HTTP label, then meta label, then guess.

    `declared` is the charset parameter of the HTTP Content-Type (may be None or wrong).
    Returns a Python codec name; gb2312/gbk labels come back as "gb18030".
    """
    bom = bom_charset(body)
    if bom:
        return bom
    for label in (declared, sniff_meta_charset(body)):
        trusted = _trusted_label(body, label)
        if trusted:
            return trusted
    return guess_charset(body)


def guess_charset(body: bytes) -> str:
    """Charset of unlabelled bytes: strict UTF-8, strict gb18030, charset-normalizer, majority.

    Bytes that are mostly valid UTF-8 with an undecodable fragment stay UTF-8.
    """
    if body.isascii() or _decodes(body, "utf-8"):
        return "utf-8"
    if majority_charset(body) == "utf-8":
        return "utf-8"  # mixed bytes, mostly UTF-8 (gb18030 may "decode" them as garbage)
    if _decodes(body, "gb18030"):
        return "gb18030"
    guess = _normalizer_guess(body)
    if guess and guess not in _SINGLE_BYTE_WESTERN and _decodes(body, guess):
        return guess
    return majority_charset(body)


def _normalizer_guess(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:_NORMALIZER_BYTES]).best()
    except Exception:  # a detector bug must not cost the page
        return None
    return normalize_charset(best.encoding) if best else None


def majority_charset(body: bytes) -> str:
    """UTF-8 or gb18030 for mixed bytes, by the share of non-ASCII bytes valid as UTF-8.

    Valid multi-byte UTF-8 practically never arises from GBK by accident, so bytes that
    decode as UTF-8 measure the UTF-8 part of the page; the rest is taken to be GBK.
    """
    non_ascii = len(body) - len(body.translate(None, _HIGH_BYTES))
    utf8_bad = _count_bad_bytes(body, "utf-8")
    return "utf-8" if utf8_bad * 2 < non_ascii else "gb18030"


def _count_bad_bytes(body: bytes, charset: str) -> int:
    """Undecodable bytes under `charset` (surrogateescape marks each one)."""
    if charset == "utf-8":
        # What "ignore" drops is exactly what surrogateescape marks, and valid UTF-8
        # encodes back to the same bytes: the difference in length, without a regex.
        return len(body) - len(body.decode("utf-8", errors="ignore").encode("utf-8"))
    text = body.decode(charset, errors="surrogateescape")
    return len(_ESCAPED.findall(text))


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a page: (text, charset). Never fails: undecodable bytes become U+FFFD."""
    text, charset, _ = decode_counted(body, declared)
    return text, charset


def decode_counted(body: bytes, declared: str | None = None) -> tuple[str, str, int]:
    """(text, charset, number of undecodable bytes replaced by U+FFFD).

    Mixed-encoding pages (a GBK fragment inside a UTF-8 page) decode with the majority
    charset and errors="replace" instead of failing; the count goes into meta.
    """
    charset = detect_charset(body, declared)
    bom = bom_charset(body)
    payload = body
    if bom is not None and bom == charset:
        payload = body[len(dict((n, b) for b, n in _BOMS)[bom]) :]
    try:
        return payload.decode(charset), charset, 0
    except UnicodeDecodeError:
        bad = _count_bad_bytes(payload, charset)
        return payload.decode(charset, errors="replace"), charset, bad
