"""`ogi check`: the catalog against the WARC files, and the WARC files against the catalog.

Read-only. Every catalogued capture must point at a whole, digest-valid record of the
URL it names whose payload has the catalogued SHA-256; every response or revisit record
in the WARC files must be catalogued (one that is not was written just before a crash,
and is recoverable from the file).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from w3lib.url import safe_url_string

from archive.errors import CorruptWarc
from archive.repair import gzip_members
from archive.warcfile import parse_record, read_record_bytes

if TYPE_CHECKING:
    from archive.store import Archive
    from archive.types import CaptureInfo

CAPTURED_TYPES = {"response", "revisit"}


@dataclass(frozen=True)
class Problem:
    kind: str  # unreadable_record, wrong_payload, wrong_uri, missing_file, wrong_file,
    # uncatalogued_record, torn_tail
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
    report = CheckReport()
    catalogued: set[tuple[str, int]] = set()
    for info in archive.captures():
        report.captures += 1
        catalogued.add((info.warc_file, info.warc_offset))
        report.problems.extend(_check_capture(archive.directory / "warc", info))
    for path in sorted((archive.directory / "warc").glob("*.warc.gz")):
        for offset, rec_type in _records(path):
            report.records += 1
            known = (path.name, offset) in catalogued
            if rec_type == "torn_tail":
                report.problems.append(
                    Problem(
                        "torn_tail", f"{path.name}:{offset}", "bytes after the last whole record"
                    )
                )
            elif rec_type == "unreadable" and not known:
                report.problems.append(
                    Problem("unreadable_record", f"{path.name}:{offset}", "digest or format")
                )
            elif rec_type in CAPTURED_TYPES and not known:
                report.problems.append(
                    Problem(
                        "uncatalogued_record",
                        f"{path.name}:{offset}",
                        f"a {rec_type} record the catalog does not know",
                    )
                )
    return report


def warc_path(folder: Path, name: str) -> Path:
    """``folder/name`` for a WARC file name the catalog holds; a name that would leave the
    folder (a damaged or hostile catalog: '../x', '/etc/passwd') is an error, never read."""
    if not name or name in (".", "..") or Path(name).name != name or "\0" in name:
        raise CorruptWarc(
            f"the catalog names WARC file {name!r}, outside {folder}: the catalog is "
            "damaged; rebuild it with `ogi rebuild-catalog`"
        )
    return folder / name


def _check_capture(folder: Path, info: CaptureInfo) -> Iterator[Problem]:
    where = f"capture {info.id} ({info.warc_file}:{info.warc_offset})"
    try:
        path = warc_path(folder, info.warc_file)
    except CorruptWarc as exc:
        yield Problem("wrong_file", where, str(exc))
        return
    if not path.exists():
        yield Problem("missing_file", where, f"{path} does not exist")
        return
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
