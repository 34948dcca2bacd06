"""Read queries over the catalog, returning the plain records of archive.types."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archive.models import Capture, CrawlRun, ParseRow, Resource, TextRow
from archive.records import warc_date
from archive.resources import ResourceState, url_hash
from archive.types import (
    CaptureInfo,
    KnownUrl,
    ParsedCapture,
    ResourceInfo,
    RunInfo,
    TextInfo,
)

C = Capture.__table__.c
R = Resource.__table__.c
T = TextRow.__table__.c
P = ParseRow.__table__.c


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Built once, values bound at execution: the crawl looks up every URL it archives, with
# the capture its latest version refers to in the same query.
RESOURCE_BY_HASH = (
    sa.select(
        R.id,
        R.latest_sha256,
        R.latest_payload_capture_id,
        R.ever_ok,
        R.gone_at,
        C.warc_record_id,
        C.final_url,
        C.fetched_at,
    )
    .select_from(
        Resource.__table__.outerjoin(Capture.__table__, C.id == R.latest_payload_capture_id)
    )
    .where(R.url_hash == sa.bindparam("url_hash"))
)


def load_resource(conn: Connection, url: str) -> ResourceState | None:
    row = conn.execute(RESOURCE_BY_HASH, {"url_hash": url_hash(url)}).first()
    if row is None:
        return None
    state = ResourceState(
        resource_id=row.id,
        latest_sha256=row.latest_sha256,
        latest_payload_capture=row.latest_payload_capture_id,
        ever_ok=row.ever_ok,
        gone_at=utc(row.gone_at),
    )
    if row.warc_record_id is not None:
        state.refers_to = (row.warc_record_id, row.final_url, warc_date(utc(row.fetched_at)))  # type: ignore[arg-type]
    return state


def resource_info(conn: Connection, url: str) -> ResourceInfo | None:
    row = conn.execute(sa.select(Resource.__table__).where(R.url_hash == url_hash(url))).first()
    if row is None:
        return None
    return ResourceInfo(
        id=row.id,
        url=row.url,
        first_seen=utc(row.first_seen),  # type: ignore[arg-type]
        last_seen=utc(row.last_seen),  # type: ignore[arg-type]
        latest_sha256=row.latest_sha256,
        latest_capture_id=row.latest_payload_capture_id,
        gone_at=utc(row.gone_at),
    )


def known_urls(conn: Connection, portal: str | None = None) -> dict[str, KnownUrl]:
    """Canonical URL -> validators of every URL not gone, in one query (for recrawls).

    Two indexed scans (capture by resource, resource) and one row per URL: cheap for
    100k URLs; only the latest payload capture's headers are read.
    """
    checked = (
        sa.select(C.resource_id, sa.func.max(C.fetched_at).label("checked_at"))
        .where(C.change.in_(("new", "changed", "unchanged")))
        .group_by(C.resource_id)
        .subquery()
    )
    stmt = (
        sa.select(
            R.url,
            R.latest_sha256,
            C.id,
            C.response_headers,
            C.candidate,
            C.media_type,
            checked.c.checked_at,
        )
        .join(Capture.__table__, C.id == R.latest_payload_capture_id)
        .join(checked, checked.c.resource_id == R.id)
        .where(R.gone_at.is_(None))
    )
    if portal is not None:
        stmt = stmt.where(C.portal == portal)
    out: dict[str, KnownUrl] = {}
    for row in conn.execute(stmt):
        headers = {str(k).lower(): str(v) for k, v in row.response_headers or ()}
        out[row.url] = KnownUrl(
            capture_id=row.id,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            checked_at=utc(row.checked_at),  # type: ignore[arg-type]
            candidate=bool(row.candidate),
            media_type=row.media_type,
            sha256=row.latest_sha256,
        )
    return out


def warc_file_ends(conn: Connection) -> dict[str, int]:
    """Per WARC file, the end of the last catalogued record (request or response)."""
    ends: dict[str, int] = {}
    stmt = sa.select(
        C.warc_file,
        sa.func.max(C.warc_offset + C.warc_length),
        sa.func.max(C.request_offset + C.request_length),
    ).group_by(C.warc_file)
    for name, a, b in conn.execute(stmt):
        ends[name] = max(int(a or 0), int(b or 0))
    return ends


def _info(row: Any, url: str) -> CaptureInfo:
    """``gone`` is per capture: this fetch found the URL gone (404/410 after a success)."""
    return CaptureInfo(
        id=row.id,
        url=url,
        requested_url=row.requested_url,
        final_url=row.final_url,
        redirect_chain=tuple(row.redirect_chain or ()),
        method=row.method,
        status=row.status,
        response_headers=tuple(tuple(h) for h in row.response_headers or ()),  # type: ignore[misc]
        fetched_at=utc(row.fetched_at),
        sha256=row.sha256,
        size=row.size,  # type: ignore[arg-type]
        media_type=row.media_type,
        charset=row.charset,
        warc_file=row.warc_file,
        warc_offset=row.warc_offset,
        warc_length=row.warc_length,
        run_id=row.run_id,
        portal=row.portal,
        found_from=row.found_from,
        anchor_text=row.anchor_text,
        depth=row.depth,
        candidate=row.candidate,
        is_revisit=row.is_revisit,
        revisit_of=row.revisit_of,
        changed=bool(row.changed),
        gone=bool(row.gone),
        change=row.change,
    )


# What _info reads: every capture column but the request headers (JSON decoded per row
# for nothing: a page of reports reads thousands of rows).
INFO_COLUMNS = [c for c in Capture.__table__.c if c.name != "request_headers"]


def _select_captures() -> sa.Select[Any]:
    return sa.select(*INFO_COLUMNS, R.url.label("resource_url")).join(
        Resource.__table__, R.id == C.resource_id
    )


def _infos(conn: Connection, stmt: sa.Select[Any]) -> list[CaptureInfo]:
    return [_info(r, r.resource_url) for r in conn.execute(stmt)]


def capture_by_id(conn: Connection, capture_id: int) -> CaptureInfo | None:
    found = _infos(conn, _select_captures().where(C.id == capture_id))
    return found[0] if found else None


def request_span(conn: Connection, capture_id: int) -> tuple[int, int]:
    row = conn.execute(
        sa.select(C.request_offset, C.request_length).where(C.id == capture_id)
    ).one()
    return int(row[0]), int(row[1])


def captures_of_url(
    conn: Connection, url: str, *, after: int | None = None, limit: int | None = None
) -> list[CaptureInfo]:
    """Oldest first; with ``after`` (a capture id) only those after it, at most ``limit``."""
    stmt = _select_captures().where(R.url_hash == url_hash(url)).order_by(C.fetched_at, C.id)
    if after is not None:
        mark = conn.execute(sa.select(C.fetched_at).where(C.id == after)).scalar()
        if mark is None:
            raise ValueError(f"no capture {after} to continue after")
        stmt = stmt.where(sa.or_(C.fetched_at > mark, sa.and_(C.fetched_at == mark, C.id > after)))
    if limit is not None:
        stmt = stmt.limit(limit)
    return _infos(conn, stmt)


def captures(conn: Connection, *, run_id: int | None, candidates_only: bool) -> list[CaptureInfo]:
    stmt = _select_captures().order_by(C.id)
    if run_id is not None:
        stmt = stmt.where(C.run_id == run_id)
    if candidates_only:
        stmt = stmt.where(C.candidate.is_(True))
    return _infos(conn, stmt)


def captures_without_text(conn: Connection, extractor: str, version: str) -> list[CaptureInfo]:
    """Per payload digest, its newest non-revisit 2xx capture, if it has no such text yet."""
    has_text = sa.exists().where(
        T.sha256 == C.sha256, T.extractor == extractor, T.extractor_version == version
    )
    newest = (
        sa.select(sa.func.max(C.id))
        .where(C.is_revisit.is_(False), C.status >= 200, C.status < 300, ~has_text)
        .group_by(C.sha256)
    )
    return _infos(conn, _select_captures().where(C.id.in_(newest)).order_by(C.id))


def runs(conn: Connection) -> list[RunInfo]:
    rows = conn.execute(sa.select(CrawlRun.__table__).order_by(CrawlRun.id)).all()
    return [
        RunInfo(
            id=r.id,
            started_at=utc(r.started_at),
            finished_at=utc(r.finished_at),  # type: ignore[arg-type]
            host=r.host,
            software=r.software,
            settings_digest=r.settings_digest,
            portals_digest=r.portals_digest,
            stats=r.stats or {},
        )
        for r in rows
    ]


def find_id(conn: Connection, table: sa.Table, key: dict[str, Any]) -> int | None:
    found = conn.execute(_find_id(table, tuple(key)), key).scalar()
    return int(found) if found is not None else None


@functools.cache
def _find_id(table: sa.Table, columns: tuple[str, ...]) -> sa.Select[Any]:
    """Built once per key shape, values bound at execution (texts are stored per job)."""
    return sa.select(table.c.id).where(*(table.c[k] == sa.bindparam(k) for k in columns))


def text_ids(conn: Connection) -> list[int]:
    return list(conn.execute(sa.select(T.id).order_by(T.id)).scalars())


def texts(
    conn: Connection, *, sha256: str | None = None, ids: list[int] | None = None
) -> list[TextInfo]:
    stmt = sa.select(TextRow.__table__).order_by(T.id)
    if sha256 is not None:
        stmt = stmt.where(T.sha256 == sha256)
    if ids is not None:
        stmt = stmt.where(T.id.in_(ids))
    return [
        TextInfo(
            id=r.id,
            sha256=r.sha256,
            extractor=r.extractor,
            extractor_version=r.extractor_version,
            options=r.options or {},
            text=r.text,
            error=r.error,
            meta=r.meta or {},
            created_at=utc(r.created_at),
        )  # type: ignore[arg-type]
        for r in conn.execute(stmt)
    ]


def parsed_text_ids(conn: Connection, parser: str, version: str) -> set[int]:
    stmt = sa.select(P.text_id).where(P.parser == parser, P.parser_version == version)
    return set(conn.execute(stmt).scalars())


def parser_versions(conn: Connection, parser: str) -> list[str]:
    stmt = (
        sa.select(P.parser_version, sa.func.max(P.id).label("last"))
        .where(P.parser == parser)
        .group_by(P.parser_version)
        .order_by(sa.text("last"))
    )
    return [r[0] for r in conn.execute(stmt)]


def newest_parser_version(conn: Connection, parser: str) -> str | None:
    versions = parser_versions(conn, parser)
    return versions[-1] if versions else None


ReportKey = tuple[str | None, int | None]  # (parse.agency, parse.year): one page cursor


def parsed_captures(
    conn: Connection, parser: str, version: str, *, year: int | None, agency: str | None
) -> list[ParsedCapture]:
    """Every non-revisit capture whose payload's text this parser version read as a report."""
    return _parsed(conn, _parsed_select(parser, version, year, agency), version)


def parsed_captures_page(
    conn: Connection,
    parser: str,
    version: str,
    *,
    year: int | None,
    agency: str | None,
    after: ReportKey | None,
    limit: int,
) -> tuple[list[ParsedCapture], ReportKey | None]:
    """One page of parsed_captures: those of the first ``limit`` (agency, year) keys after
    ``after``, and the cursor of the next page (None after the last).

    Keyset pagination on the parse (parser, parser_version, agency, year) index, so a page
    costs the same at any depth, unlike OFFSET; the key order is the database's own.
    """
    stmt = _parsed_select(parser, version, year, agency)
    keys = report_keys(conn, stmt, after, limit + 1)
    more = len(keys) > limit
    keys = keys[:limit]
    if not keys:
        return [], None
    wanted = set(keys)
    page = _parsed(conn, _of_keys(stmt, keys), version, keep=wanted)
    return page, (keys[-1] if more else None)


def _of_keys(stmt: Any, keys: list[ReportKey]) -> Any:
    """Rows of (at least) these keys, found through an index range: the keys are
    consecutive in the database's order, so their agencies lie between the first and the
    last named one; the few other rows in that range are dropped by the caller."""
    named = [a for a, _ in keys if a is not None]
    ranges = [P.agency.between(named[0], named[-1])] if named else []
    unnamed = [y for a, y in keys if a is None]
    if unnamed:
        years = [y for y in unnamed if y is not None]
        ranges.append(
            P.agency.is_(None)
            & sa.or_(P.year.in_(years), *([P.year.is_(None)] if None in unnamed else []))
        )
    return stmt.where(sa.or_(*ranges))


def _parsed_select(parser: str, version: str, year: int | None, agency: str | None) -> Any:
    stmt = (
        _select_captures()
        .add_columns(
            P.id.label("parse_id"),
            P.text_id,
            P.result,
            P.agency.label("p_agency"),
            P.year.label("p_year"),
        )
        .join(TextRow.__table__, T.sha256 == C.sha256)
        .join(ParseRow.__table__, P.text_id == T.id)
        .where(P.parser == parser, P.parser_version == version, P.is_report.is_(True))
        .where(C.is_revisit.is_(False), C.status >= 200, C.status < 300)
        .order_by(C.id, P.id)
    )
    if year is not None:
        stmt = stmt.where(P.year == year)
    if agency is not None:
        stmt = stmt.where(P.agency.contains(agency))
    return stmt


def _parsed(
    conn: Connection, stmt: Any, version: str, *, keep: set[ReportKey] | None = None
) -> list[ParsedCapture]:
    rows = conn.execute(stmt).all()
    if keep is not None:
        rows = [r for r in rows if (r.p_agency, r.p_year) in keep]
    counts = _version_counts(conn, {r.resource_id for r in rows})
    return [
        ParsedCapture(
            capture=_info(r, r.resource_url),
            text_id=r.text_id,
            parse_id=r.parse_id,
            parser_version=version,
            result=r.result,
            agency=r.p_agency,
            year=r.p_year,
            versions=counts.get(r.resource_id, 1),
        )
        for r in rows
    ]


def report_keys(
    conn: Connection, matching: sa.Select[Any], after: ReportKey | None, limit: int
) -> list[ReportKey]:
    """The first ``limit`` (agency, year) keys after ``after`` that have a matching capture,
    in the catalog's own order of the index (NULL first on SQLite, last on PostgreSQL)."""
    nulls_first = conn.dialect.name == "sqlite"
    stmt = matching.with_only_columns(P.agency, P.year).distinct().order_by(None)
    if after is not None:
        stmt = stmt.where(_key_after(after, nulls_first))
    stmt = stmt.order_by(P.agency, P.year).limit(limit)
    return [(r[0], r[1]) for r in conn.execute(stmt)]


def _same(col: Any, value: Any) -> Any:
    return col.is_(None) if value is None else col == value


def _after(col: Any, value: Any, nulls_first: bool) -> Any:
    """``col`` comes strictly after ``value`` in ascending order with that NULL placement."""
    if value is None:
        return col.is_not(None) if nulls_first else sa.false()
    return col > value if nulls_first else sa.or_(col > value, col.is_(None))


def _key_after(key: ReportKey, nulls_first: bool) -> Any:
    agency, year = key
    later = sa.or_(
        _after(P.agency, agency, nulls_first),
        _same(P.agency, agency) & _after(P.year, year, nulls_first),
    )
    if agency is not None and nulls_first:
        return sa.and_(P.agency >= agency, later)  # a range the index can seek to
    return later


def _version_counts(conn: Connection, resource_ids: set[int]) -> dict[int, int]:
    """Payload versions per URL (new + changed captures); unchanged recaptures are not."""
    if not resource_ids:
        return {}
    stmt = (
        sa.select(C.resource_id, sa.func.count())
        .where(C.resource_id.in_(resource_ids), C.change.in_(("new", "changed")))
        .group_by(C.resource_id)
    )
    return {rid: int(n) for rid, n in conn.execute(stmt).all()}
