"""Anti-bot answers through the real `ogi crawl`: recognised by signature, counted as
blocked, never stored, and a portal that blocks everything is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import control, jsonl, mock_portal, ogi

from mockportal.sites import antibot

pytestmark = pytest.mark.slow
STOP_AFTER = 6


def _portals(tmp: Path, shown: str, wall: str) -> Path:
    path = tmp / "portals.toml"
    path.write_text(
        f'[[portal]]\nname = "shown"\nagency = "示例县人民政府"\n'
        f'start_urls = ["{shown}{antibot.LIST}"]\nallow_private = true\n\n'
        f'[[portal]]\nname = "wall"\nagency = "示例县人民政府"\n'
        f'start_urls = ["{wall}{antibot.WALL}"]\nallow_private = true\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    from archive import Archive

    tmp = tmp_path_factory.mktemp("antibot")
    archive = tmp / "archive"
    with mock_portal("antibot") as shown, mock_portal("antibot") as wall:
        # a small delay, as real crawls have one: requests wait in the host's slot, where
        # a portal's stop can still catch them
        settings = [
            *("--set", "DOWNLOAD_DELAY=0.1", "--set", "AUTOTHROTTLE_ENABLED=False"),
            *("--set", f"OGI_BLOCKED_STOP_AFTER={STOP_AFTER}"),
            *("--set", "OGI_BLOCKED_DELAY=0.1", "--set", "OGI_BLOCKED_MAX_DELAY=0.5"),
        ]
        proc = ogi(
            "crawl", "--portals", _portals(tmp, shown, wall), "--archive", archive, *settings
        )
        logs = control(shown, "log"), control(wall, "log")
    with Archive.open(archive, create=False, readonly=True) as arc:
        stats = arc.runs()[-1].stats
        urls = [c.url for c in arc.captures()]
    rows = jsonl(ogi("reports", "--archive", archive, "--format", "jsonl"))
    return logs, stats, urls, rows, proc.stderr.decode()


def test_each_block_recognised_by_its_signature(crawled: tuple) -> None:
    (shown, _), stats, _, _, _ = crawled
    for path in antibot.BLOCKS:
        assert shown.count(path) == 1, path  # asked once: a block is not retried
    for name in antibot.SIGNATURES:
        assert stats[f"ogi/blocked/{name}"] >= 1, name
    assert stats["ogi/portal/shown/blocked"] == len(antibot.BLOCKS)


def test_blocked_answers_never_stored(crawled: tuple) -> None:
    _, _, urls, rows, _ = crawled
    assert not [u for u in urls if u.endswith(tuple(antibot.BLOCKS))]
    assert not [u for u in urls if antibot.WALL in u and u.endswith(".html")]
    assert [(r["agency"], r["year"]) for r in rows] == [("自治区科技厅", 2018)]


def test_a_portal_that_blocks_everything_is_left_alone(crawled: tuple) -> None:
    (_, wall), stats, _, _, _ = crawled
    asked = [p for p in wall if p.startswith(antibot.WALL) and p != antibot.WALL]
    # after STOP_AFTER blocks no request is sent; two may have been in flight
    assert STOP_AFTER <= len(asked) <= STOP_AFTER + 2 < antibot.WALL_REPORTS
    assert stats["ogi/portal/wall/blocked"] == len(asked)
    assert stats["ogi/portal/wall/stopped"] == "blocked"
    assert stats["ogi/portal/wall/not_asked_blocked"] >= 1


def test_summary_shows_blocked(crawled: tuple) -> None:
    _, _, _, _, stderr = crawled
    assert "blocked" in stderr
