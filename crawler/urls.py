"""URL hygiene: session ids and tracking parameters out, one canonical key per document.

Portals append ``;jsessionid=…`` to every link for cookie-less visitors and share
links carry ``utm_*`` / ``spm`` / ``from=``; each variant would be fetched and archived
as a new URL. ``clean_url`` removes them but keeps the rest of the URL as written (the
server may care about parameter order); ``url_key`` is the canonical form (w3lib, as
Scrapy's request fingerprints and the archive's resource keys use) for counting.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

SESSION_PATH = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#;]*", re.I)
SESSION_PARAMS = {"jsessionid", "phpsessid", "aspsessionid", "sessionid", "cfid", "cftoken"}
TRACKING_PARAMS = {
    "spm",
    "scm",
    "from",
    "share",
    "share_from",
    "sharefrom",
    "isappinstalled",
    "wxfrom",
    "fbclid",
    "gclid",
    "_",  # jQuery's cache buster
}
TRACKING_PREFIXES = ("utm_",)


def _dropped(name: str) -> str | None:
    """Why a query parameter goes: ``session``, ``tracking`` or None (it stays)."""
    lowered = name.lower()
    if lowered in SESSION_PARAMS:
        return "session"
    if lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES):
        return "tracking"
    return None


def clean(url: str) -> tuple[str, set[str]]:
    """The URL without session ids and tracking parameters, and what was removed."""
    if ";" not in url and "?" not in url:
        return url, set()  # the common case, without parsing
    if _keeps_all(url):
        return url, set()
    parts = urlsplit(url)
    removed: set[str] = set()
    path = SESSION_PATH.sub("", parts.path)
    if path != parts.path:
        removed.add("session")
    kept = []
    for piece in parts.query.split("&") if parts.query else []:
        reason = _dropped(piece.split("=", 1)[0])
        if reason is None:
            kept.append(piece)
        else:
            removed.add(reason)
    if not removed:
        return url, removed
    return urlunsplit((parts.scheme, parts.netloc, path, "&".join(kept), "")), removed


def _keeps_all(url: str) -> bool:
    """True only where clean removes nothing: no ";" (so no session path), and no query
    parameter of the query urlsplit would find (after the first "?", before a "#") is
    one _dropped names; with no tab or newline, which urlsplit would remove first."""
    if ";" in url or "\t" in url or "\r" in url or "\n" in url:
        return False
    query = url.split("#", 1)[0].partition("?")[2]
    return not any(_dropped(piece.split("=", 1)[0]) for piece in query.split("&") if piece)


def clean_url(url: str) -> str:
    return clean(url)[0]


def url_key(url: str) -> str:
    """The canonical form of the cleaned URL (sorted query, no fragment)."""
    return canonicalize_url(clean_url(url.strip()), keep_fragments=False)
