"""One archive for every export test: the seeds mock portal really crawled by `ogi crawl`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_support import FAST, jsonl, mock_portal, ogi, portals_file
from typer.testing import CliRunner

from ogi.cli import app


@pytest.fixture(scope="session")
def seeds_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("export-archive")
    archive = tmp / "archive"
    with mock_portal() as base:
        ogi("crawl", "--portals", portals_file(tmp, base), "--archive", archive, *FAST, "-q")
    return archive


@pytest.fixture(scope="session")
def reports_jsonl(seeds_archive: Path) -> list[dict]:
    """What `ogi reports --format jsonl` prints, the reference for every export."""
    return jsonl(ogi("reports", "--archive", seeds_archive, "--format", "jsonl"))


@pytest.fixture
def export(seeds_archive: Path) -> Callable[..., Path]:
    """Run `ogi export` in-process (Typer's runner) and return its --out."""

    def run(out: Path, *args: str) -> Path:
        result = CliRunner().invoke(
            app, ["export", "--archive", str(seeds_archive), "--out", str(out), *args]
        )
        if result.exception is not None:
            raise result.exception
        assert result.exit_code == 0, result.output
        return out

    return run
