"""The catalog database: engine set-up, Alembic migrations, bounded retries."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from archive.errors import CatalogFull, StorageError

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_SECONDS = 30
RETRY_TRIES = 5  # attempts per catalog operation before StorageError
MIGRATE_LOCK = 0x6F6769  # PostgreSQL advisory lock key held while migrating ("ogi")
RETRY_BACKOFF = 0.2  # seconds, doubled per attempt (tests set it to 0)


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory.resolve() / 'catalog.sqlite'}"


def make_engine(url: str) -> Engine:
    """An engine with WAL and a busy timeout on SQLite, pre-ping on servers."""
    try:
        if url.startswith("sqlite"):
            engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise StorageError(
            f"bad catalog URL {safe_url(url)}: {exc}; use sqlite:///path or "
            "postgresql+psycopg://user@host/db"
        ) from exc


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return repr(url)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


# Alembic's command API works through module-global context proxies: two archives
# opened at once in one process (threads) must not run it side by side.
_MIGRATE_GUARD = threading.Lock()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is there)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with _MIGRATE_GUARD, engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Several crawler machines start at once: one migrates, the others wait.
                conn.execute(sa.text("select pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except CommandError as exc:
        raise StorageError(
            f"catalog schema is not one this ogi-archive knows ({exc}); "
            "upgrade ogi-archive or use another catalog"
        ) from exc


def schema_revision(engine: Engine) -> str | None:
    """The catalog's Alembic revision (None before the first migration)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# PostgreSQL aborts one of two transactions that wait on each other's rows (two writers
# inserting the same keys, archive.conflicts) or that cannot be serialised: both retry.
RETRY_SQLSTATES = {"40P01", "40001"}


def is_transient(exc: BaseException) -> bool:
    """Locked SQLite files, dropped server connections and deadlocks are worth another try."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if getattr(getattr(exc, "orig", None), "sqlstate", None) in RETRY_SQLSTATES:
        return True
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        return any(
            s in text
            for s in ("locked", "busy", "connection", "server closed", "terminating", "timeout")
        )
    return False


DISK_FULL = ("database or disk is full", "no space left on device", "disk full")


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL or PostgreSQL's disk_full (SQLSTATE 53100)."""
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) == "53100":
        return True
    return any(s in str(orig).lower() for s in DISK_FULL)


def _log_retry(offset: int) -> Callable[[RetryCallState], None]:
    def log_it(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("catalog write failed (%s); try %d", exc, state.attempt_number + offset)

    return log_it


def retrying(
    tries: int | None = None, *, done: int = 0
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Retry transient catalog failures with exponential back-off, at most ``tries`` times;
    ``done`` attempts were already made (the back-off and the log go on from there)."""
    return retry(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(tries or RETRY_TRIES),
        wait=wait_exponential(multiplier=RETRY_BACKOFF * 2**done, max=5),
        before_sleep=_log_retry(done),
        reraise=True,
    )


def storage_error(exc: Exception, doing: str) -> StorageError:
    """One line naming what failed, why, and what to do."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
    if is_disk_full(exc):
        return CatalogFull(
            f"catalog failed while {doing}: {lines[0]}; free disk space and run again"
        )
    advice = (
        "check that the database is reachable and not locked, then run again"
        if is_transient(exc)
        else "check the catalog database and run again"
    )
    return StorageError(f"catalog failed while {doing}: {lines[0]}; {advice}")


def guarded(fn: Callable[[], T], doing: str) -> T:
    """Run ``fn`` with retries; a database failure that persists becomes a StorageError.

    The first attempt runs bare (building tenacity's machinery costs more than most
    catalog statements); only a transient failure goes on to the retrying loop, with the
    same attempt count, back-off and log lines as if tenacity had made the first try."""
    try:
        try:
            return fn()
        except sa.exc.SQLAlchemyError as exc:
            if not is_transient(exc) or RETRY_TRIES <= 1:
                raise
            log.warning("catalog write failed (%s); try %d", exc, 1)
            time.sleep(min(RETRY_BACKOFF, 5))
        return retrying(RETRY_TRIES - 1, done=1)(fn)()
    except sa.exc.SQLAlchemyError as exc:
        raise storage_error(exc, doing) from exc
