"""The WARC store: where closed WARC files are shipped (any fsspec URL), and reading them back.

WARC files are written on a local disk (append, flock, torn-tail repair: archive.warcfile,
archive.repair) and only *closed* files go to the store (archive.shipping), so the store
only ever needs whole-object writes and ranged reads, which every fsspec filesystem has:
``s3://bucket/prefix``, ``gs://…``, ``file:///mnt/share``, a plain path …

Configuration (environment, so it reaches the archive-writer process and every command):

* ``OGI_WARC_STORE``: the store URL; unset = no store (files stay local, as before).
* ``OGI_WARC_STORE_OPTIONS``: a JSON object of fsspec storage options for that URL's
  protocol, e.g. ``{"endpoint_url": "http://minio:9000"}``; credentials are better left to
  the backend's own configuration (``AWS_*`` variables, ``FSSPEC_S3_*``, instance roles).
* ``OGI_WARC_KEEP_LOCAL``: ``1`` (default) keeps the local copy after a verified upload,
  ``0`` deletes it (readers then read the shipped copy through fsspec).
* ``OGI_WARC_STORE_RETRIES``: attempts per upload or read before giving up (default 5).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import fsspec
from fsspec.spec import AbstractFileSystem
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from archive.errors import StorageError

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_BACKOFF = 1.0  # seconds, doubled per attempt up to 30 (tests set it to 0)
CHUNK = 8 << 20  # bytes per read when hashing or copying a whole object
STORE_ERROR_MODULES = {"botocore", "aiobotocore", "aiohttp", "requests", "urllib3", "gcsfs"}


class RemoteStoreError(StorageError):
    """The WARC store failed (unreachable, refused, or holding something unexpected)."""

    reason = "warc_store_error"


@dataclass(frozen=True)
class StoreConfig:
    """Where closed WARC files go and what happens to the local copy."""

    url: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    keep_local: bool = True
    tries: int = 5

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StoreConfig:
        env = os.environ if env is None else env
        url = (env.get("OGI_WARC_STORE") or "").strip().rstrip("/") or None
        raw = env.get("OGI_WARC_STORE_OPTIONS") or "{}"
        try:
            options = json.loads(raw)
        except ValueError as exc:
            raise StorageError(f"OGI_WARC_STORE_OPTIONS is not JSON ({exc}); fix it") from exc
        if not isinstance(options, dict):
            raise StorageError("OGI_WARC_STORE_OPTIONS must be a JSON object of fsspec options")
        keep = (env.get("OGI_WARC_KEEP_LOCAL") or "1").strip().lower()
        if keep not in {"1", "0", "true", "false", "yes", "no"}:
            raise StorageError(f"OGI_WARC_KEEP_LOCAL must be 1 or 0, got {keep!r}")
        tries = env.get("OGI_WARC_STORE_RETRIES") or "5"
        if not tries.isdigit() or int(tries) < 1:
            raise StorageError(f"OGI_WARC_STORE_RETRIES must be a whole number >= 1: {tries!r}")
        return cls(url, options, keep in {"1", "true", "yes"}, int(tries))

    def file_url(self, name: str) -> str:
        """Where the WARC file ``name`` lives in the store."""
        assert self.url is not None
        return f"{self.url}/{name}"

    def options_for(self, url: str) -> dict[str, Any]:
        """The configured options apply to URLs of the store's own protocol only (a file
        shipped to an older store of another kind is read with that backend's defaults)."""
        if self.url is None or _protocol(url) != _protocol(self.url):
            return {}
        return self.options


def _protocol(url: str) -> str:
    head, sep, _ = url.partition("://")
    return head.lower() if sep else "file"


def resolve(url: str, options: dict[str, Any]) -> tuple[AbstractFileSystem, str]:
    """The fsspec filesystem and path of ``url``; a bad URL or missing backend is an error
    that says what to install or fix (fsspec caches the filesystem instances)."""
    try:
        return _resolve(url, json.dumps(options, sort_keys=True))
    except (ImportError, ValueError, TypeError) as exc:
        raise RemoteStoreError(
            f"cannot use WARC store {url}: {exc}; check OGI_WARC_STORE / "
            "OGI_WARC_STORE_OPTIONS (s3:// needs the s3fs package)"
        ) from exc


@functools.lru_cache(maxsize=64)
def _resolve(url: str, options_json: str) -> tuple[AbstractFileSystem, str]:
    fs, path = fsspec.core.url_to_fs(url, **json.loads(options_json))
    return fs, path


def is_transient(exc: BaseException) -> bool:
    """Network and server failures are worth another try; a missing object, a refused
    permission or an integrity failure are not."""
    if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError | RemoteStoreError):
        return False
    if isinstance(exc, OSError | TimeoutError | ConnectionError):
        return True
    return type(exc).__module__.split(".")[0] in STORE_ERROR_MODULES


def with_retries(fn: Callable[[], T], tries: int, what: str) -> T:
    """``fn`` retried on transient store errors with exponential back-off (tenacity)."""
    return retry(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(tries),
        wait=wait_exponential(multiplier=RETRY_BACKOFF, max=30),
        before_sleep=lambda s: log.warning(
            "%s: %s; try %d",
            what,
            s.outcome.exception() if s.outcome else "?",
            s.attempt_number + 1,
        ),
        reraise=True,
    )(fn)()


def read_range(fs: AbstractFileSystem, path: str, offset: int, length: int) -> bytes:
    """``length`` bytes at ``offset`` of a stored object (one ranged GET on object stores)."""
    return bytes(fs.cat_file(path, start=offset, end=offset + length))


def digest_stream(fh: BinaryIO, copy_to: BinaryIO | None = None) -> tuple[int, str]:
    """(size, hex SHA-256) of everything ``fh`` holds, copied to ``copy_to`` on the way."""
    sha, size = hashlib.sha256(), 0
    while chunk := fh.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return size, sha.hexdigest()


def digest_local(path: Path) -> tuple[int, str]:
    with open(path, "rb") as fh:
        return digest_stream(fh)


def digest_remote(fs: AbstractFileSystem, path: str) -> tuple[int, str]:
    with fs.open(path, "rb", block_size=CHUNK) as fh:
        return digest_stream(fh)


def download(fs: AbstractFileSystem, path: str, dest: Path) -> str:
    """Copy a stored object to ``dest`` (for whole-file scans: `ogi check`, rebuilds);
    returns its SHA-256."""
    with fs.open(path, "rb", block_size=CHUNK) as src, open(dest, "wb") as dst:
        return digest_stream(src, dst)[1]


def list_store(store: StoreConfig) -> dict[str, str]:
    """WARC file name -> URL of every ``*.warc.gz`` in the store (for catalog rebuilds)."""
    if store.url is None:
        return {}
    fs, root = resolve(store.url, store.options)
    try:
        fs.invalidate_cache()
        found = fs.glob(f"{root.rstrip('/')}/*.warc.gz")
    except FileNotFoundError:
        return {}
    except Exception as exc:
        raise store_error(exc, store.url, "listing the WARC files") from exc
    return {Path(p).name: store.file_url(Path(p).name) for p in found}


def store_error(exc: BaseException, url: str, doing: str) -> RemoteStoreError:
    """One line: what failed against which store, and that nothing local was touched."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return RemoteStoreError(f"WARC store {url} failed while {doing}: {first}")
