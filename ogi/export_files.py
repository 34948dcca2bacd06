"""Safe output files for `ogi export`: never overwrite, never a half-written file under the
final name, never a path outside the target directory."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ogi.errors import CliError


def refuse_existing(*paths: Path) -> None:
    for path in paths:
        if os.path.lexists(path):  # a dangling symlink counts: it would be followed
            raise CliError(f"{path} exists; refusing to overwrite it")


@contextmanager
def new_file(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out``; linked to ``out`` only when the block succeeds
    (os.link fails instead of overwriting a file that appeared meanwhile)."""
    refuse_existing(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            os.link(tmp, out)
        except FileExistsError as exc:
            raise CliError(f"{out} exists; refusing to overwrite it") from exc
    finally:
        tmp.unlink(missing_ok=True)


def target_dir(out: Path, fmt: str) -> Path:
    """The directory a table export writes into: new, or an existing directory."""
    if out.suffix.lower() in (".csv", ".jsonl", ".parquet", ".json"):
        raise CliError(
            f"--out is a directory for {fmt} exports (it gets reports.{fmt}, stats.{fmt} and "
            f"datapackage.json); got {out}"
        )
    if out.exists() and not out.is_dir():
        raise CliError(f"{out} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    return out


def inside(directory: Path, name: str) -> Path:
    """``directory/name`` for a plain file name (no separators, no ..)."""
    if not name or name in (".", "..") or "/" in name or os.sep in name:
        raise CliError(f"not a plain file name: {name!r}")
    return directory / name


def sha256_file(path: Path) -> tuple[str, int]:
    """(``sha256:<hex>``, size in bytes), as Frictionless and WACZ record them."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return f"sha256:{digest.hexdigest()}", size
