"""`ogi schedule`: the recrawl policy from configuration, its due dates, its lock."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.lock import ArchiveLock
from mockportal.farm import farm
from ogi.errors import CliError
from ogi.schedule import LOCK_FILE, STATE_FILE, Scheduler, due, load_policy

POLICY = Path(__file__).parents[2] / "settings" / "schedule.toml"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "jobs"),
    [
        ("2027-02-03T05:00", ["sweep-departments"]),  # department reports due 31 January
        ("2027-02-02T23:00", []),
        ("2027-04-10T00:00", ["sweep-governments"]),  # government reports due 31 March
        ("2027-06-16T00:00", ["recheck-monthly"]),
        ("2027-06-30T00:00", []),  # that recheck is over a week late: wait for the next
    ],
)
def test_the_shipped_policy_runs_spring_sweeps_and_monthly_rechecks(
    now: str, jobs: list[str]
) -> None:
    assert [job.name for job, _ in due(load_policy(POLICY), {}, at(now))] == jobs


def test_list_pages_are_rechecked_more_often_than_report_pages() -> None:
    jobs = {job.name: job for job in load_policy(POLICY).jobs}
    assert jobs["recheck-monthly"].settings["OGI_RECHECK_REPORTS_AFTER"] >= 60
    assert jobs["sweep-departments"].settings["OGI_RECHECK_REPORTS_AFTER"] == 0


def test_a_done_occurrence_is_not_due_again_until_the_next(tmp_path: Path) -> None:
    ran: list[list[str]] = []
    sched = Scheduler(load_policy(POLICY), tmp_path, ["--archive", str(tmp_path)])
    sched.runner = lambda cmd: ran.append(cmd) or 0
    assert sched.run_due(at("2027-02-04T00:00"), print) == 1
    assert sched.run_due(at("2027-02-05T00:00"), print) == 0
    assert "OGI_RECHECK_REPORTS_AFTER=0" in ran[0] and "--resume" in ran[0]
    assert json.loads((tmp_path / STATE_FILE).read_text())["sweep-departments"].startswith("2027")


def test_a_failed_crawl_stays_due_and_a_held_lock_skips_the_turn(tmp_path: Path) -> None:
    sched = Scheduler(load_policy(POLICY), tmp_path, [])
    sched.runner = lambda cmd: 1
    assert sched.run_due(at("2027-02-04T00:00"), print) == 0
    sched.runner = lambda cmd: 0
    held = ArchiveLock.acquire(tmp_path, wait=0, name=LOCK_FILE)
    try:
        assert sched.run_due(at("2027-02-04T00:00"), print) == 0
    finally:
        held.release()
    assert sched.run_due(at("2027-02-04T00:00"), print) == 1


def test_a_malformed_policy_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "s.toml"
    bad.write_text('[[job]]\nname = "x"\nmonths = [13]\nday = 3\n')
    with pytest.raises(CliError, match="bad \\[\\[job\\]\\] 'x'"):
        load_policy(bad)


def test_schedule_once_crawls_what_is_due_and_dry_run_prints_the_plan(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    ogi = [sys.executable, "-m", "ogi", "schedule", "--policy", str(POLICY)]
    ogi += ["--archive", str(archive), "--now", "2027-02-03T05:00"]
    with farm(portals=1, pages=8, seed=5) as f:
        args = [*ogi, "--portals", str(f.portals_path), "--set", "DOWNLOAD_DELAY=0"]
        args += ["--set", "AUTOTHROTTLE_ENABLED=False"]
        plan = subprocess.run([*args, "--dry-run"], capture_output=True, text=True, timeout=60)
        assert "sweep-departments      DUE" in plan.stdout, plan.stdout + plan.stderr
        done = subprocess.run([*args, "--once"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "sweep-departments: crawling" in done.stderr
    assert (archive / "catalog.sqlite").exists()
    again = subprocess.run([*ogi, "--dry-run"], capture_output=True, text=True, timeout=60)
    assert "DUE" not in again.stdout


def test_distributed_machines_join_one_occurrence_and_keep_others_out(
    tmp_path: Path, redis_prefix: tuple[str, str]
) -> None:
    url, prefix = redis_prefix
    policy = load_policy(POLICY)
    one = Scheduler(policy, tmp_path, [], distributed=url, key=prefix)
    two = Scheduler(policy, tmp_path, [], distributed=url, key=prefix)
    sweep = policy.jobs[0]
    feb, apr = at("2027-02-03T01:00"), at("2027-04-03T01:00")
    with one.lock(sweep, feb) as first, two.lock(sweep, feb) as joined:
        assert first and joined  # both machines crawl that occurrence's frontier
        with two.lock(policy.jobs[1], apr) as other:
            assert not other  # another occurrence waits until this one is over
        assert f"OGI_DISTRIBUTED_KEY={prefix}:{sweep.name}:2027020301" in one.command(sweep, feb)
    ran: list[list[str]] = []
    one.runner = lambda cmd: ran.append(cmd) or 0
    assert one.run_due(at("2027-02-04T00:00"), print) == 1
    assert two.state() == {sweep.name: feb.isoformat()}  # done for every machine
