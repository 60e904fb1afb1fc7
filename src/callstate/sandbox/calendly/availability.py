"""Free start times of a solo event type: the host's weekly hours in the host's zone, minus
minimum notice and the host's scheduled events. Pure: `now` and busy times are passed in.

Weekly hours are wall-clock times in the host's IANA zone, turned into UTC per local date with
`zoneinfo`, so the day after a DST change starts at the new offset (09:00 in New York is 13:00Z
on Friday 2026-10-30 and 14:00Z on Monday 2026-11-02). Starts step by the event type's start
increment (Calendly's `start_time_increment`, by default its length; research §2.1) from the
start of each block; a meeting must fit in the block and overlap none of the host's active
events, whatever their event type.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from callstate.sandbox.calendly.seeds import EventTypeSeed

Interval = tuple[datetime, datetime]


class Refusal(StrEnum):
    """Why a start cannot be booked (each maps to one error of `POST /invitees`)."""

    PAST = "past"
    UNAVAILABLE = "unavailable"
    TAKEN = "taken"


def working_blocks(event: EventTypeSeed, zone: str, first: date, last: date) -> Iterator[Interval]:
    """The host's working intervals (UTC) on local dates first..last, in order."""
    tz = ZoneInfo(zone)
    day = first
    while day <= last:
        blocks = [
            (
                datetime.combine(day, rule.start, tzinfo=tz).astimezone(UTC),
                datetime.combine(day, rule.end, tzinfo=tz).astimezone(UTC),
            )
            for rule in event.hours
            if day.isoweekday() in rule.days
        ]
        yield from sorted(blocks)
        day += timedelta(days=1)


def _grid(event: EventTypeSeed, zone: str, start: datetime, end: datetime) -> Iterator[datetime]:
    """Every start on the event type's grid whose meeting fits a working block."""
    tz = ZoneInfo(zone)
    length = timedelta(minutes=event.duration_minutes)
    step = timedelta(minutes=event.step_minutes)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    for block_start, block_end in working_blocks(event, zone, first, last):
        slot = block_start
        while slot + length <= block_end:
            yield slot
            slot += step


def _overlaps(start: datetime, end: datetime, busy: Iterable[Interval]) -> bool:
    return any(start < b_end and end > b_start for b_start, b_end in busy)


def free_starts(
    event: EventTypeSeed,
    zone: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    busy: Iterable[Interval],
) -> list[datetime]:
    """Free starts in [start, end), earliest first."""
    length = timedelta(minutes=event.duration_minutes)
    earliest = now + timedelta(minutes=event.minimum_notice_minutes)
    taken = list(busy)
    found = {
        slot
        for slot in _grid(event, zone, start, end)
        if start <= slot < end and slot >= earliest and not _overlaps(slot, slot + length, taken)
    }
    return sorted(found)


def refusal(
    event: EventTypeSeed, zone: str, at: datetime, *, now: datetime, busy: Iterable[Interval]
) -> Refusal | None:
    """Why `at` cannot be booked now, or None when it can."""
    length = timedelta(minutes=event.duration_minutes)
    if at < now + timedelta(minutes=event.minimum_notice_minutes):
        return Refusal.PAST
    if at not in set(_grid(event, zone, at, at + length)):
        return Refusal.UNAVAILABLE
    if _overlaps(at, at + length, busy):
        return Refusal.TAKEN
    return None
