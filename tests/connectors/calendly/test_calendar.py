"""`CalendlyCalendar` against the Calendly emulator over loopback HTTP.

Every test ends by validating the recorded exchanges against the vendor document
(`calendly_on_spec`; `POST /invitees` is skipped there explicitly, as the document predates it).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from callstate.connectors.calendly.calendar import CalendlyCalendar
from callstate.connectors.calendly.mapping import wire_key
from callstate.connectors.errors import (
    Permanent,
    RateLimited,
    SlotTaken,
    Transient,
    Unsupported,
)
from callstate.connectors.ports import Calendar
from callstate.domain.calendar import Attendee, BookingStatus, Slot
from callstate.sandbox.calendly import ANA, BEN, SANDBOX_EVENT_TYPES, CalendlyRateLimit
from tests.connectors.calendly.conftest import CalendlySandbox, MakeCalendly

ANA_TYPE = SANDBOX_EVENT_TYPES[0].uri
BEN_TYPE = SANDBOX_EVENT_TYPES[1].uri
CARLA = Attendee(name="Carla Diaz", email="carla@example.com", zone="America/Chicago")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def slot_at(start: datetime, event_type: str = ANA_TYPE) -> Slot:
    return Slot(event_type=event_type, start=start, end=start + timedelta(minutes=30))


def events_at(sandbox: CalendlySandbox, start: datetime) -> list[dict[str, object]]:
    with sandbox.api() as api:
        listed = api.get(
            "/scheduled_events",
            params={
                "organization": api.get("/users/me").json()["resource"]["current_organization"]
            },
        ).json()["collection"]
    wanted = start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [e for e in listed if e["start_time"] == wanted]


# -- availability ------------------------------------------------------------------------------


def test_available_times_across_the_dst_change_are_right_in_utc(calendly: CalendlySandbox) -> None:
    calendar = calendly.calendar()
    # Friday 2026-10-30 (EDT, UTC-4) to Tuesday 2026-11-03 (EST, UTC-5 since Sunday 11-01).
    slots = calendar.available_slots(ANA_TYPE, utc(2026, 10, 30), utc(2026, 11, 3))
    friday = [s for s in slots if s.start.date().day == 30]
    monday = [s for s in slots if s.start.date().day == 2]
    assert (friday[0].start, friday[-1].start) == (utc(2026, 10, 30, 13), utc(2026, 10, 30, 20, 30))
    assert (monday[0].start, monday[-1].start) == (utc(2026, 11, 2, 14), utc(2026, 11, 2, 21, 30))
    assert len(friday) == len(monday) == 16 and len(slots) == 32  # nothing on the weekend
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert {s.host_email for s in slots} == {ANA.email}
    assert all(s.start.tzinfo == UTC for s in slots)
    ben = calendar.available_slots(BEN_TYPE, utc(2026, 10, 30), utc(2026, 11, 3))
    assert (ben[0].start, ben[16].start) == (utc(2026, 10, 30, 14), utc(2026, 11, 2, 15))  # Chicago
    calendly.on_spec()


def test_a_window_longer_than_seven_days_is_asked_in_pieces(calendly: CalendlySandbox) -> None:
    calendar = calendly.calendar()
    start, end = utc(2026, 10, 29), utc(2026, 11, 14)  # 16 days
    slots = calendar.available_slots(ANA_TYPE, start, end)
    asked = [
        (e["query"]["start_time"][0], e["query"]["end_time"][0])
        for e in calendly.exchanges()
        if e["path"] == "/event_type_available_times"
    ]
    bounds = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in asked]
    assert len(bounds) == 3
    assert all(b - a <= timedelta(days=7) for a, b in bounds)
    assert bounds[0][0] == start and bounds[-1][1] == end
    assert all(bounds[i][1] == bounds[i + 1][0] for i in range(2))  # contiguous, no gap
    weekdays = sum(1 for d in range(16) if (start + timedelta(days=d)).isoweekday() <= 5)
    assert len(slots) == weekdays * 16
    assert [s.start for s in slots] == sorted({s.start for s in slots})
    calendly.on_spec()


def test_a_window_that_began_in_the_past_starts_from_now(calendly: CalendlySandbox) -> None:
    calendly.clock.at = utc(2026, 10, 28, 14, 10)  # Wednesday, 10:10 in New York
    slots = calendly.calendar().available_slots(ANA_TYPE, utc(2026, 10, 28), utc(2026, 10, 29))
    assert slots[0].start == utc(2026, 10, 28, 14, 30)
    calendly.on_spec()


# -- booking ------------------------------------------------------------------------------------


def test_book_carries_the_key_and_takes_the_slot(calendly: CalendlySandbox) -> None:
    calendar: Calendar = calendly.calendar()  # the port, checked by mypy
    chosen = calendar.available_slots(ANA_TYPE, utc(2026, 11, 2), utc(2026, 11, 3))[0]
    caller = Attendee.model_validate({**CARLA.model_dump(), "phone": "+1 (312) 555-0142"})
    booking = calendar.book(chosen, caller, key="call_1:analyzed:book")
    assert booking.vendor == "calendly"
    assert booking.booking_id.startswith("https://api.calendly.com/scheduled_events/")
    assert (booking.start, booking.end) == (chosen.start, chosen.end)
    assert booking.status is BookingStatus.ACCEPTED
    assert (booking.host_email, booking.attendee_email) == (ANA.email, CARLA.email)
    assert booking.key == "call_1:analyzed:book"
    with calendly.api() as api:
        path = booking.booking_id.removeprefix("https://api.calendly.com")
        invitee = api.get(f"{path}/invitees").json()["collection"][0]
    assert invitee["tracking"]["utm_content"] == "call_1:analyzed:book"
    assert invitee["text_reminder_number"] == "+13125550142"
    assert invitee["timezone"] == "America/Chicago"
    again = calendar.available_slots(ANA_TYPE, utc(2026, 11, 2), utc(2026, 11, 3))
    assert chosen.start not in {s.start for s in again}
    assert calendar.find_booking("call_1:analyzed:book", CARLA.email, chosen.start, chosen.end)
    calendly.on_spec()


def test_a_one_host_booking_is_one_request_and_a_hostless_slot_is_read_back(
    calendly: CalendlySandbox,
) -> None:
    """A slot offered by a one-host event type carries its host: the booking needs nothing more
    than Calendly's answer. A slot without one (a team's event type) reads the event back for
    the host Calendly assigned."""
    calendar = calendly.calendar()
    chosen = calendar.available_slots(ANA_TYPE, utc(2026, 11, 2), utc(2026, 11, 3))[0]
    before = len(calendly.exchanges())
    booking = calendar.book(chosen, CARLA, key="k-one-host")
    made = [(e["method"], e["path"]) for e in calendly.exchanges()[before:]]
    assert made == [("POST", "/invitees")]
    assert (booking.host_email, booking.start, booking.end) == (ANA.email, chosen.start, chosen.end)
    assert booking.event_type == ANA_TYPE and booking.attendee_email == CARLA.email
    stored = events_at(calendly, chosen.start)
    assert [e["uri"] for e in stored] == [booking.booking_id]

    hostless = slot_at(chosen.start + timedelta(hours=1))
    before = len(calendly.exchanges())
    read_back = calendar.book(hostless, CARLA, key="k-team")
    made = [e["method"] for e in calendly.exchanges()[before:]]
    assert made == ["POST", "GET"] and read_back.host_email == ANA.email
    calendly.on_spec()


def test_a_key_past_the_tracking_limit_is_hashed_and_still_found(calendly: CalendlySandbox) -> None:
    calendar = calendly.calendar()
    key = "call_" + "x" * 300
    booking = calendar.book(slot_at(utc(2026, 11, 2, 15)), CARLA, key=key)
    assert booking.key == key
    with calendly.api() as api:
        path = booking.booking_id.removeprefix("https://api.calendly.com")
        stored = api.get(f"{path}/invitees").json()["collection"][0]["tracking"]["utm_content"]
    assert stored == wire_key(key) and stored.startswith("sha256:") and len(stored) == 71
    found = calendar.find_booking(key, CARLA.email, utc(2026, 11, 2), utc(2026, 11, 3))
    assert found is not None and found.booking_id == booking.booking_id
    calendly.on_spec()


def test_a_slot_off_hours_or_past_is_taken(calendly: CalendlySandbox) -> None:
    calendar = calendly.calendar()
    with pytest.raises(SlotTaken) as off_hours:
        calendar.book(slot_at(utc(2026, 11, 2, 12)), CARLA, key="k-off")  # 07:00 in New York
    assert "start_time" in off_hours.value.message and off_hours.value.status == 400
    with pytest.raises(SlotTaken):
        calendar.book(slot_at(utc(2026, 10, 27, 14)), CARLA, key="k-past")
    calendly.on_spec()


def test_one_slot_booked_twice_at_once_is_one_booking(calendly: CalendlySandbox) -> None:
    start = utc(2026, 11, 3, 15)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def attempt(name: str) -> None:
        calendar = calendly.calendar()
        attendee = Attendee(name=name, email=f"{name}@example.com", zone="America/New_York")
        barrier.wait()
        try:
            results.append(calendar.book(slot_at(start), attendee, key=f"{name}:book"))
        except SlotTaken as exc:
            results.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("dora", "eli")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(r).__name__ for r in results) == ["Booking", "SlotTaken"]
    assert len(events_at(calendly, start)) == 1
    calendly.on_spec()


def test_a_dropped_booking_is_found_not_repeated(calendly: CalendlySandbox) -> None:
    calendar = calendly.calendar()
    chosen = slot_at(utc(2026, 11, 4, 16))
    calendly.fault(mode="commit_then_drop", method="POST", path="/invitees")
    with pytest.raises(Transient):
        calendar.book(chosen, CARLA, key="call_7:book")
    # The executor's retry looks first: the booking committed before the connection dropped.
    found = calendar.find_booking("call_7:book", CARLA.email, chosen.start, chosen.end)
    assert found is not None and found.key == "call_7:book"
    assert (found.start, found.status) == (chosen.start, BookingStatus.ACCEPTED)
    assert calendar.find_booking("call_8:book", CARLA.email, chosen.start, chosen.end) is None
    assert len(events_at(calendly, chosen.start)) == 1
    with pytest.raises(SlotTaken):  # a blind retry would not double-book either
        calendar.book(chosen, CARLA, key="call_7:book")
    posts = [e["fault"] for e in calendly.exchanges() if e["path"] == "/invitees"]
    assert posts == ["commit_then_drop", None]
    calendly.on_spec()


def test_find_booking_with_a_member_token_reads_its_own_events(calendly: CalendlySandbox) -> None:
    ben = calendly.calendar(token=BEN.token)
    booking = ben.book(slot_at(utc(2026, 11, 2, 16), BEN_TYPE), CARLA, key="call_9:book")
    found = ben.find_booking("call_9:book", CARLA.email, utc(2026, 11, 2), utc(2026, 11, 3))
    assert found is not None and found.booking_id == booking.booking_id
    scopes = [
        (sorted(e["query"]), e["status"])
        for e in calendly.exchanges()
        if e["path"] == "/scheduled_events"
    ]
    assert [s for _, s in scopes] == [403, 200]  # organization refused, then the user's own
    with pytest.raises(Unsupported):  # a member may not book another host's event type
        ben.book(slot_at(utc(2026, 11, 2, 16)), CARLA, key="call_10:book")
    calendly.on_spec()


# -- cancelling -------------------------------------------------------------------------------


def test_cancel_twice_returns_the_cancelled_booking(calendly: CalendlySandbox) -> None:
    calendar = calendly.calendar()
    booking = calendar.book(slot_at(utc(2026, 11, 5, 15)), CARLA, key="call_3:book")
    first = calendar.cancel(booking.booking_id, "caller asked to cancel")
    second = calendar.cancel(booking.booking_id, "caller asked to cancel")
    assert first.status is second.status is BookingStatus.CANCELLED
    assert first.booking_id == second.booking_id == booking.booking_id
    assert (second.key, second.attendee_email) == ("call_3:book", CARLA.email)
    answers = [e["status"] for e in calendly.exchanges() if e["path"].endswith("/cancellation")]
    assert answers == [201, 403]  # Calendly refuses the repeat: "Event is already canceled"
    free = calendar.available_slots(ANA_TYPE, utc(2026, 11, 5), utc(2026, 11, 6))
    assert utc(2026, 11, 5, 15) in {s.start for s in free}
    with pytest.raises(Permanent) as unknown:
        calendar.cancel("https://api.calendly.com/scheduled_events/nope", "x")
    assert unknown.value.status == 404
    calendly.on_spec()


# -- plans, limits and errors -----------------------------------------------------------------


def test_a_plan_without_the_scheduling_api_is_unsupported(make_calendly: MakeCalendly) -> None:
    sandbox = make_calendly(scheduling_api=False)
    with pytest.raises(Unsupported) as refused:
        sandbox.calendar().book(slot_at(utc(2026, 11, 2, 15)), CARLA, key="call_4:book")
    assert refused.value.status == 403
    assert "Please upgrade to a paid Calendly account." in refused.value.message
    checked = sandbox.on_spec()
    assert [e["path"] for e, _ in checked.skipped] == ["/invitees"]


def test_429_is_rate_limited_with_the_reset_wait(make_calendly: MakeCalendly) -> None:
    sandbox = make_calendly(rate_limit=CalendlyRateLimit(per_minute=3, invitees_per_minute=1))
    sandbox.clock.at = utc(2026, 10, 28, 12, 0, 15)  # 45 s left in the minute
    calendar = sandbox.calendar()
    calendar.book(slot_at(utc(2026, 11, 2, 15)), CARLA, key="call_5:book")  # POST + GET event
    with pytest.raises(RateLimited) as bookings:  # /invitees has its own, tighter limit
        calendar.book(slot_at(utc(2026, 11, 2, 16)), CARLA, key="call_6:book")
    assert bookings.value.retry_after == 45.0
    with pytest.raises(RateLimited) as limited:  # the third request of the minute, then none
        calendar.available_slots(ANA_TYPE, utc(2026, 11, 2), utc(2026, 11, 3))
    assert limited.value.retry_after == 45.0
    refused = [e for e in sandbox.exchanges() if e["status"] == 429]
    assert [(e["path"], e["response_headers"]["x-ratelimit-limit"]) for e in refused] == [
        ("/invitees", "1"),
        (f"/users/{ANA.uuid}", "3"),
    ]
    assert all(e["response_headers"]["x-ratelimit-remaining"] == "0" for e in refused)
    sandbox.clock.advance(minutes=1)
    assert calendar.available_slots(ANA_TYPE, utc(2026, 11, 2), utc(2026, 11, 3))
    sandbox.on_spec()


def test_server_errors_are_transient(calendly: CalendlySandbox) -> None:
    calendar = calendly.calendar()
    calendly.fault(path="/event_type_available_times", status=503)
    with pytest.raises(Transient) as unwell:
        calendar.available_slots(ANA_TYPE, utc(2026, 11, 2), utc(2026, 11, 3))
    assert unwell.value.status == 503 and not isinstance(unwell.value, Permanent)
    calendly.on_spec()


def test_a_bad_token_is_permanent(calendly: CalendlySandbox) -> None:
    stranger = CalendlyCalendar("not-a-token", base_url=calendly.base_url)
    calendly.calendars.append(stranger)
    with pytest.raises(Permanent) as refused:
        stranger.available_slots(ANA_TYPE, utc(2026, 11, 2), utc(2026, 11, 3))
    assert refused.value.status == 401 and "The access token is invalid" in refused.value.message
    calendly.on_spec()
