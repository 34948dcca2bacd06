"""`ogi demo`: a newcomer sees the whole pipeline work without internet."""

from __future__ import annotations

import pytest
from e2e_support import ogi

pytestmark = pytest.mark.slow


def test_demo_crawls_the_bundled_portal_and_prints_the_reports() -> None:
    out = ogi("demo", timeout=300).stdout.decode()
    for agency in ("自治区科技厅", "隆德县科技局", "兴庆区科学技术局", "攀枝花市科学技术局"):
        assert agency in out
    assert "pre2019" in out and "2019" in out and "narrative" in out
