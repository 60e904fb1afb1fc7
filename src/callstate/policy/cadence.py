"""When to dial again after a voicemail or no answer: the audience's cadence, in business hours.

Pure: the last attempt's instant comes in, the next one goes out (aware UTC), always inside
business hours and strictly after the last attempt. Days are counted on the workspace's local
calendar, so "next business day 10:00" is 10:00 local whichever side of a DST switch it falls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from callstate.config.hours import BusinessHours, Cadence, CadenceStep, minute_of_day
from callstate.policy.hours import business_days_after, local_instant, next_open


def step_for(cadence: Cadence, attempts_made: int) -> CadenceStep | None:
    """The step that plans attempt `attempts_made + 1`; None when the plan is used up."""
    if attempts_made < 1:
        raise ValueError("attempts_made counts the attempt that just ended: at least 1")
    if attempts_made >= cadence.max_attempts:
        return None
    return cadence.steps[min(attempts_made - 1, len(cadence.steps) - 1)]


def next_attempt(
    cadence: Cadence,
    attempts_made: int,
    last_attempt_at: datetime,
    zone: str,
    hours: BusinessHours | None,
) -> datetime | None:
    """The instant of the next dial, or None when `max_attempts` dials have been made."""
    step = step_for(cadence, attempts_made)
    if step is None:
        return None
    tz = ZoneInfo(zone)
    last = last_attempt_at.astimezone(UTC)
    local_last = last.astimezone(tz)
    if step.after_days is not None:
        day = business_days_after(hours, local_last.date(), step.after_days)
        minute = (
            minute_of_day(step.at_local)
            if step.at_local is not None
            else local_last.hour * 60 + local_last.minute
        )
        planned = local_instant(day, minute, tz)
    else:
        assert step.after_hours is not None  # the model sets exactly one of the two
        planned = last + timedelta(hours=step.after_hours)
        if step.at_local is not None:
            planned = _at_or_after(planned, minute_of_day(step.at_local), tz)
    return next_open(hours, zone, planned)


def _at_or_after(earliest: datetime, minute: int, tz: ZoneInfo) -> datetime:
    """The first instant at local wall time `minute` that is not before `earliest`."""
    day = earliest.astimezone(tz).date()
    candidate = local_instant(day, minute, tz)
    if candidate < earliest:
        candidate = local_instant(day + timedelta(days=1), minute, tz)
    return candidate
