"""The inbox of runtime events: record once, hand to the executor, read back as call history.

Recording is the whole of the webhook's durable work (one insert), so the ack stays fast; the
dispatcher starts workflows for undispatched rows afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select, update

from callstate.domain.call import CallEvent
from callstate.domain.ids import event_key
from callstate.storage.dialect import insert_ignoring_conflicts
from callstate.storage.tables import CallEventRow


@dataclass(frozen=True, slots=True)
class PendingEvent:
    id: int
    event_key: str


def _row(event: CallEvent, key: str) -> dict[str, object]:
    return {
        "workspace": event.workspace,
        "runtime": event.runtime.value,
        "external_call_id": event.external_call_id,
        "event_type": event.type.value,
        "event_key": key,
        "payload": event.model_dump(mode="json"),
        "received_at": event.received_at,
        "dispatched_at": None,
    }


class EventInbox:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, event: CallEvent) -> bool:
        """Store the event unless it is already stored; True when this call stored it."""
        return self.record_many([event])[0]

    def record_many(self, events: Sequence[CallEvent]) -> list[bool]:
        """Store a batch in one transaction (the webhook's group commit).

        Each result says whether that event was new; a key repeated within the batch is new at
        most once.
        """
        rows: dict[str, dict[str, object]] = {}
        keys = []
        for event in events:
            key = event_key(event.workspace, event.runtime, event.external_call_id, event.type)
            keys.append(key)
            rows.setdefault(key, _row(event, key))
        statement = insert_ignoring_conflicts(
            self._engine,
            CallEventRow.__table__,  # type: ignore[arg-type]
            list(rows.values()),
        ).returning(CallEventRow.event_key)
        with self._engine.begin() as connection:
            # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT inserts.
            inserted = set(connection.execute(statement).scalars())
        results = []
        for key in keys:
            results.append(key in inserted)
            inserted.discard(key)
        return results

    def undispatched(self, limit: int) -> list[PendingEvent]:
        query = (
            select(CallEventRow.id, CallEventRow.event_key)
            .where(CallEventRow.dispatched_at.is_(None))
            .order_by(CallEventRow.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [PendingEvent(row.id, row.event_key) for row in connection.execute(query)]

    def mark_dispatched(self, ids: Sequence[int], now: datetime) -> None:
        if not ids:
            return
        statement = (
            update(CallEventRow)
            .where(CallEventRow.id.in_(ids), CallEventRow.dispatched_at.is_(None))
            .values(dispatched_at=now)
        )
        with self._engine.begin() as connection:
            connection.execute(statement)

    def get(self, key: str) -> CallEvent | None:
        query = select(CallEventRow.payload).where(CallEventRow.event_key == key)
        with self._engine.connect() as connection:
            payload = connection.execute(query).scalar_one_or_none()
        return None if payload is None else CallEvent.model_validate(payload)

    def for_call(self, workspace: str, runtime: str, external_call_id: str) -> list[CallEvent]:
        query = (
            select(CallEventRow.payload)
            .where(
                CallEventRow.workspace == workspace,
                CallEventRow.runtime == runtime,
                CallEventRow.external_call_id == external_call_id,
            )
            .order_by(CallEventRow.received_at, CallEventRow.id)
        )
        with self._engine.connect() as connection:
            return [CallEvent.model_validate(p) for p in connection.execute(query).scalars()]

    def count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count(CallEventRow.id))).scalar_one())
