"""Calendar values every layer shares: free slots, attendees, bookings and booking changes.

Times are aware UTC inside; `Attendee.zone` is the IANA zone the attendee hears times in and
the zone the vendor's booking records for them.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from callstate.domain.values import Phone, UtcDateTime


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Slot(_Value):
    """A free time on one event type; `host_email` when the vendor names who would host it."""

    event_type: str = Field(description="the vendor's event type id (Cal.com) or URI (Calendly)")
    start: UtcDateTime
    end: UtcDateTime
    host_email: str | None = None


class Attendee(_Value):
    name: str
    email: str
    zone: str = Field(description="IANA zone, e.g. America/Chicago")
    phone: Phone | None = None


class BookingStatus(StrEnum):
    ACCEPTED = "accepted"
    PENDING = "pending"
    CANCELLED = "cancelled"


class Booking(_Value):
    """What the calendar holds: `booking_id` is the vendor's uid (Cal.com) or URI (Calendly)."""

    vendor: str
    booking_id: str
    event_type: str
    start: UtcDateTime
    end: UtcDateTime
    status: BookingStatus
    host_email: str | None = None
    attendee_email: str | None = None
    key: str | None = Field(
        default=None, description="our idempotency key, when the vendor kept it"
    )
    url: str | None = None


class BookingChangeKind(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"


class BookingChange(_Value):
    """A verified calendar webhook, vendor-free. `dedupe_id` names the delivery for dedupe
    (Cal.com has no event id: trigger, uid and createdAt; Calendly: its event URI and time)."""

    vendor: str
    kind: BookingChangeKind
    dedupe_id: str
    occurred_at: UtcDateTime
    booking: Booking
    previous_booking_id: str | None = Field(
        default=None, description="the booking this one replaces (rescheduled)"
    )
    attendee_name: str | None = None
    attendee_phone: Phone | None = None


class MeetingState(StrEnum):
    PENDING = "pending"  # claimed; the calendar's answer is not known yet
    BOOKED = "booked"
    CANCELLED = "cancelled"


class CallMeeting(_Value):
    """A meeting a call agreed: booked by the in-call tool, or still to be booked after it."""

    key: str = Field(description="idempotency key: the call and the start (`ids.meeting_key`)")
    state: MeetingState
    owner_email: str
    event_type: str
    vendor: str
    start: UtcDateTime
    end: UtcDateTime
    attendee: Attendee
    booking_id: str | None = None
    url: str | None = None
