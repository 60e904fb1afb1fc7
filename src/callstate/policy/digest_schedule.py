"""When each workspace's digest is due, and which instants make up a local day. Pure: `now` is
passed in.

A digest reports a whole local day, so the one due is always yesterday's (local), once the
workspace's wall clock has passed its `digest.at` today. Wall-clock comparison is what makes
DST days behave: on a spring-forward day an `at` inside the skipped hour is passed as soon as
the clock jumps over it; on a fall-back day an `at` inside the repeated hour is passed at its
first occurrence (the second changes nothing, the day's workflow id has run already). Nothing
here remembers what was sent: the workflow id `digest:<workspace>:<date>` makes a second start
of the same day harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from callstate.config.model import Workspace


def local_day(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of `day` in `zone`: 24 hours, or 23/25 across DST."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def yesterday(zone: ZoneInfo, now: datetime) -> date:
    """The local date before `now`'s local date in `zone`."""
    return now.astimezone(zone).date() - timedelta(days=1)


def due_digests(workspaces: Iterable[Workspace], now: datetime) -> list[tuple[Workspace, date]]:
    """The (workspace, local date) digests to send at `now`: yesterday's, for each workspace
    with an enabled digest whose local time has reached `digest.at` today."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    due: list[tuple[Workspace, date]] = []
    for workspace in workspaces:
        schedule = workspace.digest
        if schedule is None or not schedule.enabled:
            continue
        zone = ZoneInfo(workspace.timezone)
        local = now.astimezone(zone)
        if local.time() >= time.fromisoformat(schedule.at):
            due.append((workspace, local.date() - timedelta(days=1)))
    return due
