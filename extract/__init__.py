"""Bytes → text: HTML pages; PDF (OCR for scans), DOCX, DOC/WPS, XLSX/XLS, OFD attachments.

`extract()` never raises; failures are Extraction objects with an `error` code.
`SandboxedExtractor` runs it in worker processes with time and memory limits.
This package imports nothing else of ours (see docs/architecture.md).
"""

from extract.charset import decode_html, detect_charset
from extract.dispatch import MAX_BYTES, extract
from extract.model import EXTRACT_VERSION, Extraction
from extract.sandbox import (
    SandboxCrashed,
    SandboxedExtractor,
    SandboxError,
    SandboxMemoryError,
    SandboxPool,
    SandboxTimeout,
)

__all__ = [
    "EXTRACT_VERSION",
    "MAX_BYTES",
    "Extraction",
    "SandboxCrashed",
    "SandboxError",
    "SandboxMemoryError",
    "SandboxPool",
    "SandboxTimeout",
    "SandboxedExtractor",
    "decode_html",
    "detect_charset",
    "extract",
]
