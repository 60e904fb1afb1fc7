"""`POST /invitees`: the Scheduling API, which books a start for an invitee.

Newer than the saved document (launched 2025-10-15), so written from research/
calendar_slack.md §2.2: body `{event_type, start_time, invitee {email, timezone, name |
first_name + last_name, text_reminder_number?}, location? {kind, location}, tracking?
{utm_campaign, utm_source, utm_medium, utm_content, utm_term, salesforce_uuid} (all keys
required when the object is sent, values may be null), questions_and_answers?,
event_guests? (≤ 10)}` → 201 `{resource: Invitee}`.

- `scheduling_api=False` (a plan without it) → 403 before anything else is looked at.
- A start that is past, off the host's hours or taken → 400 naming `start_time` with a detail
  `code` (`already_filled` when another booking has it; the code is what third-party clients
  test, unverified against Calendly's docs).
- Tracking values longer than 255 characters → 400. Calendly documents no limit; 255 is our
  assumption (a typical string column), the bound the connector keeps its key under.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from callstate.sandbox.calendly.errors import INVALID_ARGUMENT, UPGRADE, CalendlyError, invalid
from callstate.sandbox.calendly.gate import caller_of
from callstate.sandbox.calendly.scheduling import Scheduling
from callstate.sandbox.calendly.wire import invitee_resource, parse_time

MAX_TRACKING = 255
TRACKING_KEYS = (
    "utm_campaign",
    "utm_source",
    "utm_medium",
    "utm_content",
    "utm_term",
    "salesforce_uuid",
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InviteeIn(_In):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    timezone: str
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    text_reminder_number: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be a valid IANA time zone") from None
        return value


_Utm = str | None


class TrackingIn(_In):
    utm_campaign: _Utm = Field(max_length=MAX_TRACKING)
    utm_source: _Utm = Field(max_length=MAX_TRACKING)
    utm_medium: _Utm = Field(max_length=MAX_TRACKING)
    utm_content: _Utm = Field(max_length=MAX_TRACKING)
    utm_term: _Utm = Field(max_length=MAX_TRACKING)
    salesforce_uuid: _Utm = Field(max_length=MAX_TRACKING)


class LocationIn(_In):
    kind: str
    location: str | None = None


class AnswerIn(_In):
    question: str
    answer: str
    position: int = 0


class BookingIn(_In):
    event_type: str
    start_time: str
    invitee: InviteeIn
    location: LocationIn | None = None
    tracking: TrackingIn | None = None
    questions_and_answers: list[AnswerIn] = Field(default_factory=list)
    event_guests: list[str] = Field(default_factory=list, max_length=10)


def _details(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"parameter": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
        for e in exc.errors()
    ]


def invitees_router(scheduling: Scheduling, *, scheduling_api: bool) -> APIRouter:
    router = APIRouter()
    directory = scheduling.directory

    @router.post("/invitees")
    def create_invitee(request: Request, body: Annotated[Any, Body()] = None) -> JSONResponse:
        caller = caller_of(request)
        if not scheduling_api:
            raise CalendlyError(403, *UPGRADE)
        try:
            wanted = BookingIn.model_validate(body)
        except ValidationError as exc:
            raise CalendlyError(400, *INVALID_ARGUMENT, _details(exc)) from None
        event_type = directory.event_type_by_uri(wanted.event_type, "event_type")
        start = parse_time(wanted.start_time, "start_time")
        person = wanted.invitee
        name = person.name or " ".join(p for p in (person.first_name, person.last_name) if p)
        if not name:
            raise invalid("invitee.name", "name or first_name is required")
        if wanted.location is not None and wanted.location.kind != event_type.location_kind:
            raise invalid("location.kind", "must match a location of the event type")
        location = {
            "type": event_type.location_kind,
            "location": (wanted.location and wanted.location.location)
            or person.text_reminder_number,
        }
        tracking = dict.fromkeys(TRACKING_KEYS)
        if wanted.tracking is not None:
            tracking.update(wanted.tracking.model_dump())
        invitee = {
            "email": person.email,
            "name": name,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "timezone": person.timezone,
            "text_reminder_number": person.text_reminder_number,
            "tracking": tracking,
            "questions_and_answers": [a.model_dump() for a in wanted.questions_and_answers],
        }
        _, created = scheduling.book(caller, event_type, start, invitee, location)
        return JSONResponse({"resource": invitee_resource(created)}, status_code=201)

    return router
