"""Cal.com v2 wire shapes the emulator reads and writes: request bodies (unknown properties
refused, as the API's whitelisting validation pipe does), times, and output documents."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callstate.sandbox.calcom.errors import CalError
from callstate.sandbox.calcom.seeds import EventTypeSeed
from callstate.sandbox.store import Doc

# CreateBookingInput_2024_08_13.metadata: at most 50 keys, keys up to 40 characters, string
# values up to 500 characters (research/calendar_slack.md §1.5).
_METADATA_LIMITS = (50, 40, 500)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{value!r} is not a valid IANA time zone") from exc
    return value


class AttendeeIn(_Body):
    """`CreateBookingAttendee`: name and timeZone required, email and phone optional."""

    name: str
    timeZone: str  # noqa: N815 - Cal.com's field names
    email: str | None = None
    phoneNumber: str | None = None  # noqa: N815
    language: str | None = None

    _zone = field_validator("timeZone")(_zone)


class CreateBookingBody(_Body):
    """`CreateBookingInput_2024_08_13`, the fields a regular booking uses."""

    start: str
    attendee: AttendeeIn
    eventTypeId: int | None = None  # noqa: N815
    eventTypeSlug: str | None = None  # noqa: N815
    username: str | None = None
    guests: list[str] | None = None
    metadata: dict[str, Any] | None = None
    bookingFieldsResponses: dict[str, Any] | None = None  # noqa: N815
    lengthInMinutes: int | None = None  # noqa: N815
    location: Any = None

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        keys, key_len, value_len = _METADATA_LIMITS
        if value is not None and (
            len(value) > keys
            or any(len(k) > key_len for k in value)
            or any(isinstance(v, str) and len(v) > value_len for v in value.values())
        ):
            raise ValueError(
                "Metadata must have at most 50 keys, each key up to 40 characters, and string "
                "values up to 500 characters."
            )
        return value


class CancelBody(_Body):
    cancellationReason: str | None = None  # noqa: N815
    cancelSubsequentBookings: bool | None = None  # noqa: N815


class RescheduleBody(_Body):
    start: str
    rescheduledBy: str | None = None  # noqa: N815
    reschedulingReason: str | None = None  # noqa: N815
    emailVerificationCode: str | None = None  # noqa: N815


class WebhookBody(_Body):
    """`CreateWebhookInputDto`."""

    subscriberUrl: str  # noqa: N815
    triggers: list[str] = Field(min_length=1)
    active: bool = True
    secret: str | None = None
    payloadTemplate: str | None = None  # noqa: N815


def iso(moment: datetime) -> str:
    """Cal.com's UTC timestamps: `2024-08-13T15:30:00.000Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: str, *, end_of_day: bool = False) -> datetime:
    """An ISO-8601 datetime (no offset = UTC) or a bare date (start, or 23:59:59 as an end)."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0), tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CalError(400, f"{value!r} is not an ISO 8601 date string") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def local_iso(moment: datetime, zone: ZoneInfo) -> str:
    """A slot time in the requested zone, as slots-output.service formats it."""
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


def wire(doc: Doc) -> Doc:
    """The stored booking without the emulator's own bookkeeping (`_`-prefixed keys)."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def event_type_wire(event: EventTypeSeed) -> Doc:
    """`EventTypeOutput_2024_06_14` with every required field."""
    return {
        "id": event.id,
        "lengthInMinutes": event.length_minutes,
        "title": event.title,
        "slug": event.slug,
        "description": "",
        "locations": [],
        "bookingFields": [],
        "disableGuests": False,
        "recurrence": None,
        "metadata": {},
        "price": 0,
        "currency": "usd",
        "lockTimeZoneToggleOnBookingPage": False,
        "forwardParamsSuccessRedirect": None,
        "successRedirectUrl": None,
        "isInstantEvent": False,
        "scheduleId": None,
        "hidden": False,
        "bookingRequiresAuthentication": False,
        "ownerId": event.host.id,
        "users": [event.host.username],
        "minimumBookingNotice": event.minimum_notice_minutes,
    }
