"""Calls: one row per runtime call, its audience, flags and lifecycle status.

Events arrive in any order, so status only moves forward (started → ended → analyzed → settled);
`dead_lettered` is terminal until an operator replays the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update

from callstate.domain.call import CallEvent, CallEventType, CallStatus
from callstate.storage.dialect import insert_ignoring_conflicts
from callstate.storage.tables import CallRow

_RANK = {
    CallStatus.STARTED: 0,
    CallStatus.ENDED: 1,
    CallStatus.ANALYZED: 2,
    CallStatus.SETTLED: 3,
    CallStatus.DEAD_LETTERED: 3,
}
_BY_EVENT = {
    CallEventType.STARTED: CallStatus.STARTED,
    CallEventType.ENDED: CallStatus.ENDED,
    CallEventType.ANALYZED: CallStatus.ANALYZED,
}


@dataclass(frozen=True, slots=True)
class CallView:
    workspace: str
    runtime: str
    external_call_id: str
    audience: str
    direction: str
    caller_number: str | None
    status: CallStatus
    disposition: str | None
    flags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    outcome: str | None = None  # `Outcome` value, once the analysed event is planned


def _view(row: CallRow) -> CallView:
    return CallView(
        workspace=row.workspace,
        runtime=row.runtime,
        external_call_id=row.external_call_id,
        audience=row.audience,
        direction=row.direction,
        caller_number=row.caller_number,
        status=CallStatus(row.status),
        disposition=row.disposition,
        flags=tuple(row.flags),
        created_at=row.created_at,
        updated_at=row.updated_at,
        outcome=row.outcome,
    )


class Calls:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def observe(
        self, event: CallEvent, audience: str, flags: Sequence[str], now: datetime
    ) -> CallView:
        """Create or advance the call for this event; never moves status backwards."""
        status = _BY_EVENT[event.type]
        where = (
            CallRow.workspace == event.workspace,
            CallRow.runtime == event.runtime.value,
            CallRow.external_call_id == event.external_call_id,
        )
        with self._engine.begin() as connection:
            # Insert first: on SQLite this takes the write lock before the read below, so two
            # workflows of one call cannot deadlock upgrading read locks.
            connection.execute(
                insert_ignoring_conflicts(
                    self._engine,
                    CallRow.__table__,  # type: ignore[arg-type]
                    {
                        "workspace": event.workspace,
                        "runtime": event.runtime.value,
                        "external_call_id": event.external_call_id,
                        "audience": audience,
                        "direction": event.direction.value,
                        "caller_number": event.caller_number,
                        "status": status.value,
                        "disposition": None,
                        "flags": list(flags),
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            )
            row = connection.execute(select(CallRow).where(*where).with_for_update()).one()
            current = CallStatus(row.status)
            values: dict[str, object] = {"updated_at": now, "flags": sorted({*row.flags, *flags})}
            if _RANK[status] > _RANK[current]:
                values["status"] = status.value
            if event.type is CallEventType.ANALYZED or row.disposition is None:
                values["disposition"] = event.disposition.value
            connection.execute(update(CallRow).where(*where).values(**values))
            updated = connection.execute(select(CallRow).where(*where)).one()
        return _view(CallRow(**updated._mapping))

    def finish(
        self, workspace: str, runtime: str, external_call_id: str, status: CallStatus, now: datetime
    ) -> None:
        """Mark the call settled or dead-lettered after its analyzed event ran."""
        with self._engine.begin() as connection:
            connection.execute(
                update(CallRow)
                .where(
                    CallRow.workspace == workspace,
                    CallRow.runtime == runtime,
                    CallRow.external_call_id == external_call_id,
                )
                .values(status=status.value, updated_at=now)
            )

    def record_outcome(
        self, workspace: str, runtime: str, external_call_id: str, outcome: str, now: datetime
    ) -> None:
        """Keep what the analysis was planned as (the digest counts by it). A set: a replayed
        plan writes the same value."""
        with self._engine.begin() as connection:
            connection.execute(
                update(CallRow)
                .where(
                    CallRow.workspace == workspace,
                    CallRow.runtime == runtime,
                    CallRow.external_call_id == external_call_id,
                )
                .values(outcome=outcome, updated_at=now)
            )

    def get(self, workspace: str, runtime: str, external_call_id: str) -> CallView | None:
        query = select(CallRow).where(
            CallRow.workspace == workspace,
            CallRow.runtime == runtime,
            CallRow.external_call_id == external_call_id,
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        return None if row is None else _view(CallRow(**row._mapping))

    def recent(self, workspace: str | None = None, limit: int = 50) -> list[CallView]:
        query = select(CallRow).order_by(CallRow.id.desc()).limit(limit)
        if workspace is not None:
            query = query.where(CallRow.workspace == workspace)
        with self._engine.connect() as connection:
            return [_view(CallRow(**row._mapping)) for row in connection.execute(query)]
