"""Run one crawl in its own process (CrawlerProcess runs once per process) for the tests.

    python tests/crawler/crawl_child.py PORTALS.toml ARCHIVE_DIR CAPTURES.jsonl

Every capture is written to CAPTURES.jsonl by the OGI_ON_CAPTURE hook below, so the test
sees exactly what the crawler handed to the archive; the outcome is printed as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

CAPTURES_ENV = "OGI_TEST_CAPTURES"
KILL_ENV = "OGI_TEST_KILL_HOOK_PROCESS_AT"  # SIGKILL the process running the hook (the writer)
_seen = 0


def record_hook(archive: Any, result: Any, fetch: Any) -> None:
    """OGI_ON_CAPTURE: one JSON line per FetchRecord handed over, with the archive's verdict."""
    global _seen
    _seen += 1
    if _seen == int(os.environ.get(KILL_ENV) or 0):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
    row = {
        "change": result.change,
        "capture_id": result.capture_id,
        "requested_url": fetch.requested_url,
        "final_url": fetch.final_url,
        "redirect_chain": list(fetch.redirect_chain),
        "method": fetch.method,
        "status": fetch.status,
        "reason": fetch.reason,
        "portal": fetch.portal,
        "found_from": fetch.found_from,
        "anchor_text": fetch.anchor_text,
        "depth": fetch.depth,
        "candidate": fetch.candidate,
        "media_type": fetch.media_type,
        "charset": fetch.charset,
        "size": len(fetch.body),
        "response_headers": [list(h) for h in fetch.response_headers],
        "request_headers": [list(h) for h in fetch.request_headers],
        "fetched_at": fetch.fetched_at.isoformat(),
    }
    with open(os.environ[CAPTURES_ENV], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    from crawler.portals import load_portals
    from crawler.run import run_crawl

    portals_path, archive_dir, captures = sys.argv[1:4]
    os.environ[CAPTURES_ENV] = captures
    outcome = run_crawl(
        load_portals(portals_path),
        archive_dir=Path(archive_dir),
        catalog_url=None,
        settings={
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "OGI_ON_CAPTURE": "crawl_child.record_hook",
            "OGI_CONTACT": "crawler-tests@example.org",
            "LOG_LEVEL": "WARNING",
        },
    )
    stats = {k: v for k, v in outcome.stats.items() if k.startswith(("ogi/", "finish"))}
    print(
        json.dumps(
            {"run_id": outcome.run_id, "per_portal": outcome.per_portal, "stats": stats},
            default=str,
        )
    )


if __name__ == "__main__":
    main()
