"""Recovery on open: cut a torn last record off a WARC file, check the catalog against files.

A crash mid-write leaves a partial gzip member at the end of the file being written.
It is copied to ``quarantine/`` (nothing is lost) and the file is truncated back to
the end of its last complete record. Catalog rows are only committed after the WARC
is fsynced, so no catalogued record can be in the cut part; ``check_catalog_ends``
verifies that before anything is written.
"""

from __future__ import annotations

import os
import shutil
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from archive.errors import CorruptWarc
from archive.lock import is_live
from archive.warcfile import WARC_SUFFIX


def check_catalog_ends(folder: Path, ends: dict[str, int]) -> None:
    """Every catalogued record must lie inside its file; otherwise stop, changing nothing."""
    for name, end in sorted(ends.items()):
        path = folder / name
        size = path.stat().st_size if path.exists() else -1
        if size < end:
            found = "is missing" if size < 0 else f"has {size} bytes, catalog needs {end}"
            raise CorruptWarc(
                f"WARC file {path} {found}: restore it from a backup before writing "
                "to this archive (it was left unchanged)"
            )


def repair_all(folder: Path, ends: dict[str, int], quarantine: Path) -> list[Path]:
    """Repair every file's tail (usually only the newest has one); returns what was cut."""
    if not folder.is_dir():
        return []
    kept = []
    for path in sorted(folder.glob(f"*{WARC_SUFFIX}")):
        if is_live(path):
            continue  # another process is writing it: its tail is not torn, only young
        cut = repair_tail(path, known_end=ends.get(path.name, 0), quarantine=quarantine)
        if cut is not None:
            kept.append(cut)
    return kept


def repair_tail(path: Path, *, known_end: int, quarantine: Path) -> Path | None:
    """Cut a torn last record off ``path``; the cut bytes go to ``quarantine`` first.

    Records are scanned from ``known_end`` (the end of the last catalogued record) so a
    large file is not re-read on every open. Returns the quarantined file, if any.
    """
    size = path.stat().st_size
    if size <= known_end:
        return None
    good_end = last_good_end(path, known_end)
    if good_end >= size:
        return None
    quarantine.mkdir(parents=True, exist_ok=True)
    kept = quarantine / f"{path.name}.{good_end}.{uuid.uuid4().hex[:12]}.tail"
    with open(path, "rb") as src, open(kept, "xb") as dst:
        src.seek(good_end)
        shutil.copyfileobj(src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    with open(path, "r+b") as fh:
        fh.truncate(good_end)
        os.fsync(fh.fileno())
    return kept


def last_good_end(path: Path, start: int) -> int:
    """End offset of the last whole fetch: a response or revisit record only counts once
    the request record written after it is whole too (a kill between the two leaves a
    response the catalog could never point at; it is quarantined with the torn rest)."""
    good_end = start
    with open(path, "rb") as fh:
        fh.seek(start)
        for offset, length, record in _members(fh, start):
            if _warc_type(record) not in FETCH_MAIN_TYPES:
                good_end = offset + length
    return good_end


FETCH_MAIN_TYPES = {b"response", b"revisit"}


def _warc_type(record: bytes) -> bytes:
    head = record.partition(b"\r\n\r\n")[0]
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"warc-type":
            return value.strip().lower()
    return b""


def gzip_members(fh: BinaryIO, start: int) -> Iterator[tuple[int, int]]:
    """(offset, length) of each complete gzip member whose WARC record is complete.

    warcio reads a torn last member without complaint, so completeness is checked
    here: the member must reach its gzip trailer and hold the record's Content-Length.
    """
    for offset, length, _ in _members(fh, start):
        yield offset, length


def _members(fh: BinaryIO, start: int) -> Iterator[tuple[int, int, bytes]]:
    """(offset, length, decompressed record) of each complete member (see gzip_members)."""
    offset, buf = start, b""
    while True:
        member = _one_member(fh, buf)
        if member is None:
            return
        length, record, buf = member
        if not _record_complete(record):
            return
        yield offset, length, record
        offset += length


def _one_member(fh: BinaryIO, pending: bytes) -> tuple[int, bytes, bytes] | None:
    inflater = zlib.decompressobj(wbits=31)
    out, used, data = [], 0, pending
    while not inflater.eof:
        if not data:
            data = fh.read(1 << 16)
            if not data:
                return None
        try:
            out.append(inflater.decompress(data))
        except zlib.error:
            return None
        used += len(data) - len(inflater.unused_data)
        data = b""
    return used, b"".join(out), inflater.unused_data


def _record_complete(record: bytes) -> bool:
    head, sep, block = record.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"WARC/"):
        return False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return len(block) >= int(value.strip() or b"0")
            except ValueError:
                return False
    return False
