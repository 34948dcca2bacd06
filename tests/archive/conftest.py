"""Archive fixtures: every catalog test runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archive import Archive


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
    else:
        yield request.getfixturevalue("pg_catalog_url")


@pytest.fixture
def open_archive(tmp_path: Path, catalog_url: str | None) -> Iterator[Callable[..., Archive]]:
    opened: list[Archive] = []

    def _open(**kw: object) -> Archive:
        arc = Archive.open(tmp_path / "arc", catalog_url, **kw)  # type: ignore[arg-type]
        opened.append(arc)
        return arc

    yield _open
    for arc in opened:
        arc.close()


@pytest.fixture
def archive(open_archive: Callable[..., Archive]) -> Archive:
    return open_archive()


@pytest.fixture
def run_id(archive: Archive) -> int:
    return archive.start_run(software={"test": "1"}, settings_digest="s", portals_digest="p")
