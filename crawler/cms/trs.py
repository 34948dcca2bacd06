"""TRS WCM: list pagers and links that exist only inside page scripts.

TRS lists print their pager with ``document.write`` from ``var countPage = N`` or
``createPageHTML(N, cur, "index", "html")``, so a page may carry no <a> to page 2 at
all; attachments (``./P0….pdf``) are sometimes written by scripts too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

from crawler.cms.base import Lead, clean_text, is_word_char

NAME = "trs"
MAX_PAGES = 500  # a sanity cap; the portal's page budget is the real limit
SIGNS = re.compile(r"\bcountPage\b|createPageHTML\s*\(|TRS_Editor")
ARTICLE_URL = re.compile(r"/t\d{8}_\d+(?:_\d+)?\.s?html?$")
COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*(\d+)")
# COUNT_PAGE without its leading \b, which leaves the regex no literal to search for:
# "var" is found fast, and the word boundary is checked where it is found.
VAR_COUNT_PAGE = re.compile(r"var\s+countPage\s*=\s*(\d+)")
CREATE_SIGN = re.compile(r"createPageHTML\s*\(")  # SIGNS' second branch alone
CREATE_PAGE = re.compile(
    r"""createPageHTML\(\s*(\d+)\s*,\s*\d+\s*,\s*['"]([\w.-]+)['"]\s*,\s*['"](\w+)['"]\s*\)"""
)
SCRIPT_HINT = re.compile(r"[PW]0\d{6}|t\d{8}_\d", re.I)
# SCRIPT_HINT's branches found from their uncased "0" and "_" (re.I leaves a pattern that
# starts with a letter no literal to search for), the letters before checked at each hit.
HINT_ZERO = re.compile(r"0\d{6}")
HINT_UNDERSCORE = re.compile(r"_\d")
HINT_T_DIGITS = re.compile(r"t\d{8}", re.I)
SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
SCRIPT_LINK = re.compile(
    r"""(?P<url>(?:(?:https?:)?//[\w.:-]+)?(?:\.{1,2}/|/)?(?:[\w.%-]+/)*"""
    r"""(?:[PW]0\d{6,}[\w-]*\.(?:pdf|docx?|wps|xlsx?|ofd|zip)|t\d{8}_\d+\.s?html?))"""
    r"""(?:[^<>]{0,200}?>(?P<text>[^<]{0,300})<)?""",
    re.I,
)


@functools.lru_cache(maxsize=4)
def _pager_words(text: str) -> tuple[bool, bool]:
    """("countPage" in text, "createPageHTML" in text), once per page: matches, leads
    and page_count all ask about the same text (the same str object: its hash is
    computed once and the memo finds it by identity)."""
    return "countPage" in text, "createPageHTML" in text


def _has_pager_script(text: str) -> bool:
    """Whether COUNT_PAGE or CREATE_PAGE can match at all: both need a literal word that
    a substring test finds far faster than the regexes (\\b and \\s* defeat their own
    literal search), and most pages of a portal have neither."""
    return any(_pager_words(text))


def _count_page(text: str) -> re.Match[str] | None:
    """COUNT_PAGE.search(text): the first VAR_COUNT_PAGE match that starts a word."""
    if not _pager_words(text)[0]:
        return None  # no "countPage": COUNT_PAGE cannot match
    pos = 0
    while (found := VAR_COUNT_PAGE.search(text, pos)) is not None:
        start = found.start()
        if start == 0 or not is_word_char(text[start - 1]):
            return found
        pos = start + 1
    return None


def _count_page_word(text: str) -> bool:
    """Whether SIGNS' first branch, \\bcountPage\\b, matches: a substring search and
    the two boundaries checked by hand."""
    word = "countPage"
    pos = text.find(word)
    while pos >= 0:
        end = pos + len(word)
        if (pos == 0 or not is_word_char(text[pos - 1])) and (
            end == len(text) or not is_word_char(text[end])
        ):
            return True
        pos = text.find(word, pos + 1)
    return False


def matches(url: str, text: str) -> bool:
    if ARTICLE_URL.search(urlsplit(url).path):
        return True
    # SIGNS, one branch at a time, each only where its literal word is.
    count_page, create_page = _pager_words(text)
    return (
        (count_page and _count_page_word(text))
        or (create_page and CREATE_SIGN.search(text) is not None)
        or "TRS_Editor" in text
    )


def leads(url: str, text: str) -> list[Lead]:
    """Further pages of a script-paged list, then links written by scripts."""
    return [*pager_leads(url, text), *script_links(url, text)]


def read_answer(url: str, text: str, form: Mapping[str, str]) -> list[Lead]:
    """TRS pages are HTML: nothing of theirs needs this module to read an answer."""
    return []


def page_count(text: str) -> int | None:
    """The list's page count as its pager script states it (None when it states none)."""
    if not _has_pager_script(text):
        return None
    found = CREATE_PAGE.search(text)
    if found:
        return int(found.group(1))
    count = _count_page(text)
    return int(count.group(1)) if count else None


def pager_leads(url: str, text: str) -> list[Lead]:
    """index_1 … index_{N-1} (page 1 is index itself); createPageHTML names its pages."""
    if not _has_pager_script(text):
        return []
    pages: dict[str, int] = {}
    folder = urljoin(url, "x")[:-1]  # what urljoin(url, "<one segment>") puts before it
    for count, name, ext in CREATE_PAGE.findall(text):
        for i in range(1, min(int(count), MAX_PAGES)):
            pages.setdefault(folder + f"{name}_{i}.{ext}", i)
    if not pages:
        found = _count_page(text)
        if found:
            ext = "shtml" if urlsplit(url).path.endswith(".shtml") else "html"
            for i in range(1, min(int(found.group(1)), MAX_PAGES)):
                pages.setdefault(folder + f"index_{i}.{ext}", i)
    return [Lead(u, f"第{i + 1}页", pager=True) for u, i in pages.items()]


def script_links(url: str, text: str) -> list[Lead]:
    """Attachment and article links inside scripts, with the text they are written with."""
    found: dict[str, str] = {}
    for script in SCRIPT.findall(text):
        if not _has_hint(script):
            continue  # SCRIPT_LINK is slow to scan; every match of it holds a hint
        for match in SCRIPT_LINK.finditer(script):
            target = urljoin(url, match.group("url"))
            anchor = clean_text(match.group("text") or "")
            if anchor or target not in found:
                found[target] = anchor
    return [Lead(u, a) for u, a in found.items()]


def _has_hint(script: str) -> bool:
    """Whether SCRIPT_HINT matches in ``script``: [PW]0\\d{6} or t\\d{8}_\\d, any case."""
    pos = 1
    while (found := HINT_ZERO.search(script, pos)) is not None:
        if script[found.start() - 1] in "PpWw":
            return True
        pos = found.start() + 1
    pos = 9
    while (found := HINT_UNDERSCORE.search(script, pos)) is not None:
        if HINT_T_DIGITS.match(script, found.start() - 9):
            return True
        pos = found.start() + 1
    return False
