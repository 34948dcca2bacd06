"""Rebuild a lost catalog from the WARC files alone: they are the archive's source of truth.

Every response and revisit record, with the request record written beside it, becomes
a capture again, in the order it was written, so versions, revisits and gone URLs come
out as they were. Provenance comes from the records' WARC-Ogi-* headers. Texts and parse
results are derived data: `ogi reparse` makes them again.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import iso_date_to_datetime

from archive.catalog import guarded
from archive.errors import ArchiveError, CorruptWarc
from archive.lock import is_live
from archive.remote import download, list_store, resolve, store_error
from archive.repair import gzip_members
from archive.sources import add_shipped
from archive.types import FetchRecord, RunInfo
from archive.warcfile import Written, parse_record, read_record_bytes

if TYPE_CHECKING:
    from archive.store import Archive

MAIN_TYPES = {"response", "revisit"}


@dataclass
class RebuildStats:
    files: int = 0
    captures: int = 0
    runs: int = 0
    skipped: int = 0  # unreadable records, reported by `ogi check`


@dataclass(frozen=True)
class Stored:
    offset: int
    length: int
    record: ArcWarcRecord
    body: bytes


def rebuild_catalog(archive: Archive) -> RebuildStats:
    """Catalog every record of the archive's WARC files into its (empty) catalog: the local
    ones, then those only in the WARC store (OGI_WARC_STORE), each read through a
    temporary download and recorded as shipped again."""
    if any(True for _ in archive.captures()):
        raise ArchiveError(
            "the catalog already holds captures: rebuild into a new one "
            "(move catalog.sqlite aside, or pass an empty --catalog)"
        )
    runs: dict[str, int] = {}
    stats = _index(archive, known=set(), runs=runs)
    folder = archive.directory / "warc"
    for name, url in sorted(list_store(archive.store).items()):
        if (folder / name).exists():
            continue  # indexed above; the next writer's open finds the stored copy equal
        fs, rpath = resolve(url, archive.store.options_for(url))
        with tempfile.TemporaryDirectory(prefix="ogi-rebuild-") as tmp:
            copy = Path(tmp) / name
            try:
                sha = download(fs, rpath, copy)
            except Exception as exc:
                raise store_error(exc, url, f"downloading {name}") from exc
            more = _index(archive, known=set(), runs=runs, files=[(copy, 0)])
            _record_shipped(archive, name, copy.stat().st_size, sha, url)
        for key in ("files", "captures", "runs", "skipped"):
            setattr(stats, key, getattr(stats, key) + getattr(more, key))
    return stats


def _record_shipped(archive: Archive, name: str, size: int, sha: str, url: str) -> None:
    row = {"name": name, "size": size, "sha256": sha, "url": url, "etag": None}
    row["shipped_at"] = datetime.now(UTC)

    def write() -> None:
        with archive.engine.begin() as conn:
            add_shipped(conn, row)

    guarded(write, "recording a shipped WARC file")


def reindex_uncatalogued(archive: Archive) -> RebuildStats:
    """`ogi check --repair`: catalog the records a crash left out of the catalog (written
    to the WARC file, not yet committed), appended after what the catalog holds."""
    known = {(c.warc_file, c.warc_offset) for c in archive.captures()}
    runs = {str(r.id): r.id for r in archive.runs()}
    return _index(archive, known=known, runs=runs)


def reindex_tails(archive: Archive, ends: dict[str, int]) -> RebuildStats:
    """On a writer's open, after torn tails are cut: catalog the whole fetches a kill
    left past the end of what a file has catalogued (written, never committed), so a
    restarted crawl finds its archive consistent (a full disk leaves such fetches too,
    when the WARC write worked and the commit did not). Only files of a run of this very
    catalog count (same run id and digests, started before the file), never the WARC
    files of a lost catalog (that is `ogi rebuild-catalog`); only tails are read."""
    runs = {str(r.id): r for r in archive.runs()}
    files = []
    for path in sorted((archive.directory / "warc").glob("*.warc.gz")):
        start = ends.get(path.name, 0)
        if start < path.stat().st_size and _killed_run_file(path, runs):
            files.append((path, start))
    return _index(archive, known=set(), runs={k: r.id for k, r in runs.items()}, files=files)


def _killed_run_file(path: Path, runs: dict[str, RunInfo]) -> bool:
    first = _first_record(path)
    if first is None or first.record.rec_type != "warcinfo":
        return False
    info = _warcinfo_fields(first.body)
    run = runs.get(info.get("ogi-crawl-run", ""))
    if run is None:
        return False
    written = iso_date_to_datetime(first.record.rec_headers.get_header("WARC-Date"))
    return (
        info.get("ogi-settings-digest") == run.settings_digest
        and info.get("ogi-portals-digest") == run.portals_digest
        and written.replace(tzinfo=UTC) >= run.started_at - timedelta(seconds=1)
    )


def _index(
    archive: Archive,
    *,
    known: set[tuple[str, int]],
    runs: dict[str, int],
    files: list[tuple[Path, int]] | None = None,
) -> RebuildStats:
    """Catalog the fetches of ``files`` ((path, from offset); default: every file)."""
    stats = RebuildStats()
    if files is None:
        files = [(p, 0) for p in sorted((archive.directory / "warc").glob("*.warc.gz"))]
    for path, start in files:
        if is_live(path):
            continue  # a live writer commits its own records; cataloguing them twice is wrong
        stats.files += 1
        for main, request, info in _pairs(path, stats, start):
            if (path.name, main.offset) in known:
                continue
            run_id = _run_for(archive, info, runs, stats)
            sha = _payload_sha256(main)
            spans = [
                Written(path.name, main.offset, main.length),
                Written(path.name, request.offset, request.length),
            ]
            archive.reindex(_fetch(main, request), run_id, (spans, _record_id(main), sha))
            stats.captures += 1
    archive.flush()
    return stats


def _pairs(
    path: Path, stats: RebuildStats, start: int = 0
) -> Iterator[tuple[Stored, Stored, dict[str, str]]]:
    """(main record, its request record, the file's warcinfo fields) in written order,
    from ``start`` (the file's warcinfo, its first record, is read in any case)."""
    info: dict[str, str] = {}
    if start > 0:
        first = _first_record(path)
        if first is not None and first.record.rec_type == "warcinfo":
            info = _warcinfo_fields(first.body)
    waiting: dict[str, Stored] = {}
    for stored in _records(path, stats, start):
        kind = stored.record.rec_type
        if kind == "warcinfo":
            info = _warcinfo_fields(stored.body)
        elif kind in MAIN_TYPES:
            waiting[_record_id(stored)] = stored
        elif kind == "request":
            main = waiting.pop(stored.record.rec_headers.get_header("WARC-Concurrent-To"), None)
            if main is not None:
                yield main, stored, info


def _first_record(path: Path) -> Stored | None:
    """The file's first record (its warcinfo), reading nothing past it."""
    with open(path, "rb") as fh:
        span = next(gzip_members(fh, 0), None)
    if span is None:
        return None
    try:
        record, body = parse_record(read_record_bytes(path, *span), f"{path}:0")
    except CorruptWarc:
        return None
    return Stored(span[0], span[1], record, body)


def _records(path: Path, stats: RebuildStats, start: int = 0) -> Iterator[Stored]:
    with open(path, "rb") as fh:
        fh.seek(start)
        spans = list(gzip_members(fh, start))
    for offset, length in spans:
        try:
            record, body = parse_record(read_record_bytes(path, offset, length), f"{path}:{offset}")
        except CorruptWarc:
            stats.skipped += 1
            continue
        yield Stored(offset, length, record, body)


def _warcinfo_fields(body: bytes) -> dict[str, str]:
    fields = {}
    for line in body.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def _run_for(
    archive: Archive, info: dict[str, str], runs: dict[str, int], stats: RebuildStats
) -> int | None:
    """One crawl run per run id named in the warcinfo records (stats are not in WARCs)."""
    key = info.get("ogi-crawl-run")
    if key is None:
        return None
    if key not in runs:
        software = dict(
            part.split("/", 1)
            for part in info.get("ogi-software-versions", "").split()
            if "/" in part
        )
        runs[key] = archive.start_run(
            software=software,
            settings_digest="unknown",
            portals_digest="unknown",
            note=f"rebuilt from WARC (run {key})",
        )
        stats.runs += 1
    return runs[key]


def _record_id(stored: Stored) -> str:
    return str(stored.record.rec_headers.get_header("WARC-Record-ID"))


def _payload_sha256(stored: Stored) -> str:
    digest = stored.record.rec_headers.get_header("WARC-Payload-Digest") or ""
    algo, _, value = digest.partition(":")
    if algo != "sha256":
        raise CorruptWarc(f"record {_record_id(stored)} has no SHA-256 payload digest")
    return base64.b32decode(value).hex()


def _fetch(main: Stored, request: Stored) -> FetchRecord:
    h = main.record.rec_headers
    http = main.record.http_headers
    req_http = request.record.http_headers
    target = h.get_header("WARC-Target-URI")
    status_line = http.statusline if http else "0"
    code, _, reason = status_line.partition(" ")
    content_type = (http.get_header("Content-Type") or "") if http else ""
    chain = h.get_header("WARC-Ogi-Redirect-Chain")
    return FetchRecord(
        requested_url=h.get_header("WARC-Ogi-Requested-URI") or target,
        final_url=target,
        redirect_chain=tuple(chain.split()) if chain else (),
        method=(req_http.protocol if req_http else "GET") or "GET",
        request_headers=tuple(req_http.headers) if req_http else (),
        request_body=request.body,
        status=int(code) if code.isdigit() else 0,
        reason=reason,
        response_headers=tuple(http.headers) if http else (),
        body=main.body if main.record.rec_type == "response" else b"",
        fetched_at=iso_date_to_datetime(h.get_header("WARC-Date")),
        portal=h.get_header("WARC-Ogi-Portal"),
        found_from=h.get_header("WARC-Ogi-Found-From"),
        anchor_text=unquote(h.get_header("WARC-Ogi-Anchor") or "") or None,
        depth=int(h.get_header("WARC-Ogi-Depth") or 0),
        media_type=content_type.split(";", 1)[0].strip().lower() or None,
        charset=h.get_header("WARC-Ogi-Charset"),
        ip_address=h.get_header("WARC-IP-Address"),
        candidate=h.get_header("WARC-Ogi-Candidate") == "1",
    )
