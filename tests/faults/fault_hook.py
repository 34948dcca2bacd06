"""OGI_ON_CAPTURE hook of the fault-injection tests, loaded inside the `ogi crawl` child.

Every capture the archive hands back is logged (one JSON line, after ``record``
returned). At the capture number in OGI_FAULT_KILL_AT the hook reads what the catalog
has *committed* (a separate read-only connection, so exactly what survives a crash)
into OGI_FAULT_SNAPSHOT, then SIGKILLs its whole process group: no cleanup, no flush,
no atexit. With OGI_FAULT_FLUSH_FIRST=1 it commits the open batch first, so the kill
lands just after a commit rather than in the middle of a batch.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

_seen = 0


def on_capture(archive: Any, result: Any, fetch: Any) -> None:
    global _seen
    _seen += 1
    row = {"n": _seen, "capture_id": result.capture_id, "url": fetch.final_url}
    with open(os.environ["OGI_FAULT_LOG"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
    if _seen != int(os.environ.get("OGI_FAULT_KILL_AT") or 0):
        return
    if os.environ.get("OGI_FAULT_FLUSH_FIRST") == "1":
        archive.flush()
    write_snapshot(Path(archive.directory), Path(os.environ["OGI_FAULT_SNAPSHOT"]))
    os.killpg(os.getpgid(0), signal.SIGKILL)


def committed(archive_dir: Path) -> list[dict[str, Any]]:
    """Every committed capture row (id, WARC file and offset, SHA-256), read-only."""
    db = archive_dir / "catalog.sqlite"
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute(
            "select id, warc_file, warc_offset, sha256, final_url, warc_record_id"
            " from capture order by id"
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []  # the schema is not there yet: nothing committed
        raise
    finally:
        conn.close()
    keys = ("id", "warc_file", "warc_offset", "sha256", "url", "record_id")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def write_snapshot(archive_dir: Path, out: Path) -> None:
    rows = committed(archive_dir)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows), encoding="utf-8")
    os.replace(tmp, out)


def disk_fails(archive: Any, result: Any, fetch: Any) -> None:
    """OGI_ON_CAPTURE for hosts where no small filesystem can be mounted: after
    OGI_FAULT_DISK_AFTER captures every WARC write fails with OGI_FAULT_ERRNO (ENOSPC or
    EROFS), raised where the real write would raise it (archive.warcfile)."""
    import errno

    from archive import warcfile

    global _seen
    _seen += 1
    if _seen != int(os.environ["OGI_FAULT_DISK_AFTER"]):
        return
    code = getattr(errno, os.environ.get("OGI_FAULT_ERRNO", "ENOSPC"))

    def failing(self: Any, *records: Any) -> Any:
        raise warcfile._write_error(OSError(code, os.strerror(code)), self.folder / "x")

    warcfile.RotatingWarcWriter.write = failing  # type: ignore[method-assign]
