"""Lean link extraction: one lxml pass over the tags that carry links on portal pages.

Scrapy's LinkExtractor is about three times slower, and the crawl only needs
(url, anchor text) pairs from a few attributes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from urllib.parse import urljoin

from lxml import html as lxml_html

LINK_XPATH = "//a[@href] | //area[@href] | //iframe[@src] | //frame[@src] | //embed[@src]"
META_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)
SCRIPT_URL = re.compile(
    r"""(?:window\.open|location\.href\s*=|location\.replace|location\s*=)\s*\(?\s*['"]([^'"]+)['"]"""
)
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")


def extract_links(body: str, base_url: str) -> Iterator[tuple[str, str]]:
    """(absolute URL, anchor text) for every link-like thing on the page."""
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return
    base = _base_href(tree, base_url)
    for el in tree.xpath(LINK_XPATH):
        target = el.get("href") or el.get("src") or ""
        text = el.text_content() if el.tag in ("a", "area") else ""
        text = text or el.get("title") or el.get("alt") or ""
        yield from _absolute(base, target, text)
        onclick = el.get("onclick")
        if onclick:
            for found in SCRIPT_URL.findall(onclick):
                yield from _absolute(base, found, text)
    for refresh in tree.xpath("//meta[translate(@http-equiv,'REFSH','refsh')='refresh']/@content"):
        match = META_REFRESH.search(refresh)
        if match:
            yield from _absolute(base, match.group(1), "")


def _base_href(tree: lxml_html.HtmlElement, base_url: str) -> str:
    found = tree.xpath("//base/@href")
    return urljoin(base_url, found[0].strip()) if found else base_url


def _absolute(base: str, target: str, text: str) -> Iterator[tuple[str, str]]:
    target = target.strip()
    if not target or target.lower().startswith(SKIP_SCHEMES):
        return
    yield _joined(base, target), " ".join(text.split())


FULL_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _joined(base: str, target: str) -> str:
    """urljoin without the fragment, memoised: a target with an absolute path (or a whole
    URL) joins the same against any page of the site, and menus repeat on every page."""
    if (target.startswith("/") and not target.startswith("//")) or FULL_URL.match(target):
        base = _origin(base)
    return _join(base, target)


@functools.lru_cache(maxsize=1 << 16)
def _join(base: str, target: str) -> str:
    return urljoin(base, target).split("#", 1)[0]


@functools.lru_cache(maxsize=4096)
def _origin(base: str) -> str:
    return urljoin(base, "/")
