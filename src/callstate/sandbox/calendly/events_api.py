"""Scheduled events: `GET /scheduled_events`, `GET /scheduled_events/{uuid}`,
`GET /scheduled_events/{uuid}/invitees`, `POST /scheduled_events/{uuid}/cancellation`.

List filters as the document describes them: `user` alone only for the caller's own events,
`organization` (owners and admins) for everyone's, both for one member's; `invitee_email`,
`status`, `min_start_time` (inclusive) and `max_start_time` (exclusive), sorted by
`start_time:asc` unless `sort=start_time:desc`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from callstate.sandbox.calendly.errors import denied, invalid
from callstate.sandbox.calendly.gate import caller_of
from callstate.sandbox.calendly.scheduling import Scheduling
from callstate.sandbox.calendly.seeds import UserSeed
from callstate.sandbox.calendly.wire import (
    event_resource,
    invitee_resource,
    page_of,
    parse_time,
)
from callstate.sandbox.store import Doc

_STATUSES = ("active", "canceled")


def events_router(scheduling: Scheduling) -> APIRouter:
    router = APIRouter()
    directory = scheduling.directory

    def render(event: Doc) -> dict[str, Any]:
        host = directory.user_by_email(event["host"])
        active = sum(1 for i in scheduling.invitees(event["uuid"]) if i["status"] == "active")
        return event_resource(event, directory.event_type(event["event_type"]), host, active)

    def visible(caller: UserSeed, event: Doc) -> Doc:
        host = directory.user_by_email(event["host"])
        directory.require_manages(caller, host, "You are not allowed to view this event")
        return event

    @router.get("/scheduled_events")
    def list_events(
        request: Request,
        user: str | None = None,
        organization: str | None = None,
        invitee_email: str | None = None,
        status: str | None = None,
        sort: str | None = None,
        min_start_time: str | None = None,
        max_start_time: str | None = None,
        count: str | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        caller = caller_of(request)
        hosts = _hosts(scheduling, caller, user, organization)
        if status is not None and status not in _STATUSES:
            raise invalid("status", "must be one of active, canceled")
        low = None if min_start_time is None else parse_time(min_start_time, "min_start_time")
        high = None if max_start_time is None else parse_time(max_start_time, "max_start_time")
        emails = None
        if invitee_email is not None:
            wanted = invitee_email.lower()
            emails = {
                i["event"]
                for _, i in scheduling.store.scan("invitees")
                if i["email"].lower() == wanted
            }
        chosen = []
        for event in scheduling.events():
            start = parse_time(event["start_time"], "start_time")
            if (
                event["host"] in hosts
                and (status is None or event["status"] == status)
                and (low is None or start >= low)
                and (high is None or start < high)
                and (emails is None or event["uuid"] in emails)
            ):
                chosen.append(event)
        chosen.sort(key=lambda e: e["start"], reverse=(sort or "").endswith(":desc"))
        params = {
            "user": user,
            "organization": organization,
            "invitee_email": invitee_email,
            "status": status,
            "sort": sort,
            "min_start_time": min_start_time,
            "max_start_time": max_start_time,
            "count": count,
            "page_token": page_token,
        }
        return page_of([render(e) for e in chosen], "/scheduled_events", params)

    @router.get("/scheduled_events/{event_uuid}")
    def get_event(event_uuid: str, request: Request) -> dict[str, Any]:
        return {"resource": render(visible(caller_of(request), scheduling.event(event_uuid)))}

    @router.get("/scheduled_events/{event_uuid}/invitees")
    def list_invitees(
        event_uuid: str,
        request: Request,
        status: str | None = None,
        email: str | None = None,
        sort: str | None = None,
        count: str | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        visible(caller_of(request), scheduling.event(event_uuid))
        people = scheduling.invitees(event_uuid)
        if status is not None:
            people = [i for i in people if i["status"] == status]
        if email is not None:
            people = [i for i in people if i["email"].lower() == email.lower()]
        people.sort(key=lambda i: i["created_at"], reverse=(sort or "").endswith(":desc"))
        params = {"status": status, "email": email, "sort": sort, "count": count}
        path = f"/scheduled_events/{event_uuid}/invitees"
        return page_of(
            [invitee_resource(i) for i in people], path, {**params, "page_token": page_token}
        )

    @router.post("/scheduled_events/{event_uuid}/cancellation")
    def cancel(
        event_uuid: str, request: Request, body: Annotated[dict[str, Any] | None, Body()] = None
    ) -> JSONResponse:
        reason = (body or {}).get("reason")
        if reason is not None and (not isinstance(reason, str) or len(reason) > 10_000):
            raise invalid("reason", "must be a string of at most 10000 characters")
        cancellation = scheduling.cancel(caller_of(request), event_uuid, reason)
        return JSONResponse({"resource": cancellation}, status_code=201)

    return router


def _hosts(
    scheduling: Scheduling, caller: UserSeed, user: str | None, organization: str | None
) -> set[str]:
    """Whose events the filters select, refused as the document's 403 examples are."""
    directory = scheduling.directory
    if user is None and organization is None:
        raise invalid("user", "organization or user is required")
    if organization is not None:
        directory.check_organization(organization)
        if caller.role == "user":
            raise denied("You do not have permission to access this resource.")
    if user is None:
        return {u.email for u in directory.users}
    owner = directory.user_by_uri(user, "user")
    if organization is None and owner.email != caller.email:
        raise denied(
            "Please also specify organization when requesting events for a user within "
            "your organization."
        )
    return {owner.email}
