"""What the in-call tools answer: small JSON objects whose `message` the agent can say as is.

Times go back twice: `start` as local ISO 8601 with the caller's offset (what `book_meeting`
takes back) and `spoken` ("Wednesday, November 25 at 2:30 PM Eastern time").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callstate.config.model import Workspace
from callstate.domain.calendar import Slot
from callstate.policy.speech import speak
from callstate.storage.meetings import MeetingView

Answer = dict[str, Any]
EMAIL_DOMAIN = "phone.invalid"  # RFC 2606: never delivered; the calendar still needs an email
_SPREAD = timedelta(minutes=60)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="minutes")


def spread(slots: Sequence[Slot], count: int) -> list[Slot]:
    """A few distinct starts, an hour apart where the calendar allows, earliest first."""
    starts = sorted({s.start: s for s in slots}.values(), key=lambda s: s.start)
    chosen = spaced(starts, count)
    if len(chosen) == count:
        return chosen
    rest = [s for s in starts if s not in chosen]
    return sorted(chosen + rest[: count - len(chosen)], key=lambda s: s.start)


def spaced(starts: Sequence[Slot], count: int) -> list[Slot]:
    """Up to `count` of the slots, an hour apart, taken earliest first from `starts` (sorted).
    When it finds `count`, more slots after the last of `starts` would not change them."""
    chosen: list[Slot] = []
    for slot in starts:
        if not chosen or slot.start - chosen[-1].start >= _SPREAD:
            chosen.append(slot)
            if len(chosen) == count:
                break
    return chosen


def calendar_down(detail: str) -> Answer:
    return {
        "booked": False,
        "available": False,
        "reason": "calendar_unavailable",
        "message": "I can't reach the calendar right now. Someone from the team will call you "
        "back to set a time.",
        "detail": detail[:200],
    }


def storage_down() -> Answer:
    """Our database failed mid-tool (a restart, a failover). Whatever was claimed is settled
    after the call: a pending claim by the post-call booking step, which looks for the key."""
    return {
        "booked": False,
        "available": False,
        "reason": "service_unavailable",
        "message": "I can't get to the calendar right now. Someone from the team will call you "
        "back to set a time.",
    }


def no_calendar() -> Answer:
    return {
        "booked": False,
        "available": False,
        "reason": "no_calendar",
        "message": "I can't book a time on this call, but someone from the team will reach out "
        "to set one up.",
    }


def confirmation(workspace: Workspace, meeting: MeetingView, zone: ZoneInfo) -> Answer:
    member = workspace.member(meeting.owner_email)
    host = member.name if member else "our team"
    emailed = not meeting.attendee_email.endswith("@" + EMAIL_DOMAIN)
    spoken = speak(meeting.start, zone)
    return {
        "booked": True,
        "start": local_time(meeting.start, zone),
        "spoken": spoken,
        "host": host,
        "message": f"You're booked for {spoken} with {host}."
        + (" You'll get a confirmation by email." if emailed else ""),
    }
