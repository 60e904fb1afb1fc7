"""Placing one outbound attempt: the gate that may refuse it, and the dial itself.

`Dialer.place` is the body of one durable step and is safe to repeat: the runtime is always
asked with the attempt id as its idempotency key (Retell answers the same call for an hour,
research/voice.md §4.2, fact 9), and an attempt that is no longer `scheduled` is returned as
it is without dialling. Connector `Transient`/`RateLimited` errors propagate so the workflow
retries the step with the same key; a `Permanent` refusal ends the attempt `failed`.

A gate that answers "not before `retry_at`" moves the attempt's `due_at` and leaves it
`scheduled` (and dispatched): the result says `scheduled` with that `retry_at`, and the
workflow that holds the attempt sleeps until then and calls `place` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from callstate.config.model import Audience, Workspace
from callstate.connectors.errors import Permanent
from callstate.domain.values import InvalidPhoneError
from callstate.execution.services import Services
from callstate.storage.dnc import DoNotCall
from callstate.storage.outbound import OutboundCallView, OutboundStatus

RUNTIME = "retell"


@dataclass(frozen=True, slots=True)
class GateDecision:
    """`allowed`, or why not; with `retry_at`, the attempt may be tried again at that time."""

    allowed: bool
    reason: str | None = None
    retry_at: datetime | None = None


class DialGate(Protocol):
    def check(
        self, workspace: Workspace, audience: Audience, to_number: str, now: datetime
    ) -> GateDecision:
        """May `audience` call `to_number` at `now`? Reads only; safe to repeat. Raises nothing
        for a refusal: that is a decision, not an error."""
        ...


class OpenGate:
    """Allows every dial. Other compliance checks (calling windows, consent, caps, registry
    freshness) are each a `DialGate`: that protocol is their seam."""

    def check(
        self, workspace: Workspace, audience: Audience, to_number: str, now: datetime
    ) -> GateDecision:
        return GateDecision(allowed=True)


OPEN_GATE = OpenGate()


class ListGate:
    """Refuses a number on the workspace's do-not-call list (the default gate). The list is
    read at dial time, so an opt-out recorded a moment ago stops the next dial."""

    def __init__(self, dnc: DoNotCall) -> None:
        self._dnc = dnc

    def check(
        self, workspace: Workspace, audience: Audience, to_number: str, now: datetime
    ) -> GateDecision:
        try:
            entry = self._dnc.get(workspace.id, to_number)
        except InvalidPhoneError:
            return GateDecision(allowed=False, reason=f"not a phone number: {to_number!r}")
        if entry is None:
            return GateDecision(allowed=True)
        since = entry.added_at.strftime("%Y-%m-%d %H:%M UTC")
        return GateDecision(
            allowed=False,
            reason=f"on the do-not-call list since {since} ({entry.source.value}: "
            f"{entry.reason[:200]})",
        )


@dataclass(frozen=True, slots=True)
class PlaceResult:
    """What `place` left the attempt as; `retry_at` is set when a gate postponed it."""

    attempt_id: str
    status: OutboundStatus
    call_id: str | None
    detail: str | None
    retry_at: datetime | None = None


def _result(row: OutboundCallView) -> PlaceResult:
    return PlaceResult(row.id, row.status, row.call_id, row.reason)


class Dialer:
    def __init__(self, services: Services, gate: DialGate | None = None) -> None:
        self._services = services
        self._gate = gate if gate is not None else ListGate(services.dnc)
        self._attempts = services.outbound

    def place(self, attempt_id: str) -> PlaceResult:
        """Dial attempt `attempt_id` once, whatever happened before; the attempt as it is after.
        Safe to repeat. Raises `Transient`/`RateLimited` (retry with the same attempt id)."""
        row = self._attempts.get(attempt_id)
        if row is None:
            return PlaceResult(
                attempt_id, OutboundStatus.FAILED, None, f"no outbound attempt {attempt_id}"
            )
        if row.status is not OutboundStatus.SCHEDULED:
            return _result(row)
        workspace = self._services.workspaces.get(row.workspace)
        audience = _audience(workspace, row.audience)
        if workspace is None or audience is None:
            return self._fail(row, f"workspace {row.workspace} has no audience {row.audience}")
        if row.runtime != RUNTIME:
            return self._fail(row, f"runtime {row.runtime} cannot place calls")
        now = self._services.clock()
        decision = self._gate.check(workspace, audience, row.to_number, now)
        if not decision.allowed:
            return self._refuse(row, decision, now)
        problem = _from_problem(row, audience)
        if problem is not None:
            return self._fail(row, problem)
        return self._dial(row, workspace, audience)

    def _dial(self, row: OutboundCallView, workspace: Workspace, audience: Audience) -> PlaceResult:
        connectors = self._services.connectors.get(workspace.id)
        voice = None if connectors is None else connectors.voice
        if voice is None:
            return self._fail(row, f"workspace {workspace.id} has no voice runtime")
        try:
            call_id = voice.place_call(
                row.from_number or audience.numbers[0],
                row.to_number,
                idempotency_key=row.id,
                agent_id=self._agent_id(workspace, audience),
                metadata={
                    "callstate_workspace": workspace.id,
                    "callstate_audience": audience.id,
                    "callstate_lead": row.lead,
                    "callstate_attempt": row.id,
                    "callstate_attempt_number": str(row.attempt),
                },
                dynamic_variables={"business_name": workspace.name, **row.variables},
                honor_internal_dnc=True,
            )
        except Permanent as exc:
            # Retell answers 400 to a number on its do-not-call list (voice.md §4.2).
            return self._fail(row, f"refused by the runtime: {exc.message}")
        return _result(self._attempts.placed(row.id, call_id, self._services.clock()))

    def _agent_id(self, workspace: Workspace, audience: Audience) -> str | None:
        applied = self._services.voice_agents.agent_for(workspace.id, RUNTIME, audience.id)
        return applied or next(iter(audience.agent_ids), None)

    def _refuse(self, row: OutboundCallView, decision: GateDecision, now: datetime) -> PlaceResult:
        reason = decision.reason or "refused by the dial gate"
        if decision.retry_at is None:
            return _result(self._attempts.refused(row.id, reason, now))
        moved = self._attempts.reschedule(row.id, decision.retry_at, reason, now)
        retry_at = decision.retry_at if moved.status is OutboundStatus.SCHEDULED else None
        return PlaceResult(moved.id, moved.status, moved.call_id, moved.reason, retry_at)

    def _fail(self, row: OutboundCallView, reason: str) -> PlaceResult:
        return _result(self._attempts.failed(row.id, reason, self._services.clock()))


def _audience(workspace: Workspace | None, audience_id: str) -> Audience | None:
    if workspace is None:
        return None
    return next((a for a in workspace.audiences if a.id == audience_id), None)


def _from_problem(row: OutboundCallView, audience: Audience) -> str | None:
    """Why the attempt has no number of its audience to call from, or None."""
    if not audience.numbers:
        return f"audience {audience.id} has no number to call from"
    if row.from_number is not None and row.from_number not in audience.numbers:
        return f"{row.from_number} is not one of audience {audience.id}'s numbers"
    return None
