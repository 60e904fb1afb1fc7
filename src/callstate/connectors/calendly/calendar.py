"""`CalendlyCalendar`: the `Calendar` port over Calendly API v2 and its Scheduling API.

- `available_slots`: `GET /event_type_available_times`, at most 7 days per request (the
  document's bound; Calendly allows 31 since 2026-07-09, research/calendar_slack.md §2.1), so
  longer windows are asked in 7-day pieces. Calendly refuses a range that starts in the past,
  so the window starts no earlier than a minute from `now`. Available times carry no end or
  host: both come from the event type (its length, its owner), read once and cached.
- `book`: `POST /invitees` (§2.2) with our key in `tracking.utm_content` (mapping.py says how
  long keys are shortened). A one-host event type's booking is the slot with its owner, so the
  answer's invitee completes it; a team event type's (its host chosen by Calendly) is read
  back from the scheduled event's memberships, one request more. A 400 naming `start_time`
  (`already_filled` and the like) → `SlotTaken`; a 403 (the plan has no Scheduling API, or
  the token may not book) → `Unsupported`. Calendly has no idempotency key, so after an
  unknown outcome the caller uses `find_booking`.
- `find_booking`: `GET /scheduled_events?invitee_email=&min_start_time=&max_start_time=`
  scoped to the organization (owners and admins) or, when Calendly refuses that, to the
  token's user; then each event's invitees, matched on `utm_content`.
- `cancel`: `POST /scheduled_events/{uuid}/cancellation`; Calendly answers a repeat with 403
  "Event is already canceled" (the document's message), which is success here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx

from callstate.connectors.calendly import api, mapping
from callstate.connectors.calendly.client import CalendlyHttp, error_body, error_for, parse
from callstate.connectors.errors import Permanent, SlotTaken, Unsupported
from callstate.connectors.http import Gate
from callstate.domain.calendar import Attendee, Booking, BookingStatus, Slot

WINDOW = timedelta(days=7)
LEAD = timedelta(minutes=1)  # Calendly wants start_time in the future; never ask for "now"
_ALREADY_CANCELED = "already canceled"


class CalendlyCalendar:
    vendor = mapping.VENDOR

    def __init__(
        self,
        token: str,
        *,
        base_url: str = api.PUBLIC_API,
        gate: Gate | None = None,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = CalendlyHttp(base_url, token, transport, gate=gate)
        self._now = now
        self._event_types: dict[str, tuple[int, str | None]] = {}
        self._me: api.User | None = None
        self._org_scope = True

    def close(self) -> None:
        self._http.close()

    # -- Calendar -----------------------------------------------------------------------

    def available_slots(self, event_type: str, start: datetime, end: datetime) -> list[Slot]:
        minutes, host = self._event_type(event_type)
        found: dict[datetime, Slot] = {}
        for piece_start, piece_end in _pieces(max(start, self._now() + LEAD), end):
            times = self._http.call(
                api.AvailableTimes,
                "GET",
                "/event_type_available_times",
                params={
                    "event_type": event_type,
                    "start_time": mapping.utc_text(piece_start),
                    "end_time": mapping.utc_text(piece_end),
                },
            )
            for time in times.collection:
                if time.status == "available" and start <= time.start_time < end:
                    slot = mapping.to_slot(event_type, time.start_time, minutes, host)
                    found[slot.start] = slot
        return [found[k] for k in sorted(found)]

    def book(self, slot: Slot, attendee: Attendee, *, key: str) -> Booking:
        body = mapping.booking_request(slot, attendee, key)
        response = self._http.send("POST", "/invitees", json=body)
        if not response.is_success:
            raise self._booking_error(response)
        invitee = parse(api.InviteeResponse, response).resource
        if slot.host_email is not None:
            return mapping.booked(slot, invitee, key=key)
        event = self._http.call(api.EventResponse, "GET", invitee.event).resource
        return mapping.to_booking(event, invitee, key=key)

    def find_booking(
        self, key: str, attendee_email: str, start: datetime, end: datetime
    ) -> Booking | None:
        wanted = mapping.wire_key(key)
        found: list[Booking] = []
        for event in self._events(attendee_email, start, end):
            for invitee in self._invitees(event.uri, attendee_email):
                if invitee.tracking.utm_content == wanted:
                    found.append(mapping.to_booking(event, invitee, key=key))
        found.sort(key=lambda b: b.status != BookingStatus.ACCEPTED)  # a live one first
        return found[0] if found else None

    def cancel(self, booking_id: str, reason: str) -> Booking:
        path = f"{event_uri(booking_id)}/cancellation"
        response = self._http.send("POST", path, json={"reason": reason[:10_000]})
        if not response.is_success and not (
            response.status_code == 403
            and _ALREADY_CANCELED in error_body(response).message.lower()
        ):
            raise error_for(response)
        event = self._http.call(api.EventResponse, "GET", booking_id).resource
        invitees = self._invitees(event.uri, None)
        return mapping.to_booking(event, invitees[0] if invitees else None, key=None)

    # -- internals ----------------------------------------------------------------------

    def _booking_error(self, response: httpx.Response) -> Exception:
        body = error_body(response)
        message = error_for(response).message
        if response.status_code == 403:
            return Unsupported(self.vendor, message, status=403)
        about_start = any(
            d.parameter == "start_time" or d.code == "already_filled" for d in body.details
        )
        if response.status_code in (400, 409, 422) and about_start:
            return SlotTaken(self.vendor, message, status=response.status_code)
        return error_for(response)

    def _event_type(self, uri: str) -> tuple[int, str | None]:
        """(length in minutes, host email) of an event type, read once; no host for a team's
        event type (Calendly picks one per booking)."""
        if uri not in self._event_types:
            found = self._http.call(api.EventTypeResponse, "GET", uri).resource
            host = None
            if found.profile is not None and found.profile.type == "User":
                host = self._http.call(api.UserResponse, "GET", found.profile.owner).resource.email
            self._event_types[uri] = (found.duration, host)
        return self._event_types[uri]

    def _scope(self) -> dict[str, str]:
        if self._me is None:
            self._me = self._http.call(api.UserResponse, "GET", "/users/me").resource
        if self._org_scope:
            return {"organization": self._me.current_organization}
        return {"user": self._me.uri}

    def _events(self, email: str, start: datetime, end: datetime) -> Iterator[api.Event]:
        params = {
            "invitee_email": email,
            "min_start_time": mapping.utc_text(start),
            "max_start_time": mapping.utc_text(end),
        }
        token: str | None = None
        while True:
            query = {**params, **self._scope(), **({"page_token": token} if token else {})}
            try:
                page = self._http.call(api.EventPage, "GET", "/scheduled_events", params=query)
            except Permanent as refused:
                # A member's token may not list the organization's events: ask for its own.
                if refused.status != 403 or not self._org_scope:
                    raise
                self._org_scope = False
                continue
            yield from page.collection
            token = page.pagination.next_page_token
            if not token:
                return

    def _invitees(self, event_uri: str, email: str | None) -> list[api.Invitee]:
        params = {"email": email} if email else {}
        page = self._http.call(api.InviteePage, "GET", f"{event_uri}/invitees", params=params)
        return page.collection


def event_uri(booking_id: str) -> str:
    """The event URI a booking id names (callstate keeps Calendly's URI as the id)."""
    if "/scheduled_events/" not in booking_id:
        raise Permanent(mapping.VENDOR, f"not a Calendly scheduled event URI: {booking_id!r}")
    return booking_id.rstrip("/")


def _pieces(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) in consecutive pieces of at most `WINDOW`."""
    cursor = start
    while cursor < end:
        piece_end = min(cursor + WINDOW, end)
        yield cursor, piece_end
        cursor = piece_end
