"""`ogi check`: the catalog against the WARC files, and the WARC files against the catalog.

Read-only. Every catalogued capture must point at a whole, digest-valid record of the
URL it names whose payload has the catalogued SHA-256; every response or revisit record
in the WARC files must be catalogued (one that is not was written just before a crash,
and is recoverable from the file).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from w3lib.url import safe_url_string

from archive.errors import CorruptWarc
from archive.remote import RemoteStoreError, digest_remote, resolve, store_error
from archive.repair import gzip_members
from archive.warcfile import parse_record, read_record_bytes

if TYPE_CHECKING:
    from archive.sources import Shipped, WarcSource
    from archive.store import Archive
    from archive.types import CaptureInfo

CAPTURED_TYPES = {"response", "revisit"}


@dataclass(frozen=True)
class Problem:
    kind: str  # unreadable_record, wrong_payload, wrong_uri, missing_file, wrong_file,
    # uncatalogued_record, torn_tail; shipped copies: remote_missing, remote_corrupt,
    # store_unreachable
    where: str
    detail: str


@dataclass
class CheckReport:
    captures: int = 0
    records: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


def check_archive(archive: Archive) -> CheckReport:
    """File by file: its shipped copy against the catalog's size and SHA-256, then every
    capture in it and every record of it (a shipped file whose local copy is gone is read
    from the WARC store, archive.sources)."""
    report = CheckReport()
    by_file: dict[str, list[CaptureInfo]] = defaultdict(list)
    for info in archive.captures():
        report.captures += 1
        by_file[info.warc_file].append(info)
    source = archive.source
    shipped = source.all_shipped()
    for name in sorted(set(source.names()) | set(by_file)):
        report.problems.extend(_check_file(source, name, by_file.get(name, []), shipped, report))
    return report


def _check_file(
    source: WarcSource,
    name: str,
    infos: list[CaptureInfo],
    shipped: dict[str, Shipped],
    report: CheckReport,
) -> Iterator[Problem]:
    try:
        warc_path(source.folder, name)
    except CorruptWarc as exc:
        for info in infos:
            yield Problem("wrong_file", _where(info), str(exc))
        return
    remote = shipped.get(name)
    try:
        with source.whole(name) as (path, downloaded_sha):
            if remote is not None:
                yield from _check_shipped(source, remote, path, downloaded_sha)
            if path is None:
                where = source.folder / name
                extra = f" and {remote.url} is not readable" if remote else ""
                for info in infos:
                    yield Problem("missing_file", _where(info), f"{where} does not exist{extra}")
                return
            catalogued = {info.warc_offset for info in infos}
            for info in infos:
                yield from _check_capture(path, info)
            yield from _check_records(path, catalogued, report)
    except RemoteStoreError as exc:
        yield Problem("store_unreachable", name, str(exc))


def _check_shipped(
    source: WarcSource, remote: Shipped, path: Path | None, downloaded_sha: str | None
) -> Iterator[Problem]:
    """The shipped copy must be what was verified at upload: same size, same SHA-256."""
    if path is not None and downloaded_sha is not None:  # read from the store just now
        got = (path.stat().st_size, downloaded_sha)
    else:
        fs, rpath = resolve(remote.url, source.store.options_for(remote.url))
        try:
            got = digest_remote(fs, rpath)
        except FileNotFoundError:
            yield Problem("remote_missing", remote.url, "the shipped copy is not in the store")
            return
        except Exception as exc:
            raise store_error(exc, remote.url, f"reading {remote.name}") from exc
    if got != (remote.size, remote.sha256):
        yield Problem(
            "remote_corrupt",
            remote.url,
            f"{got[0]} bytes, sha256 {got[1]}; shipped as {remote.size} bytes, "
            f"sha256 {remote.sha256}",
        )


def _check_records(path: Path, catalogued: set[int], report: CheckReport) -> Iterator[Problem]:
    for offset, rec_type in _records(path):
        report.records += 1
        known = offset in catalogued
        where = f"{path.name}:{offset}"
        if rec_type == "torn_tail":
            yield Problem("torn_tail", where, "bytes after the last whole record")
        elif rec_type == "unreadable" and not known:
            yield Problem("unreadable_record", where, "digest or format")
        elif rec_type in CAPTURED_TYPES and not known:
            yield Problem(
                "uncatalogued_record", where, f"a {rec_type} record the catalog does not know"
            )


def _where(info: CaptureInfo) -> str:
    return f"capture {info.id} ({info.warc_file}:{info.warc_offset})"


def warc_path(folder: Path, name: str) -> Path:
    """``folder/name`` for a WARC file name the catalog holds; a name that would leave the
    folder (a damaged or hostile catalog: '../x', '/etc/passwd') is an error, never read."""
    if not name or name in (".", "..") or Path(name).name != name or "\0" in name:
        raise CorruptWarc(
            f"the catalog names WARC file {name!r}, outside {folder}: the catalog is "
            "damaged; rebuild it with `ogi rebuild-catalog`"
        )
    return folder / name


def _check_capture(path: Path, info: CaptureInfo) -> Iterator[Problem]:
    where = _where(info)
    try:
        record, body = parse_record(
            read_record_bytes(path, info.warc_offset, info.warc_length), where
        )
    except CorruptWarc as exc:
        yield Problem("unreadable_record", where, str(exc))
        return
    uri = record.rec_headers.get_header("WARC-Target-URI")
    if uri != safe_url_string(info.final_url):
        yield Problem("wrong_uri", where, f"record is for {uri}, catalog says {info.final_url}")
    if record.rec_type == "response" and hashlib.sha256(body).hexdigest() != info.sha256:
        yield Problem("wrong_payload", where, "payload SHA-256 differs from the catalog")


def _records(path: Path) -> Iterator[tuple[int, str]]:
    """(offset, WARC-Type) of each whole record in a file, read member by member."""
    with open(path, "rb") as fh:
        spans = list(gzip_members(fh, 0))
    end = spans[-1][0] + spans[-1][1] if spans else 0
    if end != path.stat().st_size:
        yield end, "torn_tail"
    for offset, length in spans:
        head = read_record_bytes(path, offset, length)
        try:
            record, _ = parse_record(head, f"{path.name}:{offset}")
        except CorruptWarc:
            yield offset, "unreadable"
            continue
        yield offset, record.rec_type
