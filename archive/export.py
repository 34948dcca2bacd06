"""Export captures to one WARC file by copying their stored records verbatim.

Each record is its own gzip member, so copying members keeps every digest valid.
Revisit records are exported with the record they refer to, so the file stands alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from archive.warcfile import _warcinfo as warcinfo_record
from archive.warcfile import new_writer

if TYPE_CHECKING:
    from archive.store import Archive


def export_warc(archive: Archive, out: Path, capture_ids: Iterable[int] | None) -> int:
    """Write the captures (all when ``capture_ids`` is None); returns how many."""
    ids = (
        sorted(set(capture_ids)) if capture_ids is not None else [c.id for c in archive.captures()]
    )
    ids = _with_revisit_targets(archive, ids)
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "xb") as fh:
        new_writer(fh).write_record(warcinfo_record(out.name, {"software": "ogi-archive export"}))
        for capture_id in ids:
            fh.write(archive.record_bytes(capture_id))
            fh.write(archive.record_bytes(capture_id, request=True))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.rename(out)
    return len(ids)


def _with_revisit_targets(archive: Archive, ids: list[int]) -> list[int]:
    wanted = set(ids)
    for capture_id in ids:
        info = archive.capture(capture_id)
        if info.is_revisit and info.revisit_of is not None:
            wanted.add(info.revisit_of)
    return sorted(wanted)
