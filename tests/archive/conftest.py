"""Archive fixtures: every catalog test runs on SQLite and on the real PostgreSQL.

The PostgreSQL part (``pg_url_or_skip()`` and the ``pg_catalog_url`` fixture, one fresh
schema per test, skip when the server is down but fail under CI=true) lives in
tests/conftest.py, shared with the other suites.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archive import Archive
from archive import catalog as catalog_mod


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries still happen, without the back-off sleeps."""
    monkeypatch.setattr(catalog_mod, "RETRY_BACKOFF", 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None means the default: <archive>/catalog.sqlite."""
    if request.param == "sqlite":
        yield None
    else:
        yield request.getfixturevalue("pg_catalog_url")


@pytest.fixture
def arc_dir(tmp_path: Path) -> Path:
    return tmp_path / "arc"


@pytest.fixture
def open_archive(arc_dir: Path, catalog_url: str | None) -> Iterator[Callable[..., Archive]]:
    """Opens the test archive (any number of times); closes whatever is still open."""
    opened: list[Archive] = []

    def _open(**kw: object) -> Archive:
        arc = Archive.open(arc_dir, catalog_url, **kw)  # type: ignore[arg-type]
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
