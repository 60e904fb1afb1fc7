"""`GET /v2/slots` (cal-api-version 2024-09-04) and `GET /v2/event-types` (2024-06-14).

Slots (research/calendar_slack.md §1.3): by `eventTypeId`, or `eventTypeSlug` + `username`;
`start`/`end` are UTC datetimes or bare dates (an `end` date means 23:59:59); `timeZone` picks
the zone of the answer (default UTC) and the dates that key it; `format=range` adds `end`.
No slots → `data: {}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from callstate.sandbox.calcom.availability import free_slots
from callstate.sandbox.calcom.bookings import Bookings
from callstate.sandbox.calcom.errors import CalError
from callstate.sandbox.calcom.seeds import EventTypeSeed
from callstate.sandbox.calcom.wire import event_type_wire, local_iso, parse_time


def slots_router(bookings: Bookings, event_types: Mapping[int, EventTypeSeed]) -> APIRouter:
    router = APIRouter()

    @router.get("/v2/slots")
    def get_slots(
        start: str,
        end: str,
        event_type_id: Annotated[int | None, Query(alias="eventTypeId")] = None,
        event_type_slug: Annotated[str | None, Query(alias="eventTypeSlug")] = None,
        username: str | None = None,
        time_zone: Annotated[str, Query(alias="timeZone")] = "UTC",
        slot_format: Annotated[Literal["time", "range"], Query(alias="format")] = "time",
        reschedule: Annotated[str | None, Query(alias="bookingUidToReschedule")] = None,
    ) -> JSONResponse:
        event = bookings.event_type(event_type_id, event_type_slug, username)
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalError(400, f"timeZone {time_zone!r} is not a valid IANA time zone") from exc
        window_start, window_end = parse_time(start), parse_time(end, end_of_day=True)
        if window_end <= window_start:
            raise CalError(400, "end must be after start")
        with bookings.store.transaction() as tx:
            busy = bookings.busy(tx, event.host.id, excluding=reschedule)
        found = free_slots(event, window_start, window_end, now=bookings.now(), busy=busy)
        length = timedelta(minutes=event.length_minutes)
        data: dict[str, list[dict[str, str]]] = {}
        for slot in found:
            item = {"start": local_iso(slot, zone)}
            if slot_format == "range":
                item["end"] = local_iso(slot + length, zone)
            data.setdefault(slot.astimezone(zone).date().isoformat(), []).append(item)
        return JSONResponse({"status": "success", "data": data})

    @router.get("/v2/event-types")
    def get_event_types(username: str | None = None) -> JSONResponse:
        chosen = [
            e for e in event_types.values() if username is None or e.host.username == username
        ]
        return JSONResponse({"status": "success", "data": [event_type_wire(e) for e in chosen]})

    return router
