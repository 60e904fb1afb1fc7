"""Booking endpoints (cal-api-version 2024-08-13): create 201, list, get, cancel 200,
reschedule 201. `GET /v2/bookings` filters as CAL-SPEC `getBookings` describes: `status`
(comma-separated upcoming | recurring | past | cancelled | unconfirmed), `attendeeEmail`,
`attendeeName`, `bookingUid`, `eventTypeId(s)`, `afterStart` (start ≥), `beforeEnd` (end ≤),
created/updated bounds, `sortStart`/`sortEnd`/`sortCreated`, `take` (default 100), `skip`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from callstate.sandbox.calcom.bookings import Bookings, span
from callstate.sandbox.calcom.errors import CalError
from callstate.sandbox.calcom.wire import (
    CancelBody,
    CreateBookingBody,
    RescheduleBody,
    parse_time,
    wire,
)
from callstate.sandbox.store import Doc

Sort = Literal["asc", "desc"]
_STATUSES = frozenset({"upcoming", "recurring", "past", "cancelled", "unconfirmed"})


def _in_status(doc: Doc, wanted: set[str], now: datetime) -> bool:
    """Cal.com's buckets: upcoming = not over and accepted, unconfirmed = not over and pending,
    past = over and not cancelled, cancelled = cancelled or rejected; recurring never here."""
    _, end = span(doc)
    status = doc["status"]
    return (
        ("upcoming" in wanted and end >= now and status == "accepted")
        or ("unconfirmed" in wanted and end >= now and status == "pending")
        or ("past" in wanted and end < now and status not in ("cancelled", "rejected"))
        or ("cancelled" in wanted and status in ("cancelled", "rejected"))
    )


def _bound(value: str | None) -> datetime | None:
    return None if value is None else parse_time(value)


def _by(field: str) -> Callable[[Doc], datetime]:
    return lambda doc: parse_time(str(doc[field]))


def bookings_router(bookings: Bookings) -> APIRouter:
    router = APIRouter(prefix="/v2/bookings")

    @router.post("", status_code=201)
    def create(body: CreateBookingBody) -> JSONResponse:
        doc = bookings.create(body)
        return JSONResponse({"status": "success", "data": wire(doc)}, status_code=201)

    @router.get("")
    def list_bookings(
        status: str | None = None,
        attendee_email: Annotated[str | None, Query(alias="attendeeEmail")] = None,
        attendee_name: Annotated[str | None, Query(alias="attendeeName")] = None,
        booking_uid: Annotated[str | None, Query(alias="bookingUid")] = None,
        event_type_id: Annotated[int | None, Query(alias="eventTypeId")] = None,
        event_type_ids: Annotated[str | None, Query(alias="eventTypeIds")] = None,
        after_start: Annotated[str | None, Query(alias="afterStart")] = None,
        before_end: Annotated[str | None, Query(alias="beforeEnd")] = None,
        after_created: Annotated[str | None, Query(alias="afterCreatedAt")] = None,
        before_created: Annotated[str | None, Query(alias="beforeCreatedAt")] = None,
        after_updated: Annotated[str | None, Query(alias="afterUpdatedAt")] = None,
        before_updated: Annotated[str | None, Query(alias="beforeUpdatedAt")] = None,
        sort_start: Annotated[Sort | None, Query(alias="sortStart")] = None,
        sort_end: Annotated[Sort | None, Query(alias="sortEnd")] = None,
        sort_created: Annotated[Sort | None, Query(alias="sortCreated")] = None,
        take: Annotated[int, Query(ge=1, le=250)] = 100,
        skip: Annotated[int, Query(ge=0)] = 0,
    ) -> JSONResponse:
        wanted = None if status is None else {s.strip() for s in status.split(",") if s.strip()}
        if wanted is not None and not wanted <= _STATUSES:
            raise CalError(400, f"status must be one of {sorted(_STATUSES)}")
        types = (
            set()
            if event_type_ids is None
            else {int(t) for t in event_type_ids.split(",") if t.strip().isdigit()}
        )
        if event_type_id is not None:
            types.add(event_type_id)
        now = bookings.now()
        bounds = {
            "start": (_bound(after_start), None),
            "end": (None, _bound(before_end)),
            "createdAt": (_bound(after_created), _bound(before_created)),
            "updatedAt": (_bound(after_updated), _bound(before_updated)),
        }
        email = None if attendee_email is None else attendee_email.strip().lower()

        def keep(doc: Doc) -> bool:
            attendees = doc["attendees"]
            if email is not None and not any(a["email"].lower() == email for a in attendees):
                return False
            if attendee_name is not None and not any(a["name"] == attendee_name for a in attendees):
                return False
            if booking_uid is not None and doc["uid"] != booking_uid:
                return False
            if types and doc["eventType"]["id"] not in types:
                return False
            if wanted is not None and not _in_status(doc, wanted, now):
                return False
            for field, (low, high) in bounds.items():
                moment = parse_time(str(doc[field]))
                if (low is not None and moment < low) or (high is not None and moment > high):
                    return False
            return True

        found = [doc for doc in bookings.all() if keep(doc)]
        for field, order in (("createdAt", sort_created), ("end", sort_end), ("start", sort_start)):
            if order is not None:
                found.sort(key=_by(field), reverse=order == "desc")
        page = found[skip : skip + take]
        total = len(found)
        pagination = {
            "totalItems": total,
            "remainingItems": max(0, total - skip - len(page)),
            "returnedItems": len(page),
            "itemsPerPage": take,
            "currentPage": skip // take + 1,
            "totalPages": max(1, math.ceil(total / take)),
            "hasNextPage": skip + len(page) < total,
            "hasPreviousPage": skip > 0,
        }
        data = [wire(doc) for doc in page]
        return JSONResponse({"status": "success", "data": data, "pagination": pagination})

    @router.get("/{uid}")
    def get_booking(uid: str) -> JSONResponse:
        return JSONResponse({"status": "success", "data": wire(bookings.get(uid))})

    @router.post("/{uid}/cancel")
    def cancel(uid: str, body: CancelBody) -> JSONResponse:
        doc = bookings.cancel(uid, body.cancellationReason)
        return JSONResponse({"status": "success", "data": wire(doc)})

    @router.post("/{uid}/reschedule", status_code=201)
    def reschedule(uid: str, body: RescheduleBody) -> JSONResponse:
        doc = bookings.reschedule(uid, body)
        return JSONResponse({"status": "success", "data": wire(doc)}, status_code=201)

    return router
