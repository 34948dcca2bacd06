"""Test data helpers for the archive suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from archive import FetchRecord

_clock = [datetime(2025, 2, 3, 8, 0, tzinfo=UTC)]


def fetch(
    url: str, body: bytes, status: int = 200, *, reason: str = "OK", **extra: object
) -> FetchRecord:
    """A FetchRecord as the crawler would hand it over, one second after the last one."""
    _clock[0] += timedelta(seconds=1)
    headers = (("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))))
    return FetchRecord(
        requested_url=url,
        final_url=url,
        redirect_chain=(),
        method="GET",
        request_headers=(("User-Agent", "ogi-archive-test"),),
        request_body=b"",
        status=status,
        reason=reason,
        response_headers=headers,
        body=body,
        fetched_at=_clock[0],
        media_type="text/html",
        **extra,  # type: ignore[arg-type]
    )
