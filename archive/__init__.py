"""The archive: captures in WARC/1.1 files, a SQL catalog pointing into them.

It knows nothing about Scrapy or reports: the crawler hands it FetchRecords, the
pipeline hands it texts and parse results, and it never rewrites what it stored.

Choices the contract (docs/architecture.md) leaves open:

* A resource is the w3lib-canonical form (no fragment) of the *requested* URL, so a
  redirected link keeps one history; each capture also keeps the exact requested and
  final URLs. ``versions(url)`` takes any form of that URL.
* ``sha256`` in the catalog is the hex SHA-256 of the stored body; the WARC carries the
  same digest as ``WARC-Payload-Digest: sha256:<base32>``.
* An unchanged payload or a 304 is stored as an identical-payload-digest revisit of the
  URL's latest version; ``payload()`` resolves it. ``export_warc`` copies revisits as
  revisits and adds the captures they refer to, so the exported file stands alone.
* Catalog rows are committed in batches after the WARC files are fsynced; a database
  failure that outlasts the retries loses at most the open batch's rows, never WARC
  records (those stay in the files, uncatalogued).
"""

from archive.errors import (
    ArchiveError,
    ArchiveLocked,
    ArchiveNotFound,
    CaptureNotFound,
    CorruptWarc,
    ReadOnlyArchive,
    StorageError,
    WarcWriteError,
)
from archive.store import Archive
from archive.types import (
    CaptureInfo,
    CaptureResult,
    FetchRecord,
    KnownUrl,
    ParsedCapture,
    ResourceInfo,
    RunInfo,
    TextInfo,
)
from archive.verify import CheckReport, Problem

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveLocked",
    "ArchiveNotFound",
    "CaptureInfo",
    "CaptureNotFound",
    "CaptureResult",
    "CheckReport",
    "CorruptWarc",
    "FetchRecord",
    "KnownUrl",
    "ParsedCapture",
    "Problem",
    "ReadOnlyArchive",
    "ResourceInfo",
    "RunInfo",
    "StorageError",
    "TextInfo",
    "WarcWriteError",
]
