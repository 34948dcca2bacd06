"""Bad input: a clear one-line error and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import ogi


def _fails_cleanly(*args: str | Path) -> str:
    proc = ogi(*args, check=False, timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from datetime import UTC, datetime

    from archive import Archive, FetchRecord

    path = tmp_path_factory.mktemp("cli") / "archive"
    with Archive.open(path) as arc:
        run = arc.start_run(software={}, settings_digest="s", portals_digest="p")
        fetch = FetchRecord(
            "http://127.0.0.1:1/a",
            "http://127.0.0.1:1/a",
            (),
            "GET",
            (),
            b"",
            200,
            "OK",
            (),
            b"hello",
            datetime.now(UTC),
        )
        arc.record(fetch, run)
    return path


def test_unknown_capture_id(small_archive: Path) -> None:
    assert "no capture with id 12345" in _fails_cleanly(
        "show", "12345", "--raw", "--archive", small_archive
    )


def test_missing_archive(tmp_path: Path) -> None:
    assert "no archive at" in _fails_cleanly("reports", "--archive", tmp_path / "nope")


def test_malformed_portal_file(tmp_path: Path) -> None:
    bad = tmp_path / "portals.toml"
    bad.write_text('[[portal]]\nname = "x"\nstart_urls = [\n', encoding="utf-8")
    line = _fails_cleanly("crawl", "--portals", bad, "--archive", tmp_path / "a")
    assert "portals.toml" in line


def test_portal_without_required_fields(tmp_path: Path) -> None:
    bad = tmp_path / "portals.toml"
    bad.write_text('[[portal]]\nname = "x"\n', encoding="utf-8")
    assert "portals.toml" in _fails_cleanly("crawl", "--portals", bad, "--archive", tmp_path / "a")


def test_unreadable_warc(small_archive: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(small_archive, copy)
    for warc in (copy / "warc").glob("*.warc.gz"):
        data = bytearray(warc.read_bytes())
        data[len(data) // 2 :] = b"\0" * (len(data) - len(data) // 2)
        warc.write_bytes(bytes(data))
    line = _fails_cleanly("show", "1", "--raw", "--archive", copy)
    assert "WARC" in line


def test_unknown_format(small_archive: Path) -> None:
    assert "unknown format" in _fails_cleanly(
        "reports", "--format", "xml", "--archive", small_archive
    )


def test_crawl_into_a_locked_archive(small_archive: Path, tmp_path: Path) -> None:
    from archive import Archive

    portals = tmp_path / "portals.toml"
    portals.write_text(
        '[[portal]]\nname = "x"\nagency = "a"\nstart_urls = ["http://127.0.0.1:9/"]\n',
        encoding="utf-8",
    )
    with Archive.open(small_archive):
        line = _fails_cleanly("crawl", "--portals", portals, "--archive", small_archive, "-q")
    assert "in use by another ogi process" in line
