"""`ogi reparse --shard i/N`: N machines on one PostgreSQL catalog split the texts."""

from __future__ import annotations

from pathlib import Path

import pytest

import parser as report_parser
from archive import Archive
from ogi.pipeline import in_shard, parse_shard, reparse_all


def test_shards_are_disjoint_and_cover_every_text(tmp_path: Path, pg_catalog_url: str) -> None:
    with Archive.open(tmp_path, pg_catalog_url) as arc:
        ids = [
            arc.add_text(
                sha256=f"{n:064x}",
                extractor="test",
                extractor_version="1",
                options={},
                text=f"某某县{n}号 2020年政府信息公开工作年度报告",
                error=None,
                meta={},
            )
            for n in range(11)
        ]
        arc.flush()
    done: dict[int, list[int]] = {}
    for i in range(3):  # three machines, one after another here
        with Archive.open(tmp_path, pg_catalog_url) as arc:
            before = arc.parsed_text_ids(report_parser.PARSER_NAME, report_parser.PARSER_VERSION)
            stats = reparse_all(arc, workers=1, shard=(i, 3))
            after = arc.parsed_text_ids(report_parser.PARSER_NAME, report_parser.PARSER_VERSION)
        done[i] = sorted(after - before)
        assert stats.texts == len(done[i]) and all(t % 3 == i for t in done[i])
    assert sorted(t for part in done.values() for t in part) == sorted(ids)


@pytest.mark.parametrize("bad", ["3/3", "-1/2", "1", "a/b", "0/0"])
def test_a_bad_shard_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="i/N"):
        parse_shard(bad)


def test_every_id_is_in_exactly_one_shard() -> None:
    for text_id in range(50):
        assert sum(in_shard(text_id, (i, 4)) for i in range(4)) == 1
