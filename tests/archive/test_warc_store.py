"""The WARC store: closed WARC files shipped through fsspec, verified, read back when the
local copy is gone. Real storage only: fsspec's local filesystem in another folder, and a
real S3-compatible server (moto's, on 127.0.0.1) through s3fs; SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import fsspec
import pytest
import sqlalchemy as sa
from archive_testdata import fetch
from s3_support import DUMMY_ENV, S3Server, s3_server, unreachable_options

from archive import Archive
from archive import remote as remote_mod
from archive.remote import RemoteStoreError, StoreConfig

BODY = 3000  # bytes of random (incompressible) body per fetch: a file holds ~2 fetches


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture(autouse=True)
def no_store_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test passes its store explicitly; the S3 client never looks beyond loopback."""
    for name in ("OGI_WARC_STORE", "OGI_WARC_STORE_OPTIONS", "OGI_WARC_KEEP_LOCAL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in DUMMY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(remote_mod, "RETRY_BACKOFF", 0)


@pytest.fixture(params=["file", "s3"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict]:
    """(store URL, fsspec options): another local folder, or a fresh bucket on moto."""
    if request.param == "file":
        return f"file://{tmp_path / 'store' / 'warcs'}", {}
    server: S3Server = request.getfixturevalue("s3")
    return f"s3://{server.new_bucket()}/archive/warc", server.options()


def _store(store_url: tuple[str, dict], **kw: object) -> StoreConfig:
    return StoreConfig(store_url[0], store_url[1], **kw)  # type: ignore[arg-type]


def _fill(arc: Archive, n: int) -> dict[int, bytes]:
    run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
    bodies = {}
    for i in range(n):
        body = os.urandom(BODY)
        bodies[arc.record(fetch(f"http://127.0.0.1:1/r/{i}.pdf", body), run).capture_id] = body
    return bodies


def _remote(store_url: tuple[str, dict]) -> tuple[fsspec.AbstractFileSystem, str]:
    fs, root = fsspec.core.url_to_fs(store_url[0], **store_url[1], skip_instance_cache=True)
    return fs, root.rstrip("/")


def _objects(store_url: tuple[str, dict]) -> dict[str, bytes]:
    fs, root = _remote(store_url)
    fs.invalidate_cache()
    return {Path(p).name: fs.cat_file(p) for p in fs.glob(f"{root}/*.warc.gz")}


def _rows(arc_dir: Path, catalog_url: str | None) -> list[sa.Row]:
    engine = sa.create_engine(catalog_url or f"sqlite:///{arc_dir / 'catalog.sqlite'}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text("select * from warc_file order by name")))
    finally:
        engine.dispose()


def _local(arc_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((arc_dir / "warc").glob("*.warc.gz"))}


def test_every_closed_file_is_shipped_verified_and_read_back_from_the_store(
    arc_dir: Path, catalog_url: str | None, store_url: tuple[str, dict]
) -> None:
    with Archive.open(arc_dir, catalog_url, warc_max_bytes=4000, store=_store(store_url)) as arc:
        bodies = _fill(arc, 8)
    local = _local(arc_dir)
    assert len(local) >= 3
    assert _objects(store_url) == local  # every file, byte for byte, nothing else
    rows = _rows(arc_dir, catalog_url)
    assert [r.name for r in rows] == sorted(local)
    for row in rows:
        assert (row.size, row.sha256) == (len(local[row.name]), _sha(local[row.name]))
        assert row.url == f"{store_url[0]}/{row.name}"
    for path in (arc_dir / "warc").glob("*.warc.gz"):
        path.unlink()  # the local copies are gone: every reader goes to the store
    with Archive.open(arc_dir, catalog_url, readonly=True, store=_store(store_url)) as arc:
        assert {i: arc.payload(i) for i in bodies} == bodies
        report = arc.check()
        assert report.clean, report.problems
        assert report.captures == 8 and report.records == 8 * 2 + len(local)
        exported = arc_dir.parent / "all.warc.gz"
        assert arc.export_warc(exported) == 8
    with Archive.open(arc_dir, catalog_url, store=_store(store_url)) as arc:
        _fill(arc, 1)  # a writer opens without missing the files, and ships its own
    assert len(_objects(store_url)) == len(local) + 1


def test_keep_local_off_deletes_only_verified_fully_catalogued_files(
    arc_dir: Path, catalog_url: str | None, store_url: tuple[str, dict]
) -> None:
    store = _store(store_url, keep_local=False)
    with Archive.open(arc_dir, catalog_url, warc_max_bytes=4000, store=store) as arc:
        bodies = _fill(arc, 6)
        arc.flush()
        current = arc._writer.current_file if arc._writer else None
        assert current is not None
        arc._shipper.drain()  # type: ignore[union-attr]
        assert set(_local(arc_dir)) == {current}  # the closed ones are gone already
    assert _local(arc_dir) == {}
    assert len(_objects(store_url)) == len(_rows(arc_dir, catalog_url)) >= 3
    with Archive.open(arc_dir, catalog_url, readonly=True, store=store) as arc:
        assert {i: arc.payload(i) for i in bodies} == bodies
        assert arc.check().clean


def test_a_crash_between_upload_and_catalog_row_ships_again_without_a_second_copy(
    arc_dir: Path, catalog_url: str | None, store_url: tuple[str, dict]
) -> None:
    child = textwrap.dedent(
        f"""
        import os, sys
        sys.path[:0] = {[str(Path(__file__).parents[1] / "support")]!r}
        from archive_testdata import fetch
        from archive import Archive, shipping
        from archive.remote import StoreConfig
        shipping.Shipper._insert = lambda self, row: os._exit(9)  # killed right there
        store = StoreConfig({store_url[0]!r}, {store_url[1]!r})
        arc = Archive.open({str(arc_dir)!r}, {catalog_url!r}, warc_max_bytes=4000, store=store)
        run = arc.start_run(software={{}}, settings_digest="s", portals_digest="p")
        for i in range(3):
            arc.record(fetch(f"http://127.0.0.1:1/r/{{i}}.pdf", os.urandom({BODY})), run)
        arc.flush()
        arc.close()
        """
    )
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, timeout=120)
    assert proc.returncode == 9, proc.stderr.decode()[-2000:]
    uploaded = _objects(store_url)
    assert len(uploaded) == 1 and _rows(arc_dir, catalog_url) == []  # uploaded, not recorded
    (name,) = uploaded
    fs, root = _remote(store_url)
    before = fs.info(f"{root}/{name}")
    with Archive.open(arc_dir, catalog_url, store=_store(store_url)) as arc:
        report = arc.ship()
    assert name in report.adopted and name not in report.shipped
    assert _objects(store_url) == _local(arc_dir)  # every file once, none twice
    assert [r.name for r in _rows(arc_dir, catalog_url)] == sorted(_local(arc_dir))
    fs.invalidate_cache()
    after = fs.info(f"{root}/{name}")
    assert _stamp(after) == _stamp(before)  # the shipped object was not written again


def test_a_damaged_shipped_copy_is_found_by_check(
    arc_dir: Path, catalog_url: str | None, store_url: tuple[str, dict]
) -> None:
    with Archive.open(arc_dir, catalog_url, warc_max_bytes=4000, store=_store(store_url)) as arc:
        _fill(arc, 4)
    fs, root = _remote(store_url)
    short, flipped = sorted(_local(arc_dir))[:2]
    fs.pipe_file(f"{root}/{short}", fs.cat_file(f"{root}/{short}")[:-100])
    data = bytearray(fs.cat_file(f"{root}/{flipped}"))
    data[len(data) // 2] ^= 0xFF
    fs.pipe_file(f"{root}/{flipped}", bytes(data))
    with Archive.open(arc_dir, catalog_url, readonly=True, store=_store(store_url)) as arc:
        kinds = {(p.kind, Path(p.where).name) for p in arc.check().problems}
    assert {("remote_corrupt", short), ("remote_corrupt", flipped)} <= kinds  # local copies kept
    (arc_dir / "warc" / short).unlink()
    with Archive.open(arc_dir, catalog_url, readonly=True, store=_store(store_url)) as arc:
        problems = arc.check().problems
    assert any(p.kind == "remote_corrupt" and short in p.where for p in problems)
    assert any(p.kind == "torn_tail" and short in p.where for p in problems)


def test_an_unreachable_store_loses_nothing_and_says_so(
    arc_dir: Path, catalog_url: str | None, s3: S3Server, caplog: pytest.LogCaptureFixture
) -> None:
    down = StoreConfig("s3://nowhere/warc", unreachable_options(), keep_local=False, tries=2)
    with Archive.open(arc_dir, catalog_url, warc_max_bytes=4000, store=down) as arc:
        bodies = _fill(arc, 5)
    local = _local(arc_dir)
    assert len(local) >= 2 and _rows(arc_dir, catalog_url) == []
    assert "were not shipped to s3://nowhere/warc" in caplog.text
    with (
        Archive.open(arc_dir, catalog_url, store=down) as arc,
        pytest.raises(RemoteStoreError, match=r"not shipped.*WARC store s3://nowhere/warc"),
    ):
        arc.ship()
    assert _local(arc_dir) == local  # every byte still here
    up = (f"s3://{s3.new_bucket()}/w", s3.options())
    with Archive.open(arc_dir, catalog_url, store=_store(up, keep_local=False)) as arc:
        assert sorted(arc.ship().shipped) == sorted(local)
        assert {i: arc.payload(i) for i in bodies} == bodies
    assert _objects(up) == local and _local(arc_dir) == {}


def test_a_catalog_is_rebuilt_from_the_store_alone(
    arc_dir: Path, store_url: tuple[str, dict]
) -> None:
    store = _store(store_url, keep_local=False)
    with Archive.open(arc_dir, warc_max_bytes=4000, store=store) as arc:
        bodies = _fill(arc, 5)
        urls = {i: arc.capture(i).final_url for i in bodies}
    for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        (arc_dir / name).unlink(missing_ok=True)
    assert _local(arc_dir) == {}
    with Archive.open(arc_dir, store=store) as arc:
        stats = arc.rebuild_catalog()
        assert stats.captures == 5
        rebuilt = {c.final_url: arc.payload(c.id) for c in arc.captures()}
        assert arc.check().clean
    assert rebuilt == {urls[i]: body for i, body in bodies.items()}


def test_a_rebuild_beside_the_shipper_catalogs_every_local_file(
    arc_dir: Path, store_url: tuple[str, dict]
) -> None:
    """The open that starts a rebuild also ships (and flock-s) the local files; the rebuild
    waits for that instead of skipping them as live."""
    with Archive.open(arc_dir, warc_max_bytes=4000) as arc:  # no store yet: all local
        bodies = _fill(arc, 6)
    for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        (arc_dir / name).unlink(missing_ok=True)
    with Archive.open(arc_dir, store=_store(store_url)) as arc:
        assert arc.rebuild_catalog().captures == 6
        assert sorted(arc.payload(c.id) for c in arc.captures()) == sorted(bodies.values())
    assert _objects(store_url) == _local(arc_dir)


def test_an_archive_from_before_the_store_upgrades_and_ships(
    arc_dir: Path, catalog_url: str | None, store_url: tuple[str, dict]
) -> None:
    """Migration 0004 on an archive with captures: the table appears, nothing else moves,
    and the first writer with a store ships the old files."""
    from alembic import command
    from alembic.config import Config

    from archive.catalog import MIGRATIONS, schema_revision

    with Archive.open(arc_dir, catalog_url, warc_max_bytes=4000) as arc:
        bodies = _fill(arc, 4)
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with arc.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")  # the catalog as an older ogi-archive left it
        assert schema_revision(arc.engine) == "0003"
    with Archive.open(arc_dir, catalog_url, store=_store(store_url)) as arc:
        assert schema_revision(arc.engine) == "0004"
        assert len(arc.ship().shipped) == len(_local(arc_dir))
        assert {i: arc.payload(i) for i in bodies} == bodies
    assert _objects(store_url) == _local(arc_dir)


def test_a_conflicting_object_in_the_store_is_never_overwritten(
    arc_dir: Path, catalog_url: str | None, tmp_path: Path
) -> None:
    target = tmp_path / "share"
    store = StoreConfig(f"file://{target}")
    with Archive.open(arc_dir, catalog_url, warc_max_bytes=4000) as arc:  # no store yet
        _fill(arc, 3)
    first = sorted(_local(arc_dir))[0]
    target.mkdir()
    (target / first).write_bytes(b"someone else's bytes")
    with (
        Archive.open(arc_dir, catalog_url, store=store) as arc,
        pytest.raises(RemoteStoreError, match="was not overwritten"),
    ):
        arc.ship()
    assert (target / first).read_bytes() == b"someone else's bytes"
    assert first not in {r.name for r in _rows(arc_dir, catalog_url)}
    assert len(list(target.glob("*.warc.gz"))) == len(_local(arc_dir))  # the others shipped
    assert not list(target.glob(".*.part"))  # no temporary upload left behind


def test_two_writers_on_one_folder_ship_each_file_once(
    arc_dir: Path, pg_catalog_url: str, store_url: tuple[str, dict]
) -> None:
    """PostgreSQL, a shared folder: the second writer's open finds the first one's files,
    its live one locked (left to it) and the closed ones shipped or being shipped."""
    store = _store(store_url)
    first = Archive.open(arc_dir, pg_catalog_url, warc_max_bytes=4000, store=store)
    try:
        bodies = _fill(first, 5)
        first.flush()
        with Archive.open(arc_dir, pg_catalog_url, warc_max_bytes=4000, store=store) as second:
            report = second.ship()
            assert first._writer is not None and first._writer.current_file in report.busy
            bodies |= _fill(second, 3)
    finally:
        first.close()
    rows = _rows(arc_dir, pg_catalog_url)
    assert [r.name for r in rows] == sorted(_local(arc_dir)) == sorted(_objects(store_url))
    assert _objects(store_url) == _local(arc_dir)
    with Archive.open(arc_dir, pg_catalog_url, readonly=True, store=store) as arc:
        assert {i: arc.payload(i) for i in bodies} == bodies


def test_bad_store_settings_are_clear_errors(arc_dir: Path) -> None:
    with pytest.raises(RemoteStoreError, match="cannot use WARC store nosuch://x"):
        Archive.open(arc_dir, store=StoreConfig("nosuch://x"))
    with pytest.raises(Exception, match="OGI_WARC_STORE_OPTIONS is not JSON"):
        StoreConfig.from_env({"OGI_WARC_STORE": "s3://b", "OGI_WARC_STORE_OPTIONS": "{"})
    with pytest.raises(Exception, match="OGI_WARC_KEEP_LOCAL must be 1 or 0"):
        StoreConfig.from_env({"OGI_WARC_KEEP_LOCAL": "maybe"})
    with pytest.raises(Exception, match="OGI_WARC_STORE_RETRIES must be a whole number"):
        StoreConfig.from_env({"OGI_WARC_STORE_RETRIES": "0"})
    os.environ["OGI_WARC_MAX_BYTES"] = "1GB"
    try:
        with pytest.raises(Exception, match="OGI_WARC_MAX_BYTES must be a number of bytes"):
            Archive.open(arc_dir)
    finally:
        del os.environ["OGI_WARC_MAX_BYTES"]
    env = {"OGI_WARC_STORE": "s3://b/p/", "OGI_WARC_KEEP_LOCAL": "0"}
    assert StoreConfig.from_env(env) == StoreConfig("s3://b/p", {}, keep_local=False)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stamp(info: dict) -> tuple:
    """What changes when an object is written again: its modification time (and ETag)."""
    keys: Callable[[str], object] = info.get
    return (keys("LastModified") or keys("mtime") or keys("created"), keys("ETag"))
