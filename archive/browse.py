"""Small read queries the workbench (web/, `ogi diff`) needs beyond the Archive facade.

Each takes a Connection (``with archive.engine.connect() as conn``) and returns plain
values, so pages can ask for one parse result or one text without loading them all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archive.models import Capture, ParseRow, Resource, TextRow
from archive.queries import utc
from archive.resources import url_hash

C = Capture.__table__.c
P = ParseRow.__table__.c
R = Resource.__table__.c
T = TextRow.__table__.c


def catalog_state(conn: Connection) -> tuple[int, int, int]:
    """Highest capture, text and parse ids: any write to the catalog changes this."""
    row = conn.execute(
        sa.select(
            sa.select(sa.func.max(C.id)).scalar_subquery(),
            sa.select(sa.func.max(T.id)).scalar_subquery(),
            sa.select(sa.func.max(P.id)).scalar_subquery(),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def parse_result(conn: Connection, parse_id: int) -> dict[str, Any] | None:
    found = conn.execute(sa.select(P.result).where(P.id == parse_id)).scalar()
    return dict(found) if found is not None else None


def parse_for_text(
    conn: Connection, text_id: int, parser: str, version: str | None
) -> tuple[int, dict[str, Any]] | None:
    """(parse id, result) of one text by this parser version (newest one if None)."""
    stmt = sa.select(P.id, P.result).where(P.text_id == text_id, P.parser == parser)
    if version is not None:
        stmt = stmt.where(P.parser_version == version)
    row = conn.execute(stmt.order_by(P.id.desc()).limit(1)).first()
    return (int(row.id), dict(row.result)) if row is not None else None


def text_body(conn: Connection, text_id: int) -> str | None:
    return conn.execute(sa.select(T.text).where(T.id == text_id)).scalar()


def _chunks(urls: set[str], size: int = 500) -> list[list[str]]:
    hashes = sorted(url_hash(u) for u in urls)
    return [hashes[i : i + size] for i in range(0, len(hashes), size)]


def gone_since(conn: Connection, urls: set[str]) -> dict[str, datetime]:
    """When each of these (canonical) URLs went away online, for those gone now."""
    out: dict[str, datetime] = {}
    for chunk in _chunks(urls):
        stmt = sa.select(R.url, R.gone_at).where(R.url_hash.in_(chunk), R.gone_at.is_not(None))
        out.update({r.url: utc(r.gone_at) for r in conn.execute(stmt)})  # type: ignore[misc]
    return out


def first_captured(conn: Connection, urls: set[str]) -> dict[str, datetime]:
    """When each URL first answered with content (its first 2xx capture)."""
    out: dict[str, datetime] = {}
    for chunk in _chunks(urls):
        stmt = (
            sa.select(R.url, sa.func.min(C.fetched_at))
            .join(Resource.__table__, R.id == C.resource_id)
            .where(R.url_hash.in_(chunk), C.status >= 200, C.status < 300)
            .group_by(R.url)
        )
        out.update({url: utc(t) for url, t in conn.execute(stmt)})  # type: ignore[misc]
    return out


def newest_parser_version(conn: Connection, parser: str) -> str | None:
    from archive.queries import newest_parser_version as newest

    return newest(conn, parser)


class _IndexRow(NamedTuple):
    capture_id: int
    url: str
    portal: str | None
    fetched_at: datetime
    media_type: str | None
    sha256: str
    parse_id: int
    text_id: int
    agency: str | None
    year: int | None
    r_agency: str | None
    r_agency_normalized: str | None
    title: str | None
    format: str | None
    n_stats: int
    n_warnings: int
    sections_size: int
    versions: int


def report_index_rows(conn: Connection, parser: str, version: str) -> list[_IndexRow]:
    """One light row per (capture, parse) read as a report: no result JSON leaves SQL.

    The same captures as queries.parsed_captures, with the fields a report list needs
    extracted by the database (title, format, counts), so 20,000 reports load in seconds.
    """
    versions = (
        sa.select(C.resource_id, sa.func.count().label("n"))
        .where(C.change.in_(("new", "changed")))
        .group_by(C.resource_id)
        .subquery()
    )
    res = P.result
    stmt = (
        sa.select(
            C.id.label("capture_id"),
            R.url,
            C.portal,
            C.fetched_at,
            C.media_type,
            C.sha256,
            P.id.label("parse_id"),
            P.text_id,
            P.agency,
            P.year,
            res["agency"].as_string().label("r_agency"),
            res["agency_normalized"].as_string().label("r_agency_normalized"),
            res["title"].as_string().label("title"),
            res["format"].as_string().label("format"),
            sa.func.coalesce(sa.func.json_array_length(res["stats"]), 0).label("n_stats"),
            sa.func.coalesce(sa.func.json_array_length(res["warnings"]), 0).label("n_warnings"),
            sa.func.coalesce(sa.func.length(sa.cast(res["sections"], sa.Text)), 0).label(
                "sections_size"
            ),
            sa.func.coalesce(versions.c.n, 1).label("versions"),
        )
        .select_from(Capture.__table__)
        .join(Resource.__table__, R.id == C.resource_id)
        .join(TextRow.__table__, T.sha256 == C.sha256)
        .join(ParseRow.__table__, P.text_id == T.id)
        .outerjoin(versions, versions.c.resource_id == C.resource_id)
        .where(P.parser == parser, P.parser_version == version, P.is_report.is_(True))
        .where(C.is_revisit.is_(False), C.status >= 200, C.status < 300)
        .order_by(C.id, P.id)
    )
    return [
        _IndexRow(**{**r._asdict(), "fetched_at": utc(r.fetched_at)}) for r in conn.execute(stmt)
    ]
