"""Catalog rows built from a fetch: the capture row and the run row."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from typing import Any

from archive.records import as_utc
from archive.types import FetchRecord
from archive.warcfile import Written


def now_utc() -> datetime:
    return datetime.now(UTC)


def jsonable(value: Any) -> Any:
    """What the JSON columns can hold: anything else becomes its ``str()``."""
    return json.loads(json.dumps(value, default=str))


def run_row(
    software: dict[str, str], settings_digest: str, portals_digest: str, note: str | None
) -> dict[str, Any]:
    return {
        "started_at": now_utc(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "software": jsonable(software),
        "settings_digest": settings_digest,
        "portals_digest": portals_digest,
        "note": note,
        "stats": {},
    }


def capture_row(
    fetch: FetchRecord,
    *,
    run_id: int | None,
    resource_id: int,
    sha256: str,
    spans: list[Written],
    record_id: str,
    change: str,
    revisit_of: int | None,
) -> dict[str, Any]:
    """Every column of a capture; ``spans`` is [main record, request record]."""
    main, req = spans
    return {
        "resource_id": resource_id,
        "run_id": run_id,
        "requested_url": fetch.requested_url,
        "final_url": fetch.final_url,
        "redirect_chain": list(fetch.redirect_chain),
        "method": fetch.method,
        "status": fetch.status,
        "reason": fetch.reason,
        "request_headers": [list(h) for h in fetch.request_headers],
        "response_headers": [list(h) for h in fetch.response_headers],
        "fetched_at": as_utc(fetch.fetched_at),
        "sha256": sha256,
        "size": len(fetch.body),
        "media_type": fetch.media_type,
        "charset": fetch.charset,
        "ip_address": fetch.ip_address,
        "warc_file": main.file,
        "warc_offset": main.offset,
        "warc_length": main.length,
        "warc_record_id": record_id,
        "request_offset": req.offset,
        "request_length": req.length,
        **provenance(fetch),
        "is_revisit": revisit_of is not None,
        "revisit_of": revisit_of,
        "change": change,
        "changed": change == "changed",
        "gone": change == "gone",
    }


def provenance(fetch: FetchRecord) -> dict[str, Any]:
    return {
        "portal": fetch.portal,
        "found_from": fetch.found_from,
        "anchor_text": fetch.anchor_text,
        "depth": fetch.depth,
        "candidate": fetch.candidate,
    }
