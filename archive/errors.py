"""One exception hierarchy for the archive; each error carries a reason code for stats.

Every message is one line that says what went wrong and what to do about it; the
cause (an OSError, a database error) is chained with ``raise ... from``.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of every archive failure; ``str()`` is one line that says what to do."""

    reason = "archive_error"


class ArchiveNotFound(ArchiveError):
    """Opened with ``create=False`` where there is no archive."""

    reason = "archive_not_found"


class ArchiveLocked(ArchiveError):
    """Another process holds the archive open for writing."""

    reason = "archive_locked"


class CaptureNotFound(ArchiveError):
    """No capture with that id in the catalog."""

    reason = "capture_not_found"


class CorruptWarc(ArchiveError):
    """A WARC file does not hold what the catalog says it holds."""

    reason = "corrupt_warc"


class StorageError(ArchiveError):
    """The disk or the database failed after bounded retries."""

    reason = "storage_error"


class WarcWriteError(StorageError, OSError):
    """Writing a WARC file failed; also an OSError so callers can test ``errno`` (disk full)."""

    reason = "warc_write_failed"

    def __init__(self, message: str, errno: int | None = None) -> None:
        OSError.__init__(self, errno, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class CatalogFull(StorageError, OSError):
    """The catalog's disk is full (SQLITE_FULL, PostgreSQL's disk_full): an OSError with
    errno ENOSPC, so the crawler stops as it does when a WARC file cannot grow."""

    reason = "catalog_disk_full"

    def __init__(self, message: str) -> None:
        import errno

        OSError.__init__(self, errno.ENOSPC, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ReadOnlyArchive(ArchiveError):
    """A write was attempted on an archive opened with ``readonly=True``."""

    reason = "read_only"
