"""Shared fixtures: the real PostgreSQL server, and the rule that CI never skips it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from no_network import attempts
from no_network import install as forbid_outside_hosts

forbid_outside_hosts()

PG_URL = os.environ.get("OGI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pg_url_or_skip() -> str:
    """The test server's URL; skip with the reason when it is down, fail under CI=true."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:
        reason = f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {exc}".splitlines()[
            0
        ]
        if in_ci():
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    return PG_URL


@pytest.fixture
def pg_catalog_url() -> Iterator[str]:
    """A catalog URL on PostgreSQL in a fresh schema of its own, dropped afterwards."""
    import sqlalchemy as sa

    base = pg_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        engine.dispose()


REDIS_URL = os.environ.get("OGI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_url_or_skip() -> str:
    """The test Redis server's URL; skip with the reason when it is down, fail under CI=true."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        reason = f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}: {exc}".splitlines()[0]
        if in_ci():
            pytest.fail(f"{reason} (CI=true: Redis tests must run)")
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture
def redis_prefix() -> Iterator[tuple[str, str]]:
    """(Redis URL, a key prefix of this test's own); every key under it deleted afterwards."""
    import redis

    url = redis_url_or_skip()
    prefix = f"ogitest-{uuid.uuid4().hex[:12]}"
    try:
        yield url, prefix
    finally:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A test that tried to reach an outside host fails the run, even if the code that
    tried swallowed the refusal."""
    if attempts:
        print("\n\ntests tried to reach outside hosts:\n  " + "\n  ".join(sorted(set(attempts))))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
