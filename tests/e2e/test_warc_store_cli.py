"""`ogi crawl` with a WARC store on a real S3-compatible server (moto on 127.0.0.1, s3fs):
every closed WARC file is shipped and verified, the local copies go, and `ogi show`,
`ogi export` and `ogi check` still read every record; an unreachable store fails `ogi ship`
clearly and loses nothing. SQLite and PostgreSQL catalogs."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import s3fs
from e2e_support import FAST, jsonl, mock_portal, ogi, portals_file
from s3_support import S3Server, s3_server, unreachable_options
from warcio.archiveiterator import ArchiveIterator

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_args(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "sqlite":
        return []
    return ["--catalog", request.getfixturevalue("pg_catalog_url")]


def _use_store(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_a_crawl_ships_every_closed_warc_and_reads_them_back(
    tmp_path: Path, s3: S3Server, catalog_args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = s3.new_bucket()
    url = f"s3://{bucket}/ogi/warc"
    _use_store(monkeypatch, s3.env(url))
    monkeypatch.setenv("OGI_WARC_MAX_BYTES", "60000")  # tiny: a crawl makes many files
    monkeypatch.setenv("OGI_WARC_KEEP_LOCAL", "0")
    archive = tmp_path / "archive"
    with mock_portal() as base:
        ogi("crawl", "--portals", portals_file(tmp_path, base), "--archive", archive,
            *catalog_args, *FAST, "-q")  # fmt: skip
    assert list((archive / "warc").glob("*.warc.gz")) == []  # every file shipped, then removed
    fs = s3fs.S3FileSystem(**s3.options(), skip_instance_cache=True)
    objects = {Path(p).name: fs.cat_file(p) for p in fs.glob(f"{bucket}/ogi/warc/*.warc.gz")}
    assert len(objects) >= 3

    reports = jsonl(ogi("reports", "--archive", archive, *catalog_args, "--format", "jsonl"))
    assert len(reports) >= 5
    for report in reports:  # the bytes come from S3 now, and are the ones cited
        raw = ogi("show", report["capture_id"], "--raw", "--archive", archive, *catalog_args)
        assert hashlib.sha256(raw.stdout).hexdigest() == report["sha256"]

    out = tmp_path / "all.warc.gz"
    exported = ogi("export", "--format", "warc", "--out", out, "--archive", archive, *catalog_args)
    assert b"wrote" in exported.stderr
    with open(out, "rb") as fh:
        kinds = [r.rec_type for r in ArchiveIterator(fh, check_digests="raise")]
    in_store = sum(
        1
        for data in objects.values()
        for r in ArchiveIterator(io.BytesIO(data))
        if r.rec_type in ("response", "revisit")
    )
    assert kinds.count("response") + kinds.count("revisit") == in_store  # every capture

    check = ogi("check", "--archive", archive, *catalog_args, "--format", "jsonl", check=False)
    assert (check.returncode, check.stdout) == (0, b""), check.stderr
    assert f"{in_store} captures".encode() in check.stderr

    wacz = tmp_path / "all.wacz"
    ogi("export", "--format", "wacz", "--out", wacz, "--archive", archive, *catalog_args)
    validate = subprocess.run(
        [Path(sys.executable).parent / "wacz", "validate", "-f", str(wacz)],
        capture_output=True,
        timeout=120,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    reparsed = ogi("reparse", "--archive", archive, *catalog_args, "--workers", "1")
    assert b"reports" in reparsed.stderr


def test_an_unreachable_store_fails_ship_clearly_and_keeps_every_file(
    tmp_path: Path, s3: S3Server, catalog_args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    monkeypatch.setenv("OGI_WARC_MAX_BYTES", "60000")
    monkeypatch.setenv("OGI_WARC_KEEP_LOCAL", "0")
    down = {"OGI_WARC_STORE": "s3://nowhere/warc", "OGI_WARC_STORE_RETRIES": "1"}
    down["OGI_WARC_STORE_OPTIONS"] = json.dumps(unreachable_options())
    _use_store(monkeypatch, {**s3.env("s3://unused"), **down})
    with mock_portal() as base:
        crawl = ogi("crawl", "--portals", portals_file(tmp_path, base), "--archive", archive,
                    *catalog_args, *FAST, "-q")  # fmt: skip
    assert b"were not shipped to s3://nowhere/warc" in crawl.stderr  # said, not fatal
    local = {p.name: p.read_bytes() for p in (archive / "warc").glob("*.warc.gz")}
    assert len(local) >= 3

    failed = ogi("ship", "--archive", archive, *catalog_args, check=False)
    assert failed.returncode == 2  # what every known failure exits with (ogi/cli.py)
    message = failed.stderr.decode().strip().splitlines()[-1]  # after the log lines
    assert message.startswith("ogi: error: ") and "s3://nowhere/warc" in message
    assert "Could not connect" in message and "stay in" in message
    assert {p.name: p.read_bytes() for p in (archive / "warc").glob("*.warc.gz")} == local

    bucket = s3.new_bucket()
    _use_store(monkeypatch, s3.env(f"s3://{bucket}/w"))
    shipped = ogi("ship", "--archive", archive, *catalog_args)
    assert f"shipped {len(local)} WARC files".encode() in shipped.stderr
    fs = s3fs.S3FileSystem(**s3.options(), skip_instance_cache=True)
    assert {Path(p).name: fs.cat_file(p) for p in fs.glob(f"{bucket}/w/*.warc.gz")} == local
    assert list((archive / "warc").glob("*.warc.gz")) == []
    check = ogi("check", "--archive", archive, *catalog_args, check=False)
    assert check.returncode == 0, check.stderr


def test_ship_without_a_store_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ogi", "ship", "--archive", str(tmp_path)],
        capture_output=True,
        env={k: v for k, v in os.environ.items() if k != "OGI_WARC_STORE"},
        check=False,
    )
    assert proc.returncode != 0 and b"set OGI_WARC_STORE" in proc.stderr
