"""What a URL's next capture means: new, changed, unchanged, gone or an error."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from w3lib.url import canonicalize_url

from archive.records import warc_date

GONE_STATUSES = {404, 410}


def canonical_url(url: str) -> str:
    """The resource key: w3lib's canonical form without the fragment."""
    return canonicalize_url(url.strip(), keep_fragments=False)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@dataclass
class ResourceState:
    """The catalog's view of a URL, kept in memory while a crawl writes it."""

    resource_id: int
    latest_sha256: str | None = None
    latest_payload_capture: int | None = None
    refers_to: tuple[str, str, str] | None = None  # record id, target URI, WARC date
    ever_ok: bool = False
    gone_at: datetime | None = None

    @property
    def refers_digest(self) -> str:
        raw = bytes.fromhex(self.latest_sha256 or "")
        return "sha256:" + base64.b32encode(raw).decode()

    def apply(self, change: str, row: dict[str, Any], capture_id: int) -> None:
        """Move the URL's state past one capture (new/changed versions, gone, back)."""
        if change in ("new", "changed"):
            self.latest_sha256 = row["sha256"]
            self.latest_payload_capture = capture_id
            moment = row["fetched_at"]
            self.refers_to = (row["warc_record_id"], row["final_url"], warc_date(moment))
        if change in ("new", "changed", "unchanged"):
            self.ever_ok = True
            self.gone_at = None
        elif change == "gone" and self.gone_at is None:
            self.gone_at = row["fetched_at"]

    def columns(self, seen: datetime) -> dict[str, Any]:
        return {
            "last_seen": seen,
            "latest_sha256": self.latest_sha256,
            "latest_payload_capture_id": self.latest_payload_capture,
            "ever_ok": self.ever_ok,
            "gone_at": self.gone_at,
        }


def decide_change(state: ResourceState, status: int, sha256: str) -> str:
    """Classify a fetch against the URL's history (see docs/architecture.md)."""
    if 200 <= status < 300:
        if state.latest_sha256 is None:
            return "new"
        if state.latest_sha256 == sha256 and state.refers_to is not None:
            return "unchanged"
        return "changed"
    if status == 304:
        return "unchanged" if state.refers_to is not None else "error"
    if status in GONE_STATUSES and state.ever_ok:
        return "gone"
    return "error"
