"""The calendar inbox: verified Cal.com and Calendly webhooks, stored once per delivery.

Vendors deliver a webhook again when our answer was slow or lost; the unique
(workspace, vendor, dedupe_id) makes the repeat a no-op, and the id derived from that triple
names the change before it is stored (the dispatcher's workflow id can use it). Recording is
the webhook's whole durable work; the dispatcher picks up undispatched rows afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, select, update

from callstate.domain.calendar import BookingChange
from callstate.storage.dialect import insert_ignoring_conflicts
from callstate.storage.tables import BookingChangeRow


def booking_change_id(workspace: str, vendor: str, dedupe_id: str) -> str:
    """The stored change's id: the same delivery always gets the same one."""
    digest = hashlib.sha256(f"{workspace}|{vendor}|{dedupe_id}".encode()).hexdigest()[:32]
    return f"bkc_{digest}"


class BookingChanges:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, workspace: str, change: BookingChange, now: datetime) -> tuple[str, bool]:
        """Store the change unless this delivery is already stored; returns its id and True
        when this call stored it. Safe to repeat and to race."""
        new_id = booking_change_id(workspace, change.vendor, change.dedupe_id)
        statement = insert_ignoring_conflicts(
            self._engine,
            BookingChangeRow.__table__,  # type: ignore[arg-type]
            {
                "id": new_id,
                "workspace": workspace,
                "vendor": change.vendor,
                "dedupe_id": change.dedupe_id,
                "kind": change.kind.value,
                "booking_id": change.booking.booking_id,
                "payload": change.model_dump(mode="json"),
                "received_at": now,
                "dispatched_at": None,
            },
        ).returning(BookingChangeRow.id)
        stored = select(BookingChangeRow.id).where(
            BookingChangeRow.workspace == workspace,
            BookingChangeRow.vendor == change.vendor,
            BookingChangeRow.dedupe_id == change.dedupe_id,
        )
        with self._engine.begin() as connection:
            # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT inserts.
            if connection.execute(statement).first() is not None:
                return new_id, True
            existing = connection.execute(stored).scalar_one_or_none()
        if existing is None:  # the id is taken by another delivery: a 128-bit digest collision
            raise RuntimeError(f"booking change id {new_id} collides for {change.dedupe_id}")
        return str(existing), False

    def get(self, change_id: str) -> tuple[str, BookingChange] | None:
        """(workspace, change) for a stored id."""
        query = select(BookingChangeRow.workspace, BookingChangeRow.payload).where(
            BookingChangeRow.id == change_id
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        return None if row is None else (row.workspace, BookingChange.model_validate(row.payload))

    def undispatched(self, limit: int) -> list[str]:
        """Ids of changes not yet handed on, oldest first."""
        query = (
            select(BookingChangeRow.id)
            .where(BookingChangeRow.dispatched_at.is_(None))
            .order_by(BookingChangeRow.received_at, BookingChangeRow.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [str(i) for i in connection.execute(query).scalars()]

    def mark_dispatched(self, ids: Sequence[str], now: datetime) -> None:
        """Hand-off done; repeating it keeps the first time."""
        if not ids:
            return
        statement = (
            update(BookingChangeRow)
            .where(BookingChangeRow.id.in_(ids), BookingChangeRow.dispatched_at.is_(None))
            .values(dispatched_at=now)
        )
        with self._engine.begin() as connection:
            connection.execute(statement)
