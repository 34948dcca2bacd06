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
VOCAB_TABLE = "text_fts_vocab"
MAX_EXPANSION = 400  # trigrams a short term may stand for before it falls back to a scan
PG_INDEX = "ix_text_text_trgm"
TRIGGERS = ("text_fts_ai", "text_fts_ad", "text_fts_au")
MARK_START, MARK_END = "\x02", "\x03"
MIN_TRIGRAM = 3
SNIPPET_CHARS = 60  # context either side of the first hit
MAX_TERMS = 8

C = Capture.__table__.c
T = TextRow.__table__.c
P = ParseRow.__table__.c

# Contentless (the texts stay in `text` only); each text is indexed with two newlines
# appended, so every character, even the last, starts a trigram: a one- or two-character
# term is then answered from the index (the trigrams it begins, found in the vocabulary).
PAD = "char(10, 10)"
_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "text, content='', tokenize='trigram')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCAB_TABLE} USING fts5vocab({FTS_TABLE}, row)",
    f"CREATE TRIGGER IF NOT EXISTS text_fts_ai AFTER INSERT ON text BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text || {PAD}); END",
    f"CREATE TRIGGER IF NOT EXISTS text_fts_ad AFTER DELETE ON text BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) "
    f"VALUES ('delete', old.id, old.text || {PAD}); END",
    f"CREATE TRIGGER IF NOT EXISTS text_fts_au AFTER UPDATE OF text ON text BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) "
    f"VALUES ('delete', old.id, old.text || {PAD}); "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text || {PAD}); END",
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
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {VOCAB_TABLE}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")


def rebuild(conn: Connection) -> None:
    """Re-index every stored text (SQLite's FTS5 'rebuild'; a GIN index needs none)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
        conn.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE}(rowid, text) "
            f"SELECT id, text || {PAD} FROM text WHERE text IS NOT NULL"
        )
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


def _phrase(word: str) -> str:
    """One FTS5 string: the user's text is never FTS syntax."""
    return '"' + word.replace('"', '""') + '"'


def _expand(conn: Connection, word: str) -> list[str] | None:
    """The indexed trigrams a short term begins (None: too many, scan instead)."""
    low = word.lower()  # the trigram tokenizer folds case
    stmt = sa.text(
        f"SELECT term FROM {VOCAB_TABLE} WHERE term >= :lo AND term < :hi LIMIT :cap"
    ).bindparams(lo=low, hi=low + "\U0010ffff", cap=MAX_EXPANSION + 1)
    found = [str(t) for t in conn.execute(stmt).scalars() if str(t).startswith(low)]
    return None if len(found) > MAX_EXPANSION else found


def _sqlite_parts(conn: Connection, words: list[str]) -> tuple[str | None, list[Any]] | None:
    """(FTS5 query or None, scan conditions); None when some term cannot match at all."""
    parts: list[str] = []
    scans: list[Any] = []
    for w in words:
        if len(w) >= MIN_TRIGRAM:
            parts.append(_phrase(w))
            continue
        grams = _expand(conn, w)
        if grams is None:
            scans.append(sa.func.instr(T.text, w) > 0)  # exact case, as Latin needs
        elif not grams:
            return None
        else:
            parts.append("(" + " OR ".join(_phrase(g) for g in grams) + ")")
    return (" AND ".join(parts) if parts else None), scans


def _fts_ids(query: str) -> sa.TextClause:
    stmt = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_q"
    return sa.text(stmt).bindparams(fts_q=query)


def _text_conditions(conn: Connection, words: list[str]) -> list[Any]:
    """Conditions on the text table; on SQLite all answered by the FTS5 index when it can
    (reading a text's body, in its overflow pages, is what makes a search slow)."""
    if conn.dialect.name != "sqlite":
        return [T.text.ilike(_like_pattern(w), escape="\\") for w in words]
    found = _sqlite_parts(conn, words)
    if found is None:
        return [sa.false()]
    query, scans = found
    return ([T.id.in_(_fts_ids(query))] if query else []) + scans


def matching_text_ids(conn: Connection, query: str) -> list[int]:
    """Every text matching all terms of ``query``, newest first (no filters)."""
    words = terms(query)
    if not words:
        return []
    if conn.dialect.name == "sqlite":
        found = _sqlite_parts(conn, words)
        if found is None:
            return []
        fts_query, scans = found
        if fts_query and not scans:  # the index alone answers: no text row is read
            stmt = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q ORDER BY rowid DESC"
            return [int(i) for i in conn.execute(sa.text(stmt), {"q": fts_query}).scalars()]
    stmt = sa.select(T.id).where(*_text_conditions(conn, words)).order_by(T.id.desc())
    return [int(i) for i in conn.execute(stmt).scalars()]


def _matches(conn: Connection, flt: SearchFilter, words: list[str]) -> sa.Select[Any]:
    """The ids of matching texts, filtered; the columns for display are fetched per page."""
    stmt = sa.select(T.id).select_from(TextRow.__table__).where(*_text_conditions(conn, words))
    if flt.year is not None or flt.agency or flt.format:
        stmt = stmt.join(ParseRow.__table__, _parse_on(flt))
    if flt.year is not None:
        stmt = stmt.where(P.year == flt.year)
    if flt.agency:
        stmt = stmt.where(P.agency.contains(flt.agency, autoescape=True))
    if flt.format:
        stmt = stmt.where(P.result["format"].as_string() == flt.format)
    if flt.portal:
        stmt = stmt.where(sa.exists().where(C.sha256 == T.sha256, C.portal == flt.portal))
    return stmt


def _parse_on(flt: SearchFilter) -> Any:
    on = sa.and_(P.text_id == T.id, P.parser == flt.parser)
    if flt.parser_version is not None:
        on = sa.and_(on, P.parser_version == flt.parser_version)
    return on


def _details(conn: Connection, flt: SearchFilter, ids: list[int]) -> dict[int, Any]:
    first_capture = (
        sa.select(sa.func.min(C.id))
        .where(C.sha256 == T.sha256, C.is_revisit.is_(False))
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            T.id,
            T.sha256,
            T.text,
            first_capture.label("capture_id"),
            P.agency,
            P.year,
            P.result["format"].as_string().label("format"),
            P.result["title"].as_string().label("title"),
        )
        .select_from(TextRow.__table__)
        .outerjoin(ParseRow.__table__, _parse_on(flt))
        .where(T.id.in_(ids))
    )
    return {r.id: r for r in conn.execute(stmt)}


def search(
    conn: Connection, flt: SearchFilter, *, limit: int, offset: int
) -> tuple[int, list[SearchHit]]:
    """(total matches, one page of hits, newest texts first)."""
    words = terms(flt.query)
    if not words:
        return 0, []
    matches = _matches(conn, flt, words).distinct()
    total = conn.execute(sa.select(sa.func.count()).select_from(matches.subquery())).scalar_one()
    ids = list(conn.execute(matches.order_by(T.id.desc()).limit(limit).offset(offset)).scalars())
    return int(total), hits(conn, flt, ids)


def hits(conn: Connection, flt: SearchFilter, ids: list[int]) -> list[SearchHit]:
    """Display rows (metadata, first capture, snippet) for these text ids, in order."""
    words = terms(flt.query)
    details = _details(conn, flt, ids)
    caps = _captures(conn, [d.capture_id for d in details.values() if d.capture_id is not None])
    out = []
    for tid in ids:
        d = details[tid]
        url, portal = caps.get(d.capture_id, (None, None))
        out.append(
            SearchHit(
                tid,
                d.sha256,
                d.capture_id,
                url,
                portal,
                d.agency,
                d.year,
                d.format,
                d.title,
                snippet(d.text or "", words),
            )
        )
    return out


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
