"""Benchmark: reports/s of `ogi reparse` (pipeline.reparse_all) on 1 and on 2 cores.

    .venv/bin/python bench/bench_reparse.py [--texts 600]

Builds a throw-away archive of stored texts (the five seed reports, varied so no two
are identical), then times the reparse on one core (the process and its workers pinned
to CPU 0, one worker) and on two cores (two workers), each on its own copy of the
catalog, in the same run. Target: 2 cores >= 1.7x one core.

It also measures the machine's own ceiling in the same run: the bare parser in one
process vs. two processes, with no pool, catalog or pickling. On a VM whose two vCPUs
do not scale (1.5x is common), that ceiling, not the pipeline, caps the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from archive import Archive
from ogi import pipeline

SEEDS = Path(__file__).parents[1] / "mockportal" / "data" / "seeds"


def build(directory: Path, count: int) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    with Archive.open(directory) as arc:
        for i in range(count):
            text = texts[i % len(texts)] + f"\n（副本 {i}）\n"
            arc.add_text(
                sha256=f"{i:064x}",
                extractor="bench",
                extractor_version="1",
                options={},
                text=text,
                error=None,
                meta={},
            )


def timed_reparse(template: Path, cores: int) -> float:
    """Reparse a copy of ``template`` using ``cores`` CPUs (and as many workers)."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < cores:
        raise SystemExit(f"needs {cores} cores, this machine offers {len(available)}")
    os.sched_setaffinity(0, available[:cores])  # workers forked below inherit it
    try:
        return _reparse_rate(template, cores)
    finally:
        os.sched_setaffinity(0, available)


def _reparse_rate(template: Path, workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "arc"
        shutil.copytree(template, copy)
        with Archive.open(copy) as arc:
            start = time.perf_counter()
            stats = pipeline.reparse_all(arc, workers=workers)
            elapsed = time.perf_counter() - start
    return stats.texts / elapsed


def _bare_parse(texts: list[str]) -> None:
    import parser as report_parser

    for text in texts:
        report_parser.parse(text).to_dict()


def bare_ceiling(count: int) -> float:
    """Two processes of bare parsing vs one: what this machine's cores give at best."""
    import multiprocessing as mp

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    batch = [texts[i % len(texts)] for i in range(count)]
    start = time.perf_counter()
    _bare_parse(batch)
    one = count / (time.perf_counter() - start)
    procs = [mp.get_context("fork").Process(target=_bare_parse, args=(batch,)) for _ in range(2)]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    two = 2 * count / (time.perf_counter() - start)
    return two / one


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--texts", type=int, default=600)
    opts = args.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        build(template, opts.texts)
        one = timed_reparse(template, 1)
        two = timed_reparse(template, 2)
    print(f"texts: {opts.texts}")
    print(f"reparse on 1 core : {one:8.1f} reports/s")
    print(f"reparse on 2 cores: {two:8.1f} reports/s")
    ceiling = bare_ceiling(min(opts.texts, 200))
    print(f"ratio 2/1: {two / one:.2f}x (target >= 1.7x)")
    print(f"machine ceiling (bare parser, 2 processes vs 1): {ceiling:.2f}x")
    print(f"pipeline scaling / ceiling: {two / one / ceiling:.2f}")


if __name__ == "__main__":
    main()
