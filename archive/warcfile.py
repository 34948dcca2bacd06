"""WARC/1.1 files: append records (one gzip member each) and read one back.

The WARC files are the archive's source of truth; the catalog only points into them.
Digests are SHA-256 (warcio's default is SHA-1), written as ``sha256:<base32>``.
Files are created exclusively and opened for appending only, so no byte of an
existing file is ever overwritten (torn tails are handled in archive.repair).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from archive.errors import CorruptWarc, WarcWriteError
from archive.lock import hold_file

WARC_SUFFIX = ".warc.gz"
# warcio compresses with zlib at level 9. ISA-L (python-isal) writes the same standard
# gzip members far cheaper: on a portal farm's HTML (bench/bench_archive.py) 33 µs a
# 27 KB page at its default level 2 vs 256 µs (zlib 9) or 119 µs (zlib 3), for 9 %
# more bytes than zlib 9 (3.5 % more than zlib 3); already-compressed attachments
# (PDF, DOCX) come out the same size at any level, 6x faster (62 vs 435 µs per 28 KB).
GZIP_LEVEL = 2


def software_version() -> str:
    """This package's version, for warcinfo records; a checkout without metadata says so."""
    try:
        return metadata.version("ogi-archive")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class Sha256WARCWriter(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def new_writer(out: BinaryIO, *, gzip: bool = True) -> Sha256WARCWriter:
    return Sha256WARCWriter(out, gzip=gzip, warc_version="1.1")


class _Plain(threading.local):
    """A buffer and an uncompressing warcio writer into it, one pair per thread."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.writer = new_writer(self.buf, gzip=False)


_plain = _Plain()


def serialize(record: ArcWarcRecord) -> bytes:
    """The record as one complete gzip member (written in one go, so never half-built).

    warcio writes the record (headers, digests, Content-Length); it is compressed here
    as one member, in one call, by ISA-L at GZIP_LEVEL: a standard gzip member, the
    same kind warcio makes (and reads, as every WARC tool does)."""
    buf = _plain.buf
    try:
        _plain.writer.write_record(record)
        packer = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16)
        with buf.getbuffer() as view:
            return packer.compress(view) + packer.flush()
    finally:
        buf.seek(0)
        buf.truncate()  # emptied for the next record (and a large body is not kept)


def warcinfo_record(filename: str, info: dict[str, str]) -> ArcWarcRecord:
    """The first record of every file: format, software, host and whatever ``info`` adds."""
    fields = {
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "software": f"ogi-archive/{software_version()}",
        "hostname": socket.gethostname(),
        **info,
    }
    return new_writer(io.BytesIO()).create_warcinfo_record(filename, fields)


@dataclass(frozen=True)
class Written:
    """Where a record landed: file name (relative to the WARC folder), offset, length."""

    file: str
    offset: int
    length: int


class RotatingWarcWriter:
    """Appends records to ``<folder>/ogi-<UTC time>-<host>-<pid>-<serial>.warc.gz``.

    Every file starts with a warcinfo record. A file is closed and the next one begun
    before a write would take it past ``max_bytes`` (a file always takes at least one
    fetch, however large). A new writer never reuses an existing file name.
    """

    def __init__(
        self,
        folder: Path,
        *,
        max_bytes: int,
        info: dict[str, str],
        on_close: Callable[[str], None] | None = None,
    ) -> None:
        self.folder = folder
        self.on_close = on_close  # told each file's name once it is closed whole
        self.max_bytes = max_bytes
        self.info = info
        self.prefix = _file_prefix()
        self._serial = 0
        self._out: BinaryIO | None = None
        self._name = ""
        self._size = 0
        self._fetches = 0

    @property
    def current_file(self) -> str | None:
        return self._name if self._out is not None else None

    def set_info(self, info: dict[str, str]) -> None:
        """New warcinfo fields (a new crawl run): the next record starts a new file."""
        if info != self.info:
            self.info = info
            self.close()

    def write(self, *records: ArcWarcRecord) -> list[Written]:
        """Write records back to back in one file; returns each one's location."""
        blobs = [serialize(r) for r in records]
        out = self._file_for(sum(map(len, blobs)))
        start, placed = self._size, []
        try:
            for blob in blobs:
                out.write(blob)
                placed.append(Written(self._name, self._size, len(blob)))
                self._size += len(blob)
        except OSError as exc:
            self._abandon(start)
            raise _write_error(exc, self.folder / self._name) from exc
        self._fetches += 1
        return placed

    def sync(self) -> None:
        """Flush and fsync, so whatever the catalog commits next is on disk."""
        if self._out is None:
            return
        try:
            self._out.flush()
            os.fsync(self._out.fileno())
        except OSError as exc:
            self._abandon(None)
            raise _write_error(exc, self.folder / self._name) from exc

    def close(self) -> None:
        if self._out is not None:
            self.sync()
            self._out.close()
            self._out = None
            if self.on_close is not None:
                self.on_close(self._name)

    def _file_for(self, incoming: int) -> BinaryIO:
        full = self._fetches > 0 and self._size + incoming > self.max_bytes
        if self._out is None or full:
            self.close()
            self._open_next()
        assert self._out is not None
        return self._out

    def _open_next(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, self._name = self._create_unique()
            self._out = os.fdopen(fd, "ab")
            info = serialize(warcinfo_record(self._name, self.info))
            self._out.write(info)
            _fsync_dir(self.folder)
        except OSError as exc:
            self._abandon(None)
            raise _write_error(exc, self.folder / (self._name or "")) from exc
        self._size, self._fetches = len(info), 0

    def _create_unique(self) -> tuple[int, str]:
        """Exclusively create the next unused serial (append-only from here on)."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
        while True:
            self._serial += 1
            name = f"{self.prefix}-{self._serial:05d}{WARC_SUFFIX}"
            try:
                fd = os.open(self.folder / name, flags, 0o644)
            except FileExistsError:
                continue
            hold_file(fd)  # recovery elsewhere must not touch a file being written
            return fd, name

    def _abandon(self, start: int | None) -> None:
        """After a failed write: cut our own unfinished bytes if we can, then drop the file.

        The next write starts a new file; whatever could not be cut is a torn tail that
        archive.repair quarantines on the next open.
        """
        out, self._out = self._out, None
        if out is None:
            return
        with contextlib.suppress(OSError):
            out.flush()
        with contextlib.suppress(OSError):
            # only ever shorten: records still in the lost buffer must not become zeros
            if start is not None and os.fstat(out.fileno()).st_size > start:
                os.ftruncate(out.fileno(), start)
        with contextlib.suppress(OSError):
            out.close()


def _file_prefix() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    host = "".join(c if c.isalnum() or c in "-." else "-" for c in socket.gethostname())
    return f"ogi-{stamp}-{host}-{os.getpid()}"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_error(exc: OSError, path: Path) -> WarcWriteError:
    hint = "free disk space" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "check the disk"
    return WarcWriteError(
        f"cannot write WARC file {path}: {exc.strerror or exc}; {hint} and run again",
        exc.errno,
    )


def read_record_bytes(path: Path, offset: int, length: int) -> bytes:
    """The raw gzip member of one record (what an export copies verbatim)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(length)
    except OSError as exc:
        raise CorruptWarc(
            f"cannot read WARC file {path}: {exc.strerror or exc}; restore it from a backup"
        ) from exc
    if len(data) != length:
        raise CorruptWarc(
            f"WARC file {path} ends before the record at offset {offset}; restore it from a backup"
        )
    return data


def parse_record(data: bytes, where: str) -> tuple[ArcWarcRecord, bytes]:
    """The record in one gzip member and its payload, digests verified by warcio."""
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), check_digests="raise")))
        body = record.raw_stream.read()  # reading to the end is what checks the digests
    except Exception as exc:  # warcio raises bare Exceptions on garbage and bad digests
        raise CorruptWarc(
            f"unreadable WARC record at {where}: {exc}; restore the file from a backup"
        ) from exc
    return record, body


def read_payload(path: Path, offset: int, length: int) -> tuple[StatusAndHeaders | None, bytes]:
    """HTTP headers and entity body of the record at ``offset`` (digest-checked)."""
    record, body = parse_record(read_record_bytes(path, offset, length), f"{path}:{offset}")
    return record.http_headers, body
