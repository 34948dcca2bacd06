"""Old binary Word (.doc) and Kingsoft WPS (.wps) → text, tables kept.

A WPS Office .wps is a Word-97 compound file, so both take one path: LibreOffice
headless converts the bytes to DOCX and our DOCX extractor reads that, which keeps
tables as TAB rows with merged cells once. Measured on a DOC built from seed 000
(66-row 统计表, one merged cell): LibreOffice→DOCX gave every Han character and 66/66
table rows exactly; antiword every Han character but tables as wrapped "|" boxes
(0/66 rows); catdoc -d utf-8 lost half the Han characters. So antiword is only the
fallback when LibreOffice is not installed (options record "tables": "visual-lines");
with neither installed the result is error "tool_missing".
"""

from __future__ import annotations

import functools
import os
import re
import tempfile

from extract.docx import extract_docx
from extract.model import EXTRACT_VERSION, Extraction, failure, one_line
from extract.tables import render_rows
from extract.tools import ToolFailed, ToolMissing, find_tool, run_tool, tool_version

SOFFICE = "soffice"
ANTIWORD = "antiword"
CONVERT_TIMEOUT_S = 90.0
CONVERT_MEMORY_MB = 3072  # soffice.bin maps ~1 GB of address space before reading a byte
SOFFICE_OPTIONS = {"converter": "soffice --convert-to docx", "then": "python-docx"}
ANTIWORD_OPTIONS = {"converter": "antiword -m UTF-8.txt -w 0", "tables": "visual-lines"}


@functools.cache
def soffice_version() -> str:
    """ "7.4.7.2" from "LibreOffice 7.4.7.2 40(Build:2)"."""
    parts = tool_version([SOFFICE, "--version"]).split()
    return parts[1] if len(parts) > 1 else "unknown"


@functools.cache
def antiword_version() -> str:
    """antiword has no --version; its usage text carries "Version: 0.37  (21 Oct 2005)"."""
    try:
        done = run_tool([ANTIWORD], timeout_s=10.0)
    except (ToolMissing, ToolFailed):
        return "unknown"
    match = re.search(r"Version:\s*(\S+)", (done.stdout + done.stderr).decode("utf-8", "replace"))
    return match.group(1) if match else "unknown"


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def word_format(body: bytes) -> str | None:
    """ "ole" (Word 97+/WPS compound file), "rtf" (often saved as .doc), or None.

    LibreOffice imports any other bytes as plain text, so junk named .doc would come
    back as pages of garbage text instead of an error: we only hand it these two.
    """
    if body.startswith(OLE_MAGIC):
        return "ole"
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:5] == b"{\\rtf":
        return "rtf"
    return None


def extract_word(body: bytes, kind: str) -> Extraction:
    """Extract a .doc / .wps payload (`kind` is recorded in meta)."""
    if word_format(body) is None:
        detail = "neither a compound file nor RTF"
        return _fail("corrupt_doc", detail, "libreoffice", f"{EXTRACT_VERSION}+none", kind)
    if find_tool(SOFFICE):
        return _via_soffice(body, kind)
    if find_tool(ANTIWORD):
        return _via_antiword(body, kind)
    return failure("tool_missing", f"{SOFFICE} (or {ANTIWORD}) is not installed",
                   extractor="libreoffice", extractor_version=f"{EXTRACT_VERSION}+none",
                   meta={"kind": kind, "tool": SOFFICE})  # fmt: skip


def _via_soffice(body: bytes, kind: str) -> Extraction:
    name, version = "libreoffice+python-docx", f"{EXTRACT_VERSION}+libreoffice-{soffice_version()}"
    with tempfile.TemporaryDirectory(prefix="ogi-doc-") as tmp:
        # Always ".doc": LibreOffice would read a ".wps" name as Microsoft Works.
        src = os.path.join(tmp, "in.doc")
        with open(src, "wb") as fh:
            fh.write(body)
        argv = [SOFFICE, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                "--norestore", "--convert-to", "docx", "--outdir", tmp, src]  # fmt: skip
        try:
            run_tool(argv, timeout_s=CONVERT_TIMEOUT_S, memory_mb=CONVERT_MEMORY_MB, cwd=tmp,
                     env={**os.environ, "HOME": tmp})  # fmt: skip
        except ToolMissing as exc:
            return _fail("tool_missing", str(exc), name, version, kind)
        except ToolFailed as exc:
            return _fail("conversion_failed", one_line(exc), name, version, kind)
        out = os.path.join(tmp, "in.docx")
        if not os.path.exists(out):
            return _fail("corrupt_doc", "LibreOffice produced no DOCX", name, version, kind)
        with open(out, "rb") as fh:
            inner = extract_docx(fh.read())
    if inner.error:
        return _fail("corrupt_doc", inner.error_detail, name, version, kind)
    return Extraction(
        text=inner.text,
        extractor=name,
        extractor_version=f"{version}+{inner.extractor_version.split('+', 1)[1]}",
        options={**SOFFICE_OPTIONS, **inner.options},
        charset=None,
        title=inner.title,
        meta={**inner.meta, "kind": kind, "format": word_format(body)},
    )


def _via_antiword(body: bytes, kind: str) -> Extraction:
    name, version = "antiword", f"{EXTRACT_VERSION}+antiword-{antiword_version()}"
    with tempfile.TemporaryDirectory(prefix="ogi-doc-") as tmp:
        src = os.path.join(tmp, "in.doc")
        with open(src, "wb") as fh:
            fh.write(body)
        try:
            done = run_tool([ANTIWORD, "-m", "UTF-8.txt", "-w", "0", src], timeout_s=60.0,
                            memory_mb=1024)  # fmt: skip
        except ToolMissing as exc:
            return _fail("tool_missing", str(exc), name, version, kind)
        except ToolFailed as exc:
            return _fail("corrupt_doc", one_line(exc), name, version, kind)
    text = "\n".join(antiword_lines(done.stdout.decode("utf-8", "replace")))
    return Extraction(text=text, extractor=name, extractor_version=version,
                      options=dict(ANTIWORD_OPTIONS), charset=None, title=None,
                      meta={"kind": kind, "format": word_format(body)})  # fmt: skip


def antiword_lines(raw: str) -> list[str]:
    """antiword output: paragraphs as lines, "|a|b|" table lines as TAB rows."""
    lines = []
    for line in raw.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            lines.extend(render_rows([stripped[1:-1].split("|")]))
        elif stripped:
            lines.append(stripped)
    return lines


def _fail(error: str, detail: str | None, name: str, version: str, kind: str) -> Extraction:
    options = SOFFICE_OPTIONS if name.startswith("libreoffice") else ANTIWORD_OPTIONS
    meta = {"kind": kind, "tool": name.split("+")[0]} if error == "tool_missing" else {"kind": kind}
    return failure(error, detail, extractor=name, extractor_version=version, options=options,
                   meta=meta)  # fmt: skip
