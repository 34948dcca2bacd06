"""The media type of a response: its Content-Type, or its URL's extension when vague."""

from __future__ import annotations

import mimetypes
from urllib.parse import unquote, urlsplit

from scrapy.http import Response

VAGUE = {
    "",
    "application/octet-stream",
    "application/x-download",
    "application/force-download",
    "binary/octet-stream",
    "application/unknown",
}
EXTRA = {".wps": "application/vnd.ms-works", ".ofd": "application/ofd"}


def media_type_of(response: Response) -> str | None:
    header = response.headers.get("Content-Type", b"").decode("latin-1")
    declared = header.split(";", 1)[0].strip().lower()
    if declared not in VAGUE:
        return declared
    return guess_from_url(response.url) or (declared or None)


def guess_from_url(url: str) -> str | None:
    path = unquote(urlsplit(url).path).lower()
    for ext, media in EXTRA.items():
        if path.endswith(ext):
            return media
    return mimetypes.guess_type(path)[0]
