"""Test databases on both stores: a SQLite file, or a throwaway PostgreSQL database.

PostgreSQL tests run when a server answers on CALLSTATE_TEST_PG (default 127.0.0.1:5432, trust
auth, the `test` maintenance database). CI sets CALLSTATE_REQUIRE_PG=1 so a missing server fails
the run instead of skipping half of it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

PG_ADMIN = os.environ.get("CALLSTATE_TEST_PG", "postgresql://root@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def require_backend(backend: str) -> None:
    if backend != "postgresql":
        return
    problem = _pg_available()
    if problem is None:
        return
    if os.environ.get("CALLSTATE_REQUIRE_PG") == "1":
        pytest.fail(f"PostgreSQL required but unavailable at {PG_ADMIN}: {problem}")
    pytest.skip(f"PostgreSQL unavailable at {PG_ADMIN}: {problem}")


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """A database URL nobody else uses; dropped afterwards."""
    require_backend(backend)
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'db-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    name = f"callstate_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
