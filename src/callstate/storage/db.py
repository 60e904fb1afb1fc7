"""Engines for SQLite and PostgreSQL, and schema migration to head."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

MIGRATIONS = Path(__file__).parent / "migrations"
PING_AFTER_IDLE = 10.0  # seconds a pooled PostgreSQL connection may sit unused before a ping


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here; SQLAlchemy would otherwise pick psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API keep acking while the worker writes; NORMAL is durable across process
    # crashes (only an OS crash can lose the last transactions).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class IdlePing:
    """Pings a pooled connection at checkout only when it sat unused for `after` seconds.

    What goes stale in a pool is an idle connection: a server restart, a failover, or a proxy
    or firewall dropping quiet connections after minutes. SQLAlchemy's `pool_pre_ping` pings on
    every checkout, a round trip each; an in-call booking checks out four connections, and in
    the benchmark those pings cost ~1 ms p50 and ~2 ms p99 of its own time. A connection used
    in the last few seconds is pinged by its own last statement. If the server restarts within
    those seconds, the first statement on a connection it dropped fails, which makes SQLAlchemy
    invalidate the whole pool, so each process sees at most one such failure per restart:
    effect steps retry it, Retell redelivers a refused webhook, an in-call tool says it cannot
    book right now (docs/runbook.md, "Database restarts and failovers").

    A failed ping refreshes the pool as `pool_pre_ping` does (`InvalidatePoolError`: this
    connection and every older one are replaced)."""

    def __init__(self, engine: Engine, after: float, clock: Any = time.monotonic) -> None:
        self._dialect = engine.dialect
        self._after = after
        self._clock = clock
        event.listen(engine, "connect", self._used)
        event.listen(engine, "checkin", self._used)
        event.listen(engine, "checkout", self._checkout)

    def _used(self, _dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["used_at"] = self._clock()

    def _checkout(
        self, dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        used_at = record.info.get("used_at")
        if used_at is not None and self._clock() - used_at < self._after:
            return
        try:
            alive = self._dialect.do_ping(dbapi_connection)
        except self._dialect.loaded_dbapi.Error as error:
            raise exc.InvalidatePoolError(str(error)) from error
        if not alive:
            raise exc.InvalidatePoolError("ping failed")


def make_engine(
    url: str, *, pool_size: int = 10, ping_after_idle: float = PING_AFTER_IDLE
) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        # One connection, handed from thread to thread by the pool: SQLite takes one writer at a
        # time anyway, and a thread waiting on the pool wakes the moment it is free, where one
        # waiting on SQLite's busy handler sleeps in steps of up to 100 ms (p99 ack 824 ms at
        # concurrency 32 before this; see docs/benchmarks.md).
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
    IdlePing(engine, ping_after_idle)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to head. Safe to run on every start and from several processes."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
