"""Open or closed at an instant, and the next opening: business hours in a zone, with holidays.

Pure: `now` comes in. Openings are wall-clock times in the workspace's zone, turned into UTC per
date, so on a DST switch day 09:00 is still 09:00 local (13:00 UTC in EDT, 14:00 UTC in EST).
A wall time that does not exist (the spring-forward gap) is read with the offset before the
switch (02:30 → 03:30 EDT); a repeated one (fall back) is its first occurrence.

`hours=None` means always open.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from holidays import country_holidays

from callstate.config.hours import BusinessHours, HolidayCalendar, Span

# Overrides can close weeks at a time; a year and a bit always finds an opening because the
# configuration guarantees at least one open weekday.
_SEARCH_DAYS = 400


@lru_cache(maxsize=256)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    # Building a year's calendar costs a fraction of a millisecond; the inbound answer has a
    # budget of a few, and the same few (country, year) pairs repeat all day.
    return frozenset(country_holidays(country, subdiv=subdivision, years=year).keys())


def is_holiday(calendar: HolidayCalendar | None, day: date) -> bool:
    if calendar is None:
        return False
    return day in _holiday_dates(calendar.country, calendar.subdivision, day.year)


def spans_on(hours: BusinessHours, day: date) -> tuple[Span, ...]:
    """The spans open on a local date, earliest first: `open_dates` win, then `closed_dates`,
    then holidays, then the weekday's regular hours."""
    if day in hours.open_dates:
        spans = hours.open_dates[day]
    elif day in hours.closed_dates or is_holiday(hours.holidays, day):
        spans = ()
    else:
        spans = hours.weekly(day.weekday())
    return tuple(sorted(spans, key=lambda s: s.start_minute))


def is_business_day(hours: BusinessHours | None, day: date) -> bool:
    return hours is None or bool(spans_on(hours, day))


def local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock minute on a local date (1440 = next midnight)."""
    if minute >= 24 * 60:
        day, minute = day + timedelta(days=1), minute - 24 * 60
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return wall.astimezone(UTC)


def _open_intervals(
    hours: BusinessHours, day: date, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    return [
        (local_instant(day, s.start_minute, zone), local_instant(day, s.end_minute, zone))
        for s in spans_on(hours, day)
    ]


def is_open(hours: BusinessHours | None, zone: str, now: datetime) -> bool:
    """Whether `now` (aware) falls inside a span of its local date."""
    if hours is None:
        return True
    tz = ZoneInfo(zone)
    local_day = now.astimezone(tz).date()
    return any(start <= now < end for start, end in _open_intervals(hours, local_day, tz))


def next_open(hours: BusinessHours | None, zone: str, now: datetime) -> datetime:
    """`now` (as UTC) when open, else the start of the next span. Raises `ValueError` when
    nothing opens within `_SEARCH_DAYS` (every date closed by override)."""
    if is_open(hours, zone, now) or hours is None:
        return now.astimezone(UTC)
    tz = ZoneInfo(zone)
    first = now.astimezone(tz).date()
    for offset in range(_SEARCH_DAYS):
        for start, _end in _open_intervals(hours, first + timedelta(days=offset), tz):
            if start > now:
                return start
    raise ValueError(f"business hours open on no day in the {_SEARCH_DAYS} days after {now}")


def business_days_after(hours: BusinessHours | None, day: date, count: int) -> date:
    """The `count`-th business day after the local date `day` (every day counts when there are
    no hours). Raises `ValueError` when the count is not positive or no day qualifies."""
    if count < 1:
        raise ValueError("count must be at least 1")
    found = 0
    for offset in range(1, _SEARCH_DAYS * max(1, count)):
        candidate = day + timedelta(days=offset)
        if is_business_day(hours, candidate):
            found += 1
            if found == count:
                return candidate
    raise ValueError(f"no {count} business days after {day}")
