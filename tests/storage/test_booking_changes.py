"""The calendar inbox on both stores: a delivery stored once, however often and however raced."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

from sqlalchemy import Engine

from callstate.domain.calendar import Booking, BookingChange, BookingChangeKind, BookingStatus
from callstate.storage.booking_changes import BookingChanges, booking_change_id

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def change(
    dedupe_id: str = "BOOKING_CANCELLED:uid_1:2026-11-24T15:00:00Z",
    *,
    vendor: str = "calcom",
    kind: BookingChangeKind = BookingChangeKind.CANCELLED,
    booking_id: str = "uid_1",
) -> BookingChange:
    return BookingChange(
        vendor=vendor,
        kind=kind,
        dedupe_id=dedupe_id,
        occurred_at=T0,
        booking=Booking(
            vendor=vendor,
            booking_id=booking_id,
            event_type="42",
            start=T0 + timedelta(days=1),
            end=T0 + timedelta(days=1, minutes=30),
            status=BookingStatus.CANCELLED,
            host_email="ana@acme.test",
            attendee_email="pat@example.com",
            key="acme:retell:call_0001:meeting:1",
        ),
        attendee_name="Pat Doe",
        attendee_phone="+15125550123",
    )


def test_a_change_is_stored_and_read_back_whole(engine: Engine) -> None:
    inbox = BookingChanges(engine)
    stored_id, new = inbox.record("acme", change(), T0)
    assert new is True
    assert stored_id == booking_change_id("acme", "calcom", change().dedupe_id)
    assert stored_id.startswith("bkc_") and len(stored_id) <= 40
    assert inbox.get(stored_id) == ("acme", change())
    assert inbox.get("bkc_unknown") is None


def test_a_repeated_delivery_keeps_the_first_and_says_so(engine: Engine) -> None:
    inbox = BookingChanges(engine)
    first, _ = inbox.record("acme", change(), T0)
    again = change(kind=BookingChangeKind.RESCHEDULED)  # same dedupe id, different body
    assert inbox.record("acme", again, T0 + timedelta(seconds=5)) == (first, False)
    assert inbox.get(first) == ("acme", change())
    assert inbox.undispatched(10) == [first]


def test_twenty_deliveries_at_once_store_one(engine: Engine) -> None:
    inbox = BookingChanges(engine)
    start = Barrier(20, timeout=60)

    def deliver(_: int) -> tuple[str, bool]:
        start.wait()
        return inbox.record("acme", change(), T0)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(deliver, range(20)))
    assert [new for _, new in results].count(True) == 1
    assert len({stored_id for stored_id, _ in results}) == 1
    assert inbox.undispatched(50) == [results[0][0]]


def test_the_dedupe_key_is_per_workspace_and_vendor(engine: Engine) -> None:
    inbox = BookingChanges(engine)
    ids = {
        inbox.record("acme", change("d1"), T0),
        inbox.record("globex", change("d1"), T0),
        inbox.record("acme", change("d1", vendor="calendly"), T0),
        inbox.record("acme", change("d2"), T0),
    }
    assert {new for _, new in ids} == {True}
    assert len({stored_id for stored_id, _ in ids}) == 4


def test_undispatched_are_handed_on_oldest_first_and_once(engine: Engine) -> None:
    inbox = BookingChanges(engine)
    late, _ = inbox.record("acme", change("late"), T0 + timedelta(minutes=2))
    early, _ = inbox.record("acme", change("early"), T0)
    middle, _ = inbox.record("globex", change("middle"), T0 + timedelta(minutes=1))
    assert inbox.undispatched(10) == [early, middle, late]
    assert inbox.undispatched(2) == [early, middle]
    inbox.mark_dispatched([early, middle], T0 + timedelta(minutes=3))
    inbox.mark_dispatched([], T0)
    assert inbox.undispatched(10) == [late]
    inbox.mark_dispatched([late, early], T0 + timedelta(minutes=4))
    assert inbox.undispatched(10) == []
