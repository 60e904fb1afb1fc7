"""The effect ledger: every attempt at every effect, written before and after the vendor call.

An attempt left `started` (the process died mid-call) or ended in a transient error may have
reached the vendor; the next attempt at the same key must look for the earlier result first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, insert, select, update

from callstate.storage.tables import EffectAttemptRow


class AttemptStatus(StrEnum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    TRANSIENT_ERROR = "transient_error"
    RATE_LIMITED = "rate_limited"
    PERMANENT_ERROR = "permanent_error"
    UNSUPPORTED = "unsupported"  # the account lacks the capability; the effect is skipped


_MAYBE_APPLIED = (AttemptStatus.STARTED.value, AttemptStatus.TRANSIENT_ERROR.value)


@dataclass(frozen=True, slots=True)
class AttemptContext:
    workspace: str
    runtime: str
    external_call_id: str
    workflow_id: str


@dataclass(frozen=True, slots=True)
class AttemptView:
    kind: str
    idempotency_key: str
    attempt: int
    status: AttemptStatus
    vendor: str | None
    vendor_ids: dict[str, Any]
    error: str | None
    request_summary: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None


class EffectLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(
        self,
        context: AttemptContext,
        kind: str,
        key: str,
        request_summary: dict[str, Any],
        now: datetime,
    ) -> tuple[int, int]:
        """Record a new attempt; returns (attempt row id, attempt number)."""
        with self._engine.begin() as connection:
            previous = connection.execute(
                select(EffectAttemptRow.attempt)
                .where(EffectAttemptRow.idempotency_key == key)
                .order_by(EffectAttemptRow.attempt.desc())
                .limit(1)
            ).scalar_one_or_none()
            number = (previous or 0) + 1
            row_id = connection.execute(
                insert(EffectAttemptRow)
                .values(
                    workspace=context.workspace,
                    runtime=context.runtime,
                    external_call_id=context.external_call_id,
                    workflow_id=context.workflow_id,
                    kind=kind,
                    idempotency_key=key,
                    attempt=number,
                    status=AttemptStatus.STARTED.value,
                    request_summary=request_summary,
                    vendor_ids={},
                    started_at=now,
                )
                .returning(EffectAttemptRow.id)
            ).scalar_one()
        return int(row_id), number

    def finish(
        self,
        attempt_id: int,
        status: AttemptStatus,
        now: datetime,
        *,
        vendor: str | None = None,
        vendor_ids: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(EffectAttemptRow)
                .where(EffectAttemptRow.id == attempt_id)
                .values(
                    status=status.value,
                    finished_at=now,
                    vendor=vendor,
                    vendor_ids=vendor_ids or {},
                    error=error,
                )
            )

    def may_have_applied(self, key: str, before_attempt: int) -> bool:
        """Did an earlier attempt at this key possibly reach the vendor without us recording it?"""
        query = select(EffectAttemptRow.id).where(
            EffectAttemptRow.idempotency_key == key,
            EffectAttemptRow.attempt < before_attempt,
            EffectAttemptRow.status.in_(_MAYBE_APPLIED),
        )
        with self._engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def succeeded(self, key: str) -> AttemptView | None:
        query = select(EffectAttemptRow).where(
            EffectAttemptRow.idempotency_key == key,
            EffectAttemptRow.status == AttemptStatus.SUCCEEDED.value,
        )
        with self._engine.connect() as connection:
            row = connection.execute(query.limit(1)).one_or_none()
        return None if row is None else _view(EffectAttemptRow(**row._mapping))

    def for_call(self, workspace: str, runtime: str, external_call_id: str) -> list[AttemptView]:
        query = (
            select(EffectAttemptRow)
            .where(
                EffectAttemptRow.workspace == workspace,
                EffectAttemptRow.runtime == runtime,
                EffectAttemptRow.external_call_id == external_call_id,
            )
            .order_by(EffectAttemptRow.id)
        )
        with self._engine.connect() as connection:
            return [_view(EffectAttemptRow(**row._mapping)) for row in connection.execute(query)]


def _view(row: EffectAttemptRow) -> AttemptView:
    return AttemptView(
        kind=row.kind,
        idempotency_key=row.idempotency_key,
        attempt=row.attempt,
        status=AttemptStatus(row.status),
        vendor=row.vendor,
        vendor_ids=dict(row.vendor_ids),
        error=row.error,
        request_summary=dict(row.request_summary),
        started_at=row.started_at,
        finished_at=row.finished_at,
    )
