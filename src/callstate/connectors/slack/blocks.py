"""Block Kit for a call's owner notification. Pure: effect + links in, message payload out.

Who called, the company, the outcome, a two-line summary, the meeting in the owner's zone and
links to the CRM and the recording. Limits respected (https://api.slack.com/reference/block-kit/
blocks, research/calendar_slack.md §3.1): section text ≤ 3,000 chars, ≤ 10 fields, header
≤ 150 chars, context ≤ 10 elements, well under 50 blocks; the fallback `text` is always set.
Links are mrkdwn links, not buttons: a URL button still sends an interaction payload to the
app's Request URL, which the review queue's handler would have to ignore.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from callstate.connectors.ports import Links
from callstate.domain.call import Disposition
from callstate.domain.effects import MeetingNote, NotifyOwner

SUMMARY_CHARS = 280  # two lines of a Slack message on a laptop screen
_ICON = {
    Disposition.CONNECTED: ":telephone_receiver:",
    Disposition.VOICEMAIL: ":mailbox_with_mail:",
    Disposition.NO_ANSWER: ":no_bell:",
    Disposition.BUSY: ":no_entry:",
    Disposition.FAILED: ":warning:",
}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def two_lines(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first two lines, at most `limit` characters, cut on a word boundary."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    short = "\n".join(lines[:2])
    cut = len(lines) > 2
    if len(short) > limit:
        head = short[: limit - 1]
        space = max(head.rfind(" "), head.rfind("\n"))
        short = (head[:space] if space > limit // 2 else head).rstrip(" ,;:.-\n")
        cut = True
    return short + "…" if cut else short


def _duration(ms: int | None) -> str:
    if ms is None:
        return "-"
    seconds = round(ms / 1000)
    return f"{seconds // 60}m {seconds % 60:02d}s"


def local_time(moment: datetime, zone: str) -> str:
    """`Tue Nov 25, 2:30 PM EST`: weekday, date, time and the zone's abbreviation."""
    local = moment.astimezone(ZoneInfo(zone))
    minutes = "" if local.minute == 0 else f":{local.minute:02d}"
    hour = local.hour % 12 or 12
    return f"{local:%a %b} {local.day}, {hour}{minutes} {local:%p %Z}"


def meeting_time(note: MeetingNote) -> str:
    """The meeting's start in the note's (its reader's) zone."""
    return local_time(note.start, note.zone)


def meeting_line(note: MeetingNote, *, cancelled: bool = False) -> str:
    when = meeting_time(note)
    if cancelled:
        return f":x: *Meeting cancelled:* was {when} with {note.owner_name}"
    if note.url:
        when = f"<{note.url}|{when}>"
    state = "Meeting booked" if note.confirmed else "Meeting agreed, booking pending"
    return f":calendar: *{state}:* {when} with {note.owner_name}"


class Detour(StrEnum):
    """Why an owner's message went to the audience's channel instead of a DM. The value is
    what the call's thread records as `delivered` (a DM is "dm")."""

    NO_MEMBER = "channel"  # Slack has no active member with the owner's email
    NO_SCOPE = "channel/scope"  # the app may not look members up or open DMs


def unmapped_note(email: str, detour: Detour = Detour.NO_MEMBER) -> str:
    """Why an owner's message is in the channel, and what fixes it."""
    if detour is Detour.NO_SCOPE:
        return (
            f":warning: Not sent to {email} as a DM: the Slack app lacks the `users:read.email` "
            "or `im:write` scope it needs to DM owners. Add both under OAuth & Permissions "
            "and reinstall the app."
        )
    return (
        f":warning: No Slack user has the email {email}: add them to Slack with that email "
        "or fix `team` in the workspace config."
    )


def outcome_words(effect: NotifyOwner) -> str:
    if effect.outcome is not None:
        return effect.outcome.label
    return effect.disposition.value.replace("_", " ").capitalize()


def fallback_text(effect: NotifyOwner, *, detour: Detour | None = None) -> str:
    """The notification text (and screen-reader text) when blocks cannot show."""
    text = f"{effect.caller}: {outcome_words(effect)} ({effect.audience_name})"
    if effect.company:
        text = f"{effect.caller} ({effect.company}): {outcome_words(effect)}"
        text += f" ({effect.audience_name})"
    if detour is not None and effect.owner_email:
        text = f"For {effect.owner_name or effect.owner_email}: {text}"
    return clip(text, 3000)


def build_blocks(
    effect: NotifyOwner,
    links: Links,
    *,
    detour: Detour | None = None,
    cancelled: bool = False,
) -> list[dict[str, Any]]:
    """`detour`: posted to the channel instead of the owner's DM, and why (adds the note);
    `cancelled`: the meeting was cancelled since (the parent rewritten after the change)."""
    header = f"{effect.caller} · {outcome_words(effect)}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(header, 150)}}
    ]
    if detour is not None and effect.owner_email:
        owner = effect.owner_name or effect.owner_email
        why = unmapped_note(effect.owner_email, detour)
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": clip(f"*For {owner}.* {why}", 3000)},
            }
        )
    summary = two_lines(effect.summary) if effect.summary else "_No summary from the call._"
    fields = [
        {"type": "mrkdwn", "text": clip(f"*Caller*\n{effect.caller}", 2000)},
        {"type": "mrkdwn", "text": f"*Phone*\n{effect.caller_phone or '-'}"},
        {"type": "mrkdwn", "text": clip(f"*Company*\n{effect.company or '-'}", 2000)},
        {"type": "mrkdwn", "text": f"*Outcome*\n{outcome_words(effect)}"},
        {"type": "mrkdwn", "text": clip(f"*Audience*\n{effect.audience_name}", 2000)},
        {"type": "mrkdwn", "text": f"*Duration*\n{_duration(effect.duration_ms)}"},
        {"type": "mrkdwn", "text": f"*Direction*\n{effect.direction.value}"},
        {"type": "mrkdwn", "text": f"*Sentiment*\n{effect.sentiment.value}"},
    ]
    blocks.append(
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"{_ICON[effect.disposition]} {summary}"},
            "fields": fields,
        }
    )
    if effect.meeting is not None:
        note = effect.meeting
        if effect.owner_email:  # the reader is the owner: their zone
            note = note.model_copy(update={"zone": effect.owner_zone})
        line = meeting_line(note, cancelled=cancelled)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(line, 3000)}})
    link_texts = []
    if links.contact and links.contact.url:
        link_texts.append(f"<{links.contact.url}|Contact in CRM>")
    if links.call_log and links.call_log.url:
        link_texts.append(f"<{links.call_log.url}|Call log>")
    if effect.recording_url:
        link_texts.append(f"<{effect.recording_url}|Recording>")
    if link_texts:
        text = clip(" · ".join(link_texts), 3000)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if effect.flags:
        flags = [
            {"type": "mrkdwn", "text": clip(f":triangular_flag_on_post: {flag}", 300)}
            for flag in effect.flags[:10]
        ]
        blocks.append({"type": "context", "elements": flags})
    return blocks
