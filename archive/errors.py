"""One exception hierarchy for the archive; each error carries a reason code for stats."""


class ArchiveError(Exception):
    """Base of every archive failure; ``str()`` is one line that says what to do."""

    reason = "archive_error"


class ArchiveNotFound(ArchiveError):
    reason = "archive_not_found"


class ArchiveLocked(ArchiveError):
    reason = "archive_locked"


class CaptureNotFound(ArchiveError):
    reason = "capture_not_found"


class CorruptWarc(ArchiveError):
    reason = "corrupt_warc"


class StorageError(ArchiveError):
    """The disk or the database failed after bounded retries."""

    reason = "storage_error"


class ReadOnlyArchive(ArchiveError):
    reason = "read_only"
