"""Calendly wire ⇄ callstate calendar values.

Our idempotency key travels in the invitee's `tracking.utm_content` (research/
calendar_slack.md §2.2, §5.1): it comes back on the invitee and in webhooks. Calendly documents
no length limit for tracking values; we assume 255 characters (a typical string column, and
what the sandbox enforces) and send a longer key as `sha256:<64 hex>` (71 characters), which
`find_booking` recomputes to match.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from callstate.connectors.calendly import api
from callstate.domain.calendar import Attendee, Booking, BookingStatus, Slot
from callstate.domain.values import InvalidPhoneError, to_e164

VENDOR = "calendly"
MAX_TRACKING = 255
_STATUS = {"active": BookingStatus.ACCEPTED, "canceled": BookingStatus.CANCELLED}
TRACKING_KEYS = ("utm_campaign", "utm_source", "utm_medium", "utm_term", "salesforce_uuid")


def wire_key(key: str) -> str:
    """The key as stored in `utm_content`: itself, or its hash when too long."""
    if len(key) <= MAX_TRACKING:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def utc_text(moment: datetime) -> str:
    """A UTC time as Calendly writes it (`2020-01-02T03:04:05.000000Z`)."""
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def booking_request(slot: Slot, attendee: Attendee, key: str) -> dict[str, Any]:
    """The `POST /invitees` body. The phone, when known, becomes the SMS reminder number and
    the number the host calls (`outbound_call`, callstate's event types; §2.2)."""
    invitee: dict[str, Any] = {
        "name": attendee.name,
        "email": attendee.email,
        "timezone": attendee.zone,
    }
    body: dict[str, Any] = {
        "event_type": slot.event_type,
        "start_time": utc_text(slot.start),
        "invitee": invitee,
        # Every key is required once `tracking` is sent; null values are allowed (§2.2).
        "tracking": {**dict.fromkeys(TRACKING_KEYS), "utm_content": wire_key(key)},
    }
    if attendee.phone is not None:
        invitee["text_reminder_number"] = attendee.phone
        body["location"] = {"kind": "outbound_call", "location": attendee.phone}
    return body


def to_slot(event_type: str, start: datetime, minutes: int, host_email: str | None) -> Slot:
    start = start.astimezone(UTC)
    end = start + timedelta(minutes=minutes)
    return Slot(event_type=event_type, start=start, end=end, host_email=host_email)


def host_email(event: api.Event) -> str | None:
    return next((m.user_email for m in event.event_memberships if m.user_email), None)


def to_booking(event: api.Event, invitee: api.Invitee | None, *, key: str | None) -> Booking:
    """A booking from the scheduled event and (when known) its invitee; `key` is ours when
    the caller knows it, else whatever `utm_content` holds."""
    return Booking(
        vendor=VENDOR,
        booking_id=event.uri,
        event_type=event.event_type,
        start=event.start_time.astimezone(UTC),
        end=event.end_time.astimezone(UTC),
        status=_STATUS.get(event.status, BookingStatus.ACCEPTED),
        host_email=host_email(event),
        attendee_email=None if invitee is None else invitee.email,
        key=key if key is not None else (invitee.tracking.utm_content if invitee else None),
    )


def booked(slot: Slot, invitee: api.Invitee, *, key: str) -> Booking:
    """A one-host event type's new booking: the slot Calendly accepted, for its invitee."""
    return Booking(
        vendor=VENDOR,
        booking_id=invitee.event,
        event_type=slot.event_type,
        start=slot.start,
        end=slot.end,
        status=BookingStatus.ACCEPTED,
        host_email=slot.host_email,
        attendee_email=invitee.email,
        key=key,
    )


def event_of_invitee(invitee_uri: str) -> str:
    """`.../scheduled_events/<e>/invitees/<i>` → `.../scheduled_events/<e>`."""
    head, marker, _ = invitee_uri.partition("/invitees/")
    if not marker:
        raise ValueError(f"not an invitee URI: {invitee_uri!r}")
    return head


def phone_or_none(text: str | None) -> str | None:
    """Calendly's free-text reminder number as E.164, or None when it is not a phone."""
    if not text:
        return None
    try:
        return to_e164(text)
    except InvalidPhoneError:
        return None
