"""TRS WCM: list pagers and links that exist only inside page scripts.

TRS lists print their pager with ``document.write`` from ``var countPage = N`` or
``createPageHTML(N, cur, "index", "html")``, so a page may carry no <a> to page 2 at
all; attachments (``./P0….pdf``) are sometimes written by scripts too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

from crawler.cms.base import Lead, clean_text

NAME = "trs"
MAX_PAGES = 500  # a sanity cap; the portal's page budget is the real limit
SIGNS = re.compile(r"\bcountPage\b|createPageHTML\s*\(|TRS_Editor")
ARTICLE_URL = re.compile(r"/t\d{8}_\d+(?:_\d+)?\.s?html?$")
COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*(\d+)")
CREATE_PAGE = re.compile(
    r"""createPageHTML\(\s*(\d+)\s*,\s*\d+\s*,\s*['"]([\w.-]+)['"]\s*,\s*['"](\w+)['"]\s*\)"""
)
SCRIPT_HINT = re.compile(r"[PW]0\d{6}|t\d{8}_\d", re.I)
SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
SCRIPT_LINK = re.compile(
    r"""(?P<url>(?:(?:https?:)?//[\w.:-]+)?(?:\.{1,2}/|/)?(?:[\w.%-]+/)*"""
    r"""(?:[PW]0\d{6,}[\w-]*\.(?:pdf|docx?|wps|xlsx?|ofd|zip)|t\d{8}_\d+\.s?html?))"""
    r"""(?:[^<>]{0,200}?>(?P<text>[^<]{0,300})<)?""",
    re.I,
)


def _has_pager_script(text: str) -> bool:
    """Whether COUNT_PAGE or CREATE_PAGE can match at all: both need a literal word that
    a substring test finds far faster than the regexes (\\b and \\s* defeat their own
    literal search), and most pages of a portal have neither."""
    return "countPage" in text or "createPageHTML" in text


def matches(url: str, text: str) -> bool:
    if ARTICLE_URL.search(urlsplit(url).path):
        return True
    # SIGNS can only match where one of its literal words is.
    return (_has_pager_script(text) or "TRS_Editor" in text) and bool(SIGNS.search(text))


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
    count = COUNT_PAGE.search(text)
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
        found = COUNT_PAGE.search(text)
        if found:
            ext = "shtml" if urlsplit(url).path.endswith(".shtml") else "html"
            for i in range(1, min(int(found.group(1)), MAX_PAGES)):
                pages.setdefault(folder + f"index_{i}.{ext}", i)
    return [Lead(u, f"第{i + 1}页", pager=True) for u, i in pages.items()]


def script_links(url: str, text: str) -> list[Lead]:
    """Attachment and article links inside scripts, with the text they are written with."""
    found: dict[str, str] = {}
    for script in SCRIPT.findall(text):
        if not SCRIPT_HINT.search(script):
            continue  # SCRIPT_LINK is slow to scan; every match of it holds a hint
        for match in SCRIPT_LINK.finditer(script):
            target = urljoin(url, match.group("url"))
            anchor = clean_text(match.group("text") or "")
            if anchor or target not in found:
                found[target] = anchor
    return [Lead(u, a) for u, a in found.items()]
