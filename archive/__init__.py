"""The archive: captures in WARC/1.1 files, a SQL catalog pointing into them.

It knows nothing about Scrapy or reports: the crawler hands it FetchRecords, the
pipeline hands it texts and parse results, and it never rewrites what it stored.
"""

from archive.errors import (
    ArchiveError,
    ArchiveLocked,
    ArchiveNotFound,
    CaptureNotFound,
    CorruptWarc,
    ReadOnlyArchive,
    StorageError,
)
from archive.store import Archive
from archive.types import (
    CaptureInfo,
    CaptureResult,
    FetchRecord,
    ParsedCapture,
    RunInfo,
    TextInfo,
)

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveLocked",
    "ArchiveNotFound",
    "CaptureInfo",
    "CaptureNotFound",
    "CaptureResult",
    "CorruptWarc",
    "FetchRecord",
    "ParsedCapture",
    "ReadOnlyArchive",
    "RunInfo",
    "StorageError",
    "TextInfo",
]
