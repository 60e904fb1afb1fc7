"""The dialect switches: `INSERT … ON CONFLICT`, spelled once per store, and the commit
durability only PostgreSQL can relax (per transaction, or inside one autocommitted statement)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, Connection, Engine, String, Table, bindparam, func, select, true
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(
    engine: Engine, table: Table, values: dict[str, Any] | list[dict[str, Any]]
) -> Any:
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).values(values).on_conflict_do_nothing()
    return postgresql.insert(table).values(values).on_conflict_do_nothing()


def upsert(
    engine: Engine,
    table: Table,
    values: dict[str, Any],
    *,
    keys: tuple[str, ...],
    changes: dict[str, Any] | None = None,
) -> Any:
    """`INSERT … ON CONFLICT (keys) DO UPDATE` setting every other given column, or `changes`
    when given (their expressions may read the stored row's columns, e.g. `table.c.n + 1`)."""
    if changes is None:
        changes = {k: v for k, v in values.items() if k not in keys}
    if engine.dialect.name == "sqlite":
        statement = sqlite.insert(table).values(values)
        return statement.on_conflict_do_update(index_elements=list(keys), set_=changes)
    pg = postgresql.insert(table).values(values)
    return pg.on_conflict_do_update(index_elements=list(keys), set_=changes)


def commit_without_flush(connection: Connection) -> None:
    """Let the open transaction's commit return before its WAL record is flushed to disk.

    PostgreSQL only (`SET LOCAL synchronous_commit = off`): the commit stays atomic and ordered,
    and the next synchronous commit (or the WAL writer, within about 0.6 s) makes it durable; a
    server crash before then loses this transaction whole. Use it only for a write whose loss
    the caller can recover from. SQLite in WAL mode with `synchronous=NORMAL` (storage.db)
    already commits without a flush, so there it does nothing."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit = off")


def commit_durability() -> CTE:
    """What `commit_without_flush` is to a transaction, for one autocommitted PostgreSQL
    statement: a one-row CTE for the statement to join. It sets `synchronous_commit` for the
    statement's own transaction to the bound `relax` ('off'), or to what it already is when
    `relax` is None. Set inside the statement, it costs no round trip (a `SET` would one), and
    it holds at the commit that ends the statement."""
    current = func.current_setting("synchronous_commit")
    setting = func.coalesce(bindparam("relax", type_=String), current)
    return select(func.set_config("synchronous_commit", setting, true()).label("setting")).cte(
        "durability"
    )
