"""Calendly API v2 wire models: only the fields callstate reads.

Shapes from `vendor-specs/calendly/openapi.yaml` (April 2023) and, for what it lacks —
`POST /invitees`, `event_memberships[].user_email`, the webhook's `scheduled_event` — from
research/calendar_slack.md §2.2, §2.4. Resources are named by absolute URIs
(`https://api.calendly.com/scheduled_events/<uuid>`), which is what callstate stores.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

PUBLIC_API = "https://api.calendly.com"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class User(_Wire):
    uri: str
    email: str
    current_organization: str


class UserResponse(_Wire):
    resource: User


class Profile(_Wire):
    type: str = "User"  # or "Team": a shared event type, its host chosen per booking
    owner: str


class EventType(_Wire):
    uri: str
    duration: int
    profile: Profile | None = None


class EventTypeResponse(_Wire):
    resource: EventType


class AvailableTime(_Wire):
    status: str
    start_time: datetime


class AvailableTimes(_Wire):
    collection: list[AvailableTime]


class Membership(_Wire):
    user: str
    user_email: str | None = None


class Event(_Wire):
    uri: str
    status: str
    start_time: datetime
    end_time: datetime
    event_type: str
    event_memberships: list[Membership] = []


class EventResponse(_Wire):
    resource: Event


class Pagination(_Wire):
    next_page_token: str | None = None


class EventPage(_Wire):
    collection: list[Event]
    pagination: Pagination = Pagination()


class Tracking(_Wire):
    utm_content: str | None = None


class Invitee(_Wire):
    uri: str
    email: str
    name: str | None = None
    status: str
    event: str
    tracking: Tracking = Tracking()
    text_reminder_number: str | None = None
    rescheduled: bool = False
    old_invitee: str | None = None
    new_invitee: str | None = None


class InviteeResponse(_Wire):
    resource: Invitee


class InviteePage(_Wire):
    collection: list[Invitee]
    pagination: Pagination = Pagination()


class ErrorDetail(_Wire):
    parameter: str | None = None
    message: str | None = None
    code: str | None = None


class ErrorBody(_Wire):
    title: str = ""
    message: str = ""
    details: list[ErrorDetail] = []


class WebhookInvitee(Invitee):
    """An `invitee.*` webhook's payload: the Invitee plus the event it belongs to."""

    scheduled_event: Event


class WebhookEnvelope(_Wire):
    event: str
    created_at: datetime
    payload: WebhookInvitee
