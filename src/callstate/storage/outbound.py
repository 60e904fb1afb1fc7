"""Outbound call attempts: one row per dial of one lead series (`outbound_calls`).

An attempt is scheduled (due at some time), handed to a workflow once (`mark_dispatched`), then
ends placed (with the runtime's call id), refused (by a dial gate), failed, or cancelled
before it was placed. Its id is `attempt_id(lead, attempt)`, so scheduling the same attempt
twice (a retried API request, a follow-up planned twice) stores one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, exists, select, update

from callstate.domain.call import CallEventType
from callstate.domain.ids import attempt_id
from callstate.storage.dialect import insert_ignoring_conflicts
from callstate.storage.tables import CallEventRow, OutboundCallRow


class OutboundStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for due_at, or handed to a workflow that has not dialled
    PLACED = "placed"  # the runtime holds the call: call_id is set
    REFUSED = "refused"  # a dial gate said no (do-not-call, window, consent, caps)
    FAILED = "failed"  # cannot be dialled as asked (no number, the runtime refused the request)
    CANCELLED = "cancelled"  # withdrawn before it was placed


class OutboundNotFoundError(LookupError):
    """No outbound attempt has this id."""


@dataclass(frozen=True, slots=True)
class OutboundCallView:
    id: str
    workspace: str
    audience: str
    lead: str
    attempt: int
    to_number: str
    from_number: str | None
    variables: dict[str, str]
    due_at: datetime
    status: OutboundStatus
    runtime: str
    call_id: str | None
    reason: str | None
    created_at: datetime
    updated_at: datetime
    dispatched_at: datetime | None


def _view(row: Any) -> OutboundCallView:
    return OutboundCallView(
        id=row.id,
        workspace=row.workspace,
        audience=row.audience,
        lead=row.lead,
        attempt=row.attempt,
        to_number=row.to_number,
        from_number=row.from_number,
        variables={str(k): str(v) for k, v in (row.variables or {}).items()},
        due_at=row.due_at,
        status=OutboundStatus(row.status),
        runtime=row.runtime,
        call_id=row.call_id,
        reason=row.reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
        dispatched_at=row.dispatched_at,
    )


class OutboundCalls:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def schedule(
        self,
        *,
        workspace: str,
        audience: str,
        lead: str,
        attempt: int,
        to_number: str,
        from_number: str | None,
        variables: dict[str, str],
        due_at: datetime,
        now: datetime,
        runtime: str = "retell",
    ) -> tuple[OutboundCallView, bool]:
        """Store attempt `attempt` of series `lead`, due at `due_at`; True when this call stored
        it. An attempt already stored is returned as it is (whatever its status or due time).
        Safe to repeat and to race: concurrent callers get one row."""
        id_ = attempt_id(lead, attempt)
        values = {
            "id": id_,
            "workspace": workspace,
            "audience": audience,
            "lead": lead,
            "attempt": attempt,
            "to_number": to_number,
            "from_number": from_number,
            "variables": dict(variables),
            "due_at": due_at,
            "status": OutboundStatus.SCHEDULED.value,
            "runtime": runtime,
            "call_id": None,
            "reason": None,
            "created_at": now,
            "updated_at": now,
            "dispatched_at": None,
        }
        statement = insert_ignoring_conflicts(
            self._engine,
            OutboundCallRow.__table__,  # type: ignore[arg-type]
            values,
        ).returning(OutboundCallRow.id)
        with self._engine.begin() as connection:
            # RETURNING, not rowcount: psycopg reports -1 for ON CONFLICT inserts.
            inserted = connection.execute(statement).first() is not None
            stored = connection.execute(
                select(OutboundCallRow.__table__).where(OutboundCallRow.id == id_)
            ).one()
        return _view(stored), inserted

    def get(self, id_: str) -> OutboundCallView | None:
        return self._one(OutboundCallRow.id == id_)

    def by_call(self, workspace: str, call_id: str) -> OutboundCallView | None:
        """The attempt the runtime's call `call_id` was placed for."""
        return self._one(OutboundCallRow.workspace == workspace, OutboundCallRow.call_id == call_id)

    def for_lead(self, workspace: str, lead: str) -> list[OutboundCallView]:
        """Every attempt of one series, first attempt first."""
        return self._many(
            select(OutboundCallRow.__table__)
            .where(OutboundCallRow.workspace == workspace, OutboundCallRow.lead == lead)
            .order_by(OutboundCallRow.attempt)
        )

    def recent(self, workspace: str, limit: int) -> list[OutboundCallView]:
        """The workspace's latest `limit` attempts, newest first."""
        return self._many(
            select(OutboundCallRow.__table__)
            .where(OutboundCallRow.workspace == workspace)
            .order_by(OutboundCallRow.created_at.desc(), OutboundCallRow.id.desc())
            .limit(limit)
        )

    def awaiting_outcome(
        self, workspace: str, runtime: str, since: datetime, limit: int
    ) -> list[OutboundCallView]:
        """Attempts placed at or after `since` whose call has no `call_analyzed` in the inbox
        and that are not marked `unrecoverable`, the earliest placed first, at most `limit`.

        Reconciliation reads back these calls one by one: a call that never connected has no
        `start_timestamp`, so Retell's list-calls (filtered on it) never returns it. A placed
        row is not changed again (only `unrecoverable` writes to it), so its `updated_at` is
        when it was placed."""
        analyzed = exists().where(
            CallEventRow.workspace == OutboundCallRow.workspace,
            CallEventRow.runtime == OutboundCallRow.runtime,
            CallEventRow.external_call_id == OutboundCallRow.call_id,
            CallEventRow.event_type == CallEventType.ANALYZED.value,
        )
        return self._many(
            select(OutboundCallRow.__table__)
            .where(
                OutboundCallRow.workspace == workspace,
                OutboundCallRow.runtime == runtime,
                OutboundCallRow.status == OutboundStatus.PLACED.value,
                OutboundCallRow.call_id.is_not(None),
                OutboundCallRow.reason.is_(None),
                OutboundCallRow.updated_at >= since,
                ~analyzed,
            )
            .order_by(OutboundCallRow.updated_at, OutboundCallRow.id)
            .limit(limit)
        )

    def unrecoverable(self, id_: str, reason: str, now: datetime) -> OutboundCallView:
        """The runtime cannot tell this placed attempt's outcome (its call was deleted, or
        its object cannot be read): it stays `placed`, with `reason`, and `awaiting_outcome`
        no longer lists it. Other statuses are left as they are. Safe to repeat. Raises
        `OutboundNotFoundError`."""
        return self._move(id_, [OutboundStatus.PLACED], now, reason=reason)

    def due(self, now: datetime, limit: int) -> list[str]:
        """Ids of scheduled attempts due by `now` and not yet handed to a workflow, oldest due
        first."""
        query = (
            select(OutboundCallRow.id)
            .where(
                OutboundCallRow.status == OutboundStatus.SCHEDULED.value,
                OutboundCallRow.due_at <= now,
                OutboundCallRow.dispatched_at.is_(None),
            )
            .order_by(OutboundCallRow.due_at, OutboundCallRow.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def mark_dispatched(self, ids: Iterable[str], now: datetime) -> None:
        """These attempts were handed to their workflows; `due` no longer lists them. Safe to
        repeat: the first dispatch time stays."""
        wanted = list(ids)
        if not wanted:
            return
        with self._engine.begin() as connection:
            connection.execute(
                update(OutboundCallRow)
                .where(OutboundCallRow.id.in_(wanted), OutboundCallRow.dispatched_at.is_(None))
                .values(dispatched_at=now, updated_at=now)
            )

    def placed(self, id_: str, call_id: str, now: datetime) -> OutboundCallView:
        """The runtime holds call `call_id` for this attempt. A placed call is a fact, so this
        applies from any other status; an attempt already placed keeps its first call id.
        Safe to repeat. Raises `OutboundNotFoundError`."""
        return self._move(
            id_,
            [s for s in OutboundStatus if s is not OutboundStatus.PLACED],
            now,
            status=OutboundStatus.PLACED.value,
            call_id=call_id,
            reason=None,
        )

    def refused(self, id_: str, reason: str, now: datetime) -> OutboundCallView:
        """A dial gate refused a scheduled attempt. Other statuses are left as they are and
        returned. Safe to repeat. Raises `OutboundNotFoundError`."""
        return self._end(id_, OutboundStatus.REFUSED, reason, now)

    def failed(self, id_: str, reason: str, now: datetime) -> OutboundCallView:
        """A scheduled attempt cannot be dialled. Other statuses are left as they are and
        returned. Safe to repeat. Raises `OutboundNotFoundError`."""
        return self._end(id_, OutboundStatus.FAILED, reason, now)

    def reschedule(
        self, id_: str, due_at: datetime, reason: str | None, now: datetime
    ) -> OutboundCallView:
        """A scheduled attempt is now due at `due_at` (a gate said "not before"), with why.
        It stays scheduled and keeps its dispatch time: the workflow that holds it waits and
        tries again. Other statuses are left as they are. Raises `OutboundNotFoundError`."""
        return self._move(id_, [OutboundStatus.SCHEDULED], now, due_at=due_at, reason=reason)

    def cancel(self, id_: str, now: datetime) -> bool:
        """Withdraw an attempt not yet placed; False if it is unknown or past `scheduled`."""
        statement = (
            update(OutboundCallRow)
            .where(
                OutboundCallRow.id == id_,
                OutboundCallRow.status == OutboundStatus.SCHEDULED.value,
            )
            .values(status=OutboundStatus.CANCELLED.value, updated_at=now)
            .returning(OutboundCallRow.id)
        )
        with self._engine.begin() as connection:
            return connection.execute(statement).first() is not None

    def _end(
        self, id_: str, status: OutboundStatus, reason: str, now: datetime
    ) -> OutboundCallView:
        return self._move(id_, [OutboundStatus.SCHEDULED], now, status=status.value, reason=reason)

    def _move(
        self, id_: str, allowed: list[OutboundStatus], now: datetime, **changes: Any
    ) -> OutboundCallView:
        """Apply `changes` when the row's status is one of `allowed`; the row as it is after."""
        with self._engine.begin() as connection:
            connection.execute(
                update(OutboundCallRow)
                .where(
                    OutboundCallRow.id == id_,
                    OutboundCallRow.status.in_([s.value for s in allowed]),
                )
                .values(**changes, updated_at=now)
            )
            row = connection.execute(
                select(OutboundCallRow.__table__).where(OutboundCallRow.id == id_)
            ).one_or_none()
        if row is None:
            raise OutboundNotFoundError(id_)
        return _view(row)

    def _one(self, *criteria: Any) -> OutboundCallView | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(OutboundCallRow.__table__).where(*criteria).limit(1)
            ).one_or_none()
        return None if row is None else _view(row)

    def _many(self, query: Any) -> list[OutboundCallView]:
        with self._engine.connect() as connection:
            return [_view(row) for row in connection.execute(query)]
