"""Bookings: create (availability-checked, race-safe), read, list with filters, cancel,
reschedule. Documents are stored in the wire shape `BookingOutput_2024_08_13`.

Store layout: `bookings` (uid → booking) and `booking_keys` (Cal.com's unique booking
idempotency key `<startMs>.<endMs>.<organizerId>` → uid, held while the booking is accepted
or pending and released on cancel; research/calendar_slack.md §1.5).

A create runs as Cal.com's does, in two steps: an availability check (400 "User either already
has booking ..." when the host is busy or off hours), then the insert, which checks the unique
key (409 `booking_conflict_error`) and the host's busy time again inside one store
transaction. Sequential bookings of one slot therefore get the 400, racing ones the 409 or the
400, and exactly one of any number of racers wins.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from callstate.sandbox.calcom.availability import Interval, Refusal, refusal
from callstate.sandbox.calcom.errors import (
    ALREADY_CANCELLED,
    BOOKING_CONFLICT,
    HOST_UNAVAILABLE,
    IN_THE_PAST,
    OUT_OF_BOUNDS,
    CalError,
)
from callstate.sandbox.calcom.seeds import EventTypeSeed
from callstate.sandbox.calcom.wire import CreateBookingBody, RescheduleBody, iso, parse_time
from callstate.sandbox.store import Doc, Store, Tx

_ALPHABET = string.ascii_letters + string.digits
_ACTIVE = ("accepted", "pending")
_REFUSALS = {
    Refusal.PAST: IN_THE_PAST,
    Refusal.OUT_OF_BOUNDS: OUT_OF_BOUNDS,
    Refusal.UNAVAILABLE: HOST_UNAVAILABLE,
}
Changed = Callable[[str, Doc], None]  # (trigger, booking) after a commit


def booking_uid(n: int) -> str:
    """A 22-character uid shaped like Cal.com's (`2NtaeaVcKfpmSZ4CthFdfk`), from a counter."""
    digest = hashlib.sha256(f"calcom-booking:{n}".encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:22])


def span(doc: Doc) -> Interval:
    return parse_time(str(doc["start"])), parse_time(str(doc["end"]))


class Bookings:
    def __init__(
        self,
        store: Store,
        event_types: Mapping[int, EventTypeSeed],
        clock: Callable[[], float],
        on_change: Changed,
    ) -> None:
        self.store = store
        self._events = event_types
        self._clock = clock
        self._changed = on_change

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def event_type(
        self, event_type_id: int | None, slug: str | None, username: str | None
    ) -> EventTypeSeed:
        if event_type_id is not None:
            found = self._events.get(event_type_id)
        else:
            found = next(
                (
                    e
                    for e in self._events.values()
                    if e.slug == slug and e.host.username == username
                ),
                None,
            )
        if found is None:
            wanted = f"id={event_type_id}" if event_type_id is not None else f"slug={slug}"
            raise CalError(404, f"Event type with {wanted} not found")
        return found

    def busy(self, tx: Tx, host_id: int, *, excluding: str | None = None) -> list[Interval]:
        return [
            span(doc)
            for uid, doc in tx.scan("bookings")
            if doc["status"] in _ACTIVE and doc["hosts"][0]["id"] == host_id and uid != excluding
        ]

    def create(self, body: CreateBookingBody) -> Doc:
        event = self.event_type(body.eventTypeId, body.eventTypeSlug, body.username)
        start = parse_time(body.start)
        doc = self._insert(event, start, body.model_dump(exclude_none=True))
        self._changed("BOOKING_CREATED", doc)
        return doc

    def _insert(
        self, event: EventTypeSeed, start: datetime, request: Doc, *, replaces: Doc | None = None
    ) -> Doc:
        now = self.now()
        excluding = None if replaces is None else str(replaces["uid"])
        with self.store.transaction() as tx:  # step 1: the availability check
            problem = refusal(
                event, start, now=now, busy=self.busy(tx, event.host.id, excluding=excluding)
            )
        if problem is not None:
            raise CalError(400, _REFUSALS[problem])
        end = start + timedelta(minutes=event.length_minutes)
        key = f"{int(start.timestamp() * 1000)}.{int(end.timestamp() * 1000)}.{event.host.id}"
        with self.store.transaction() as tx:  # step 2: the insert under the unique key
            if tx.get("booking_keys", key) is not None:
                raise CalError(409, BOOKING_CONFLICT)
            busy = self.busy(tx, event.host.id, excluding=excluding)
            if any(start < b_end and end > b_start for b_start, b_end in busy):
                raise CalError(400, HOST_UNAVAILABLE)
            n = tx.next_value("booking")
            doc = _booking(n, event, start, end, request, now)
            if replaces is not None:
                doc["rescheduledFromUid"] = replaces["uid"]
                old = {**replaces, "status": "cancelled", "rescheduledToUid": doc["uid"]}
                old["updatedAt"] = iso(now)
                tx.put("bookings", str(replaces["uid"]), old)
                tx.delete("booking_keys", str(replaces["_key"]))
            doc["_key"] = key
            tx.put("bookings", doc["uid"], doc)
            tx.put("booking_keys", key, {"uid": doc["uid"]})
        return doc

    def get(self, uid: str) -> Doc:
        doc = self.store.get("bookings", uid)
        if doc is None:
            raise CalError(404, f"Booking with uid={uid} not found")
        return doc

    def all(self) -> list[Doc]:
        return [doc for _, doc in self.store.scan("bookings")]

    def cancel(self, uid: str, reason: str | None) -> Doc:
        with self.store.transaction() as tx:
            doc = tx.get("bookings", uid)
            if doc is None:
                raise CalError(404, f"Booking with uid={uid} not found")
            if doc["status"] == "cancelled":
                raise CalError(400, ALREADY_CANCELLED)
            doc.update(status="cancelled", updatedAt=iso(self.now()))
            doc["cancelledByEmail"] = doc["hosts"][0]["email"]  # the API key is the host's
            if reason:
                doc["cancellationReason"] = reason
            tx.put("bookings", uid, doc)
            tx.delete("booking_keys", str(doc["_key"]))
        self._changed("BOOKING_CANCELLED", doc)
        return doc

    def reschedule(self, uid: str, body: RescheduleBody) -> Doc:
        """A new booking at the new start; the old one becomes cancelled and points to it."""
        old = self.get(uid)
        if old["status"] == "cancelled":
            raise CalError(400, "cancelled_bookings_cannot_be_rescheduled")
        event = self.event_type(int(old["eventType"]["id"]), None, None)
        request = {
            "attendee": {k: v for k, v in old["attendees"][0].items() if k != "absent"},
            "metadata": old.get("metadata", {}),
            "bookingFieldsResponses": old.get("bookingFieldsResponses", {}),
        }
        doc = self._insert(event, parse_time(body.start), request, replaces=old)
        if body.reschedulingReason:
            doc["reschedulingReason"] = body.reschedulingReason
        if body.rescheduledBy:
            doc["rescheduledByEmail"] = body.rescheduledBy
        self._changed("BOOKING_RESCHEDULED", doc)
        return doc


def _booking(
    n: int, event: EventTypeSeed, start: datetime, end: datetime, request: Doc, now: datetime
) -> Doc:
    host = event.host
    attendee = request["attendee"]
    email = attendee.get("email") or ""
    responses: dict[str, Any] = {
        "name": attendee["name"],
        "email": email,
        "guests": request.get("guests", []),
    }
    if attendee.get("phoneNumber"):
        responses["attendeePhoneNumber"] = attendee["phoneNumber"]
    responses.update(request.get("bookingFieldsResponses", {}))
    wire_attendee: Doc = {
        "name": attendee["name"],
        "email": email,
        "timeZone": attendee["timeZone"],
        "language": attendee.get("language", "en"),
        "absent": False,
    }
    if attendee.get("phoneNumber"):
        wire_attendee["phoneNumber"] = attendee["phoneNumber"]
    return {
        "id": n,
        "uid": booking_uid(n),
        "title": f"{event.title} between {host.name} and {attendee['name']}",
        "description": "",
        "hosts": [
            {
                "id": host.id,
                "name": host.name,
                "email": host.email,
                "username": host.username,
                "timeZone": host.time_zone,
            }
        ],
        "status": "accepted",
        "start": iso(start),
        "end": iso(end),
        "duration": event.length_minutes,
        "eventTypeId": event.id,
        "eventType": {"id": event.id, "slug": event.slug},
        "location": "integrations:daily",
        "meetingUrl": "integrations:daily",
        "absentHost": False,
        "createdAt": iso(now),
        "updatedAt": iso(now),
        "metadata": dict(request.get("metadata", {})),
        "attendees": [wire_attendee],
        "guests": list(request.get("guests", [])),
        "bookingFieldsResponses": responses,
    }
