"""The catalog: migrations, texts and parses, the queries the pipeline relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from archive_testdata import fetch

from archive import Archive, ArchiveNotFound, StorageError
from archive.catalog import MIGRATIONS, schema_revision
from archive.models import Base
from archive.search import is_search_object


def _head() -> str:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def test_open_migrates_to_head_and_the_models_match_the_migrations(archive: Archive) -> None:
    assert schema_revision(archive.engine) == _head()
    with archive.engine.connect() as conn:
        # the full-text index (archive/search.py) is raw DDL the models do not describe
        opts = {"include_name": lambda name, _kind, _parent: not is_search_object(name)}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("capture")}
    assert diff == []
    assert {"ix_capture_sha256", "ix_capture_resource_id_fetched_at"} <= names


def test_sqlite_catalog_is_in_wal_mode(tmp_path: Path) -> None:
    with Archive.open(tmp_path / "a") as arc, arc.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (tmp_path / "a" / "catalog.sqlite").exists()


def test_texts_are_stored_once_per_payload_extractor_version_and_options(
    archive: Archive, run_id: int
) -> None:
    done = archive.record(fetch("http://127.0.0.1:1/r", b"report"), run_id)
    kw = {"sha256": done.sha256, "extractor": "trafilatura", "extractor_version": "1+2"}
    first = archive.add_text(
        **kw, options={"a": 1, "b": 2}, text="正文", error=None, meta={"Title": "t"}
    )
    same = archive.add_text(**kw, options={"b": 2, "a": 1}, text="x", error=None, meta={})
    other = archive.add_text(**kw, options={"a": 2}, text=None, error="boom", meta={})
    archive.flush()
    assert first == same != other
    (t1, t2) = archive.texts_for(done.sha256)
    assert (t1.text, t1.meta, t1.options) == ("正文", {"Title": "t"}, {"a": 1, "b": 2})
    assert (t2.text, t2.error) == (None, "boom")
    assert [t.id for t in archive.texts()] == [first, other]


def test_captures_without_text_is_the_latest_ok_capture_per_payload(
    archive: Archive, run_id: int
) -> None:
    a = archive.record(fetch("http://127.0.0.1:1/a", b"same"), run_id)
    b = archive.record(fetch("http://127.0.0.1:1/b", b"same"), run_id)  # other URL, same bytes
    archive.record(fetch("http://127.0.0.1:1/b", b"same"), run_id)  # a revisit
    archive.record(fetch("http://127.0.0.1:1/c", b"nf", 404), run_id)
    d = archive.record(fetch("http://127.0.0.1:1/d", b"other"), run_id)
    assert [c.id for c in archive.captures_without_text("x", "1")] == [b.capture_id, d.capture_id]
    archive.add_text(
        sha256=a.sha256, extractor="x", extractor_version="1", options={}, text="t", error=None,
        meta={},
    )  # fmt: skip
    assert [c.id for c in archive.captures_without_text("x", "1")] == [d.capture_id]
    assert len(list(archive.captures_without_text("x", "2"))) == 2


def test_parses_are_kept_per_parser_version_and_queried_by_agency_and_year(
    archive: Archive, run_id: int
) -> None:
    v1 = archive.record(fetch("http://127.0.0.1:1/r", b"report v1"), run_id)
    v2 = archive.record(fetch("http://127.0.0.1:1/r", b"report v2"), run_id)
    ids = []
    for cap in (v1, v2):
        text_id = archive.add_text(
            sha256=cap.sha256, extractor="e", extractor_version="1", options={}, text="t",
            error=None, meta={},
        )  # fmt: skip
        for version in ("1.0", "1.1"):
            kw = {"text_id": text_id, "parser": "ogi", "parser_version": version}
            ids.append(
                archive.add_parse(
                    **kw, result={"y": 2018}, agency="宁夏科技厅", year=2018, is_report=True
                )
            )
            assert (
                archive.add_parse(**kw, result={}, agency=None, year=None, is_report=False)
                == (ids[-1])
            )
    archive.flush()
    assert archive.parser_versions("ogi") == ["1.0", "1.1"]
    newest = archive.parsed_captures(parser="ogi")
    assert [(p.parser_version, p.versions, p.capture.id) for p in newest] == [
        ("1.1", 2, v1.capture_id),
        ("1.1", 2, v2.capture_id),
    ]
    assert newest[0].result == {"y": 2018} and newest[0].agency == "宁夏科技厅"
    assert len(archive.parsed_captures(parser="ogi", parser_version="1.0", agency="科技厅")) == 2
    assert archive.parsed_captures(parser="ogi", year=2019) == []


def test_runs_keep_software_settings_and_stats(archive: Archive) -> None:
    run = archive.start_run(
        software={"ogi-archive": "0.1", "scrapy": "2.11"}, settings_digest="s1", portals_digest="p1"
    )
    archive.finish_run(run, {"pages": 3, "when": object()})
    (info,) = archive.runs()
    assert (info.software, info.settings_digest, info.portals_digest) == (
        {"ogi-archive": "0.1", "scrapy": "2.11"},
        "s1",
        "p1",
    )
    assert info.stats["pages"] == 3 and info.finished_at is not None and info.host


def test_missing_archive_and_bad_catalog_url_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ArchiveNotFound, match="no archive at"):
        Archive.open(tmp_path / "nothing", create=False)
    with pytest.raises(StorageError, match="bad catalog URL"):
        Archive.open(tmp_path / "a", "nosuchdb://x/y")
    assert not (tmp_path / "nothing").exists()
