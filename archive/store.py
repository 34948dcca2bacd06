"""The Archive: WARC files first, then the catalog, batched, never rewriting a capture."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archive import queries
from archive.catalog import make_engine, migrate, retrying, sqlite_url, storage_error
from archive.errors import ArchiveError, ArchiveNotFound, CaptureNotFound, ReadOnlyArchive
from archive.lock import ArchiveLock
from archive.models import Capture, CrawlRun, ParseRow, Resource, TextRow
from archive.records import record_id, request_record, response_record, revisit_record, warc_date
from archive.resources import ResourceState, canonical_url, decide_change, url_hash
from archive.types import (
    CaptureInfo,
    CaptureResult,
    FetchRecord,
    ParsedCapture,
    RunInfo,
    TextInfo,
)
from archive.warcfile import RotatingWarcWriter, read_payload, repair_tail
from archive.warcfile import read_record_bytes as _read_record_bytes

WARC_DIR = "warc"
QUARANTINE_DIR = "quarantine"


def software_version() -> str:
    try:
        return metadata.version("ogi-archive")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def now_utc() -> datetime:
    return datetime.now(UTC)


def payload_digest(body: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode()


class Archive:
    """A directory of WARC files plus a catalog database; see docs/architecture.md."""

    def __init__(self, directory: Path, engine: sa.Engine, *, readonly: bool, **opts: Any) -> None:
        self.directory = directory
        self.engine = engine
        self.readonly = readonly
        self.batch_size: int = opts["batch_size"]
        self.batch_seconds: float = opts["batch_seconds"]
        self._warc_max = opts["warc_max_bytes"]
        self._lock: ArchiveLock | None = None
        self._writer: RotatingWarcWriter | None = None
        self._conn: Connection | None = None
        self._replay: list[tuple[sa.Table, dict[str, Any], str]] = []
        self._first_pending: float | None = None
        self._resources: dict[str, ResourceState] = {}
        self._run_info: dict[str, str] = {}

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        directory: str | Path,
        catalog_url: str | None = None,
        *,
        create: bool = True,
        readonly: bool = False,
        warc_max_bytes: int = 1 << 30,
        batch_size: int = 100,
        batch_seconds: float = 2.0,
        lock_wait: float = 10.0,
    ) -> Archive:
        directory = Path(directory)
        _check_directory(directory, catalog_url, create)
        if create and not readonly:
            directory.mkdir(parents=True, exist_ok=True)
        engine = make_engine(catalog_url or sqlite_url(directory))
        arc = cls(
            directory,
            engine,
            readonly=readonly,
            batch_size=batch_size,
            batch_seconds=batch_seconds,
            warc_max_bytes=warc_max_bytes,
        )
        if not readonly:
            arc._lock = ArchiveLock.acquire(directory, wait=lock_wait)
        try:
            arc._prepare()
        except BaseException:
            arc.close()
            raise
        return arc

    def _prepare(self) -> None:
        try:
            migrate(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            raise storage_error(exc, "opening the catalog") from exc
        if not self.readonly:
            self._repair_warc_tails()

    def _repair_warc_tails(self) -> None:
        """Cut torn last records (a crash mid-write) off files this catalog knows or not."""
        folder = self.directory / WARC_DIR
        if not folder.is_dir():
            return
        with self.engine.connect() as conn:
            ends = queries.warc_file_ends(conn)
        for path in sorted(folder.glob("*.warc.gz")):
            repair_tail(
                path, known_end=ends.get(path.name, 0), quarantine=self.directory / QUARANTINE_DIR
            )

    # ----------------------------------------------------------------- runs
    def start_run(
        self,
        *,
        software: dict[str, str],
        settings_digest: str,
        portals_digest: str,
        note: str | None = None,
    ) -> int:
        self._require_writable()
        row = {
            "started_at": now_utc(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "software": software,
            "settings_digest": settings_digest,
            "portals_digest": portals_digest,
            "note": note,
            "stats": {},
        }
        run_id = self._write_now(CrawlRun.__table__, row)
        self._run_info = {
            "ogi-crawl-run": str(run_id),
            "ogi-software-versions": " ".join(f"{k}/{v}" for k, v in software.items()),
        }
        return run_id

    def finish_run(self, run_id: int, stats: dict[str, Any]) -> None:
        self.flush()
        values = {"finished_at": now_utc(), "stats": json.loads(json.dumps(stats, default=str))}
        self._update_now(CrawlRun.__table__, run_id, values)

    # ----------------------------------------------------------------- capture
    def record(self, fetch: FetchRecord, run_id: int | None) -> CaptureResult:
        """Write the fetch's WARC records, then stage its catalog row for the next commit."""
        self._require_writable()
        conn = self._tx()
        key = canonical_url(fetch.requested_url)
        state = self._resource_state(conn, key)
        sha = hashlib.sha256(fetch.body).hexdigest()
        change = decide_change(state, fetch.status, sha)
        revisit_of = state.latest_payload_capture if change == "unchanged" else None
        spans, rec_id = self._write_warc(fetch, change, state, sha)
        if change == "unchanged" and fetch.status == 304:
            sha = state.latest_sha256 or sha
        row = self._capture_row(fetch, run_id, state, sha, spans, rec_id, change, revisit_of)
        capture_id = self._stage(Capture.__table__, row)
        self._update_resource(conn, state, row, capture_id, change)
        self._maybe_commit()
        return CaptureResult(capture_id, state.resource_id, sha, change)

    def _write_warc(
        self, fetch: FetchRecord, change: str, state: ResourceState, sha: str
    ) -> tuple[list[Any], str]:
        if change == "unchanged" and state.refers_to is not None:
            digest = payload_digest(fetch.body) if fetch.status != 304 else state.refers_digest
            main = revisit_record(fetch, digest, state.refers_to, self._portal_header(fetch))
        else:
            main = response_record(fetch, self._portal_header(fetch))
        rec_id = record_id(main)
        spans = self._warc().write(main, request_record(fetch, rec_id))
        return spans, rec_id

    @staticmethod
    def _portal_header(fetch: FetchRecord) -> dict[str, str]:
        return {"WARC-Ogi-Portal": fetch.portal} if fetch.portal else {}

    def _capture_row(
        self,
        fetch: FetchRecord,
        run_id: int | None,
        state: ResourceState,
        sha: str,
        spans: list[Any],
        rec_id: str,
        change: str,
        revisit_of: int | None,
    ) -> dict[str, Any]:
        main, req = spans
        return {
            "resource_id": state.resource_id,
            "run_id": run_id,
            "requested_url": fetch.requested_url,
            "final_url": fetch.final_url,
            "redirect_chain": list(fetch.redirect_chain),
            "method": fetch.method,
            "status": fetch.status,
            "reason": fetch.reason,
            "request_headers": [list(h) for h in fetch.request_headers],
            "response_headers": [list(h) for h in fetch.response_headers],
            "fetched_at": fetch.fetched_at,
            "sha256": sha,
            "size": len(fetch.body),
            "media_type": fetch.media_type,
            "charset": fetch.charset,
            "ip_address": fetch.ip_address,
            "warc_file": main.file,
            "warc_offset": main.offset,
            "warc_length": main.length,
            "warc_record_id": rec_id,
            "request_offset": req.offset,
            "request_length": req.length,
            "portal": fetch.portal,
            "found_from": fetch.found_from,
            "anchor_text": fetch.anchor_text,
            "depth": fetch.depth,
            "candidate": fetch.candidate,
            "is_revisit": revisit_of is not None,
            "revisit_of": revisit_of,
            "change": change,
        }

    def _resource_state(self, conn: Connection, key: str) -> ResourceState:
        state = self._resources.get(key)
        if state is None:
            state = queries.load_resource(conn, key) or self._new_resource(key)
            if len(self._resources) > 50_000:  # bounded: memory must not grow with the crawl
                self._resources.clear()
            self._resources[key] = state
        return state

    def _new_resource(self, key: str) -> ResourceState:
        moment = now_utc()
        row = {
            "url": key,
            "url_hash": url_hash(key),
            "first_seen": moment,
            "last_seen": moment,
            "ever_ok": False,
        }
        return ResourceState(resource_id=self._stage(Resource.__table__, row))

    def _update_resource(
        self,
        conn: Connection,
        state: ResourceState,
        row: dict[str, Any],
        capture_id: int,
        change: str,
    ) -> None:
        state.apply(change, row, capture_id, payload_digest_hex=row["sha256"])
        values = state.columns(row["fetched_at"])
        stmt = sa.update(Resource.__table__).where(Resource.id == state.resource_id).values(values)
        conn.execute(stmt)
        self._replay.append((Resource.__table__, {"id": state.resource_id, **values}, "update"))

    # ----------------------------------------------------------------- batching
    def _tx(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect()
            self._conn.begin()
        return self._conn

    def _stage(self, table: sa.Table, row: dict[str, Any]) -> int:
        """Insert in the open transaction; kept for replay if the commit has to be retried."""
        new_id = self._tx().execute(sa.insert(table).values(row)).inserted_primary_key[0]
        self._replay.append((table, {"id": new_id, **row}, "insert"))
        if self._first_pending is None:
            self._first_pending = time.monotonic()
        return int(new_id)

    def _maybe_commit(self) -> None:
        age = time.monotonic() - (self._first_pending or time.monotonic())
        if len(self._replay) >= self.batch_size * 2 or age >= self.batch_seconds:
            self.flush()

    def flush(self) -> None:
        """fsync the WARC files, then commit the staged rows (retried, then replayed)."""
        if self._writer is not None:
            self._writer.sync()
        if self._conn is None:
            return
        try:
            self._conn.commit()
        except sa.exc.SQLAlchemyError as exc:
            self._replay_after(exc)
        finally:
            self._end_tx()

    def _replay_after(self, first: Exception) -> None:
        self._drop_conn()
        try:
            retrying()(self._replay_all)()
        except sa.exc.SQLAlchemyError as exc:
            self._resources.clear()
            raise storage_error(exc, "committing captures (their WARC records are kept)") from first

    def _replay_all(self) -> None:
        with self.engine.begin() as conn:
            for table, row, op in self._replay:
                if op == "insert":
                    conn.execute(sa.insert(table).values(row))
                else:
                    conn.execute(sa.update(table).where(table.c.id == row["id"]).values(row))

    def _end_tx(self) -> None:
        self._replay.clear()
        self._first_pending = None
        self._drop_conn()

    def _drop_conn(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._conn.close()
            self._conn = None

    def _write_now(self, table: sa.Table, row: dict[str, Any]) -> int:
        @retrying()
        def write() -> int:
            with self.engine.begin() as conn:
                return int(conn.execute(sa.insert(table).values(row)).inserted_primary_key[0])

        return self._guard(write, "writing to the catalog")

    def _update_now(self, table: sa.Table, row_id: int, values: dict[str, Any]) -> None:
        @retrying()
        def write() -> None:
            with self.engine.begin() as conn:
                conn.execute(sa.update(table).where(table.c.id == row_id).values(values))

        self._guard(write, "writing to the catalog")

    @staticmethod
    def _guard(fn: Any, doing: str) -> Any:
        try:
            return fn()
        except sa.exc.SQLAlchemyError as exc:
            raise storage_error(exc, doing) from exc

    def _warc(self) -> RotatingWarcWriter:
        if self._writer is None:
            info = {"software": f"ogi-archive/{software_version()}", **self._run_info}
            self._writer = RotatingWarcWriter(
                self.directory / WARC_DIR, max_bytes=self._warc_max, info=info
            )
        return self._writer

    def _require_writable(self) -> None:
        if self.readonly:
            raise ReadOnlyArchive("archive opened read-only")

    def close(self) -> None:
        try:
            if not self.readonly:
                self.flush()
        finally:
            if self._writer is not None:
                self._writer.close()
            self._drop_conn()
            self.engine.dispose()
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- reads
    def _reading(self):  # type: ignore[no-untyped-def]
        """Reads see staged rows when a batch is open, else use a short connection."""
        if self._conn is not None:
            from contextlib import nullcontext

            return nullcontext(self._conn)
        return self.engine.connect()

    def capture(self, capture_id: int) -> CaptureInfo:
        with self._reading() as conn:
            info = queries.capture_by_id(conn, capture_id)
        if info is None:
            raise CaptureNotFound(f"no capture with id {capture_id} in this archive")
        return info

    def payload(self, capture_id: int) -> bytes:
        """The body as stored; a revisit resolves to the version it repeats."""
        info = self.capture(capture_id)
        if info.is_revisit and info.revisit_of is not None:
            info = self.capture(info.revisit_of)
        self._sync_if_writing()
        path = self.directory / WARC_DIR / info.warc_file
        return read_payload(path, info.warc_offset, info.warc_length)[1]

    def record_bytes(self, capture_id: int, *, request: bool = False) -> bytes:
        """The stored gzip member of a capture's response (or request) record, verbatim."""
        info = self.capture(capture_id)
        self._sync_if_writing()
        with self._reading() as conn:
            req = queries.request_span(conn, capture_id)
        offset, length = req if request else (info.warc_offset, info.warc_length)
        return _read_record_bytes(self.directory / WARC_DIR / info.warc_file, offset, length)

    def _sync_if_writing(self) -> None:
        if self._writer is not None:
            self._writer.sync()

    def versions(self, url: str) -> list[CaptureInfo]:
        with self._reading() as conn:
            return queries.captures_of_url(conn, canonical_url(url))

    def captures(
        self, *, run_id: int | None = None, candidates_only: bool = False
    ) -> Iterator[CaptureInfo]:
        with self._reading() as conn:
            rows = queries.captures(conn, run_id=run_id, candidates_only=candidates_only)
        return iter(rows)

    def runs(self) -> list[RunInfo]:
        with self._reading() as conn:
            return queries.runs(conn)

    # ----------------------------------------------------------------- texts / parses
    def add_text(
        self,
        *,
        sha256: str,
        extractor: str,
        extractor_version: str,
        options: dict[str, Any],
        text: str | None,
        error: str | None,
        meta: dict[str, Any],
    ) -> int:
        """Store a text once per (payload, extractor, version, options); returns its id."""
        self._require_writable()
        digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()
        key = {
            "sha256": sha256,
            "extractor": extractor,
            "extractor_version": extractor_version,
            "options_digest": digest,
        }
        existing = queries.find_id(self._tx(), TextRow.__table__, key)
        if existing is not None:
            return existing
        row = {
            **key,
            "options": options,
            "text": text,
            "error": error,
            "meta": json.loads(json.dumps(meta, default=str)),
            "created_at": now_utc(),
        }
        new_id = self._stage(TextRow.__table__, row)
        self._maybe_commit()
        return new_id

    def texts_for(self, sha256: str) -> list[TextInfo]:
        with self._reading() as conn:
            return queries.texts(conn, sha256=sha256)

    def texts(self) -> Iterator[TextInfo]:
        with self._reading() as conn:
            ids = queries.text_ids(conn)
        for chunk_start in range(0, len(ids), 500):
            with self._reading() as conn:
                yield from queries.texts(conn, ids=ids[chunk_start : chunk_start + 500])

    def add_parse(
        self,
        *,
        text_id: int,
        parser: str,
        parser_version: str,
        result: dict[str, Any],
        agency: str | None,
        year: int | None,
        is_report: bool,
    ) -> int:
        """Store one parser version's result for a text once; older versions stay."""
        self._require_writable()
        key = {"text_id": text_id, "parser": parser, "parser_version": parser_version}
        existing = queries.find_id(self._tx(), ParseRow.__table__, key)
        if existing is not None:
            return existing
        row = {
            **key,
            "result": json.loads(json.dumps(result, default=str)),
            "agency": agency,
            "year": year,
            "is_report": is_report,
            "created_at": now_utc(),
        }
        new_id = self._stage(ParseRow.__table__, row)
        self._maybe_commit()
        return new_id

    def parser_versions(self, parser: str) -> list[str]:
        with self._reading() as conn:
            return queries.parser_versions(conn, parser)

    def parsed_captures(
        self,
        *,
        parser: str,
        parser_version: str | None = None,
        year: int | None = None,
        agency: str | None = None,
    ) -> list[ParsedCapture]:
        with self._reading() as conn:
            version = parser_version or queries.newest_parser_version(conn, parser)
            if version is None:
                return []
            return queries.parsed_captures(conn, parser, version, year=year, agency=agency)

    # ----------------------------------------------------------------- export
    def export_warc(self, out: Path, capture_ids: Iterable[int] | None = None) -> int:
        from archive.export import export_warc

        return export_warc(self, Path(out), capture_ids)


def _check_directory(directory: Path, catalog_url: str | None, create: bool) -> None:
    if create:
        if directory.exists() and not directory.is_dir():
            raise ArchiveError(f"{directory} exists and is not a directory")
        return
    if not directory.is_dir():
        raise ArchiveNotFound(
            f"no archive at {directory} (run `ogi crawl` first or pass --archive)"
        )
    if catalog_url is None and not (directory / "catalog.sqlite").exists():
        raise ArchiveNotFound(f"{directory} holds no catalog.sqlite: not an ogi archive")


__all__ = ["Archive", "now_utc", "payload_digest", "warc_date"]
