"""Outbound attempts on both stores: scheduled once, handed out once, moved only forward."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier
from typing import Any

import pytest
from sqlalchemy import Engine

from callstate.domain.ids import attempt_id, lead_key
from callstate.storage.outbound import (
    OutboundCalls,
    OutboundCallView,
    OutboundNotFoundError,
    OutboundStatus,
)

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
LEAD = lead_key("acme", "outbound-reactivation", "+14155550142", "req-1")


def schedule(
    calls: OutboundCalls, attempt: int = 1, **changes: Any
) -> tuple[OutboundCallView, bool]:
    values: dict[str, Any] = {
        "workspace": "acme",
        "audience": "outbound-reactivation",
        "lead": LEAD,
        "attempt": attempt,
        "to_number": "+14155550142",
        "from_number": None,
        "variables": {"caller_name": "Dana"},
        "due_at": T0,
        "now": T0,
    }
    values.update(changes)
    return calls.schedule(**values)


def test_schedule_stores_an_attempt_once(engine: Engine) -> None:
    calls = OutboundCalls(engine)
    first, created = schedule(calls)
    again, created_again = schedule(
        calls, to_number="+14155550199", due_at=T0 + timedelta(hours=1), now=T0 + timedelta(1)
    )
    assert (created, created_again) == (True, False)
    assert first == again
    assert first.id == attempt_id(LEAD, 1)
    assert (first.status, first.to_number, first.due_at) == (
        OutboundStatus.SCHEDULED,
        "+14155550142",
        T0,
    )
    assert first.variables == {"caller_name": "Dana"}
    assert (first.runtime, first.call_id, first.dispatched_at) == ("retell", None, None)
    assert calls.get(first.id) == first
    assert calls.get("lead_unknown:1") is None


def test_concurrent_schedules_of_one_attempt_store_one_row(engine: Engine) -> None:
    calls = OutboundCalls(engine)
    barrier = Barrier(12)

    def race(_: int) -> tuple[OutboundCallView, bool]:
        barrier.wait()
        return schedule(calls)

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(race, range(12)))
    assert sum(created for _, created in answers) == 1
    assert all(view == answers[0][0] for view, _ in answers)
    assert len(calls.for_lead("acme", LEAD)) == 1


def test_attempts_of_a_series_are_listed_in_order(engine: Engine) -> None:
    calls = OutboundCalls(engine)
    for attempt in (3, 1, 2):
        schedule(calls, attempt, now=T0 + timedelta(minutes=attempt))
    schedule(calls, 1, lead="lead_other", now=T0 + timedelta(minutes=9))
    assert [v.attempt for v in calls.for_lead("acme", LEAD)] == [1, 2, 3]
    assert calls.for_lead("summit", LEAD) == []
    recent = calls.recent("acme", 3)
    assert [v.id for v in recent] == ["lead_other:1", attempt_id(LEAD, 3), attempt_id(LEAD, 2)]


def test_due_lists_scheduled_undispatched_attempts_oldest_first(engine: Engine) -> None:
    calls = OutboundCalls(engine)
    late, _ = schedule(calls, 1, due_at=T0 + timedelta(minutes=5))
    early, _ = schedule(calls, 2, due_at=T0 - timedelta(minutes=5))
    future, _ = schedule(calls, 3, due_at=T0 + timedelta(hours=2))
    cancelled, _ = schedule(calls, 4, due_at=T0)
    assert calls.cancel(cancelled.id, T0)
    now = T0 + timedelta(minutes=10)
    assert calls.due(now, 10) == [early.id, late.id]
    assert calls.due(now, 1) == [early.id]
    calls.mark_dispatched([early.id], now)
    assert calls.due(now, 10) == [late.id]
    calls.mark_dispatched([early.id, late.id], now + timedelta(minutes=1))
    assert calls.due(now + timedelta(hours=3), 10) == [future.id]
    stored = calls.get(early.id)
    assert stored is not None
    assert stored.dispatched_at == now
    calls.mark_dispatched([], now)


def test_placed_records_the_call_once(engine: Engine) -> None:
    calls = OutboundCalls(engine)
    row, _ = schedule(calls)
    placed = calls.placed(row.id, "call_1", T0 + timedelta(seconds=1))
    assert (placed.status, placed.call_id, placed.reason) == (OutboundStatus.PLACED, "call_1", None)
    again = calls.placed(row.id, "call_2", T0 + timedelta(seconds=2))
    assert (again.call_id, again.updated_at) == ("call_1", T0 + timedelta(seconds=1))
    assert calls.by_call("acme", "call_1") == again
    assert calls.by_call("summit", "call_1") is None
    assert not calls.cancel(row.id, T0)
    assert calls.failed(row.id, "late failure", T0).status is OutboundStatus.PLACED


@pytest.mark.parametrize(
    ("move", "status"),
    [("refused", OutboundStatus.REFUSED), ("failed", OutboundStatus.FAILED)],
)
def test_refused_and_failed_end_a_scheduled_attempt(
    engine: Engine, move: str, status: OutboundStatus
) -> None:
    calls = OutboundCalls(engine)
    row, _ = schedule(calls)
    ended = getattr(calls, move)(row.id, "why not", T0 + timedelta(seconds=1))
    assert (ended.status, ended.reason) == (status, "why not")
    assert calls.refused(row.id, "other", T0).reason == "why not"
    assert not calls.cancel(row.id, T0)
    assert calls.due(T0 + timedelta(days=1), 10) == []


def test_a_placed_call_wins_over_a_cancel_that_came_first(engine: Engine) -> None:
    calls = OutboundCalls(engine)
    row, _ = schedule(calls)
    assert calls.cancel(row.id, T0)
    assert not calls.cancel(row.id, T0)
    assert calls.get(row.id).status is OutboundStatus.CANCELLED  # type: ignore[union-attr]
    assert calls.placed(row.id, "call_9", T0).status is OutboundStatus.PLACED


def test_reschedule_moves_a_scheduled_attempt_only(engine: Engine) -> None:
    calls = OutboundCalls(engine)
    row, _ = schedule(calls)
    calls.mark_dispatched([row.id], T0)
    later = T0 + timedelta(hours=3)
    moved = calls.reschedule(row.id, later, "outside calling hours", T0)
    assert (moved.status, moved.due_at, moved.reason) == (
        OutboundStatus.SCHEDULED,
        later,
        "outside calling hours",
    )
    assert moved.dispatched_at == T0
    calls.placed(row.id, "call_1", T0)
    assert calls.reschedule(row.id, T0, None, T0).due_at == later


def test_moving_an_unknown_attempt_raises(engine: Engine) -> None:
    calls = OutboundCalls(engine)
    with pytest.raises(OutboundNotFoundError):
        calls.placed("lead_x:1", "call_1", T0)
    with pytest.raises(OutboundNotFoundError):
        calls.failed("lead_x:1", "no", T0)
    assert not calls.cancel("lead_x:1", T0)
