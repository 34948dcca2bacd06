"""WARC/1.1 files: append records (one gzip member each), read one back, repair a torn tail.

The WARC files are the archive's source of truth; the catalog only points into them.
Digests are SHA-256 (warcio's default is SHA-1), written as ``sha256:<base32>``.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from archive.errors import CorruptWarc

WARC_SUFFIX = ".warc.gz"


class Sha256WARCWriter(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def new_writer(out: BinaryIO) -> Sha256WARCWriter:
    return Sha256WARCWriter(out, gzip=True, warc_version="1.1")


@dataclass(frozen=True)
class Written:
    """Where a record landed: file name (relative to the WARC folder), offset, length."""

    file: str
    offset: int
    length: int


class RotatingWarcWriter:
    """Appends records to ``<folder>/<prefix>-<serial>.warc.gz``, rotating at a size limit.

    Every file starts with a warcinfo record. Files are only ever appended to, and a
    new process always starts a new file, so an existing capture is never rewritten.
    """

    def __init__(self, folder: Path, *, max_bytes: int, info: dict[str, str]) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.info = info
        self.prefix = _file_prefix()
        self._serial = 0
        self._out: BinaryIO | None = None
        self._name = ""

    def write(self, *records: ArcWarcRecord) -> list[Written]:
        """Write records back to back in one file; returns each one's location."""
        out = self._file_for_next_records()
        writer = new_writer(out)
        placed = []
        for record in records:
            start = out.tell()
            writer.write_record(record)
            placed.append(Written(self._name, start, out.tell() - start))
        return placed

    def sync(self) -> None:
        """Flush and fsync, so whatever the catalog commits next is on disk."""
        if self._out is not None:
            self._out.flush()
            os.fsync(self._out.fileno())

    def close(self) -> None:
        if self._out is not None:
            self.sync()
            self._out.close()
            self._out = None

    def _file_for_next_records(self) -> BinaryIO:
        if self._out is None or self._out.tell() >= self.max_bytes:
            self.close()
            self._open_next()
        assert self._out is not None
        return self._out

    def _open_next(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            self._serial += 1
            self._name = f"{self.prefix}-{self._serial:05d}{WARC_SUFFIX}"
            path = self.folder / self._name
            if not path.exists():
                break
        self._out = open(path, "xb")  # noqa: SIM115 - lives as long as the writer
        new_writer(self._out).write_record(_warcinfo(self._name, self.info))


def _file_prefix() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    host = "".join(c if c.isalnum() or c in "-." else "-" for c in socket.gethostname())
    return f"ogi-{stamp}-{host}-{os.getpid()}"


def _warcinfo(filename: str, info: dict[str, str]) -> ArcWarcRecord:
    fields = {"format": "WARC File Format 1.1", "hostname": socket.gethostname(), **info}
    return new_writer(io.BytesIO()).create_warcinfo_record(filename, fields)


def read_record_bytes(path: Path, offset: int, length: int) -> bytes:
    """The raw gzip member of one record (what an export copies verbatim)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(length)
    except OSError as exc:
        raise CorruptWarc(f"cannot read WARC file {path}: {exc.strerror or exc}") from exc
    if len(data) != length:
        raise CorruptWarc(f"WARC file {path} ends before the record at offset {offset}")
    return data


def read_payload(path: Path, offset: int, length: int) -> tuple[StatusAndHeaders | None, bytes]:
    """HTTP headers and entity body of the record at ``offset`` (digest-checked)."""
    data = read_record_bytes(path, offset, length)
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), check_digests=True)))
        body = record.raw_stream.read()
    except Exception as exc:  # warcio raises bare Exceptions on garbage
        raise CorruptWarc(f"unreadable WARC record at {path}:{offset}: {exc}") from exc
    return record.http_headers, body


def iter_record_spans(fh: BinaryIO) -> Iterator[tuple[int, int, ArcWarcRecord]]:
    """(offset, length, record) of every complete record from the current position."""
    it = ArchiveIterator(fh, no_record_parse=False)
    for record in it:
        start = it.get_record_offset()
        record.raw_stream.read()
        yield start, it.get_record_length() or 0, record


def repair_tail(path: Path, *, known_end: int, quarantine: Path) -> int:
    """Cut a torn last record off ``path``; the cut bytes go to ``quarantine`` first.

    Records are scanned from ``known_end`` (the end of the last catalogued record) so a
    large file is not re-read on every open. Returns the number of bytes cut.
    """
    size = path.stat().st_size
    if size <= known_end:
        return 0
    good_end = _last_good_end(path, known_end)
    if good_end >= size:
        return 0
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
    return size - good_end


def _last_good_end(path: Path, start: int) -> int:
    """End offset of the last whole gzip member holding a whole WARC record."""
    good_end = start
    with open(path, "rb") as fh:
        fh.seek(start)
        for offset, length in gzip_members(fh, start):
            good_end = offset + length
    return good_end


def gzip_members(fh: BinaryIO, start: int) -> Iterator[tuple[int, int]]:
    """(offset, length) of each complete gzip member whose WARC record is complete.

    warcio reads a torn last member without complaint, so completeness is checked
    here: the member must reach its gzip trailer and hold the record's Content-Length.
    """
    offset, buf = start, b""
    while True:
        member = _one_member(fh, buf)
        if member is None:
            return
        length, record, buf = member
        if not _record_complete(record):
            return
        yield offset, length
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
            return len(block) >= int(value.strip() or b"0")
    return False
