"""HubSpot's wire timestamps: what the emulator writes and which date inputs it accepts."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso(now: float) -> str:
    """HubSpot's timestamp format: ISO 8601, milliseconds, `Z`."""
    moment = datetime.fromtimestamp(now, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime | None:
    """ISO 8601 (naive = UTC) or epoch milliseconds, as HubSpot accepts for dates."""
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
