"""Free time of a personal event type: the host's weekly hours in the host's zone, minus
minimum notice, the booking window and the host's bookings. Pure: `now` and busy times are
passed in.

Working hours are wall-clock times in the host's IANA zone, turned into UTC per calendar day
with `zoneinfo`, so a day after a DST change starts at the new offset (09:00 New York is 13:00Z
in October and 14:00Z after 2026-11-01). Slots step by the event's length (or its interval)
from the start of each working block, as Cal.com's slot generator does; a slot must fit in the
block and overlap no busy interval of the host (any of the host's event types).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from callstate.sandbox.calcom.seeds import EventTypeSeed

Interval = tuple[datetime, datetime]


class Refusal(StrEnum):
    """Why a start cannot be booked (each maps to one Cal.com error)."""

    PAST = "past"
    OUT_OF_BOUNDS = "out_of_bounds"
    UNAVAILABLE = "unavailable"


def working_blocks(event: EventTypeSeed, first: date, last: date) -> Iterator[Interval]:
    """The host's working intervals (UTC) on local dates first..last, in order."""
    zone = ZoneInfo(event.host.time_zone)
    day = first
    while day <= last:
        blocks = [
            (
                datetime.combine(day, rule.start, tzinfo=zone).astimezone(UTC),
                datetime.combine(day, rule.end, tzinfo=zone).astimezone(UTC),
            )
            for rule in event.hours
            if day.isoweekday() in rule.days
        ]
        yield from sorted(blocks)
        day += timedelta(days=1)


def _local_dates(event: EventTypeSeed, start: datetime, end: datetime) -> tuple[date, date]:
    zone = ZoneInfo(event.host.time_zone)
    return (start.astimezone(zone).date() - timedelta(days=1), end.astimezone(zone).date())


def _overlaps(start: datetime, end: datetime, busy: Iterable[Interval]) -> bool:
    return any(start < b_end and end > b_start for b_start, b_end in busy)


def bounds(event: EventTypeSeed, now: datetime) -> tuple[datetime, datetime | None]:
    """Earliest bookable start (minimum notice) and the latest, if the window is limited."""
    earliest = now + timedelta(minutes=event.minimum_notice_minutes)
    window = event.booking_window_days
    return earliest, None if window is None else now + timedelta(days=window)


def free_slots(
    event: EventTypeSeed,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    busy: Iterable[Interval],
) -> list[datetime]:
    """Slot starts in [start, end), earliest first."""
    length = timedelta(minutes=event.length_minutes)
    step = timedelta(minutes=event.slot_interval_minutes or event.length_minutes)
    earliest, latest = bounds(event, now)
    taken = list(busy)
    found: set[datetime] = set()
    for block_start, block_end in working_blocks(event, *_local_dates(event, start, end)):
        slot = block_start
        while slot + length <= block_end:
            if (
                start <= slot < end
                and slot >= earliest
                and (latest is None or slot <= latest)
                and not _overlaps(slot, slot + length, taken)
            ):
                found.add(slot)
            slot += step
    return sorted(found)


def refusal(
    event: EventTypeSeed, start: datetime, *, now: datetime, busy: Iterable[Interval]
) -> Refusal | None:
    """Why [start, start + length) cannot be booked, or None. Cal.com checks the interval
    against availability, not the slot grid, so an off-grid start inside hours is accepted."""
    end = start + timedelta(minutes=event.length_minutes)
    if start < now:
        return Refusal.PAST
    earliest, latest = bounds(event, now)
    if start < earliest or (latest is not None and start > latest):
        return Refusal.OUT_OF_BOUNDS
    inside = any(
        b_start <= start and end <= b_end
        for b_start, b_end in working_blocks(event, *_local_dates(event, start, end))
    )
    if not inside or _overlaps(start, end, busy):
        return Refusal.UNAVAILABLE
    return None
