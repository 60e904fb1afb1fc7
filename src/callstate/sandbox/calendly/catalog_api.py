"""Users, event types and available times: `GET /users/me`, `/users/{uuid}`, `/event_types`,
`/event_types/{uuid}`, `/event_type_available_times`.

Available times (research/calendar_slack.md §2.1; the document's description): `event_type`,
`start_time` and `end_time` are required, the range may span at most 7 days (Calendly raised
this to 31 days on 2026-07-09; `max_window_days` sets it, 7 by default as the document says)
and must lie in the future. Each time is `{status: "available", invitees_remaining: 1,
start_time, scheduling_url}` with the start in UTC.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request

from callstate.sandbox.calendly.directory import Directory
from callstate.sandbox.calendly.errors import denied, invalid, not_found
from callstate.sandbox.calendly.gate import caller_of
from callstate.sandbox.calendly.scheduling import Scheduling
from callstate.sandbox.calendly.seeds import WEB
from callstate.sandbox.calendly.wire import (
    event_type_resource,
    page_of,
    parse_time,
    stamp,
    user_resource,
)


def catalog_router(scheduling: Scheduling, *, max_window_days: int) -> APIRouter:
    router = APIRouter()
    directory: Directory = scheduling.directory
    org = directory.organization

    @router.get("/users/me")
    def me(request: Request) -> dict[str, Any]:
        return {"resource": user_resource(caller_of(request), org)}

    @router.get("/users/{user_uuid}")
    def user(user_uuid: str, request: Request) -> dict[str, Any]:
        caller_of(request)
        for found in directory.users:
            if found.uuid == user_uuid:
                return {"resource": user_resource(found, org)}
        raise not_found()

    @router.get("/event_types")
    def event_types(
        request: Request,
        user: str | None = None,
        organization: str | None = None,
        active: bool | None = None,
        sort: str | None = None,
        count: str | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        caller = caller_of(request)
        if user is None and organization is None:
            raise invalid("user", "organization or user is required")
        chosen = list(directory.event_types)
        if organization is not None:
            directory.check_organization(organization)
            if caller.role == "user":
                raise denied("You do not have permission")
        if user is not None:
            owner = directory.user_by_uri(user, "user")
            directory.require_manages(caller, owner, "You do not have permission")
            chosen = [e for e in chosen if directory.host_of(e).email == owner.email]
        if active is not None:
            chosen = [e for e in chosen if e.active is active]
        descending = (sort or "name:asc").endswith(":desc")
        chosen.sort(key=lambda e: e.name.lower(), reverse=descending)
        items = [event_type_resource(e, directory.host_of(e)) for e in chosen]
        params = {"user": user, "organization": organization, "sort": sort, "count": count}
        if active is not None:
            params["active"] = str(active).lower()
        return page_of(items, "/event_types", {**params, "page_token": page_token})

    @router.get("/event_types/{event_type_uuid}")
    def event_type(event_type_uuid: str, request: Request) -> dict[str, Any]:
        caller_of(request)
        found = directory.event_type(event_type_uuid)
        return {"resource": event_type_resource(found, directory.host_of(found))}

    @router.get("/event_type_available_times")
    def available_times(
        request: Request,
        event_type: str | None = None,
        start_time: str | None = None,
        end_time: str | None = None,
    ) -> dict[str, Any]:
        caller_of(request)
        found = directory.event_type_by_uri(event_type, "event_type")
        start = parse_time(start_time, "start_time")
        end = parse_time(end_time, "end_time")
        if start < scheduling.now():
            raise invalid("start_time", "must be in the future")
        if end <= start:
            raise invalid("end_time", "must be after start_time")
        if end - start > timedelta(days=max_window_days):
            raise invalid("end_time", f"date range can be no greater than {max_window_days} days")
        host = directory.host_of(found)
        url = f"{WEB}/{host.slug}/{found.slug}"
        return {
            "collection": [
                {
                    "status": "available",
                    "invitees_remaining": 1,
                    "start_time": stamp(slot),
                    "scheduling_url": f"{url}/{slot.strftime('%Y-%m-%dT%H:%M:%SZ')}"
                    f"?month={slot:%Y-%m}&date={slot:%Y-%m-%d}",
                }
                for slot in scheduling.available(found, start, end)
            ]
        }

    return router
