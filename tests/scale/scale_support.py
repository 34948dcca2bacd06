"""Crawler processes over a portal farm, and what the catalog says they archived."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

FAST = ["--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=False"]


def crawler(
    portals: Path, archive: Path, catalog: str, redis_url: str, prefix: str, *extra: str
) -> subprocess.Popen:
    """`ogi crawl` in distributed mode, as a machine of the fleet would run it."""
    cmd = [sys.executable, "-m", "ogi", "crawl", "--portals", str(portals)]
    cmd += ["--archive", str(archive), "--catalog", catalog, "-q", *FAST]
    cmd += ["--set", f"OGI_DISTRIBUTED={redis_url}", "--set", f"OGI_DISTRIBUTED_KEY={prefix}"]
    cmd += ["--set", "OGI_WORKER_TTL=3", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=4", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen, timeout: float = 90) -> None:
    _out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"crawler exited {proc.returncode}:\n{err.decode()[-3000:]}")


def captures(catalog: str) -> list[tuple[str, str, str, int]]:
    """(requested URL, sha256, WARC file, run id) of every 2xx capture."""
    engine = sa.create_engine(catalog)
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("capture"):
            return []  # the crawler has not migrated the catalog yet
        rows = conn.execute(
            sa.text(
                "select requested_url, sha256, warc_file, run_id from capture "
                "where status between 200 and 299"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def duplicates(rows: list[tuple[str, str, str, int]]) -> dict[tuple[str, str], int]:
    counts = Counter((url, sha) for url, sha, _, _ in rows)
    return {k: n for k, n in counts.items() if n > 1}
