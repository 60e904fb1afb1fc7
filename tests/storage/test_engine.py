"""PostgreSQL pool liveness: a connection used moments ago goes out without a ping; one that sat
idle is pinged, and replaced when the server dropped it. SQLite has no server to lose."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text

from callstate.storage.db import make_engine


@pytest.fixture
def postgresql_url(backend: str, database_url: str) -> str:
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's pool keeps one in-process connection")
    return database_url


def counting(engine: Engine, pings: list[int]) -> Engine:
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(1)
        return ping(dbapi_connection)  # type: ignore[arg-type]

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    return engine


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_used_moments_ago_is_not_pinged(postgresql_url: str) -> None:
    pings: list[int] = []
    engine = counting(make_engine(postgresql_url), pings)
    try:
        first = backend_pid(engine)
        assert [backend_pid(engine) for _ in range(5)] == [first] * 5
        assert pings == []  # fresh, then back within the idle allowance each time
    finally:
        engine.dispose()


def test_an_idle_connection_is_pinged_and_replaced_when_the_server_dropped_it(
    postgresql_url: str,
) -> None:
    pings: list[int] = []
    engine = counting(make_engine(postgresql_url, ping_after_idle=0.05), pings)
    admin = make_engine(postgresql_url)
    try:
        dropped = backend_pid(engine)
        with admin.connect() as connection:  # what a restart or an idle-timeout proxy does
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        time.sleep(0.1)

        replaced = backend_pid(engine)  # no error reaches the caller

        assert replaced != dropped and len(pings) == 1
        time.sleep(0.1)
        assert backend_pid(engine) == replaced and len(pings) == 2  # alive: pinged, kept
    finally:
        engine.dispose()
        admin.dispose()
