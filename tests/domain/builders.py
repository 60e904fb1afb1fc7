"""Builders for domain values, with keyword-only overrides."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callstate.config.model import Audience
from callstate.domain.calendar import BookingChangeKind
from callstate.domain.call import (
    Analysis,
    CallEvent,
    CallEventType,
    Direction,
    Disposition,
    Sentiment,
)
from callstate.domain.effects import MeetingNote, NotifyMeeting, NotifyOwner
from callstate.domain.outcome import Outcome

RECEIVED = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def call_event(**overrides: Any) -> CallEvent:
    values: dict[str, Any] = {
        "workspace": "acme",
        "runtime": "retell",
        "type": CallEventType.ANALYZED,
        "external_call_id": "call_0001",
        "agent_id": "agent_acme_inbound",
        "direction": Direction.INBOUND,
        "from_number": "+14155550142",
        "to_number": "+14155550100",
        "received_at": RECEIVED,
        "runtime_status": "ended",
        "end_reason": "user_hangup",
        "disposition": Disposition.CONNECTED,
        "started_at": datetime(2026, 11, 24, 14, 50, tzinfo=UTC),
        "ended_at": datetime(2026, 11, 24, 14, 53, tzinfo=UTC),
        "duration_ms": 180_000,
        "transcript": "Agent: Hello\nUser: Hi",
        "recording_url": "https://example.com/rec.wav",
        "caller_name": "Dana Whitfield",
        "caller_email": "dana@example.com",
        "analysis": Analysis(summary="Wants a quote.", successful=True),
    }
    values.update(overrides)
    return CallEvent(**values)


def audience(**overrides: Any) -> Audience:
    values: dict[str, Any] = {
        "id": "inbound-qualifier",
        "name": "Inbound qualifier",
        "default": True,
        "agent_ids": ("agent_acme_inbound",),
        "numbers": ("+14155550100",),
        "notify_channel": "acme-sales",
    }
    values.update(overrides)
    return Audience(**values)


def notify_owner(**overrides: Any) -> NotifyOwner:
    """The owner notification of a booked call, routed to Sam (New York)."""
    values: dict[str, Any] = {
        "key": "acme:retell:call_0001:notify_owner",
        "channel": "acme-sales",
        "owner_email": "sam@acme.test",
        "owner_name": "Sam Rivera",
        "owner_zone": "America/New_York",
        "company": "Whitfield Holdings",
        "outcome": Outcome.MEETING_BOOKED,
        "audience_name": "Inbound qualifier",
        "caller": "Dana Whitfield",
        "caller_phone": "+14155550142",
        "direction": Direction.INBOUND,
        "disposition": Disposition.CONNECTED,
        "sentiment": Sentiment.POSITIVE,
        "summary": "Storm damage on the north side; wants a replacement quote before winter.",
        "duration_ms": 183_000,
        "recording_url": "https://example.com/rec.wav",
        "meeting": MeetingNote(
            start=datetime(2026, 11, 25, 19, 30, tzinfo=UTC),
            owner_name="Sam Rivera",
            zone="America/New_York",
            confirmed=True,
            url="https://cal.example/booking/1",
        ),
    }
    values.update(overrides)
    return NotifyOwner(**values)


def notify_meeting(**overrides: Any) -> NotifyMeeting:
    """The call's meeting moved a day later, told in the call's thread."""
    values: dict[str, Any] = {
        "key": "acme:calcom:change:abc:notify_meeting",
        "channel": "acme-sales",
        "change": BookingChangeKind.RESCHEDULED,
        "attendee_name": "Dana Whitfield",
        "attendee_phone": "+14155550142",
        "meeting": MeetingNote(
            start=datetime(2026, 11, 26, 19, 30, tzinfo=UTC),
            owner_name="Sam Rivera",
            zone="America/New_York",
            confirmed=True,
        ),
        "previous_start": datetime(2026, 11, 25, 19, 30, tzinfo=UTC),
        "thread": "acme:retell:call_0001:notify_owner",
        "owner_email": "sam@acme.test",
    }
    values.update(overrides)
    return NotifyMeeting(**values)
