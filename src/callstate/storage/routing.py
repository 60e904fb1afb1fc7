"""Round-robin state: how many meetings each owner of a pool has taken.

The counts are the whole state of `policy.owners.order`, so a booking only has to add one for
whoever took the slot. Adding is race-free on both stores: the row is created if missing (a
conflicting insert does nothing) and then incremented in the same statement that reads it back,
under the row lock, so twenty workers recording at once count twenty.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, select, update

from callstate.storage.dialect import insert_ignoring_conflicts
from callstate.storage.tables import OwnerAssignmentRow


class OwnerCounters:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def assigned(self, workspace: str, pool_key: str) -> dict[str, int]:
        """Meetings taken per owner email; owners who never took one are absent."""
        query = select(OwnerAssignmentRow.owner_email, OwnerAssignmentRow.assigned).where(
            OwnerAssignmentRow.workspace == workspace, OwnerAssignmentRow.pool_key == pool_key
        )
        with self._engine.connect() as connection:
            return {row.owner_email: int(row.assigned) for row in connection.execute(query)}

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
    # Insert first: on SQLite this takes the write lock before anything is read; on
    # PostgreSQL a concurrent first insert waits for ours and then does nothing.
    connection.execute(
        insert_ignoring_conflicts(
            engine,
            OwnerAssignmentRow.__table__,  # type: ignore[arg-type]
            {
                "workspace": workspace,
                "pool_key": pool_key,
                "owner_email": owner_email,
                "assigned": 0,
                "updated_at": now,
            },
        )
    )
    counted = connection.execute(
        update(OwnerAssignmentRow)
        .where(
            OwnerAssignmentRow.workspace == workspace,
            OwnerAssignmentRow.pool_key == pool_key,
            OwnerAssignmentRow.owner_email == owner_email,
        )
        .values(assigned=OwnerAssignmentRow.assigned + 1, updated_at=now)
        .returning(OwnerAssignmentRow.assigned)
    ).scalar_one()
    return int(counted)
