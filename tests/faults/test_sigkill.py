"""SIGKILL a real `ogi crawl` at 22 seeded points, restart it on the same archive, and
every time: `ogi check` is clean (the command every third point, the same Archive.check
in this process otherwise), every capture committed before the kill is still there
with the same record and digest, and no WARC record is catalogued twice.

Two archives take 11 points each, side by side (one per core). Points are drawn by a
seeded RNG: kills from inside at the k-th capture (mid-batch, or just after a commit),
kills when the test sees the k-th capture logged, and purely time-based kills that
also land in start-up, robots.txt and the extraction phase after the crawl.
"""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from faults_site import faults_site
from faults_support import Point, check_problems, crawl_and_kill, crawl_args, portals_file, run

from archive import Archive
from mockportal.server import serving

pytestmark = pytest.mark.slow
SEED = 20261202
POINTS_PER_ARCHIVE = 11


def seeded_points(seed: int, count: int) -> list[Point]:
    rng = random.Random(seed)
    kinds = ["hook", "hook", "count", "time"]
    out = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        if kind == "time":
            out.append(Point("time", round(rng.uniform(0.3, 2.5), 2)))
        else:
            out.append(Point(kind, rng.randint(1, 11), flush_first=kind == "hook" and i % 8 == 0))
    return out


def in_process_check(archive: Path) -> tuple[int, list[dict], str]:
    """`ogi check` without the command line: Archive.check on a read-only open."""
    with Archive.open(archive, create=False, readonly=True) as arc:
        report = arc.check()
    problems = [{"kind": p.kind, "where": p.where, "detail": p.detail} for p in report.problems]
    return (0 if report.clean else 1), problems, ""


def one_chain(tmp: Path, portals: Path, points: list[Point]) -> tuple[int, list[str], int]:
    """Kill, restart, verify, for each point in turn on one archive; returns
    (real kills, failures, committed captures checked)."""
    archive, failures, kills, checked = tmp / "archive", [], 0, 0
    for i, point in enumerate(points):
        outcome = crawl_and_kill(portals, archive, point, tmp)
        kills += outcome.killed
        checked += len(outcome.snapshot)
        restart = run(crawl_args(portals, archive))
        if restart.returncode != 0:
            failures.append(
                f"{point}: restart exited {restart.returncode}: {restart.stderr[-800:]}"
            )
            continue
        if i % 3 == 2 or i == len(points) - 1:  # the `ogi check` command itself
            code, problems, err = check_problems(archive)
        else:  # what it runs, in this process (saves a Python start-up per point)
            code, problems, err = in_process_check(archive)
        if code != 0 or problems:
            failures.append(f"{point}: ogi check exited {code}: {problems[:5]} {err[-300:]}")
        from fault_hook import committed

        after = {row["id"]: row for row in committed(archive)}
        lost = [row for row in outcome.snapshot if after.get(row["id"]) != row]
        if lost:
            failures.append(f"{point}: {len(lost)} committed captures lost or changed: {lost[:3]}")
        twice = [
            k
            for k, n in Counter((r["warc_file"], r["warc_offset"]) for r in after.values()).items()
            if n > 1
        ]
        twice += [k for k, n in Counter(r["record_id"] for r in after.values()).items() if n > 1]
        if twice:
            failures.append(f"{point}: WARC records catalogued twice: {twice[:3]}")
    return kills, failures, checked


def test_sigkill_at_seeded_points_then_restart(tmp_path: Path) -> None:
    points = seeded_points(SEED, 2 * POINTS_PER_ARCHIVE)
    with serving(faults_site(count=9, pdfs=1)) as base:
        portals = portals_file(tmp_path, base)
        chains = []
        for n in range(2):
            (tmp_path / f"chain{n}").mkdir()
            chains.append((tmp_path / f"chain{n}", portals, points[n::2]))
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda c: one_chain(*c), chains))
    kills = sum(k for k, _, _ in results)
    checked = sum(s for _, _, s in results)
    assert checked > 0, "no kill came after a commit: nothing was checked"
    failures = [f for _, fs, _ in results for f in fs]
    print(f"{kills} kills of {len(points)} points, {checked} committed captures checked")
    assert not failures, "\n".join(failures)
    assert kills >= 20, f"only {kills} of {len(points)} points killed a running crawl"
