"""Full-text search (archive/search.py) on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm):
kept in sync as texts arrive, short terms, filters, hostile input, existing archives."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from archive_testdata import fetch

from archive import Archive, search
from archive.catalog import MIGRATIONS

Q = search.SearchFilter
TEXTS = {
    "http://127.0.0.1:1/a": (
        "甲县人民政府",
        2019,
        "2019",
        "全年收到依申请公开 12 件，行政复议 1 件。",
    ),
    "http://127.0.0.1:1/b": (
        "乙市科技局",
        2020,
        "narrative",
        "本年度未收到行政复议申请。100% 办结",
    ),
    "http://127.0.0.1:1/c": ("乙市科技局", 2021, "2021", "<script>alert(1)</script> 依申请公开"),
}


def _fill(arc: Archive, run_id: int) -> dict[str, int]:
    ids = {}
    for url, (agency, year, fmt, text) in TEXTS.items():
        done = arc.record(fetch(url, text.encode(), portal="p1"), run_id)
        tid = arc.add_text(
            sha256=done.sha256,
            extractor="x",
            extractor_version="1",
            options={},
            text=text,
            error=None,
            meta={},
        )
        arc.add_parse(
            text_id=tid,
            parser="p",
            parser_version="1",
            result={"format": fmt, "title": f"{agency}{year}"},
            agency=agency,
            year=year,
            is_report=True,
        )
        ids[url] = tid
    arc.flush()
    return ids


def _find(arc: Archive, query: str, **kw: object) -> tuple[int, list[search.SearchHit]]:
    flt = Q(query, "p", "1", **kw)  # type: ignore[arg-type]
    with arc.engine.connect() as conn:
        return search.search(conn, flt, limit=10, offset=0)


def test_new_texts_are_found_at_once_long_and_short_terms(archive: Archive, run_id: int) -> None:
    ids = _fill(archive, run_id)
    total, hits = _find(archive, "依申请公开")
    assert total == 2 and {h.text_id for h in hits} == {
        ids["http://127.0.0.1:1/a"],
        ids["http://127.0.0.1:1/c"],
    }
    assert _find(archive, "复议")[0] == 2  # two characters: no trigram, LIKE fallback
    assert _find(archive, "复议 甲县")[0] == 0  # every term must match the same text
    assert _find(archive, "行政复议 12")[0] == 1
    assert _find(archive, "办结")[0] == 1  # two characters that end the text
    assert _find(archive, "结")[0] == 1  # one character, the last one
    assert _find(archive, "丙")[0] == 0
    hit = _find(archive, "复议")[1][0]
    assert search.MARK_START + "复议" + search.MARK_END in hit.snippet
    assert hit.capture_id is not None and hit.portal == "p1"


def test_filters_narrow_the_hits(archive: Archive, run_id: int) -> None:
    _fill(archive, run_id)
    assert _find(archive, "复议", year=2020)[1][0].agency == "乙市科技局"
    assert _find(archive, "依申请公开", agency="乙市")[0] == 1
    assert _find(archive, "依申请公开", format="2019")[0] == 1
    assert _find(archive, "依申请公开", portal="p1")[0] == 2
    assert _find(archive, "依申请公开", portal="other")[0] == 0


def test_user_input_is_data_not_syntax(archive: Archive, run_id: int) -> None:
    _fill(archive, run_id)
    assert _find(archive, "100%")[0] == 1
    assert _find(archive, "%")[0] == 1  # a literal percent sign, not a wildcard
    assert _find(archive, "_")[0] == 0
    assert _find(archive, '" OR NEAR(*')[0] == 0  # FTS5 operators are quoted away
    assert _find(archive, "'; drop table text; --")[0] == 0
    assert _find(archive, "<script>")[0] == 1  # found, and returned as plain text
    assert _find(archive, "   ")[0] == 0


def test_rebuild_and_an_archive_from_before_the_index(
    open_archive: Callable[..., Archive], catalog_url: str | None
) -> None:
    arc = open_archive()
    run = arc.start_run(software={"t": "1"}, settings_digest="s", portals_digest="p")
    _fill(arc, run)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with arc.engine.begin() as conn:  # back to 0002, as an archive made before this index
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    arc.close()
    arc = open_archive(readonly=True)  # opening upgrades and indexes the existing texts
    assert _find(arc, "依申请公开")[0] == 2
    with arc.engine.begin() as conn:
        search.rebuild(conn)
        names = set(sa.inspect(conn).get_table_names())
        indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("text")}
    assert _find(arc, "依申请公开")[0] == 2
    sqlite = arc.engine.dialect.name == "sqlite"
    assert (search.FTS_TABLE in names) == sqlite
    assert (search.PG_INDEX in indexes) == (not sqlite)  # the pg_trgm GIN index


def test_snippet_marks_every_hit_in_a_window() -> None:
    text = "前言" * 100 + "复议申请 and 复议决定" + "结尾" * 100
    snip = search.snippet(text, ["复议"])
    assert snip.startswith("…") and snip.endswith("…")
    assert snip.count(search.MARK_START) == 2 and len(snip) < 200
