"""Round-robin state: how many meetings each owner of a pool has taken.

The counts are the whole state of `policy.owners.order`, so a booking only has to add one for
whoever took the slot. Adding is one race-free statement on both stores: an insert of 1 that,
when the owner's row exists, adds one to it instead and returns the new count
(`ON CONFLICT … DO UPDATE`: atomic on PostgreSQL, serialised by SQLite's write lock), so twenty
workers recording at once count twenty.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, literal, select
from sqlalchemy.dialects import postgresql

from callstate.storage.dialect import upsert
from callstate.storage.tables import OwnerAssignmentRow

_TABLE = OwnerAssignmentRow.__table__
_KEYS = ("workspace", "pool_key", "owner_email")
_ASSIGNED = select(OwnerAssignmentRow.owner_email, OwnerAssignmentRow.assigned).where(
    OwnerAssignmentRow.workspace == bindparam("workspace"),
    OwnerAssignmentRow.pool_key == bindparam("pool_key"),
)
# The counting statement per store, built once: a booking waits on it (bound at execution).
_COUNT: dict[str, Any] = {}


class OwnerCounters:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    def assigned(self, workspace: str, pool_key: str) -> dict[str, int]:
        """Meetings taken per owner email; owners who never took one are absent."""
        with self._autocommit.connect() as connection:  # one read: no BEGIN/ROLLBACK trips
            rows = connection.execute(_ASSIGNED, {"workspace": workspace, "pool_key": pool_key})
            return {row.owner_email: int(row.assigned) for row in rows}

    def record(self, workspace: str, pool_key: str, owner_email: str, now: datetime) -> int:
        """Count one more meeting for the owner; returns the new count. Not idempotent: call it
        once per booking (after the booking's claim is marked booked)."""
        with self._engine.begin() as connection:
            return count_one(connection, self._engine, workspace, pool_key, owner_email, now)


def count_one(
    connection: Connection,
    engine: Engine,
    workspace: str,
    pool_key: str,
    owner_email: str,
    now: datetime,
) -> int:
    """`OwnerCounters.record` inside the caller's transaction (a booking and its count commit
    together)."""
    values = {
        "workspace": workspace,
        "pool_key": pool_key,
        "owner_email": owner_email,
        "updated_at": now,
    }
    return int(connection.execute(_count_statement(engine), values).scalar_one())


def _count_statement(engine: Engine) -> Any:
    statement = _COUNT.get(engine.dialect.name)
    if statement is None:
        bound: dict[str, Any] = {name: bindparam(name) for name in (*_KEYS, "updated_at")}
        statement = upsert(
            engine,
            _TABLE,  # type: ignore[arg-type]
            {**bound, "assigned": 1},
            keys=_KEYS,
            changes={
                "assigned": OwnerAssignmentRow.assigned + 1,
                "updated_at": bound["updated_at"],
            },
        ).returning(OwnerAssignmentRow.assigned)
        _COUNT[engine.dialect.name] = statement
    return statement


def count_each(rows: Select[Any]) -> Any:
    """PostgreSQL: count one meeting for each (workspace, pool_key, owner_email, updated_at) row
    that `rows` selects, as an `INSERT … SELECT … ON CONFLICT DO UPDATE` to run inside a
    data-modifying CTE (`Meetings.mark_booked` books and counts in one statement)."""
    statement = postgresql.insert(_TABLE).from_select(  # type: ignore[arg-type]
        [*_KEYS, "updated_at", "assigned"], rows.add_columns(literal(1))
    )
    return statement.on_conflict_do_update(
        index_elements=list(_KEYS),
        set_={
            "assigned": OwnerAssignmentRow.assigned + 1,
            "updated_at": statement.excluded.updated_at,
        },
    )
