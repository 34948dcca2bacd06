"""`ogi export --format wacz|warc`: a WACZ the `wacz` validator accepts and pywb replays,
listing every report capture as a page; filters narrow the captures."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pywb_tools import installed_tool, pywb_bin, wayback_replay
from warcio.archiveiterator import ArchiveIterator

pytestmark = pytest.mark.slow


def _validate(wacz: Path) -> subprocess.CompletedProcess:
    tool = installed_tool("OGI_WACZ_BIN", Path(sys.executable).parent, "wacz")
    return subprocess.run(
        [tool, "validate", "-f", str(wacz)], capture_output=True, text=True, timeout=120
    )


def _members(reports: list[dict]) -> set[int]:
    return {m["capture_id"] for r in reports for m in r["captures"]}


def _pages(zf: zipfile.ZipFile) -> list[dict]:
    return [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]


def test_wacz_validates_and_lists_the_reports(
    export: Callable[..., Path], reports_jsonl: list[dict], tmp_path: Path
) -> None:
    out = export(tmp_path / "all.wacz", "--format", "wacz")
    proc = _validate(out)
    assert proc.returncode == 0 and "Validation succeeded" in proc.stdout, proc.stdout
    with zipfile.ZipFile(out) as zf:
        assert zf.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        header, *pages = _pages(zf)
        assert header["format"] == "json-pages-1.0"
        assert {int(p["id"]) for p in pages} == _members(reports_jsonl)
        index = zf.read("indexes/index.cdx").decode()
        assert all(p["url"] in index for p in pages)
        package = json.loads(zf.read("datapackage.json"))
        assert package["wacz_version"] == "1.1.1"
        for res in package["resources"]:
            assert res["hash"] == "sha256:" + hashlib.sha256(zf.read(res["path"])).hexdigest()
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()

    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data + b"\n" if info.filename.startswith("pages/") else data)
    assert _validate(tampered).returncode != 0  # the validator does check the hashes


def test_filtered_wacz_and_warc_hold_only_the_reports_captures(
    export: Callable[..., Path], reports_jsonl: list[dict], tmp_path: Path
) -> None:
    chosen = [r for r in reports_jsonl if r["year"] == 2017]
    assert chosen
    wacz = export(tmp_path / "y.wacz", "--format", "wacz", "--year", "2017")
    warc = export(tmp_path / "y.warc.gz", "--format", "warc", "--year", "2017")
    with zipfile.ZipFile(wacz) as zf:
        assert {int(p["id"]) for p in _pages(zf)[1:]} == _members(chosen)
        inner = zf.read("archive/data.warc.gz")
    urls = {m["url"] for r in chosen for m in r["captures"]}
    for data in (inner, warc.read_bytes()):
        tmp = tmp_path / "probe.warc.gz"
        tmp.write_bytes(data)
        with open(tmp, "rb") as fh:
            got = {
                r.rec_headers.get_header("WARC-Target-URI")
                for r in ArchiveIterator(fh)
                if r.rec_type in ("response", "revisit")
            }
        assert got == urls


def test_capture_exports_refuse_to_overwrite(export: Callable[..., Path], tmp_path: Path) -> None:
    for fmt in ("wacz", "warc"):
        out = tmp_path / f"x.{fmt}"
        out.write_bytes(b"keep me")
        with pytest.raises(Exception, match="exists"):
            export(out, "--format", fmt)
        assert out.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.wacz", "x.warc"]  # no leftovers


def test_pywb_replays_a_report_from_the_wacz(
    export: Callable[..., Path], reports_jsonl: list[dict], tmp_path: Path
) -> None:
    pywb = pywb_bin()
    pdf = next(r for r in reports_jsonl if r["media_type"] == "application/pdf")
    wacz = export(tmp_path / "r.wacz", "--format", "wacz", "--agency", pdf["agency"])
    work = tmp_path / "pywb"
    work.mkdir()
    run = {"cwd": work, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run([pywb / "wb-manager", "init", "ogi"], **run)  # type: ignore[call-overload]
    subprocess.run([pywb / "wb-manager", "add", "--unpack-wacz", "ogi", str(wacz)], **run)  # type: ignore[call-overload]
    replayed = wayback_replay(pywb, work, "ogi", pdf["url"])
    assert hashlib.sha256(replayed).hexdigest() == pdf["sha256"]
