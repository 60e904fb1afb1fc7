"""Reconciliation watermarks on both stores: upserted, per workspace, never moved backwards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from callstate.storage.reconcile import ReconcileMarks

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_no_mark_before_the_first_run(engine: Engine) -> None:
    assert ReconcileMarks(engine).get("acme", "retell") is None
    assert ReconcileMarks(engine).mark("acme", "retell") is None


def test_advance_creates_then_moves_forward(engine: Engine) -> None:
    marks = ReconcileMarks(engine)
    marks.advance("acme", "retell", T0, {"listed": 1}, now=T0 + timedelta(minutes=1))
    assert marks.get("acme", "retell") == T0
    later = T0 + timedelta(hours=1)
    marks.advance("acme", "retell", later, {"listed": 2}, now=T0 + timedelta(hours=2))
    mark = marks.mark("acme", "retell")
    assert mark is not None
    assert mark.watermark == later
    assert mark.last_run_at == T0 + timedelta(hours=2)
    assert mark.last_report == {"listed": 2}


def test_an_earlier_watermark_never_moves_it_back_but_the_run_is_recorded(engine: Engine) -> None:
    marks = ReconcileMarks(engine)
    marks.advance("acme", "retell", T0, {"run": 1}, now=T0)
    marks.advance("acme", "retell", T0 - timedelta(days=1), {"run": 2}, now=T0 + timedelta(1))
    mark = marks.mark("acme", "retell")
    assert mark is not None
    assert mark.watermark == T0
    assert mark.last_report == {"run": 2}
    assert mark.last_run_at == T0 + timedelta(1)


def test_marks_are_per_workspace_and_runtime(engine: Engine) -> None:
    marks = ReconcileMarks(engine)
    marks.advance("acme", "retell", T0, {}, now=T0)
    marks.advance("summit", "retell", T0 + timedelta(hours=3), {}, now=T0)
    assert marks.get("acme", "retell") == T0
    assert marks.get("summit", "retell") == T0 + timedelta(hours=3)
    assert marks.get("acme", "vapi") is None


def test_racing_runs_leave_the_latest_watermark(engine: Engine) -> None:
    marks = ReconcileMarks(engine)
    stamps = [T0 + timedelta(minutes=n) for n in range(30)]

    def advance(at: datetime) -> None:
        marks.advance("acme", "retell", at, {"at": at.isoformat()}, now=at)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(advance, reversed(stamps)))
    assert marks.get("acme", "retell") == stamps[-1]
