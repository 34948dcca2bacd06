"""The result type every extractor returns, and helpers to build failures."""

from __future__ import annotations

from dataclasses import dataclass, field

# Bump when any extractor's output for the same bytes may change: a new version
# makes a new text row in the archive instead of silently replacing the old one.
EXTRACT_VERSION = "1.1.1"


@dataclass(frozen=True)
class Extraction:
    """Text of one payload plus how it was obtained (see docs/architecture.md)."""

    text: str | None
    extractor: str
    extractor_version: str
    options: dict
    charset: str | None
    title: str | None
    meta: dict = field(default_factory=dict)
    error: str | None = None
    error_detail: str | None = None


def version_string(library: str, libversion: str) -> str:
    """`<our version>+<library>-<library version>` so a library upgrade is a new row."""
    return f"{EXTRACT_VERSION}+{library}-{libversion}"


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short line for `error_detail`."""
    text = f"{type(exc).__name__}: {exc}".strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:limit]


def failure(
    error: str,
    detail: str | None,
    *,
    extractor: str,
    extractor_version: str,
    options: dict | None = None,
    charset: str | None = None,
    meta: dict | None = None,
) -> Extraction:
    """An Extraction that carries an error code instead of text."""
    return Extraction(
        text=None,
        extractor=extractor,
        extractor_version=extractor_version,
        options=dict(options or {}),
        charset=charset,
        title=None,
        meta=dict(meta or {}),
        error=error,
        error_detail=detail,
    )
