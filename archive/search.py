"""Full-text search over extracted texts, Chinese-aware without word segmentation.

SQLite: FTS5 with the trigram tokenizer over ``text.text`` (external content, triggers
keep it in sync; a term shorter than three characters has no trigram and falls back to
LIKE). PostgreSQL: ILIKE served by a pg_trgm GIN index. Every user value is a bound
parameter. Snippets are plain text with ``MARK_START``/``MARK_END`` around the hits, so
the caller escapes them before turning the marks into HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archive.models import Capture, ParseRow, TextRow

FTS_TABLE = "text_fts"
PG_INDEX = "ix_text_text_trgm"
TRIGGERS = ("text_fts_ai", "text_fts_ad", "text_fts_au")
MARK_START, MARK_END = "\x02", "\x03"
MIN_TRIGRAM = 3
SNIPPET_CHARS = 60  # context either side of the first hit
MAX_TERMS = 8

C = Capture.__table__.c
T = TextRow.__table__.c
P = ParseRow.__table__.c

_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "text, content='text', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS text_fts_ai AFTER INSERT ON text BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END",
    f"CREATE TRIGGER IF NOT EXISTS text_fts_ad AFTER DELETE ON text BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); END",
    f"CREATE TRIGGER IF NOT EXISTS text_fts_au AFTER UPDATE OF text ON text BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END",
)


def is_search_object(name: str | None) -> bool:
    """Tables and indexes of the search index, which the ORM models do not describe."""
    return bool(name) and (name == PG_INDEX or str(name).startswith(FTS_TABLE))


# ----------------------------------------------------------------- schema
def install(conn: Connection) -> None:
    """Create the index for this dialect and fill it with the texts already stored."""
    if conn.dialect.name == "sqlite":
        for ddl in _SQLITE_DDL:
            conn.exec_driver_sql(ddl)
        rebuild(conn)
    elif conn.dialect.name == "postgresql":
        _install_pg(conn)


def _install_pg(conn: Connection) -> None:
    """pg_trgm in public when we may create it; without it, ILIKE still works (unindexed)."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except sa.exc.DBAPIError:
        pass  # an existing extension elsewhere, or no right to create it: looked up below
    schema = conn.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).scalar()
    if schema is None:
        return
    opclass = f'"{schema}".gin_trgm_ops'
    conn.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON text USING gin (text {opclass})"
    )


def uninstall(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name in TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")


def rebuild(conn: Connection) -> None:
    """Re-index every stored text (SQLite's FTS5 'rebuild'; a GIN index needs none)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"REINDEX INDEX {PG_INDEX}") if _has_pg_index(conn) else None


def _has_pg_index(conn: Connection) -> bool:
    return bool(sa.inspect(conn).has_index("text", PG_INDEX))


# ----------------------------------------------------------------- queries
@dataclass(frozen=True)
class SearchFilter:
    query: str
    parser: str
    parser_version: str | None
    year: int | None = None
    agency: str | None = None
    portal: str | None = None
    format: str | None = None


@dataclass(frozen=True)
class SearchHit:
    text_id: int
    sha256: str
    capture_id: int | None
    url: str | None
    portal: str | None
    agency: str | None
    year: int | None
    format: str | None
    title: str | None
    snippet: str  # plain text with MARK_START/MARK_END around hits


def terms(query: str) -> list[str]:
    """Whitespace-separated terms, each matched as a substring (all must match)."""
    return [t for t in query.split() if t][:MAX_TERMS]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_match(words: list[str]) -> str:
    """An FTS5 query of quoted phrases: the user's text is never FTS syntax."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def _text_conditions(conn: Connection, words: list[str]) -> list[Any]:
    conds: list[Any] = []
    if conn.dialect.name == "sqlite":
        long = [w for w in words if len(w) >= MIN_TRIGRAM]
        if long:
            fts = sa.text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_q")
            conds.append(T.id.in_(fts.bindparams(fts_q=_fts_match(long))))
        short = [w for w in words if len(w) < MIN_TRIGRAM]
    else:
        short = words
    conds += [T.text.ilike(_like_pattern(w), escape="\\") for w in short]
    return conds


def _base(conn: Connection, flt: SearchFilter, words: list[str]) -> sa.Select[Any]:
    parse_on = sa.and_(P.text_id == T.id, P.parser == flt.parser)
    if flt.parser_version is not None:
        parse_on = sa.and_(parse_on, P.parser_version == flt.parser_version)
    first_capture = (
        sa.select(sa.func.min(C.id))
        .where(C.sha256 == T.sha256, C.is_revisit.is_(False))
        .scalar_subquery()
    )
    fmt = P.result["format"].as_string()
    stmt = (
        sa.select(
            T.id,
            T.sha256,
            first_capture.label("capture_id"),
            P.agency,
            P.year,
            fmt.label("format"),
            P.result["title"].as_string().label("title"),
        )
        .select_from(TextRow.__table__)
        .outerjoin(ParseRow.__table__, parse_on)
        .where(T.text.is_not(None), *_text_conditions(conn, words))
    )
    if flt.year is not None:
        stmt = stmt.where(P.year == flt.year)
    if flt.agency:
        stmt = stmt.where(P.agency.contains(flt.agency, autoescape=True))
    if flt.format:
        stmt = stmt.where(fmt == flt.format)
    if flt.portal:
        stmt = stmt.where(sa.exists().where(C.sha256 == T.sha256, C.portal == flt.portal))
    return stmt


def search(
    conn: Connection, flt: SearchFilter, *, limit: int, offset: int
) -> tuple[int, list[SearchHit]]:
    """(total matches, one page of hits, newest texts first)."""
    words = terms(flt.query)
    if not words:
        return 0, []
    base = _base(conn, flt, words)
    total = conn.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar_one()
    rows = conn.execute(base.order_by(T.id.desc()).limit(limit).offset(offset)).all()
    texts = dict(conn.execute(sa.select(T.id, T.text).where(T.id.in_([r.id for r in rows]))).all())
    caps = _captures(conn, [r.capture_id for r in rows if r.capture_id is not None])
    hits = []
    for r in rows:
        url, portal = caps.get(r.capture_id, (None, None))
        snip = snippet(texts.get(r.id) or "", words)
        hits.append(
            SearchHit(
                r.id, r.sha256, r.capture_id, url, portal, r.agency, r.year, r.format, r.title, snip
            )
        )
    return int(total), hits


def _captures(conn: Connection, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    if not ids:
        return {}
    stmt = sa.select(C.id, C.final_url, C.portal).where(C.id.in_(ids))
    return {r.id: (r.final_url, r.portal) for r in conn.execute(stmt)}


def snippet(text: str, words: list[str], width: int = SNIPPET_CHARS) -> str:
    """A window around the first hit, every hit of every term marked (case-insensitive)."""
    lower = text.lower()
    found = [p for p in (lower.find(w.lower()) for w in words) if p >= 0]
    first = min(found) if found else 0
    start, end = max(0, first - width), min(len(text), first + width * 2)
    window = text[start:end]
    marked = _mark(window, [w for w in words if w])
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + " ".join(marked.split()) + suffix


def _mark(window: str, words: list[str]) -> str:
    lower = window.lower()
    spans: list[tuple[int, int]] = []
    for w in words:
        lw, pos = w.lower(), lower.find(w.lower())
        while pos >= 0 and lw:
            spans.append((pos, pos + len(lw)))
            pos = lower.find(lw, pos + len(lw))
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, last = [], 0
    for s, e in merged:
        out += [window[last:s], MARK_START, window[s:e], MARK_END]
        last = e
    out.append(window[last:])
    return "".join(out)
