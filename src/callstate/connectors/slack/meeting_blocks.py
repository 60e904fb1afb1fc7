"""Block Kit for a calendar change (booked, moved, cancelled outside the call). Pure."""

from __future__ import annotations

from typing import Any

from callstate.connectors.ports import Links
from callstate.connectors.slack.blocks import meeting_line, meeting_time
from callstate.domain.calendar import BookingChangeKind
from callstate.domain.effects import MeetingNote, NotifyMeeting

_HEADLINE = {
    BookingChangeKind.CREATED: ":calendar: Meeting booked",
    BookingChangeKind.RESCHEDULED: ":arrows_counterclockwise: Meeting moved",
    BookingChangeKind.CANCELLED: ":x: Meeting cancelled",
}


def meeting_text(effect: NotifyMeeting) -> str:
    headline = _HEADLINE[effect.change].split(" ", 1)[1]
    return f"{headline}: {effect.attendee_name}, {meeting_time(effect.meeting)}"[:3000]


def meeting_blocks(effect: NotifyMeeting, links: Links) -> list[dict[str, Any]]:
    lines = [f"*{_HEADLINE[effect.change]}* · {effect.attendee_name}"]
    if effect.change is BookingChangeKind.CANCELLED:
        lines.append(f"Was {meeting_time(effect.meeting)} with {effect.meeting.owner_name}.")
    else:
        lines.append(meeting_line(effect.meeting))
    if effect.previous_start is not None:
        before = MeetingNote.model_validate(
            effect.meeting.model_dump() | {"start": effect.previous_start}
        )
        lines.append(f"Previously {meeting_time(before)}.")
    fields = [{"type": "mrkdwn", "text": f"*Phone*\n{effect.attendee_phone or '-'}"}]
    if links.contact and links.contact.url:
        fields.append({"type": "mrkdwn", "text": f"*CRM*\n<{links.contact.url}|Contact>"})
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}},
        {"type": "section", "fields": fields},
    ]
