"""Refuse zip bombs (DOCX, XLSX, OFD) before any member is inflated.

We read only the central directory's declared sizes. That is enough because Python's
zipfile never yields more than a member's declared size (a member that inflates past
it fails its CRC check), so the declared sizes bound what python-docx, openpyxl or our
OFD reader can be made to inflate.
"""

from __future__ import annotations

import io
import zipfile

MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all members together, as declared
MAX_MEMBER_BYTES = 128 * 1024 * 1024
MAX_RATIO = 200  # declared size / compressed size, checked for members over 1 MiB
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 20000


class DecompressionBomb(Exception):
    """The archive declares more inflated bytes than we are willing to produce."""


def check_zip(body: bytes) -> None:
    """Raise DecompressionBomb if the declared sizes exceed the limits; bad zips pass through
    (the extractor itself reports them as corrupt)."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(body)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if len(infos) > MAX_MEMBERS:
        raise DecompressionBomb(f"{len(infos)} members > {MAX_MEMBERS}")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise DecompressionBomb(f"{info.filename}: {info.file_size} bytes declared")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise DecompressionBomb(f"{info.filename}: ratio {ratio:.0f}:1")
    if total > MAX_TOTAL_BYTES:
        raise DecompressionBomb(f"{total} bytes declared in total > {MAX_TOTAL_BYTES}")
