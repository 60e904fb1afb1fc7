"""GoHighLevel's timestamps: ISO 8601 in UTC with milliseconds (`2021-07-02T05:18:26.704Z`)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
