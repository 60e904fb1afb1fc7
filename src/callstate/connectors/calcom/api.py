"""Cal.com API v2 wire models: only the fields callstate reads.

Shapes from `vendor-specs/calcom/openapi.json` (`BookingOutput_2024_08_13`,
`GetBookingsOutput_2024_08_13`, slots 2024-09-04) and the error envelope of research
/calendar_slack.md §1.1. Each endpoint family has its own pinned `cal-api-version`: a missing
or unknown value silently falls back to 2024-04-15, whose shapes differ (§1.1), so every
response is checked for `status: "success"` and the fields below.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

BOOKINGS_VERSION = "2024-08-13"
SLOTS_VERSION = "2024-09-04"
KEY_FIELD = "callstate_key"  # our idempotency key in booking metadata
METADATA_VALUE_MAX = 500  # string values in metadata (CreateBookingInput_2024_08_13)


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlotItem(_Wire):
    start: str
    end: str | None = None


class SlotsResponse(_Wire):
    status: Literal["success"]
    data: dict[str, list[SlotItem]]


class Person(_Wire):
    email: str = ""


class EventTypeRef(_Wire):
    id: int


class BookingWire(_Wire):
    uid: str
    status: str
    start: str
    end: str
    eventType: EventTypeRef  # noqa: N815 - Cal.com's field names
    hosts: list[Person] = []
    attendees: list[Person] = []
    metadata: dict[str, Any] = {}


class BookingResponse(_Wire):
    status: Literal["success"]
    data: BookingWire


class Pagination(_Wire):
    hasNextPage: bool = False  # noqa: N815


class BookingsResponse(_Wire):
    status: Literal["success"]
    data: list[BookingWire]
    pagination: Pagination = Pagination()


class ErrorDetail(_Wire):
    code: str = ""
    message: str = ""
    details: Any = None


class ErrorBody(_Wire):
    error: ErrorDetail
