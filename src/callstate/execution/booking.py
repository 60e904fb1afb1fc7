"""After the call: the meeting a call agreed, as the plan sees it, and its booking.

- `agreed_meeting`: what the call agreed, read in the durable plan step: the in-call tool's
  meeting (booked, else still pending), or a time the analysis noted (`meeting_time`) but nobody
  booked, given to the owner round robin would pick next.
- `book_agreed`: the `BookMeeting` step. Looks the key up on the calendar first, then books the
  agreed slot if it is still free; never another time.
- `take_change`: a calendar webhook applied to the call's meeting row.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from callstate.config.model import Audience, Workspace
from callstate.connectors.errors import SlotTaken
from callstate.connectors.ports import Calendar, ObjectRef
from callstate.domain.calendar import (
    Attendee,
    BookingChange,
    BookingChangeKind,
    CallMeeting,
    MeetingState,
)
from callstate.domain.call import CallEvent
from callstate.domain.effects import BookMeeting
from callstate.domain.ids import meeting_key, pool_key
from callstate.execution.meetings import MINUTE
from callstate.execution.services import Services
from callstate.execution.tool_answers import EMAIL_DOMAIN
from callstate.policy.owners import Candidate, order
from callstate.policy.speech import caller_zone
from callstate.policy.when import parse_moment
from callstate.storage.meetings import MeetingClaim, MeetingStatus, MeetingView


def book_agreed(
    services: Services,
    calendar: Calendar,
    effect: BookMeeting,
    *,
    workspace: str,
    runtime: str,
    call_id: str,
) -> ObjectRef:
    """The `BookMeeting` step: the booking carrying the key if it exists, else the agreed slot
    if it is still free. Raises `SlotTaken` when it is not: a person calls back, no guessing."""
    start = effect.start
    booking = calendar.find_booking(
        effect.meeting_key, effect.attendee.email, start - MINUTE, start + MINUTE
    )
    if booking is None:
        slot = next(
            (
                s
                for s in calendar.available_slots(effect.event_type, start, start + MINUTE)
                if s.start == start
            ),
            None,
        )
        if slot is None:
            raise SlotTaken(calendar.vendor, f"the agreed time {start.isoformat()} is not free")
        booking = calendar.book(slot, effect.attendee, key=effect.meeting_key)
    now = services.clock()
    services.meetings.claim(
        MeetingClaim(
            key=effect.meeting_key,
            workspace=workspace,
            runtime=runtime,
            external_call_id=call_id,
            owner_email=effect.owner_email,
            event_type=effect.event_type,
            vendor=calendar.vendor,
            start=booking.start,
            end=booking.end,
            attendee_name=effect.attendee.name,
            attendee_email=effect.attendee.email,
            attendee_phone=effect.attendee.phone,
            attendee_zone=effect.attendee.zone,
        ),
        now,
    )
    services.meetings.mark_booked(
        effect.meeting_key,
        booking_id=booking.booking_id,
        start=booking.start,
        end=booking.end,
        url=booking.url,
        owner_email=effect.owner_email,
        now=now,
        count_in=effect.pool,
    )
    return ObjectRef(
        calendar.vendor,
        booking.booking_id,
        booking.url,
        detail=f"booked {booking.start.isoformat()} with {effect.owner_email}",
        facts={"owner_email": effect.owner_email, "start": booking.start.isoformat()},
    )


def call_meeting(view: MeetingView) -> CallMeeting:
    return CallMeeting(
        key=view.key,
        state=MeetingState(view.status.value),
        owner_email=view.owner_email,
        event_type=view.event_type,
        vendor=view.vendor,
        start=view.start,
        end=view.end,
        attendee=Attendee(
            name=view.attendee_name,
            email=view.attendee_email,
            zone=view.attendee_zone,
            phone=view.attendee_phone,
        ),
        booking_id=view.booking_id,
        url=view.url,
    )


def agreed_meeting(
    services: Services, workspace: Workspace, audience: Audience, event: CallEvent, zone: ZoneInfo
) -> CallMeeting | None:
    """What the call agreed: the in-call tool's meeting (booked, else still pending), or a time
    the agent noted in the analysis (`meeting_time`) without booking it, to be booked with the
    first owner routing would pick. Runs inside the durable plan step."""
    rows = services.meetings.for_call(event.workspace, event.runtime.value, event.external_call_id)
    live = [r for r in rows if r.status is not MeetingStatus.CANCELLED]
    if live:
        return call_meeting(live[0])
    custom = event.analysis.custom if event.analysis else {}
    said = custom.get("meeting_time")
    calendar = services.connectors[workspace.id].calendar
    pool = workspace.meeting_pool(audience)
    if not isinstance(said, str) or calendar is None or not pool or event.caller_number is None:
        return None
    caller_tz = caller_zone(event.caller_number, workspace.timezone)
    start = parse_moment(said, ZoneInfo(caller_tz), now=services.clock())
    if start is None or start <= services.clock():
        return None
    assigned = services.owner_counters.assigned(workspace.id, pool_key(audience.id))
    first = order([Candidate(m.email, m.weight, m.away) for m in pool], assigned, sticky=None)
    member = next((m for m in pool if first and m.email == first[0]), None)
    if member is None or member.calendar is None:
        return None
    digits = event.caller_number.lstrip("+")
    return CallMeeting(
        key=meeting_key(workspace.id, event.runtime, event.external_call_id, start),
        state=MeetingState.PENDING,
        owner_email=member.email,
        event_type=member.calendar,
        vendor=calendar.vendor,
        start=start,
        end=start + timedelta(minutes=30),
        attendee=Attendee(
            name=event.caller_name or "Caller",
            email=(event.caller_email or f"{digits}@{EMAIL_DOMAIN}").lower(),
            zone=caller_tz,
            phone=event.caller_number,
        ),
    )


def take_change(services: Services, view: MeetingView, change: BookingChange) -> None:
    """Keep the call's meeting row in step with the calendar: cancelled, or moved to the new
    booking of a reschedule (the old half of a Calendly reschedule changes nothing)."""
    now = services.clock()
    booking = change.booking
    if change.kind is BookingChangeKind.CANCELLED:
        services.meetings.change(view.key, status=MeetingStatus.CANCELLED, now=now)
    elif change.kind is BookingChangeKind.RESCHEDULED and change.previous_booking_id is not None:
        services.meetings.change(
            view.key,
            status=MeetingStatus.BOOKED,
            now=now,
            start=booking.start,
            end=booking.end,
            booking_id=booking.booking_id,
            url=booking.url,
        )
