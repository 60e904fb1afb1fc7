"""Block Kit for an incident alert and its thread notes. Pure: `AlertView` in, payload out.

The parent message is rewritten (chat.update) as the count grows and when it resolves, so the
channel shows each incident's current state in one place; the thread holds the history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callstate.domain.alerts import AlertView

_SECTION_LIMIT = 3000


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def alert_text(alert: AlertView) -> str:
    if alert.is_resolved():
        return _clip(f"Resolved: {alert.title}", 300)
    times = "once" if alert.occurrences == 1 else f"{alert.occurrences} times"
    return _clip(f"Alert ({alert.workspace}): {alert.title} ({times})", 300)


def alert_blocks(alert: AlertView) -> list[dict[str, Any]]:
    icon = ":white_check_mark:" if alert.is_resolved() else ":rotating_light:"
    state = "Resolved" if alert.is_resolved() else "Open"
    facts = [
        f"*{state}* · {alert.occurrences} occurrence{'s' if alert.occurrences != 1 else ''}",
        f"first {_when(alert.opened_at)}",
        f"last {_when(alert.last_seen_at)}",
    ]
    if alert.last_subject:
        facts.append(f"latest: `{alert.last_subject}`")
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip(f"{icon} *{alert.title}*", 3000)},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip(alert.detail or "-", _SECTION_LIMIT)},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(facts)}]},
    ]
    if alert.is_resolved() and alert.resolution:
        note = f"{_when(alert.resolved_at or alert.last_seen_at)}: {alert.resolution}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return blocks
