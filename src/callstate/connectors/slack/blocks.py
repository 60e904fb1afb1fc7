"""Block Kit for a call notification. Pure: effect + links in, message payload out.

Limits respected: section text ≤ 3,000 chars, ≤ 10 fields, header ≤ 150 chars
(https://api.slack.com/reference/block-kit/blocks).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from callstate.connectors.ports import Links
from callstate.domain.call import Disposition
from callstate.domain.effects import MeetingNote, NotifyOwner

_ICON = {
    Disposition.CONNECTED: ":telephone_receiver:",
    Disposition.VOICEMAIL: ":mailbox_with_mail:",
    Disposition.NO_ANSWER: ":no_bell:",
    Disposition.BUSY: ":no_entry:",
    Disposition.FAILED: ":warning:",
}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _duration(ms: int | None) -> str:
    if ms is None:
        return "-"
    seconds = round(ms / 1000)
    return f"{seconds // 60}m {seconds % 60:02d}s"


def meeting_time(note: MeetingNote) -> str:
    """`Tue Nov 25, 2:30 PM EST`: in the owner's zone, with the zone's abbreviation."""
    local = note.start.astimezone(ZoneInfo(note.zone))
    minutes = "" if local.minute == 0 else f":{local.minute:02d}"
    hour = local.hour % 12 or 12
    return f"{local:%a %b} {local.day}, {hour}{minutes} {local:%p %Z}"


def meeting_line(note: MeetingNote) -> str:
    when = meeting_time(note)
    if note.url:
        when = f"<{note.url}|{when}>"
    state = "Meeting booked" if note.confirmed else "Meeting agreed, booking pending"
    return f":calendar: *{state}:* {when} with {note.owner_name}"


def fallback_text(effect: NotifyOwner) -> str:
    """The notification text (and screen-reader text) when blocks cannot show."""
    outcome = effect.disposition.value.replace("_", " ")
    return _clip(f"{effect.audience_name}: {effect.caller} ({outcome})", 3000)


def build_blocks(effect: NotifyOwner, links: Links) -> list[dict[str, Any]]:
    icon = _ICON[effect.disposition]
    outcome = effect.disposition.value.replace("_", " ")
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(f"{effect.caller} · {outcome}", 150)},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _clip(f"{icon} {effect.summary or '_No summary from the call._'}", 3000),
            },
            "fields": [
                {"type": "mrkdwn", "text": f"*Audience*\n{effect.audience_name}"},
                {"type": "mrkdwn", "text": f"*Direction*\n{effect.direction.value}"},
                {"type": "mrkdwn", "text": f"*Phone*\n{effect.caller_phone or '-'}"},
                {"type": "mrkdwn", "text": f"*Duration*\n{_duration(effect.duration_ms)}"},
                {"type": "mrkdwn", "text": f"*Sentiment*\n{effect.sentiment.value}"},
            ],
        },
    ]
    if effect.meeting is not None:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": meeting_line(effect.meeting)}}
        )
    link_texts = []
    if links.contact and links.contact.url:
        link_texts.append(f"<{links.contact.url}|Contact in CRM>")
    if links.call_log and links.call_log.url:
        link_texts.append(f"<{links.call_log.url}|Call record>")
    if effect.recording_url:
        link_texts.append(f"<{effect.recording_url}|Recording>")
    if link_texts:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": " · ".join(link_texts)}}
        )
    if effect.flags:
        flags = [
            {"type": "mrkdwn", "text": _clip(f":triangular_flag_on_post: {flag}", 300)}
            for flag in effect.flags[:10]
        ]
        blocks.append({"type": "context", "elements": flags})
    return blocks
