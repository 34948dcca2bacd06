"""Export captures to one standalone WARC/1.1 file by copying their stored records.

Each stored record is its own gzip member, so copying members byte for byte keeps
every digest valid. Revisits are exported as revisit records, and the capture each
one refers to is exported with it (even when not asked for), so every
WARC-Refers-To in the file resolves inside the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from archive.errors import StorageError
from archive.warcfile import serialize, warcinfo_record

if TYPE_CHECKING:
    from archive.store import Archive


def export_warc(archive: Archive, out: Path, capture_ids: Iterable[int] | None) -> int:
    """Write the captures (all when ``capture_ids`` is None); returns how many were written.

    Raises CaptureNotFound for an unknown id and StorageError when ``out`` exists or
    cannot be written; a half-written export never appears under ``out``'s name.
    """
    ids = _wanted(archive, capture_ids)
    if out.exists():
        raise StorageError(f"{out} exists; choose another file name or remove it first")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        with open(tmp, "xb") as fh:  # never through a file or symlink planted there
            _write_all(archive, fh, out.name, ids)
        os.link(tmp, out)  # fails instead of overwriting a file that appeared meanwhile
    except OSError as exc:
        raise StorageError(
            f"cannot write export {out}: {exc.strerror or exc}; check the path and free space"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return len(ids)


def _write_all(archive: Archive, fh: BinaryIO, name: str, ids: list[int]) -> None:
    info = {"description": f"ogi-archive export of {len(ids)} captures"}
    fh.write(serialize(warcinfo_record(name, info)))
    for capture_id in ids:
        fh.write(archive.record_bytes(capture_id))
        fh.write(archive.record_bytes(capture_id, request=True))
    fh.flush()
    os.fsync(fh.fileno())


def _wanted(archive: Archive, capture_ids: Iterable[int] | None) -> list[int]:
    """The ids asked for (checked to exist) plus the targets of their revisits."""
    if capture_ids is None:
        infos = list(archive.captures())
    else:
        infos = [archive.capture(i) for i in sorted(set(capture_ids))]
    wanted = {info.id for info in infos}
    wanted |= {i.revisit_of for i in infos if i.is_revisit and i.revisit_of is not None}
    return sorted(wanted)
