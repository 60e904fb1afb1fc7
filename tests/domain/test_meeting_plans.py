"""Plans around meetings: a call that booked (or agreed) a meeting, and calendar changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callstate.config.model import Meetings, SalesMotion, TeamMember
from callstate.domain.calendar import (
    Attendee,
    Booking,
    BookingChange,
    BookingChangeKind,
    BookingStatus,
    CallMeeting,
    MeetingState,
)
from callstate.domain.call import Analysis
from callstate.domain.effects import (
    AddTags,
    AssignOwner,
    BookMeeting,
    EnsureDeal,
    NotifyMeeting,
    NotifyOwner,
)
from callstate.domain.outcome import Outcome
from callstate.transition import plan, plan_change
from tests.domain.builders import audience, call_event

NY = ZoneInfo("America/New_York")
START = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # Thursday 14:00 in New York
TEAM = {
    "sam@acme.test": TeamMember(email="sam@acme.test", name="Sam Rivera", calendar="1001"),
    "jo@acme.test": TeamMember(
        email="jo@acme.test", name="Jo Chen", calendar="1002", timezone="America/Chicago"
    ),
}
MOTION = SalesMotion(
    stages={Outcome.MEETING_BOOKED: "appointmentscheduled", Outcome.QUALIFIED: "qualifiedtobuy"},
    tags={Outcome.MEETING_BOOKED: ("hot-lead",)},
)
AUDIENCE = audience(crm=MOTION, meetings=Meetings(cancelled_stage="qualifiedtobuy"))


def meeting(state: MeetingState = MeetingState.BOOKED, **overrides: Any) -> CallMeeting:
    values: dict[str, Any] = {
        "key": "acme:retell:call_0001:meeting:20261126T1900Z",
        "state": state,
        "owner_email": "jo@acme.test",
        "event_type": "1002",
        "vendor": "calcom",
        "start": START,
        "end": START + timedelta(minutes=30),
        "attendee": Attendee(name="Dana", email="dana@example.com", zone="America/New_York"),
        "booking_id": "bk_1" if state is MeetingState.BOOKED else None,
        "url": None,
    }
    values.update(overrides)
    return CallMeeting(**values)


def kinds(effects: tuple[Any, ...]) -> list[str]:
    return [type(e).__name__ for e in effects]


def test_a_meeting_booked_in_the_call_makes_its_host_the_owner_and_the_deal_booked() -> None:
    event = call_event(analysis=Analysis(summary="Talked about roofs.", custom={}))
    effects = plan(
        event, [], AUDIENCE, owner="sam@acme.test", zone=NY, meeting=meeting(), team=TEAM
    ).effects

    assert "BookMeeting" not in kinds(effects)
    deal = next(e for e in effects if isinstance(e, EnsureDeal))
    owner = next(e for e in effects if isinstance(e, AssignOwner))
    notify = next(e for e in effects if isinstance(e, NotifyOwner))
    assert (deal.stage, deal.outcome) == ("appointmentscheduled", Outcome.MEETING_BOOKED)
    assert owner.owner_email == "jo@acme.test"  # the host, not the audience's default owner
    assert notify.meeting is not None
    assert (notify.meeting.owner_name, notify.meeting.zone) == ("Jo Chen", "America/Chicago")
    assert notify.meeting.confirmed is True


def test_a_pending_meeting_is_booked_after_the_call_and_shown_as_pending() -> None:
    event = call_event(analysis=Analysis(summary="s", custom={}))
    effects = plan(
        event,
        [],
        AUDIENCE,
        zone=NY,
        meeting=meeting(MeetingState.PENDING),
        team=TEAM,
        pool="audience:inbound-qualifier",
    ).effects

    book = effects[kinds(effects).index("BookMeeting")]
    assert isinstance(book, BookMeeting)
    assert book.needs == ()  # the calendar does not wait for the CRM
    assert (book.meeting_key, book.owner_email, book.start) == (
        meeting().key,
        "jo@acme.test",
        START,
    )
    assert book.pool == "audience:inbound-qualifier"
    notify = next(e for e in effects if isinstance(e, NotifyOwner))
    assert notify.meeting is not None
    assert (notify.meeting.confirmed, notify.meeting.booking) == (False, book.key)


def test_a_do_not_call_request_wins_over_a_meeting() -> None:
    event = call_event(analysis=Analysis(summary="s", custom={"do_not_call": True}))
    result = plan(event, [], AUDIENCE, zone=NY, meeting=meeting(), team=TEAM)
    assert "outcome: do_not_call" in result.notes


def test_a_cancelled_meeting_is_no_meeting() -> None:
    event = call_event(analysis=Analysis(summary="s", custom={}))
    effects = plan(
        event, [], AUDIENCE, zone=NY, meeting=meeting(MeetingState.CANCELLED), team=TEAM
    ).effects
    notify = next(e for e in effects if isinstance(e, NotifyOwner))
    assert notify.meeting is None
    assert "BookMeeting" not in kinds(effects)


def change(kind: BookingChangeKind, **overrides: Any) -> BookingChange:
    booking = Booking(
        vendor="calcom",
        booking_id=overrides.pop("booking_id", "bk_1"),
        event_type="1002",
        start=overrides.pop("start", START),
        end=START + timedelta(minutes=30),
        status=overrides.pop("status", BookingStatus.ACCEPTED),
        host_email="jo@acme.test",
        attendee_email="dana@example.com",
    )
    values: dict[str, Any] = {
        "vendor": "calcom",
        "kind": kind,
        "dedupe_id": f"{kind.value}:bk_1",
        "occurred_at": START - timedelta(days=1),
        "booking": booking,
        "attendee_name": "Dana",
        "attendee_phone": "+14155550142",
    }
    values.update(overrides)
    return BookingChange(**values)


def change_plan(the_change: BookingChange, the_meeting: CallMeeting | None) -> tuple[Any, ...]:
    return plan_change(
        the_change, the_meeting, AUDIENCE, workspace="acme", team=TEAM, zone=NY
    ).effects


def test_our_own_booking_echoed_by_the_calendar_changes_nothing() -> None:
    assert change_plan(change(BookingChangeKind.CREATED), meeting()) == ()


def test_a_booking_made_elsewhere_moves_the_deal_and_tells_the_team() -> None:
    effects = change_plan(change(BookingChangeKind.CREATED), None)
    assert kinds(effects) == ["UpsertContact", "EnsureDeal", "AssignOwner", "NotifyMeeting"]
    deal = effects[1]
    assert isinstance(deal, EnsureDeal)
    assert (deal.stage, deal.allow_backwards) == ("appointmentscheduled", False)
    assert deal.deal_key == "acme:deal:+14155550142:default"


def test_a_cancellation_moves_the_deal_back_tags_and_tells_the_team() -> None:
    effects = change_plan(change(BookingChangeKind.CANCELLED), meeting())
    assert kinds(effects) == ["UpsertContact", "EnsureDeal", "AddTags", "NotifyMeeting"]
    deal, tags, notify = effects[1], effects[2], effects[3]
    assert isinstance(deal, EnsureDeal) and isinstance(tags, AddTags)
    assert isinstance(notify, NotifyMeeting)
    assert (deal.stage, deal.allow_backwards) == ("qualifiedtobuy", True)
    assert tags.tags == ("meeting-cancelled",)
    assert notify.meeting.confirmed is False


def test_a_reschedule_tells_old_and_new_times_and_its_retiring_half_is_silent() -> None:
    later = START + timedelta(days=1)
    new_half = change(
        BookingChangeKind.RESCHEDULED,
        booking_id="bk_2",
        start=later,
        previous_booking_id="bk_1",
        dedupe_id="created:bk_2",
    )
    old_half = change(
        BookingChangeKind.RESCHEDULED, status=BookingStatus.CANCELLED, dedupe_id="canceled:bk_1"
    )

    effects = change_plan(new_half, meeting())
    notify = effects[-1]
    assert isinstance(notify, NotifyMeeting)
    assert (notify.meeting.start, notify.previous_start) == (later, START)
    assert change_plan(old_half, meeting()) == ()


@pytest.mark.parametrize("kind", list(BookingChangeKind))
def test_change_plans_are_deterministic_and_keyed_by_the_delivery(kind: BookingChangeKind) -> None:
    first = change_plan(change(kind), None)
    assert first == change_plan(change(kind), None)
    assert all(":calcom:change:" in e.key for e in first)
