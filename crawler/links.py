"""Lean link extraction: one lxml pass over the tags that carry links on portal pages.

Scrapy's LinkExtractor is about three times slower, and the crawl only needs
(url, anchor text) pairs from a few attributes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

LINK_XPATH = "//a[@href] | //area[@href] | //iframe[@src] | //frame[@src] | //embed[@src]"
# Compiled once: tree.xpath(str) compiles its expression again on every page.
LINKS = etree.XPath(LINK_XPATH)
BASE_HREF = etree.XPath("//base/@href")
REFRESH = etree.XPath("//meta[translate(@http-equiv,'REFSH','refsh')='refresh']/@content")
META_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)
SCRIPT_URL = re.compile(
    r"""(?:window\.open|location\.href\s*=|location\.replace|location\s*=)\s*\(?\s*['"]([^'"]+)['"]"""
)
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")
# lxml refuses a str that declares its own encoding; the text is decoded already.
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
Link = tuple[str, str]


def extract_links(body: str, base_url: str) -> Iterator[Link]:
    """(absolute URL, anchor text) for every link-like thing on the page."""
    if body.startswith("<?xml", body.find("<")):
        body = XML_DECLARATION.sub("", body, count=1)
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return
    base = _base_href(tree, base_url)
    for el in LINKS(tree):
        target = el.get("href") or el.get("src") or ""
        text = _anchor_text(el) if el.tag in ("a", "area") else ""
        text = text or el.get("title") or el.get("alt") or ""
        link = _absolute(base, target, text)
        if link is not None:
            yield link
        onclick = el.get("onclick")
        if onclick:
            for found in SCRIPT_URL.findall(onclick):
                link = _absolute(base, found, text)
                if link is not None:
                    yield link
    for refresh in REFRESH(tree):
        match = META_REFRESH.search(refresh)
        if match:
            link = _absolute(base, match.group(1), "")
            if link is not None:
                yield link


def _anchor_text(el: lxml_html.HtmlElement) -> str | None:
    """el.text_content(): string() of an element without children is its own text."""
    return el.text_content() if len(el) else el.text


def _base_href(tree: lxml_html.HtmlElement, base_url: str) -> str:
    found = BASE_HREF(tree)
    return urljoin(base_url, found[0].strip()) if found else base_url


def _absolute(base: str, target: str, text: str) -> Link | None:
    """The link as extract_links yields it, or None for one that leads nowhere."""
    target = target.strip()
    if not target or target.lower().startswith(SKIP_SCHEMES):
        return None
    return _joined(base, target), " ".join(text.split()) if text else ""


FULL_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# An origin urljoin(base, "/") gives for a web page: an absolute path joins onto it as is.
WEB_ORIGIN = re.compile(r"https?://[^/?#;\\\s]+/")


def _joined(base: str, target: str) -> str:
    """urljoin without the fragment, memoised: a target with an absolute path (or a whole
    URL) joins the same against any page of the site, and menus repeat on every page."""
    if target.startswith("/") and not target.startswith("//"):
        base = _origin(base)
        rooted = rooted_join(base, target)
        if rooted is not None:
            return rooted
    elif FULL_URL.match(target):
        base = _origin(base)
    return _join(base, target)


def rooted_join(origin: str, target: str) -> str | None:
    """``urljoin(origin, target)`` without the fragment, by concatenation, for an origin
    ``http(s)://netloc/`` and a target ``/path[?query]`` that urljoin would not rewrite;
    None when it might (``//netloc``, dot segments, ``;params``, an empty ``?``, tabs or
    newlines).

    Most links on portal pages are such paths, and nearly every page names new ones
    (its articles), which the memo cannot help with."""
    if (
        not _web_origin(origin)
        or target.startswith("//")
        or "\t" in target
        or "\r" in target
        or "\n" in target
    ):
        return None
    kept = target.split("#", 1)[0]
    path, mark, query = kept.partition("?")
    if "/." in path or ";" in path or (mark and not query):
        return None
    return origin[:-1] + kept


@functools.lru_cache(maxsize=1 << 14)
def _join(base: str, target: str) -> str:
    return urljoin(base, target).split("#", 1)[0]


@functools.lru_cache(maxsize=4096)
def _origin(base: str) -> str:
    return urljoin(base, "/")


@functools.lru_cache(maxsize=4096)
def _web_origin(origin: str) -> bool:
    return WEB_ORIGIN.fullmatch(origin) is not None
