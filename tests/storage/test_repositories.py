"""Inbox, calls and ledger on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Engine

from callstate.domain.call import CallEventType, CallStatus, Disposition
from callstate.storage.attempts import AttemptContext, AttemptStatus, EffectLedger
from callstate.storage.calls import Calls
from callstate.storage.db import migrate
from callstate.storage.events import EventInbox
from tests.domain.builders import RECEIVED, call_event


def test_migrations_are_idempotent(engine: Engine) -> None:
    migrate(engine)
    assert EventInbox(engine).count() == 0


def test_event_is_stored_once_even_when_raced(engine: Engine) -> None:
    inbox = EventInbox(engine)
    event = call_event()
    with ThreadPoolExecutor(8) as pool:
        stored = list(pool.map(lambda _: inbox.record(event), range(8)))
    assert stored.count(True) == 1
    assert inbox.count() == 1
    assert inbox.get("acme:retell:call_0001:call_analyzed") == event


def test_events_of_a_call_are_its_history(engine: Engine) -> None:
    inbox = EventInbox(engine)
    inbox.record(call_event(type=CallEventType.ENDED, analysis=None))
    inbox.record(call_event())
    inbox.record(call_event(external_call_id="other"))
    history = inbox.for_call("acme", "retell", "call_0001")
    assert [e.type for e in history] == [CallEventType.ENDED, CallEventType.ANALYZED]


def test_dispatch_marks_events_once(engine: Engine) -> None:
    inbox = EventInbox(engine)
    inbox.record(call_event())
    pending = inbox.undispatched(10)
    assert [p.event_key for p in pending] == ["acme:retell:call_0001:call_analyzed"]
    inbox.mark_dispatched([p.id for p in pending], RECEIVED)
    assert inbox.undispatched(10) == []


def test_call_status_never_moves_backwards(engine: Engine) -> None:
    calls = Calls(engine)
    calls.observe(call_event(), "inbound-qualifier", [], RECEIVED)
    view = calls.observe(
        call_event(type=CallEventType.STARTED, analysis=None), "inbound-qualifier", [], RECEIVED
    )
    assert view.status is CallStatus.ANALYZED
    assert view.disposition == Disposition.CONNECTED.value
    calls.finish("acme", "retell", "call_0001", CallStatus.SETTLED, RECEIVED)
    got = calls.get("acme", "retell", "call_0001")
    assert got is not None and got.status is CallStatus.SETTLED


def test_flags_accumulate(engine: Engine) -> None:
    calls = Calls(engine)
    calls.observe(call_event(), "inbound-qualifier", ["unknown agent"], RECEIVED)
    view = calls.observe(call_event(type=CallEventType.ENDED), "inbound-qualifier", [], RECEIVED)
    assert view.flags == ("unknown agent",)


def test_ledger_tells_a_retry_the_vendor_may_have_applied(engine: Engine) -> None:
    ledger = EffectLedger(engine)
    context = AttemptContext("acme", "retell", "call_0001", "event:x")
    first, number = ledger.start(context, "log_call", "k1", {}, RECEIVED)
    assert number == 1 and not ledger.may_have_applied("k1", 1)
    second, number = ledger.start(context, "log_call", "k1", {}, RECEIVED + timedelta(seconds=1))
    assert number == 2 and ledger.may_have_applied("k1", 2)  # first never finished
    ledger.finish(
        second, AttemptStatus.SUCCEEDED, RECEIVED, vendor="hubspot", vendor_ids={"id": "7"}
    )
    done = ledger.succeeded("k1")
    assert done is not None and done.vendor_ids == {"id": "7"} and done.attempt == 2
    assert [a.status for a in ledger.for_call("acme", "retell", "call_0001")] == [
        AttemptStatus.STARTED,
        AttemptStatus.SUCCEEDED,
    ]
    assert ledger.succeeded("other") is None and first != second


def test_a_permanent_error_is_not_a_maybe(engine: Engine) -> None:
    ledger = EffectLedger(engine)
    context = AttemptContext("acme", "retell", "call_0001", "event:x")
    attempt, _ = ledger.start(context, "log_call", "k2", {}, RECEIVED)
    ledger.finish(attempt, AttemptStatus.PERMANENT_ERROR, RECEIVED, error="400 bad")
    assert not ledger.may_have_applied("k2", 2)


def test_a_batch_with_repeats_stores_each_key_once(engine: Engine) -> None:
    inbox = EventInbox(engine)
    inbox.record(call_event(external_call_id="old"))
    batch = [
        call_event(external_call_id="new"),
        call_event(external_call_id="old"),
        call_event(external_call_id="new"),
        call_event(external_call_id="new", type=CallEventType.ENDED),
    ]
    assert inbox.record_many(batch) == [True, False, False, True]
    assert inbox.count() == 3
