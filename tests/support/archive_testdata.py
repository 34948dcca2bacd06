"""Test data helpers for the archive suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from archive import FetchRecord

_clock = [datetime(2025, 2, 3, 8, 0, tzinfo=UTC)]


def fetch(
    url: str, body: bytes, status: int = 200, *, reason: str = "OK", **extra: object
) -> FetchRecord:
    """A FetchRecord as the crawler would hand it over, one second after the last one."""
    headers = (("Content-Length", str(len(body))),)
    return fetch_record(url, body, status, reason=reason, headers=headers, **extra)


def fetch_record(
    url: str,
    body: bytes = b"",
    status: int = 200,
    *,
    reason: str = "OK",
    content_type: str = "text/html; charset=utf-8",
    headers: tuple[tuple[str, str], ...] = (),
    at: datetime | None = None,
    **extra: object,
) -> FetchRecord:
    """A GET of ``url`` answered directly (no redirect), with any field overridden;
    fetched one second after the last record unless ``at`` says when."""
    _clock[0] += timedelta(seconds=1)
    return FetchRecord(
        requested_url=url,
        final_url=url,
        redirect_chain=(),
        method="GET",
        request_headers=(("User-Agent", "ogi-archive-test"),),
        request_body=b"",
        status=status,
        reason=reason,
        response_headers=(("Content-Type", content_type), *headers),
        body=body,
        fetched_at=at or _clock[0],
        **{"media_type": "text/html", **extra},  # type: ignore[arg-type]
    )
