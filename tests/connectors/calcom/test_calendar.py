"""`CalcomCalendar` against the Cal.com emulator over loopback HTTP: slots in UTC across the
DST change, booking with our key in metadata, races, lost answers, cancel, rate limits. Every
exchange is validated against the vendor document with `on_spec`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callstate.connectors.errors import Permanent, RateLimited, SlotTaken, Transient
from callstate.connectors.ports import Calendar
from callstate.domain.budget import Budget
from callstate.domain.calendar import Attendee, Booking, BookingStatus, Slot
from callstate.sandbox.calcom import CalcomRateLimit
from tests.connectors.calcom.conftest import CalSandbox

OnSpec = Callable[[str, str], list[dict[str, Any]]]
CASEY = Attendee(
    name="Casey Caller", email="casey@example.com", zone="America/Denver", phone="+13035550123"
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def slot(start: datetime, event_type: str = "1001") -> Slot:
    return Slot(event_type=event_type, start=start, end=start + timedelta(minutes=30))


def requests_to(calcom: CalSandbox, method: str, path: str, count: int = 1) -> list[dict[str, Any]]:
    """The recorded exchanges for a route; the recorder files an exchange just after the
    response leaves, so wait (briefly) for the expected number."""
    deadline = time.monotonic() + 5
    while True:
        found = [
            e
            for e in calcom.app.state.sandbox_control.exchanges()
            if e["method"] == method and e["path"] == path
        ]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def test_slots_are_utc_and_follow_the_dst_change(calcom: CalSandbox, on_spec: OnSpec) -> None:
    calendar = calcom.calendar()
    found = calendar.available_slots("1001", utc(2026, 10, 30), utc(2026, 11, 3))
    fridays = [s for s in found if s.start.date() == utc(2026, 10, 30).date()]
    mondays = [s for s in found if s.start.date() == utc(2026, 11, 2).date()]
    assert len(found) == 32
    assert (fridays[0].start, fridays[-1].end) == (utc(2026, 10, 30, 13), utc(2026, 10, 30, 21))
    assert (mondays[0].start, mondays[-1].end) == (utc(2026, 11, 2, 14), utc(2026, 11, 2, 22))
    assert all(s.start.tzinfo == UTC and s.event_type == "1001" for s in found)
    assert found == sorted(found, key=lambda s: s.start)
    sent = requests_to(calcom, "GET", "/v2/slots")[0]
    assert sent["headers"]["cal-api-version"] == "2024-09-04"
    assert sent["query"]["start"] == ["2026-10-30T00:00:00.000Z"]
    on_spec(calcom.root, "calcom")


def test_slots_window_is_half_open(calcom: CalSandbox, on_spec: OnSpec) -> None:
    found = calcom.calendar().available_slots("1002", utc(2026, 10, 27, 14), utc(2026, 10, 27, 15))
    assert [s.start for s in found] == [utc(2026, 10, 27, 14), utc(2026, 10, 27, 14, 30)]
    on_spec(calcom.root, "calcom")


def test_book_happy_path(calcom: CalSandbox, on_spec: OnSpec) -> None:
    calendar = calcom.calendar()
    chosen = calendar.available_slots("1001", utc(2026, 10, 28), utc(2026, 10, 29))[3]
    booking = calendar.book(chosen, CASEY, key="call-42:book")
    assert booking == Booking(
        vendor="calcom",
        booking_id=booking.booking_id,
        event_type="1001",
        start=chosen.start,
        end=chosen.end,
        status=BookingStatus.ACCEPTED,
        host_email="ana@acme.example",
        attendee_email="casey@example.com",
        key="call-42:book",
        url=None,  # links to app.cal.com only for the real API
    )
    sent = requests_to(calcom, "POST", "/v2/bookings")[0]
    assert sent["headers"]["cal-api-version"] == "2024-08-13"
    assert sent["request_json"]["start"].endswith("Z")
    assert sent["request_json"]["attendee"]["timeZone"] == "America/Denver"
    assert sent["request_json"]["attendee"]["phoneNumber"] == "+13035550123"
    assert sent["request_json"]["metadata"] == {"callstate_key": "call-42:book"}
    assert chosen not in calendar.available_slots("1001", utc(2026, 10, 28), utc(2026, 10, 29))
    on_spec(calcom.root, "calcom")


def test_a_slot_gone_is_slot_taken(calcom: CalSandbox, on_spec: OnSpec) -> None:
    calendar = calcom.calendar()
    calendar.book(slot(utc(2026, 10, 27, 15)), CASEY, key="first")
    with pytest.raises(SlotTaken) as taken:
        calendar.book(slot(utc(2026, 10, 27, 15)), CASEY, key="second")
    assert taken.value.status == 400
    with pytest.raises(SlotTaken):  # 03:00 in New York: outside working hours
        calendar.book(slot(utc(2026, 10, 27, 7)), CASEY, key="third")
    with pytest.raises(SlotTaken):  # inside the 120-minute minimum notice
        calendar.book(slot(utc(2026, 10, 26, 13)), CASEY, key="fourth")
    with pytest.raises(Permanent) as unknown:
        calendar.book(slot(utc(2026, 10, 27, 15), event_type="999"), CASEY, key="fifth")
    assert not isinstance(unknown.value, SlotTaken)
    assert unknown.value.status == 404
    on_spec(calcom.root, "calcom")


def test_racing_bookings_make_one_booking_and_slot_taken(
    calcom: CalSandbox, on_spec: OnSpec
) -> None:
    target = slot(utc(2026, 10, 29, 16))
    barrier = threading.Barrier(6)
    booked: list[Booking] = []
    refused: list[Exception] = []

    def attempt(n: int) -> None:
        calendar = calcom.calendar()
        barrier.wait()
        try:
            booked.append(calendar.book(target, CASEY, key=f"racer-{n}"))
        except SlotTaken as exc:
            refused.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(booked) == 1
    assert len(refused) == 5
    assert [b["uid"] for b in calcom.bookings()] == [booked[0].booking_id]
    on_spec(calcom.root, "calcom")


def test_find_booking_after_a_lost_answer_prevents_a_second_booking(
    calcom: CalSandbox, on_spec: OnSpec
) -> None:
    calendar = calcom.calendar()
    target = slot(utc(2026, 10, 30, 18))
    calcom.fault(mode="commit_then_drop", method="POST", path="/v2/bookings")
    with pytest.raises(Transient):
        calendar.book(target, CASEY, key="call-7:book")
    window = (utc(2026, 10, 30), utc(2026, 10, 31))
    found = calendar.find_booking("call-7:book", "casey@example.com", *window)
    assert found is not None
    assert (found.key, found.start, found.status) == ("call-7:book", target.start, "accepted")
    with pytest.raises(SlotTaken):  # a blind retry would not make a second booking either
        calendar.book(target, CASEY, key="call-7:book")
    assert len(calcom.bookings()) == 1
    assert calendar.find_booking("call-8:book", "casey@example.com", *window) is None
    assert calendar.find_booking("call-7:book", "other@example.com", *window) is None
    assert (
        calendar.find_booking(
            "call-7:book", "casey@example.com", utc(2026, 10, 31), utc(2026, 11, 1)
        )
        is None
    )
    on_spec(calcom.root, "calcom")


def test_find_booking_prefers_the_live_booking(calcom: CalSandbox, on_spec: OnSpec) -> None:
    calendar = calcom.calendar()
    first = calendar.book(slot(utc(2026, 10, 27, 14)), CASEY, key="k")
    calendar.cancel(first.booking_id, "moved")
    second = calendar.book(slot(utc(2026, 10, 27, 16)), CASEY, key="k")
    found = calendar.find_booking("k", "casey@example.com", utc(2026, 10, 27), utc(2026, 10, 28))
    assert found is not None
    assert found.booking_id == second.booking_id
    on_spec(calcom.root, "calcom")


def test_cancel_twice_returns_the_cancelled_booking(calcom: CalSandbox, on_spec: OnSpec) -> None:
    calendar = calcom.calendar()
    booking = calendar.book(slot(utc(2026, 10, 27, 14)), CASEY, key="c")
    first = calendar.cancel(booking.booking_id, "caller asked")
    second = calendar.cancel(booking.booking_id, "caller asked")
    assert first.status == second.status == BookingStatus.CANCELLED
    assert first.booking_id == second.booking_id == booking.booking_id
    assert [
        e["status"]
        for e in requests_to(calcom, "POST", f"/v2/bookings/{booking.booking_id}/cancel", 2)
    ] == [200, 400]
    with pytest.raises(Permanent) as missing:
        calendar.cancel("no-such-uid", "x")
    assert missing.value.status == 404
    # The slot is free again.
    assert calendar.book(slot(utc(2026, 10, 27, 14)), CASEY, key="d").status == "accepted"
    on_spec(calcom.root, "calcom")


def test_429_is_rate_limited_with_the_reset_header(
    make_calcom: Callable[..., CalSandbox], on_spec: OnSpec
) -> None:
    sandbox = make_calcom(rate_limit=CalcomRateLimit(limit=2))
    calendar = sandbox.calendar()
    window = (utc(2026, 10, 27), utc(2026, 10, 28))
    calendar.find_booking("k", "casey@example.com", *window)
    calendar.find_booking("k", "casey@example.com", *window)
    with pytest.raises(RateLimited) as limited:
        calendar.find_booking("k", "casey@example.com", *window)
    assert limited.value.retry_after == 60.0  # X-RateLimit-Reset-Default: the block's 60 s
    assert "Too many requests" in limited.value.message
    with pytest.raises(RateLimited):
        calendar.book(slot(utc(2026, 10, 27, 14)), CASEY, key="k")
    assert sandbox.bookings() == []
    on_spec(sandbox.root, "calcom")


def test_the_gate_spends_the_keys_budget(calcom: CalSandbox, on_spec: OnSpec) -> None:
    spent: list[tuple[str, Budget]] = []
    calendar = calcom.calendar(gate=lambda bucket, budget: spent.append((bucket, budget)))
    calendar.available_slots("1001", utc(2026, 10, 27), utc(2026, 10, 28))
    calendar.find_booking("k", "casey@example.com", utc(2026, 10, 27), utc(2026, 10, 28))
    assert len(spent) == 2
    bucket, budget = spent[0]
    assert bucket.startswith("calcom:")
    assert "sandbox" not in bucket  # the key itself never names the bucket
    assert (budget.limit, budget.window_seconds) == (120, 60.0)
    on_spec(calcom.root, "calcom")


def test_a_wrong_key_is_permanent(calcom: CalSandbox, on_spec: OnSpec) -> None:
    with pytest.raises(Permanent) as refused:
        calcom.calendar(api_key="cal_wrong").find_booking(
            "k", "casey@example.com", utc(2026, 10, 27), utc(2026, 10, 28)
        )
    assert refused.value.status == 401
    on_spec(calcom.root, "calcom")


def test_naive_times_and_odd_event_types_are_refused_before_any_request(
    calcom: CalSandbox,
) -> None:
    calendar = calcom.calendar()
    with pytest.raises(ValueError, match="aware"):
        calendar.available_slots("1001", datetime(2026, 10, 27), datetime(2026, 10, 28))  # noqa: DTZ001
    with pytest.raises(Permanent):
        calendar.available_slots("intro-ana", utc(2026, 10, 27), utc(2026, 10, 28))
    with pytest.raises(Permanent):
        calendar.book(slot(utc(2026, 10, 27, 14)), CASEY, key="x" * 501)
    assert calcom.app.state.sandbox_control.exchanges() == []


def test_it_is_a_calendar(calcom: CalSandbox) -> None:
    calendar: Calendar = calcom.calendar()  # mypy checks the protocol structurally
    assert calendar.vendor == "calcom"
