"""The Archive facade: WARC files first, then the catalog, batched, never rewriting a capture.

Write path of one fetch: classify it against the URL's latest version, append its WARC
records (response or revisit, then request), stage the catalog rows in the open batch.
``flush()`` fsyncs the WARC files and only then commits, so the catalog never points
at bytes that are not on disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archive import queries
from archive.batch import CatalogBatch
from archive.catalog import guarded, make_engine, migrate, sqlite_url, storage_error
from archive.conflicts import insert_new
from archive.errors import (
    ArchiveError,
    ArchiveNotFound,
    CaptureNotFound,
    ReadOnlyArchive,
    StorageError,
)
from archive.known import KnownHashes
from archive.lock import ArchiveLock
from archive.models import Capture, CrawlRun, ParseRow, Resource, TextRow
from archive.rebuild import RebuildStats, rebuild_catalog, reindex_tails, reindex_uncatalogued
from archive.records import (
    provenance_headers,
    record_id,
    request_record,
    response_record,
    revisit_record,
    sha256_digest,
    target_uri,
    warc_date,
)
from archive.remote import RemoteStoreError, StoreConfig
from archive.repair import check_catalog_ends, repair_all
from archive.resources import ResourceState, canonical_url, decide_change, url_hash
from archive.rows import capture_row, jsonable, now_utc, run_row
from archive.shipping import Shipper, ShipReport
from archive.sources import WarcSource
from archive.types import (
    CaptureInfo,
    CaptureResult,
    FetchRecord,
    KnownUrl,
    ParsedCapture,
    ResourceInfo,
    RunInfo,
    TextInfo,
)
from archive.verify import CheckReport, check_archive, warc_path
from archive.warcfile import RotatingWarcWriter, Written, parse_record, software_version

log = logging.getLogger(__name__)
WARC_DIR = "warc"
QUARANTINE_DIR = "quarantine"
TEXT_OF = "text-of-payload"  # batch.staged key: a text of this payload may be staged
RESOURCE_CACHE_MAX = 5_000  # URLs kept in memory during a crawl; then the cache restarts
T = TypeVar("T")


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes and verifies for ``body``."""
    return sha256_digest(hashlib.sha256(body).digest())


class Archive:
    """A directory of WARC files plus a catalog database; see docs/architecture.md."""

    def __init__(self, directory: Path, engine: sa.Engine, *, readonly: bool, **opts: Any) -> None:
        self.directory = directory
        self.engine = engine
        self.readonly = readonly
        self.batch_size: int = opts["batch_size"]
        self.batch_seconds: float = opts["batch_seconds"]
        self.warc_max_bytes: int = opts["warc_max_bytes"]
        self.store: StoreConfig = opts.get("store") or StoreConfig()
        # readers find a file's bytes locally, else at its shipped copy (archive.sources)
        self.source = WarcSource(directory / WARC_DIR, engine, self.store)
        self._shipper: Shipper | None = None  # writers with a WARC store (OGI_WARC_STORE)
        self._closed_files: list[str] = []  # closed since the last commit: ship after it
        self._resources: dict[str, ResourceState] = {}
        # a failure that drops staged rows also makes the cached URL states untrue
        self._batch = CatalogBatch(engine, on_lost=self._resources.clear)
        self._known: KnownHashes | None = None  # SQLite: the URL hashes in the catalog
        self._lock: ArchiveLock | None = None
        self._writer: RotatingWarcWriter | None = None
        self._run_info: dict[str, str] = {}
        self._closed = False

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        directory: str | Path,
        catalog_url: str | None = None,
        *,
        create: bool = True,
        readonly: bool = False,
        warc_max_bytes: int | None = None,
        batch_size: int = 100,
        batch_seconds: float = 2.0,
        lock_wait: float = 5.0,
        store: StoreConfig | None = None,
    ) -> Archive:
        """Open (or create) an archive; writers take the lock, repair torn tails, migrate,
        and ship closed WARC files to the WARC store when there is one.

        ``readonly=True`` takes no lock and writes nothing but a pending schema upgrade.
        ``store``: where closed WARC files go (default: ``OGI_WARC_STORE`` and friends,
        archive.remote); readers need it only for the store's fsspec options.
        """
        directory = Path(directory)
        _check_directory(directory, catalog_url, create=create, readonly=readonly)
        engine = make_engine(catalog_url or sqlite_url(directory))
        arc = cls(
            directory,
            engine,
            readonly=readonly,
            batch_size=batch_size,
            batch_seconds=batch_seconds,
            warc_max_bytes=warc_max_bytes or _env_max_bytes(),
            store=store or StoreConfig.from_env(),
        )
        try:
            if not readonly:
                # A server catalog takes concurrent writers (each its own WARC files).
                shared = not (catalog_url or "sqlite").startswith("sqlite")
                arc._lock = ArchiveLock.acquire(directory, wait=lock_wait, shared=shared)
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
            self._recover()
            if self.store.url is not None:
                self._shipper = Shipper(self.directory / WARC_DIR, self.engine, self.store)
                self._shipper.submit(self._unshipped())

    def _recover(self) -> None:
        """Check the catalog against the files, cut torn tails (a crash mid-write), then
        catalog the whole fetches written after the last commit (a kill before it)."""
        ends = self._read(queries.warc_file_ends, "checking the WARC files")
        folder = self.directory / WARC_DIR
        shipped = self.source.all_shipped()  # a shipped file's local copy may be gone
        local = {n: e for n, e in ends.items() if n not in shipped or (folder / n).exists()}
        check_catalog_ends(folder, local)
        repair_all(folder, ends, self.directory / QUARANTINE_DIR)
        if reindex_tails(self, ends).captures:  # whole fetches a kill left uncommitted
            self.flush()  # committed now, so a later reindex_uncatalogued sees them

    def _unshipped(self) -> list[str]:
        """Local WARC files still to ship (or, shipped, whose local copy is to go): those of
        earlier writers, a crash, or an upload that failed. Live files are skipped later."""
        folder = self.directory / WARC_DIR
        if not folder.is_dir():
            return []
        shipped = self.source.all_shipped() if self.store.keep_local else {}
        return [p.name for p in sorted(folder.glob("*.warc.gz")) if p.name not in shipped]

    def ship(self) -> ShipReport:
        """Wait for the closed WARC files to be shipped (`ogi ship`); a file that could not
        be is an error here, and stays local for the next try."""
        if self._shipper is None:
            raise ArchiveError("no WARC store configured: set OGI_WARC_STORE to an fsspec URL")
        self.flush()
        self._ship_closed()
        report = self._shipper.drain()
        if report.errors:
            raise RemoteStoreError(
                f"{len(report.errors)} WARC files were not shipped, first: {report.errors[0]}; "
                f"they stay in {self.directory / WARC_DIR} and are shipped on the next try"
            )
        return report

    def _settle_shipping(self) -> None:
        """Wait for uploads under way: a file being shipped is flock-ed, and indexing skips
        locked (live) files, so a rebuild or a recovery must not run beside an upload."""
        if self._shipper is not None:
            report = self._shipper.drain()
            for error in report.errors:
                log.error("not shipped: %s", error)

    def _file_closed(self, name: str) -> None:
        self._closed_files.append(name)

    def _ship_closed(self) -> None:
        """Hand the files closed before the last commit to the shipper."""
        names, self._closed_files = self._closed_files, []
        if self._shipper is not None and names:
            self._shipper.submit(names)

    # ----------------------------------------------------------------- runs
    def start_run(
        self,
        *,
        software: dict[str, str],
        settings_digest: str,
        portals_digest: str,
        note: str | None = None,
    ) -> int:
        """Record a crawl run; WARC records from now on go to a file naming it."""
        self._require_writable()
        row = run_row(software, settings_digest, portals_digest, note)
        run_id = self._write_now(CrawlRun.__table__, row)
        self._run_info = {
            "ogi-crawl-run": str(run_id),
            "ogi-software-versions": " ".join(f"{k}/{v}" for k, v in software.items()),
            "ogi-settings-digest": settings_digest,
            "ogi-portals-digest": portals_digest,
        }
        if self._writer is not None:
            self._writer.set_info(self._run_info)
        return run_id

    def finish_run(self, run_id: int, stats: dict[str, Any]) -> None:
        self._require_writable()
        values = {"finished_at": now_utc(), "stats": jsonable(stats)}
        self._update_now(CrawlRun.__table__, run_id, values)

    # ----------------------------------------------------------------- capture
    def record(self, fetch: FetchRecord, run_id: int | None) -> CaptureResult:
        """Write the fetch's WARC records, then stage its catalog row for the next commit."""
        self._require_writable()
        try:
            result = self._record(fetch, run_id)
        except ArchiveError:
            self._resources.clear()  # the cache may describe rows that were not stored
            raise
        self._maybe_commit()
        return result

    def _record(
        self,
        fetch: FetchRecord,
        run_id: int | None,
        stored: tuple[list[Written], str, str] | None = None,
    ) -> CaptureResult:
        """Catalog a fetch; ``stored`` = (spans, record id, payload sha256) of records
        already in a WARC file (rebuilding a catalog), else the records are written now."""
        state = self._resource_state(canonical_url(fetch.requested_url))
        raw = b"" if stored else hashlib.sha256(fetch.body).digest()
        sha = stored[2] if stored else raw.hex()
        change = decide_change(state, fetch.status, sha)
        revisit_of = state.latest_payload_capture if change == "unchanged" else None
        if revisit_of is not None:
            sha = state.latest_sha256 or sha  # a 304 repeats the latest version
        if stored is None:
            spans, rec_id = self._write_warc(fetch, state, raw, revisit=revisit_of is not None)
        else:
            spans, rec_id = stored[0], stored[1]
        row = capture_row(
            fetch,
            run_id=run_id,
            resource_id=state.resource_id,
            sha256=sha,
            spans=spans,
            record_id=rec_id,
            change=change,
            revisit_of=revisit_of,
        )
        capture_id = self._batch.insert(Capture.__table__, row, "recording a capture")
        self._update_resource(state, row, capture_id, change)
        self._batch.records += 1
        return CaptureResult(capture_id, state.resource_id, sha, change)

    def reindex(
        self, fetch: FetchRecord, run_id: int | None, stored: tuple[list[Written], str, str]
    ) -> CaptureResult:
        """Catalog records that are already in a WARC file (see archive.rebuild)."""
        self._require_writable()
        result = self._record(fetch, run_id, stored)
        self._maybe_commit()
        return result

    def _write_warc(
        self, fetch: FetchRecord, state: ResourceState, sha256: bytes, *, revisit: bool
    ) -> tuple[list[Written], str]:
        uri = target_uri(fetch)
        extra = provenance_headers(fetch, uri)
        if revisit and state.refers_to is not None:
            main = revisit_record(fetch, state.refers_digest, state.refers_to, extra, uri)
        else:
            main = response_record(fetch, extra, uri, sha256)
        rec_id = record_id(main)
        spans = self._warc().write(main, request_record(fetch, rec_id, uri))
        return spans, rec_id

    def _resource_state(self, key: str) -> ResourceState:
        """The URL's state: from the cache, the rows staged in this batch, or the catalog
        (not even asked when the URL is certainly not in it: archive.known)."""
        state = self._resources.get(key)
        if state is None:
            state = self._batch.staged.get(key)
            if state is None:
                state = self._load_resource(key) or self._new_resource(key)
                self._batch.staged[key] = state
            if len(self._resources) >= RESOURCE_CACHE_MAX:
                self._resources.clear()  # bounded: memory must not grow with the crawl
            self._resources[key] = state
        elif key not in self._batch.staged:
            self._batch.staged[key] = state
        return state

    def _load_resource(self, key: str) -> ResourceState | None:
        hashed = url_hash(key)
        known = self._known_urls()
        if known is not None and not known.may_hold(hashed):
            return None
        return self._batch.peek(lambda c: queries.load_resource(c, key), "looking up a URL")

    def _known_urls(self) -> KnownHashes | None:
        """SQLite (one writer): every URL hash of the catalog, as a fixed-size filter.
        Loaded at the first lookup, before this archive has staged any URL of its own."""
        if self._known is None and self.engine.dialect.name == "sqlite":
            self._known = self._batch.peek(KnownHashes.load, "reading the known URLs")
        return self._known

    def _new_resource(self, key: str) -> ResourceState:
        moment = now_utc()
        hashed = url_hash(key)
        row = {
            "url": key,
            "url_hash": hashed,
            "first_seen": moment,
            "last_seen": moment,
            "latest_sha256": None,
            "latest_payload_capture_id": None,
            "ever_ok": False,
            "gone_at": None,
        }
        state = ResourceState(self._batch.insert(Resource.__table__, row, "adding a URL"))
        if self._known is not None:
            self._known.add(hashed)
        return state

    def _update_resource(
        self, state: ResourceState, row: dict[str, Any], capture_id: int, change: str
    ) -> None:
        state.apply(change, row, capture_id)
        self._batch.update(Resource.__table__, state.resource_id, state.columns(row["fetched_at"]))

    # ----------------------------------------------------------------- commits
    def _maybe_commit(self) -> None:
        batch = self._batch
        if batch.records >= self.batch_size or batch.age() >= self.batch_seconds:
            self.flush()

    def flush(self) -> None:
        """fsync the WARC files, then commit the staged catalog rows."""
        if self.readonly:
            return
        try:
            if self._writer is not None:
                self._writer.sync()
            self._batch.commit()
            self._ship_closed()  # every record of a closed file is committed now
        except ArchiveError:
            self._batch.discard()  # never commit rows whose records may not be on disk
            self._resources.clear()
            raise

    def _write_now(self, table: sa.Table, row: dict[str, Any]) -> int:
        """Insert and commit at once (after flushing what is staged)."""
        self.flush()

        def write() -> int:
            with self.engine.begin() as conn:
                return int(conn.execute(sa.insert(table).values(row)).inserted_primary_key[0])

        return guarded(write, "writing to the catalog")

    def _update_now(self, table: sa.Table, row_id: int, values: dict[str, Any]) -> None:
        self.flush()

        def write() -> None:
            with self.engine.begin() as conn:
                conn.execute(sa.update(table).where(table.c.id == row_id).values(values))

        guarded(write, "writing to the catalog")

    def _warc(self) -> RotatingWarcWriter:
        if self._writer is None:
            self._writer = RotatingWarcWriter(
                self.directory / WARC_DIR,
                max_bytes=self.warc_max_bytes,
                info=self._run_info,
                on_close=self._file_closed,
            )
        return self._writer

    def _require_writable(self) -> None:
        if self.readonly:
            raise ReadOnlyArchive(
                f"archive {self.directory} was opened read-only; open it without readonly=True"
            )
        if self._closed:
            raise ArchiveError(f"archive {self.directory} is closed; open it again")

    def close(self) -> None:
        """Flush, close the WARC file and release the lock (also when the flush fails)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.flush()
        finally:
            if self._writer is not None:
                self._writer.close()
            self._finish_shipping()
            self._batch.discard()
            self.engine.dispose()
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def _finish_shipping(self) -> None:
        """Ship what was closed and wait for it; failures are logged, the files stay local."""
        if self._shipper is None:
            return
        shipper, self._shipper = self._shipper, None
        if not self._batch.active:  # rows of the last file committed: safe to ship
            names, self._closed_files = self._closed_files, []
            shipper.submit(names)
        report = shipper.close()
        if report.errors:
            log.error(
                "%d closed WARC files were not shipped to %s (first: %s); they stay in %s "
                "and are shipped when a writer opens the archive again, or by `ogi ship`",
                len(report.errors),
                self.store.url,
                report.errors[0],
                self.directory / WARC_DIR,
            )

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- reads
    def _read(self, fn: Callable[[Connection], T], doing: str = "reading the catalog") -> T:
        """Reads see staged rows while a batch is open; transient failures are retried."""
        if self._batch.active:
            return self._batch.run(fn, doing)

        def attempt() -> T:
            with self.engine.connect() as conn:
                return fn(conn)

        return guarded(attempt, doing)

    def capture(self, capture_id: int) -> CaptureInfo:
        info = self._read(lambda c: queries.capture_by_id(c, capture_id))
        if info is None:
            raise CaptureNotFound(
                f"no capture with id {capture_id} in {self.directory}; "
                "list the ids with Archive.captures() (or `ogi` listing commands)"
            )
        return info

    def payload(self, capture_id: int) -> bytes:
        """The body as stored; a revisit resolves to the version it repeats."""
        info = self.capture(capture_id)
        if info.is_revisit and info.revisit_of is not None:
            info = self.capture(info.revisit_of)
        self._sync_if_writing()
        path = warc_path(self.directory / WARC_DIR, info.warc_file)
        data = self.source.read(path, info.warc_offset, info.warc_length)
        return parse_record(data, f"{path}:{info.warc_offset}")[1]

    def record_bytes(self, capture_id: int, *, request: bool = False) -> bytes:
        """The stored gzip member of a capture's response/revisit (or request), verbatim."""
        info = self.capture(capture_id)
        self._sync_if_writing()
        if request:
            offset, length = self._read(lambda c: queries.request_span(c, capture_id))
        else:
            offset, length = info.warc_offset, info.warc_length
        path = warc_path(self.directory / WARC_DIR, info.warc_file)
        return self.source.read(path, offset, length)

    def _sync_if_writing(self) -> None:
        if self._writer is not None:
            self._writer.sync()

    def versions(
        self, url: str, *, after: int | None = None, limit: int | None = None
    ) -> list[CaptureInfo]:
        """Every capture of the URL (exact or any non-canonical form), oldest first;
        ``after``/``limit``: the page after that capture id (queries.captures_of_url)."""
        key = canonical_url(url)
        return self._read(lambda c: queries.captures_of_url(c, key, after=after, limit=limit))

    def resource(self, url: str) -> ResourceInfo | None:
        """What the catalog knows of a URL as a whole (latest version, gone_at)."""
        key = canonical_url(url)
        return self._read(lambda c: queries.resource_info(c, key))

    def known_urls(self, portal: str | None = None) -> dict[str, KnownUrl]:
        """Canonical URL -> ETag / Last-Modified / last confirmed, for conditional recrawls."""
        return self._read(lambda c: queries.known_urls(c, portal), "reading known URLs")

    def captures(
        self, *, run_id: int | None = None, candidates_only: bool = False
    ) -> Iterator[CaptureInfo]:
        rows = self._read(
            lambda c: queries.captures(c, run_id=run_id, candidates_only=candidates_only)
        )
        return iter(rows)

    def captures_without_text(
        self, extractor: str, extractor_version: str
    ) -> Iterator[CaptureInfo]:
        """Latest non-revisit 2xx capture per payload that this extractor has not read."""
        rows = self._read(lambda c: queries.captures_without_text(c, extractor, extractor_version))
        return iter(rows)

    def runs(self) -> list[RunInfo]:
        return self._read(queries.runs)

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
        digest = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode())
        key = {
            "sha256": sha256,
            "extractor": extractor,
            "extractor_version": extractor_version,
            "options_digest": digest.hexdigest(),
        }
        extra = {"options": jsonable(options), "text": text, "error": error, "meta": jsonable(meta)}
        text_id = self._add_once(TextRow.__table__, key, extra, "storing a text")
        self._batch.staged[(TEXT_OF, sha256)] = text_id  # see texts_for
        return text_id

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
        extra = {"result": jsonable(result), "agency": agency, "year": year}
        extra["is_report"] = is_report
        return self._add_once(ParseRow.__table__, key, extra, "storing a parse result")

    def _add_once(
        self, table: sa.Table, key: dict[str, Any], extra: dict[str, Any], doing: str
    ) -> int:
        """The id of the row with ``key``, staging it first when there is none."""
        staged_key = (table.name, *key.values())
        existing = self._batch.staged.get(staged_key)
        if existing is None:
            existing = self._batch.peek(lambda c: queries.find_id(c, table, key), doing)
        if existing is not None:
            return int(existing)
        new_id = self._batch.insert(table, {**key, **extra, "created_at": now_utc()}, doing)
        self._batch.staged[staged_key] = new_id
        self._maybe_commit()
        return new_id

    def add_parses(self, rows: list[dict[str, Any]]) -> int:
        """Bulk form of add_parse for reparsing: one multi-row insert per call.

        Rows carry text_id, parser, parser_version, result, agency, year, is_report; texts
        that already have a result for that parser version are skipped, not overwritten
        (also one another writer stored meanwhile). Returns how many were stored.
        """
        self._require_writable()
        if not rows:
            return 0
        self.flush()
        first = rows[0]
        done = self.parsed_text_ids(first["parser"], first["parser_version"])
        fresh = [{**r, "created_at": now_utc()} for r in rows if r["text_id"] not in done]

        def write() -> int:
            with self.engine.begin() as conn:  # another writer may have parsed some since
                return insert_new(conn, ParseRow.__table__, fresh)

        return guarded(write, "storing parse results") if fresh else 0

    def texts_for(self, sha256: str) -> list[TextInfo]:
        """The payload's texts. Asked for every candidate a crawl meets: unless a text of
        this payload is staged, the staged rows need not be written for the answer."""
        query = lambda c: queries.texts(c, sha256=sha256)  # noqa: E731
        if self._batch.active and (TEXT_OF, sha256) not in self._batch.staged:
            return self._batch.peek(query, "reading the catalog")
        return self._read(query)

    def texts(self) -> Iterator[TextInfo]:
        """All texts, read in chunks so a large catalog is not loaded at once."""
        ids = self._read(queries.text_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            yield from self._read(lambda c, chunk=chunk: queries.texts(c, ids=chunk))

    def parsed_text_ids(self, parser: str, parser_version: str) -> set[int]:
        """Texts that already have a result from this parser version."""
        return self._read(lambda c: queries.parsed_text_ids(c, parser, parser_version))

    def parser_versions(self, parser: str) -> list[str]:
        return self._read(lambda c: queries.parser_versions(c, parser))

    def parsed_captures(
        self,
        *,
        parser: str,
        parser_version: str | None = None,
        year: int | None = None,
        agency: str | None = None,
    ) -> list[ParsedCapture]:
        """Every (capture, text, parse) read as a report; newest parser version if None."""

        def query(conn: Connection) -> list[ParsedCapture]:
            version = parser_version or queries.newest_parser_version(conn, parser)
            if version is None:
                return []
            return queries.parsed_captures(conn, parser, version, year=year, agency=agency)

        return self._read(query)

    def parsed_captures_page(
        self, *, parser: str, parser_version: str, **page: Any
    ) -> tuple[list[ParsedCapture], queries.ReportKey | None]:
        """One page of parsed_captures and the next cursor (queries.parsed_captures_page)."""
        return self._read(lambda c: queries.parsed_captures_page(c, parser, parser_version, **page))

    # ----------------------------------------------------------------- export
    def rebuild_catalog(self) -> RebuildStats:
        """Catalog every record of the WARC files into this (empty) catalog."""
        self._settle_shipping()
        return rebuild_catalog(self)

    def reindex_uncatalogued(self) -> RebuildStats:
        """Catalog WARC records a crash left uncatalogued (`ogi check --repair`)."""
        self.flush()  # what is staged counts as catalogued: never index it a second time
        self._settle_shipping()
        found = reindex_uncatalogued(self)
        self.flush()
        return found

    def check(self) -> CheckReport:
        """Verify every catalog row against its WARC record and every record against the
        catalog (read-only; see archive.verify)."""

        if not self.readonly:
            self.flush()
        return check_archive(self)

    def export_warc(self, out: Path, capture_ids: Iterable[int] | None = None) -> int:
        """One standalone WARC/1.1 file of the captures (all if None); see archive.export."""
        from archive.export import export_warc

        self._sync_if_writing()
        return export_warc(self, Path(out), capture_ids)


def _env_max_bytes() -> int:
    """WARC files roll over at ``OGI_WARC_MAX_BYTES`` (default 1 GB)."""
    raw = os.environ.get("OGI_WARC_MAX_BYTES", "").strip()
    if not raw:
        return 1 << 30
    if not raw.isdigit() or int(raw) < 1:
        raise ArchiveError(f"OGI_WARC_MAX_BYTES must be a number of bytes, got {raw!r}")
    return int(raw)


def _check_directory(
    directory: Path, catalog_url: str | None, *, create: bool, readonly: bool
) -> None:
    if directory.exists() and not directory.is_dir():
        raise ArchiveError(f"{directory} exists and is not a directory; pass an archive folder")
    if create and not readonly:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create archive folder {directory}: {exc.strerror or exc}; "
                "check the path and its permissions"
            ) from exc
        return
    if not directory.is_dir():
        raise ArchiveNotFound(
            f"no archive at {directory} (run `ogi crawl` first or pass --archive)"
        )
    if catalog_url is None and not (directory / "catalog.sqlite").exists():
        raise ArchiveNotFound(
            f"{directory} holds no catalog.sqlite: not an ogi archive (pass the archive folder)"
        )


__all__ = ["Archive", "now_utc", "payload_digest", "software_version", "warc_date"]
