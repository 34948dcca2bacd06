"""PostgreSQL restarted under a running `ogi crawl --catalog postgresql+psycopg://…`: the
crawl completes or fails with one clean line, `ogi check` is clean afterwards, and no
capture committed before the restart is lost.

The server is really restarted (pg_ctlcluster), which exercises reconnection; where
pg_ctlcluster is missing, every backend of the test database is terminated instead
(pg_terminate_backend) and the test says so. Other PostgreSQL tests running at the same
moment in another process would see the restart too: this test is marked ``pg_restart``
(deselect with ``-m 'not pg_restart'`` when sharing a server) and waits for the server
to answer again before it returns.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from faults_site import faults_site
from faults_support import FAST, OGI, child_env

from mockportal.server import serving

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.pg_restart]


def restart_postgres(url: str) -> str:
    """Restart the server (or kill every backend); returns what was done."""
    clusters = (
        sorted(Path("/etc/postgresql").glob("*/main")) if Path("/etc/postgresql").exists() else []
    )
    done = ""
    if shutil.which("pg_ctlcluster") and clusters:
        version = clusters[-1].parent.name
        restarted = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if restarted.returncode == 0:
            done = "pg_ctlcluster restart"
    if not done:  # no cluster we may restart: cut every connection instead
        engine = sa.create_engine(url.split("?")[0])
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = current_database() and pid <> pg_backend_pid()"
                )
            )
        engine.dispose()
        done = "pg_terminate_backend of every backend"
    _wait_for(url)
    return done


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
            return
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def pg_captures(url: str) -> dict[int, tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("select id, warc_file, warc_offset, sha256, warc_record_id from capture")
            ).all()
    except sa.exc.ProgrammingError:
        return {}
    finally:
        engine.dispose()
    return {r[0]: tuple(r) for r in rows}


@pytest.fixture
def pg_catalog_url() -> Iterator[str]:
    """tests/conftest.py's fresh schema, with an engine that survives the restart."""
    base = _root_conftest().pg_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base, pool_pre_ping=True)
    with engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        _wait_for(base)
        with engine.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        engine.dispose()


def _root_conftest() -> ModuleType:
    """tests/conftest.py (its name is shadowed by this folder's conftest on sys.path)."""
    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("ogi_tests_root_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_postgres_restarted_mid_crawl(tmp_path: Path, pg_catalog_url: str) -> None:
    archive = tmp_path / "archive"
    log = tmp_path / "captures.jsonl"
    with serving(faults_site(count=24, pdfs=2)) as base:
        portals = tmp_path / "portals.toml"
        portals.write_text(
            f'[[portal]]\nname = "faults"\nagency = "示例县人民政府"\n'
            f'start_urls = ["{base}/"]\nallow_private = true\n',
            encoding="utf-8",
        )
        args = [*OGI, "crawl", "--portals", str(portals), "--archive", str(archive)]
        args += ["--catalog", pg_catalog_url, *FAST]
        args += ["--set", "OGI_ON_CAPTURE=fault_hook.on_capture", "--set", "DOWNLOAD_DELAY=0.1"]
        env = child_env({"OGI_FAULT_LOG": str(log), "OGI_FAULT_SNAPSHOT": str(tmp_path / "s")})
        proc = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        before: dict[int, tuple] = {}
        while proc.poll() is None and time.monotonic() < deadline:  # a commit, then restart
            before = pg_captures(pg_catalog_url) if _lines(log) >= 4 else {}
            if before:
                break
            time.sleep(0.05)
        how = restart_postgres(pg_catalog_url)
        print(f"PostgreSQL: {how} after {_lines(log)} captures, {len(before)} committed")
        _, err = proc.communicate(timeout=300)
    text = err.decode(errors="replace")
    print(f"the crawl exited {proc.returncode}: {text.strip().splitlines()[-1:]}")
    assert "Traceback" not in text, text[-3000:]
    if proc.returncode != 0:  # failing is allowed, but cleanly
        assert [ln for ln in text.splitlines() if ln.startswith("ogi: error:")], text[-2000:]
    check = subprocess.run(
        [*OGI, "check", "--archive", str(archive), "--catalog", pg_catalog_url, "--repair"],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert check.returncode == 0, check.stdout.decode()[-2000:] + check.stderr.decode()
    plain = subprocess.run(
        [*OGI, "check", "--archive", str(archive), "--catalog", pg_catalog_url],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert plain.returncode == 0, plain.stdout.decode()[-2000:]
    after = pg_captures(pg_catalog_url)
    assert before and all(after.get(k) == v for k, v in before.items())
    assert len(after) >= len(before)


def _lines(path: Path) -> int:
    try:
        return len(path.read_bytes().splitlines())
    except FileNotFoundError:
        return 0
