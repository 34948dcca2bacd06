"""The catalog database: engine set-up, Alembic migrations, bounded retries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from archive.errors import StorageError

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_SECONDS = 30


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory.resolve() / 'catalog.sqlite'}"


def make_engine(url: str) -> Engine:
    """An engine with WAL and a busy timeout on SQLite, pre-ping on servers."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is there)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_transient(exc: BaseException) -> bool:
    """Locked SQLite files and dropped server connections are worth another try."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        return any(
            s in text
            for s in ("locked", "busy", "connection", "server closed", "terminating", "timeout")
        )
    return False


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("catalog write failed (%s); try %d", exc, state.attempt_number)


def retrying(tries: int = 5) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Retry transient catalog failures with exponential back-off, at most ``tries`` times."""
    return retry(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(tries),
        wait=wait_exponential(multiplier=0.2, max=5),
        before_sleep=_log_retry,
        reraise=True,
    )


def storage_error(exc: Exception, doing: str) -> StorageError:
    first = str(getattr(exc, "orig", exc)).splitlines()[0]
    return StorageError(f"catalog failed while {doing}: {first}")
