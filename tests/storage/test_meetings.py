"""Meetings on both stores: a key claimed once, booked, released, moved by calendar changes."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from threading import Barrier
from typing import Any

import pytest
from sqlalchemy import Engine

from callstate.storage.meetings import (
    MeetingClaim,
    MeetingNotFoundError,
    Meetings,
    MeetingStatus,
    MeetingView,
)
from callstate.storage.routing import OwnerCounters

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
SLOT = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


def claim(key: str = "acme:retell:call_0001:meeting:1", **changes: Any) -> MeetingClaim:
    base = MeetingClaim(
        key=key,
        workspace="acme",
        runtime="retell",
        external_call_id="call_0001",
        owner_email="ana@acme.test",
        event_type="42",
        vendor="calcom",
        start=SLOT,
        end=SLOT + timedelta(minutes=30),
        attendee_name="Pat Doe",
        attendee_email="pat@example.com",
        attendee_zone="America/Chicago",
        attendee_phone="+15125550123",
    )
    return dataclasses.replace(base, **changes)


def booked(meetings: Meetings, key: str, booking_id: str, start: datetime, now: datetime) -> None:
    meetings.claim(claim(key, start=start, end=start + timedelta(minutes=30)), now)
    meetings.mark_booked(
        key,
        booking_id=booking_id,
        start=start,
        end=start + timedelta(minutes=30),
        url=None,
        owner_email="ana@acme.test",
        now=now,
    )


def test_a_claim_stores_a_pending_meeting_once(engine: Engine) -> None:
    meetings = Meetings(engine)
    view, new = meetings.claim(claim(), T0)
    assert new is True
    assert view.status is MeetingStatus.PENDING
    assert (view.booking_id, view.url, view.detail) == (None, None, None)
    assert (view.start, view.attendee_phone, view.created_at) == (SLOT, "+15125550123", T0)
    again, new = meetings.claim(claim(owner_email="ben@acme.test"), T0 + timedelta(seconds=1))
    assert new is False
    assert again == view  # the first claim's row, untouched
    assert meetings.get(view.key) == view
    assert meetings.get("other") is None


def test_twenty_workers_claiming_one_key_one_wins(engine: Engine) -> None:
    meetings = Meetings(engine)
    start = Barrier(20, timeout=60)

    def attempt(n: int) -> tuple[str, bool]:
        start.wait()
        view, new = meetings.claim(claim(owner_email=f"owner{n}@acme.test"), T0)
        return view.owner_email, new

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(attempt, range(20)))
    winners = [owner for owner, new in results if new]
    assert len(winners) == 1
    assert {owner for owner, _ in results} == set(winners)  # every loser sees the winner's row
    stored = meetings.get(claim().key)
    assert stored is not None and stored.owner_email == winners[0]


def test_booking_records_what_the_vendor_answered_and_repeats_safely(engine: Engine) -> None:
    meetings = Meetings(engine)
    meetings.claim(claim(), T0)
    moved = SLOT + timedelta(minutes=15)
    chicago = timezone(timedelta(hours=-6))

    def answer(key: str) -> MeetingView:
        return meetings.mark_booked(
            key,
            booking_id="uid_1",
            start=moved.astimezone(chicago),  # any zone in, UTC out
            end=moved + timedelta(minutes=30),
            url="https://cal.example/booking/uid_1",
            owner_email="ben@acme.test",
            now=T0 + timedelta(seconds=2),
        )

    first = answer(claim().key)
    assert first.status is MeetingStatus.BOOKED
    assert (first.booking_id, first.owner_email, first.start) == ("uid_1", "ben@acme.test", moved)
    assert first.start.tzinfo == UTC and first.url == "https://cal.example/booking/uid_1"
    assert first.updated_at == T0 + timedelta(seconds=2) and first.created_at == T0
    assert answer(claim().key) == first
    with pytest.raises(MeetingNotFoundError):
        answer("nope")


def test_a_refused_slot_is_released_and_the_key_can_be_claimed_again(engine: Engine) -> None:
    meetings = Meetings(engine)
    meetings.claim(claim(), T0)
    assert meetings.release(claim().key) is True
    assert meetings.get(claim().key) is None
    assert meetings.release(claim().key) is False
    view, new = meetings.claim(claim(start=SLOT + timedelta(hours=1)), T0)
    assert new is True and view.start == SLOT + timedelta(hours=1)


def test_a_booked_or_cancelled_meeting_is_never_released(engine: Engine) -> None:
    meetings = Meetings(engine)
    booked(meetings, "k1", "uid_1", SLOT, T0)
    assert meetings.release("k1") is False
    meetings.change("k1", status=MeetingStatus.CANCELLED, now=T0)
    assert meetings.release("k1") is False
    kept = meetings.get("k1")
    assert kept is not None and kept.status is MeetingStatus.CANCELLED


def test_a_reschedule_moves_the_meeting_to_the_new_booking(engine: Engine) -> None:
    meetings = Meetings(engine)
    booked(meetings, "k1", "uid_1", SLOT, T0)
    later = SLOT + timedelta(days=1)
    moved = meetings.change(
        "k1",
        status=MeetingStatus.BOOKED,
        now=T0 + timedelta(hours=1),
        start=later,
        end=later + timedelta(minutes=30),
        booking_id="uid_2",
        url="https://cal.example/booking/uid_2",
    )
    assert (moved.booking_id, moved.start, moved.end) == (
        "uid_2",
        later,
        later + timedelta(minutes=30),
    )
    assert moved.url == "https://cal.example/booking/uid_2"
    assert meetings.by_booking_id("acme", "calcom", "uid_2") == moved
    assert meetings.by_booking_id("acme", "calcom", "uid_1") is None
    assert meetings.by_booking_id("acme", "calendly", "uid_2") is None
    assert meetings.by_booking_id("globex", "calcom", "uid_2") is None
    cancelled = meetings.change("k1", status=MeetingStatus.CANCELLED, now=T0 + timedelta(hours=2))
    assert cancelled.status is MeetingStatus.CANCELLED
    assert (cancelled.booking_id, cancelled.start, cancelled.url) == ("uid_2", later, moved.url)
    with pytest.raises(MeetingNotFoundError):
        meetings.change("nope", status=MeetingStatus.CANCELLED, now=T0)


def test_a_late_booking_answer_does_not_revive_a_cancelled_meeting(engine: Engine) -> None:
    meetings = Meetings(engine)
    meetings.claim(claim(), T0)
    meetings.change(claim().key, status=MeetingStatus.CANCELLED, now=T0)
    view = meetings.mark_booked(
        claim().key,
        booking_id="uid_1",
        start=SLOT,
        end=SLOT + timedelta(minutes=30),
        url=None,
        owner_email="ana@acme.test",
        now=T0 + timedelta(seconds=1),
    )
    assert view.status is MeetingStatus.CANCELLED and view.booking_id is None


def test_a_calls_meetings_list_booked_first_then_by_claim_time(engine: Engine) -> None:
    meetings = Meetings(engine)
    meetings.claim(claim("k-pending"), T0)
    booked(meetings, "k-booked", "uid_1", SLOT, T0 + timedelta(seconds=5))
    meetings.claim(claim("k-cancelled"), T0 + timedelta(seconds=1))
    meetings.change("k-cancelled", status=MeetingStatus.CANCELLED, now=T0)
    meetings.claim(claim("k-other-call", external_call_id="call_0002"), T0)
    keys = [m.key for m in meetings.for_call("acme", "retell", "call_0001")]
    assert keys == ["k-booked", "k-pending", "k-cancelled"]
    assert meetings.for_call("acme", "retell", "call_0003") == []


def test_between_lists_booked_meetings_starting_in_the_window(engine: Engine) -> None:
    meetings = Meetings(engine)
    day = datetime(2026, 11, 26, tzinfo=UTC)
    booked(meetings, "at-start", "u1", day, T0)
    booked(meetings, "noon", "u2", day + timedelta(hours=12), T0)
    booked(meetings, "at-end", "u3", day + timedelta(days=1), T0)
    booked(meetings, "before", "u4", day - timedelta(minutes=1), T0)
    booked(meetings, "cancelled", "u5", day + timedelta(hours=9), T0)
    meetings.change("cancelled", status=MeetingStatus.CANCELLED, now=T0)
    meetings.claim(claim("pending", start=day + timedelta(hours=10)), T0)
    meetings.claim(claim("elsewhere", workspace="globex", start=day + timedelta(hours=11)), T0)
    meetings.mark_booked(
        "elsewhere",
        booking_id="u6",
        start=day + timedelta(hours=11),
        end=day + timedelta(hours=11, minutes=30),
        url=None,
        owner_email="ana@acme.test",
        now=T0,
    )
    window = meetings.between("acme", day, day + timedelta(days=1))
    assert [m.key for m in window] == ["at-start", "noon"]


def test_a_booking_counts_for_its_owner_once_in_the_same_transaction(engine: Engine) -> None:
    meetings, counters = Meetings(engine), OwnerCounters(engine)
    meetings.claim(claim(), T0)

    for _ in range(3):  # a retried step or a repeated answer
        meetings.mark_booked(
            claim().key,
            booking_id="uid_1",
            start=SLOT,
            end=SLOT + timedelta(minutes=30),
            url=None,
            owner_email="ben@acme.test",
            now=T0,
            count_in="audience:inbound",
        )

    assert counters.assigned("acme", "audience:inbound") == {"ben@acme.test": 1}


def test_a_booking_that_skips_the_flush_leaves_later_commits_durable(engine: Engine) -> None:
    """`durable=False` relaxes the booking's own commit only: the pooled connection it ran on
    goes back with the server's setting, and a cancelled meeting is neither revived nor
    counted."""
    meetings, counters = Meetings(engine), OwnerCounters(engine)
    for key in ("fast", "cancelled"):
        meetings.claim(claim(key), T0)
    meetings.change("cancelled", status=MeetingStatus.CANCELLED, now=T0)

    for key in ("fast", "cancelled"):
        meetings.mark_booked(
            key,
            booking_id=f"uid_{key}",
            start=SLOT,
            end=SLOT + timedelta(minutes=30),
            url=None,
            owner_email="ana@acme.test",
            now=T0,
            count_in="audience:inbound",
            durable=False,
        )

    assert meetings.get("fast").status is MeetingStatus.BOOKED  # type: ignore[union-attr]
    assert meetings.get("cancelled").status is MeetingStatus.CANCELLED  # type: ignore[union-attr]
    assert counters.assigned("acme", "audience:inbound") == {"ana@acme.test": 1}
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:  # the pool's one idle connection: the same one
            setting = connection.exec_driver_sql("SHOW synchronous_commit").scalar_one()
        assert setting == "on"
