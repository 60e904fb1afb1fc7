"""The one dialect switch: `INSERT … ON CONFLICT DO NOTHING`, spelled once per store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(
    engine: Engine, table: Table, values: dict[str, Any] | list[dict[str, Any]]
) -> Any:
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).values(values).on_conflict_do_nothing()
    return postgresql.insert(table).values(values).on_conflict_do_nothing()
