"""A portal that does not opt in to private addresses is never fetched from one."""

from __future__ import annotations

import pytest
from e2e_support import FAST, control, mock_portal, ogi

from archive import Archive

pytestmark = pytest.mark.slow


def test_loopback_portal_without_opt_in_is_refused_with_a_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "archive"
    portals = tmp_path / "portals.toml"
    with mock_portal() as base:
        portals.write_text(
            f'[[portal]]\nname = "p"\nagency = "a"\nstart_urls = ["{base}/"]\n', encoding="utf-8"
        )
        ogi("crawl", "--portals", portals, "--archive", archive, *FAST, "-q")
        log = control(base, "log")
    assert log == []  # not even robots.txt
    with Archive.open(archive, create=False, readonly=True) as arc:
        stats = arc.runs()[-1].stats
    assert stats.get("ogi/refused/private_address", 0) >= 1, stats
