"""Plain records that cross the archive's boundary (no SQLAlchemy objects leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FetchRecord:
    """One HTTP exchange as the crawler kept it; see docs/architecture.md."""

    requested_url: str
    final_url: str
    redirect_chain: tuple[str, ...]
    method: str
    request_headers: Headers
    request_body: bytes
    status: int
    reason: str
    response_headers: Headers
    body: bytes
    fetched_at: datetime
    portal: str | None = None
    found_from: str | None = None
    anchor_text: str | None = None
    depth: int = 0
    media_type: str | None = None
    charset: str | None = None
    ip_address: str | None = None
    candidate: bool = False


@dataclass(frozen=True)
class CaptureResult:
    capture_id: int
    resource_id: int
    sha256: str
    change: str  # new | changed | unchanged | gone | error


@dataclass(frozen=True)
class CaptureInfo:
    """Everything the catalog knows of one capture."""

    id: int
    url: str
    requested_url: str
    final_url: str
    redirect_chain: tuple[str, ...]
    method: str
    status: int
    response_headers: Headers
    fetched_at: datetime
    sha256: str
    size: int
    media_type: str | None
    charset: str | None
    warc_file: str
    warc_offset: int
    warc_length: int
    run_id: int | None
    portal: str | None
    found_from: str | None
    anchor_text: str | None
    depth: int
    candidate: bool
    is_revisit: bool
    revisit_of: int | None
    changed: bool
    gone: bool
    change: str


@dataclass(frozen=True)
class KnownUrl:
    """What a recrawl needs of a URL already archived: its validators and when its
    content was last confirmed (its latest new, changed or unchanged capture)."""

    capture_id: int  # the latest payload capture (a 304's body is this one's)
    etag: str | None
    last_modified: str | None
    checked_at: datetime
    candidate: bool
    media_type: str | None
    sha256: str | None = None  # of that capture's payload


@dataclass(frozen=True)
class ResourceInfo:
    """A canonical URL: when first seen, its latest stored version, when it went away."""

    id: int
    url: str
    first_seen: datetime
    last_seen: datetime
    latest_sha256: str | None
    latest_capture_id: int | None
    gone_at: datetime | None


@dataclass(frozen=True)
class TextInfo:
    id: int
    sha256: str
    extractor: str
    extractor_version: str
    options: dict[str, Any]
    text: str | None
    error: str | None
    meta: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class ParsedCapture:
    capture: CaptureInfo
    text_id: int
    parse_id: int
    parser_version: str
    result: dict[str, Any]
    agency: str | None
    year: int | None
    versions: int


@dataclass(frozen=True)
class RunInfo:
    id: int
    started_at: datetime
    finished_at: datetime | None
    host: str
    software: dict[str, str]
    settings_digest: str
    portals_digest: str
    stats: dict[str, Any] = field(default_factory=dict)
