"""`CalcomCalendar`: the `Calendar` port over Cal.com API v2 with one API key.

- Slots: `GET /v2/slots?eventTypeId=&start=&end=&format=range` in UTC (slots 2024-09-04);
  Cal.com computes them live from the host's hours, notice and bookings.
- Book: `POST /v2/bookings` (2024-08-13) with `start` in UTC, `attendee.timeZone` = the
  attendee's zone and our key in `metadata.callstate_key` (research/calendar_slack.md §1.5,
  §5.1-5.3). A personal event type has no request dedupe: a replay after a lost answer gets
  "already has booking" (or 409), so after an unknown outcome the caller runs `find_booking`.
- Find: `GET /v2/bookings?attendeeEmail=&afterStart=&beforeEnd=` page by page, matching the
  key in metadata and the start window locally.
- Cancel: `POST /v2/bookings/{uid}/cancel`; Cal.com refuses to cancel a cancelled booking
  (400), so on a 400 the booking is read back and returned when it is cancelled already.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import quote

import httpx

from callstate.connectors.calcom import api, mapping
from callstate.connectors.calcom.client import PUBLIC_API, VENDOR, CalcomHttp
from callstate.connectors.errors import Permanent
from callstate.connectors.http import Gate
from callstate.domain.calendar import Attendee, Booking, BookingStatus, Slot

_T = TypeVar("_T")
PAGE = 100
MAX_PAGES = 20
# A booking that starts in the window ends before window end + this (beforeEnd filters on end).
LONGEST_BOOKING = timedelta(days=1)


def _aware(*moments: datetime) -> None:
    if any(m.tzinfo is None for m in moments):
        raise ValueError("calendar times must be timezone-aware")


def _mapped(build: Callable[[], _T]) -> _T:
    """Mapping a 2xx body that passed the wire model can still fail (a naive time, an unknown
    status): that is the vendor's change, not ours to retry."""
    try:
        return build()
    except ValueError as exc:
        raise Permanent(VENDOR, f"unexpected response content: {exc}") from exc


class CalcomCalendar:
    vendor = VENDOR

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = PUBLIC_API,
        gate: Gate | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = CalcomHttp(base_url, api_key, transport, gate=gate)
        # Links to app.cal.com only make sense for the real service.
        self._app_url = mapping.APP_BOOKING_URL if base_url.rstrip("/") == PUBLIC_API else None

    def close(self) -> None:
        self._http.close()

    def _booking(self, wire: api.BookingWire) -> Booking:
        return _mapped(lambda: mapping.booking(wire, app_url=self._app_url))

    def available_slots(self, event_type: str, start: datetime, end: datetime) -> list[Slot]:
        _aware(start, end)
        if not event_type.isdigit():
            raise Permanent(VENDOR, f"event type ids are numbers, got {event_type!r}")
        response = self._http.call_version(
            api.SlotsResponse,
            "GET",
            "/v2/slots",
            version=api.SLOTS_VERSION,
            params={
                "eventTypeId": event_type,
                "start": mapping.wire_time(start),
                "end": mapping.wire_time(end),
                "timeZone": "UTC",
                "format": "range",
            },
        )
        found = _mapped(lambda: mapping.slots(event_type, response, None))
        return [slot for slot in found if start <= slot.start < end]

    def book(self, slot: Slot, attendee: Attendee, *, key: str) -> Booking:
        if not slot.event_type.isdigit():
            raise Permanent(VENDOR, f"event type ids are numbers, got {slot.event_type!r}")
        if len(key) > api.METADATA_VALUE_MAX:
            raise Permanent(VENDOR, f"key longer than Cal.com's {api.METADATA_VALUE_MAX} chars")
        response = self._http.call_version(
            api.BookingResponse,
            "POST",
            "/v2/bookings",
            version=api.BOOKINGS_VERSION,
            json=mapping.create_body(slot, attendee, key),
            slot_taken=True,
        )
        return self._booking(response.data)

    def find_booking(
        self, key: str, attendee_email: str, start: datetime, end: datetime
    ) -> Booking | None:
        _aware(start, end)
        found: list[Booking] = []
        for page in range(MAX_PAGES):
            response = self._http.call_version(
                api.BookingsResponse,
                "GET",
                "/v2/bookings",
                version=api.BOOKINGS_VERSION,
                params={
                    "attendeeEmail": attendee_email,
                    "afterStart": mapping.wire_time(start),
                    "beforeEnd": mapping.wire_time(end + LONGEST_BOOKING),
                    "take": str(PAGE),
                    "skip": str(page * PAGE),
                },
            )
            for wire in response.data:
                if wire.metadata.get(api.KEY_FIELD) != key:
                    continue
                booking = self._booking(wire)
                if start <= booking.start < end:
                    found.append(booking)
            if not response.pagination.hasNextPage or not response.data:
                break
        # A live booking wins over a cancelled one carrying the same key.
        found.sort(key=lambda b: b.status == BookingStatus.CANCELLED)
        return found[0] if found else None

    def cancel(self, booking_id: str, reason: str) -> Booking:
        path = f"/v2/bookings/{quote(booking_id, safe='')}"
        try:
            response = self._http.call_version(
                api.BookingResponse,
                "POST",
                f"{path}/cancel",
                version=api.BOOKINGS_VERSION,
                json={"cancellationReason": reason},
            )
        except Permanent as exc:
            if exc.status != 400:
                raise
            current = self._http.call_version(
                api.BookingResponse, "GET", path, version=api.BOOKINGS_VERSION
            )
            booking = self._booking(current.data)
            if booking.status != BookingStatus.CANCELLED:
                raise
            return booking
        return self._booking(response.data)
