"""Cal.com wire ⇄ callstate's calendar values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callstate.connectors.calcom import api
from callstate.domain.calendar import Attendee, Booking, BookingStatus, Slot

VENDOR = "calcom"
APP_BOOKING_URL = "https://app.cal.com/booking/"  # the booking's page in Cal.com's web app

# `rejected` bookings hold no time, like cancelled ones (BookingOutput_2024_08_13.status).
_STATUS = {
    "accepted": BookingStatus.ACCEPTED,
    "pending": BookingStatus.PENDING,
    "cancelled": BookingStatus.CANCELLED,
    "rejected": BookingStatus.CANCELLED,
}


def utc(value: str) -> datetime:
    """A Cal.com timestamp (`2024-08-13T15:30:00.000Z`, or with an offset) as aware UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without an offset: {value!r}")
    return parsed.astimezone(UTC)


def wire_time(moment: datetime) -> str:
    """What Cal.com wants for `start` and the slot window: UTC, `Z`, no offset."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def slots(event_type: str, response: api.SlotsResponse, length_minutes: int | None) -> list[Slot]:
    found: list[Slot] = []
    for items in response.data.values():
        for item in items:
            start = utc(item.start)
            if item.end is not None:
                end = utc(item.end)
            elif length_minutes is not None:
                end = datetime.fromtimestamp(start.timestamp() + length_minutes * 60, UTC)
            else:
                raise ValueError("slot without an end (ask for format=range)")
            found.append(Slot(event_type=event_type, start=start, end=end))
    return sorted(found, key=lambda slot: slot.start)


def create_body(slot: Slot, attendee: Attendee, key: str) -> dict[str, Any]:
    """`CreateBookingInput_2024_08_13`: start in UTC, the attendee's own zone, our key in
    metadata (research/calendar_slack.md §1.5, §5.3)."""
    person: dict[str, Any] = {
        "name": attendee.name,
        "email": attendee.email,
        "timeZone": attendee.zone,
    }
    if attendee.phone:
        person["phoneNumber"] = attendee.phone
    return {
        "start": wire_time(slot.start),
        "eventTypeId": int(slot.event_type),
        "attendee": person,
        "metadata": {api.KEY_FIELD: key},
    }


def _status(value: str) -> BookingStatus:
    try:
        return _STATUS[value.lower()]
    except KeyError:
        raise ValueError(f"unknown booking status {value!r}") from None


def booking(wire: api.BookingWire, *, app_url: str | None = APP_BOOKING_URL) -> Booking:
    key = wire.metadata.get(api.KEY_FIELD)
    return Booking(
        vendor=VENDOR,
        booking_id=wire.uid,
        event_type=str(wire.eventType.id),
        start=utc(wire.start),
        end=utc(wire.end),
        status=_status(wire.status),
        host_email=wire.hosts[0].email if wire.hosts and wire.hosts[0].email else None,
        attendee_email=(
            wire.attendees[0].email if wire.attendees and wire.attendees[0].email else None
        ),
        key=key if isinstance(key, str) else None,
        url=None if app_url is None else app_url + wire.uid,
    )
