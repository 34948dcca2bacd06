"""`ogi export --format wacz`: a WACZ 1.1.1 package for ReplayWeb.page and pywb.

Built here from our own standalone WARC export (archive.export, every digest kept) and
cdxj-indexer, the index library py-wacz itself uses, rather than with py-wacz's `wacz
create`: that would make py-wacz and Frictionless (with its own dependencies) runtime
dependencies, re-read the WARC to guess the pages, and give no say over the page list.
The `wacz` package stays a test dependency: the tests run its validator on our output.

Layout: archive/data.warc.gz (stored, not deflated: replay reads it by byte range),
indexes/index.cdx (CDXJ, sorted), pages/pages.jsonl (one entry per report capture),
datapackage.json (every file with its SHA-256 and size) and datapackage-digest.json.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from cdxj_indexer import CDXJIndexer

from archive import Archive
from ogi import __version__
from ogi.export_files import new_file, sha256_file

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"


def write_wacz(arc: Archive, out: Path, capture_ids: list[int] | None, reports: list[dict]) -> int:
    """Package the captures (all when None) with the reports' captures as pages; returns
    the number of captures."""
    with (
        new_file(out) as tmp,
        tempfile.TemporaryDirectory(dir=out.parent, prefix=".ogi-wacz-") as work,
    ):
        warc = Path(work) / WARC_NAME
        count = arc.export_warc(warc, capture_ids)
        digest, size = sha256_file(warc)
        resources = [_resource(f"archive/{WARC_NAME}", digest, size)]
        with zipfile.ZipFile(tmp, "x", allowZip64=True) as zf:
            zf.write(warc, f"archive/{WARC_NAME}", compress_type=zipfile.ZIP_STORED)
            resources.append(_put(zf, "indexes/index.cdx", _index(warc)))
            resources.append(_put(zf, "pages/pages.jsonl", _pages(reports)))
            package = _datapackage(resources, len(reports), count)
            _put(zf, "datapackage.json", package)
            digest_doc = {"path": "datapackage.json", "hash": _sha256(package)}
            _put(zf, "datapackage-digest.json", json.dumps(digest_doc, indent=2).encode())
    return count


def _resource(path: str, digest: str, size: int) -> dict:
    return {"name": path.rsplit("/", 1)[-1].lower(), "path": path, "hash": digest, "bytes": size}


def _put(zf: zipfile.ZipFile, name: str, data: bytes) -> dict:
    info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)
    return _resource(name, _sha256(data), len(data))


def _index(warc: Path) -> bytes:
    """CDXJ lines sorted by URL key; POST bodies appended to the key as pywb expects."""
    out = io.StringIO()
    indexer = CDXJIndexer(out, [str(warc)], sort=True, post_append=True, filename=WARC_NAME)
    indexer.process_all()
    return out.getvalue().encode("utf-8")


def _pages(reports: list[dict]) -> bytes:
    header = {"format": "json-pages-1.0", "id": "pages", "title": "OGI annual reports"}
    lines = [json.dumps(header)]
    seen: set[int] = set()
    for r in reports:
        title = " ".join(str(p) for p in (r["agency"], r["year"], r["title"]) if p)
        for m in r["captures"]:
            if m["capture_id"] in seen:
                continue
            seen.add(m["capture_id"])
            page = {"id": str(m["capture_id"]), "url": m["url"], "ts": m["fetched_at"]}
            lines.append(json.dumps({**page, "title": title}, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _datapackage(resources: list[dict], reports: int, captures: int) -> bytes:
    package = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": "ogi-archive export",
        "description": f"{captures} captures; {reports} OGI annual reports listed as pages",
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": f"ogi-archive {__version__}",
        "resources": resources,
    }
    return json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
