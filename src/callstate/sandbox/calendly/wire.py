"""Calendly's resource shapes (User, EventType, Event, Invitee, Pagination) from stored state.

Field sets follow `vendor-specs/calendly/openapi.yaml` components (every `required` member
present), plus the newer members research/calendar_slack.md §2 names: `event_memberships[]`
with `user_email`/`user_name` (who hosts), `scheduling_method` on invitees booked through the
Scheduling API. Times are UTC with microseconds and a `Z`, as in the document's examples.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from callstate.sandbox.calendly.errors import invalid
from callstate.sandbox.calendly.seeds import (
    API,
    SEEDED_AT,
    WEB,
    EventTypeSeed,
    OrganizationSeed,
    UserSeed,
)
from callstate.sandbox.store import Doc

Json = dict[str, Any]
MAX_COUNT = 100


def stamp(moment: datetime | float) -> str:
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str | None, parameter: str) -> datetime:
    """An ISO-8601 time with a zone, as UTC; 400 naming the parameter otherwise."""
    if not text:
        raise invalid(parameter, "is required")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(parameter, "is not a valid ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise invalid(parameter, "must include a time zone (e.g. Z)")
    return parsed.astimezone(UTC)


def user_resource(user: UserSeed, org: OrganizationSeed) -> Json:
    return {
        "uri": user.uri,
        "name": user.name,
        "slug": user.slug,
        "email": user.email,
        "scheduling_url": f"{WEB}/{user.slug}",
        "timezone": user.timezone,
        "avatar_url": None,
        "created_at": stamp(SEEDED_AT),
        "updated_at": stamp(SEEDED_AT),
        "current_organization": org.uri,
        "resource_type": "User",
    }


def event_type_resource(event_type: EventTypeSeed, host: UserSeed) -> Json:
    return {
        "uri": event_type.uri,
        "name": event_type.name,
        "active": event_type.active,
        "booking_method": "instant",
        "slug": event_type.slug,
        "scheduling_url": f"{WEB}/{host.slug}/{event_type.slug}",
        "duration": event_type.duration_minutes,
        "kind": "solo",
        "pooling_type": None,
        "type": "StandardEventType",
        "kind_description": "One-on-One",
        "color": "#0069ff",
        "created_at": stamp(SEEDED_AT),
        "updated_at": stamp(SEEDED_AT),
        "internal_note": None,
        "description_plain": None,
        "description_html": None,
        "profile": {"type": "User", "name": host.name, "owner": host.uri},
        "secret": False,
        "deleted_at": None,
        "admin_managed": False,
        "custom_questions": [],
    }


def event_uri(uuid: str) -> str:
    return f"{API}/scheduled_events/{uuid}"


def event_resource(doc: Doc, event_type: EventTypeSeed, host: UserSeed, active: int) -> Json:
    resource: Json = {
        "uri": event_uri(doc["uuid"]),
        "name": event_type.name,
        "status": doc["status"],
        "booking_method": "instant",
        "start_time": doc["start_time"],
        "end_time": doc["end_time"],
        "event_type": event_type.uri,
        "location": doc["location"],
        "invitees_counter": {"total": doc["invitees"], "active": active, "limit": 1},
        "created_at": stamp(doc["created_at"]),
        "updated_at": stamp(doc["updated_at"]),
        "event_memberships": [{"user": host.uri, "user_email": host.email, "user_name": host.name}],
        "event_guests": [],
        "calendar_event": None,
    }
    if doc.get("cancellation") is not None:
        resource["cancellation"] = doc["cancellation"]
    return resource


def invitee_uri(event_uuid: str, invitee_uuid: str) -> str:
    return f"{event_uri(event_uuid)}/invitees/{invitee_uuid}"


def invitee_resource(doc: Doc) -> Json:
    resource: Json = {
        "uri": invitee_uri(doc["event"], doc["uuid"]),
        "email": doc["email"],
        "first_name": doc["first_name"],
        "last_name": doc["last_name"],
        "name": doc["name"],
        "status": doc["status"],
        "questions_and_answers": doc["questions_and_answers"],
        "timezone": doc["timezone"],
        "event": event_uri(doc["event"]),
        "created_at": stamp(doc["created_at"]),
        "updated_at": stamp(doc["updated_at"]),
        "tracking": doc["tracking"],
        "text_reminder_number": doc["text_reminder_number"],
        "rescheduled": False,
        "old_invitee": None,
        "new_invitee": None,
        "cancel_url": f"{WEB}/cancellations/{doc['uuid']}",
        "reschedule_url": f"{WEB}/reschedulings/{doc['uuid']}",
        "routing_form_submission": None,
        "payment": None,
        "no_show": None,
        "reconfirmation": None,
        "canceled": doc["status"] == "canceled",
        "scheduling_method": doc.get("scheduling_method"),
        "invitee_scheduled_by": doc.get("scheduled_by"),
    }
    if doc.get("cancellation") is not None:
        resource["cancellation"] = doc["cancellation"]
    return resource


def page_of(items: Sequence[Json], path: str, params: Mapping[str, str | None]) -> Json:
    """One page of `items` with Calendly's pagination; the token is an opaque offset."""
    count = _count(params.get("count"))
    offset = _offset(params.get("page_token"))
    chosen = list(items[offset : offset + count])
    kept = {k: v for k, v in params.items() if v is not None and k != "page_token"}

    def link(at: int) -> tuple[str, str]:
        token = base64.urlsafe_b64encode(f"offset:{at}".encode()).decode()
        return token, f"{API}{path}?{urlencode({**kept, 'page_token': token})}"

    following = link(offset + count) if offset + count < len(items) else (None, None)
    previous = link(max(0, offset - count)) if offset > 0 else (None, None)
    return {
        "collection": chosen,
        "pagination": {
            "count": len(chosen),
            "next_page": following[1],
            "previous_page": previous[1],
            "next_page_token": following[0],
            "previous_page_token": previous[0],
        },
    }


def _count(text: str | None) -> int:
    if text is None:
        return 20
    if not text.isdigit() or not 1 <= int(text) <= MAX_COUNT:
        raise invalid("count", f"must be an integer between 1 and {MAX_COUNT}")
    return int(text)


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
    except ValueError:
        raise invalid("page_token", "is invalid") from None
    if kind != "offset" or not value.isdigit():
        raise invalid("page_token", "is invalid")
    return int(value)
