"""One crawled test archive and one `ogi serve` over it, shared by the web tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_support import build_archive, running_server


@pytest.fixture(scope="session")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The seeds portal crawled twice, one report revised in between (two versions)."""
    return build_archive(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="session")
def server(crawled: dict) -> Iterator[str]:
    with running_server(crawled["archive"], crawled["portals"]) as base:
        yield base


@pytest.fixture(scope="session")
def artifacts() -> Path:
    out = Path(__file__).parents[2] / "test-artifacts"
    out.mkdir(exist_ok=True)
    return out
