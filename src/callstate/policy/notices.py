"""What the team's messages show about a call: routing problems worth a flag, the caller's
company, and a meeting as its owner reads it (their name, their zone). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from callstate.config.model import Audience, TeamMember
from callstate.domain.calendar import CallMeeting, MeetingState
from callstate.domain.call import CallEvent
from callstate.domain.effects import MeetingNote


def routing_flags(event: CallEvent, audience: Audience) -> tuple[str, ...]:
    """Flags a call whose agent and number are unknown to the audience it was given."""
    if event.agent_id in audience.agent_ids:
        return ()
    if event.our_number is not None and event.our_number in audience.numbers:
        return ()
    return (f"agent {event.agent_id} is not configured; routed to the default audience",)


def company_of(custom: Mapping[str, object]) -> str | None:
    """The caller's company, when the agent was told to extract it."""
    for name in ("company", "company_name"):
        value = custom.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def meeting_note(
    meeting: CallMeeting,
    team: Mapping[str, TeamMember],
    zone: ZoneInfo,
    *,
    booking: str | None = None,
) -> MeetingNote:
    """How a message shows the meeting: the owner's name, in the owner's zone."""
    member = team.get(meeting.owner_email)
    return MeetingNote(
        start=meeting.start,
        owner_name=member.name if member else meeting.owner_email,
        zone=(member.timezone if member else None) or zone.key,
        confirmed=meeting.state is MeetingState.BOOKED,
        url=meeting.url,
        booking=booking,
    )
