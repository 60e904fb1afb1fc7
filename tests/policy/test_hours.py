"""Business hours: weekdays, weekends, US holidays, overrides and the DST switch days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from callstate.config.hours import BusinessHours
from callstate.policy.hours import business_days_after, is_open, next_open, spans_on

NY = "America/New_York"


def hours(**overrides: Any) -> BusinessHours:
    """Mon-Fri 09:00-17:00 and Sat 10:00-13:00, closed on US federal holidays."""
    values: dict[str, Any] = {
        day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")
    }
    values |= {"sat": ["10:00", "13:00"], "holidays": {"country": "US"}}
    values |= overrides
    return BusinessHours.model_validate(values)


OFFICE = hours()
# Every day 08:00-20:00 plus a night shift 01:00-04:00 that straddles the 02:00 switch.
EVERY_DAY = BusinessHours.model_validate(
    {day: [["01:00", "04:00"], ["08:00", "20:00"]] for day in
     ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)  # fmt: skip


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("case", "calendar", "now", "open_"),
    [
        ("weekday 10:00 EST", OFFICE, utc(2026, 11, 24, 15, 0), True),
        ("weekday 08:59 EST", OFFICE, utc(2026, 11, 24, 13, 59), False),
        ("weekday 09:00 EST opens", OFFICE, utc(2026, 11, 24, 14, 0), True),
        ("weekday 16:59 EST", OFFICE, utc(2026, 11, 24, 21, 59), True),
        ("weekday 17:00 EST closed", OFFICE, utc(2026, 11, 24, 22, 0), False),
        ("weekday 20:00 EST", OFFICE, utc(2026, 11, 25, 1, 0), False),
        ("Saturday 11:00 EST", OFFICE, utc(2026, 11, 28, 16, 0), True),
        ("Saturday 14:00 EST", OFFICE, utc(2026, 11, 28, 19, 0), False),
        ("Sunday noon", OFFICE, utc(2026, 11, 29, 17, 0), False),
        ("Thanksgiving 2026-11-26", OFFICE, utc(2026, 11, 26, 16, 0), False),
        ("Christmas 2026-12-25", OFFICE, utc(2026, 12, 25, 16, 0), False),
        ("Independence Day observed 2026-07-03", OFFICE, utc(2026, 7, 3, 15, 0), False),
        ("day after Thanksgiving", OFFICE, utc(2026, 11, 27, 16, 0), True),
        (
            "closed_dates 2026-11-27",
            hours(closed_dates=["2026-11-27"]),
            utc(2026, 11, 27, 16, 0),
            False,
        ),
        (
            "open_dates on Thanksgiving",
            hours(open_dates={"2026-11-26": ["10:00", "14:00"]}),
            utc(2026, 11, 26, 16, 0),
            True,
        ),
        (
            "open_dates hours replace the weekday's",
            hours(open_dates={"2026-11-24": ["10:00", "14:00"]}),
            utc(2026, 11, 24, 14, 30),
            False,
        ),
        (
            "NY Lincoln's Birthday, NY calendar",
            hours(holidays={"country": "US", "subdivision": "NY"}),
            utc(2026, 2, 12, 15, 0),
            False,
        ),
        ("NY Lincoln's Birthday, federal calendar", OFFICE, utc(2026, 2, 12, 15, 0), True),
        (
            "no holiday calendar: Christmas is a Friday",
            hours(holidays=None),
            utc(2026, 12, 25, 16, 0),
            True,
        ),
        (
            "two spans: lunch break",
            hours(mon=[["09:00", "12:00"], ["13:00", "17:00"]]),
            utc(2026, 11, 23, 17, 30),
            False,
        ),
        (
            "two spans: afternoon",
            hours(mon=[["09:00", "12:00"], ["13:00", "17:00"]]),
            utc(2026, 11, 23, 18, 0),
            True,
        ),
        # 2026-03-08: 02:00 EST → 03:00 EDT. 08:00 local is 12:00 UTC, a day earlier 13:00 UTC.
        ("DST start: 07:59 EDT", EVERY_DAY, utc(2026, 3, 8, 11, 59), False),
        ("DST start: 08:00 EDT", EVERY_DAY, utc(2026, 3, 8, 12, 0), True),
        ("day before DST start: 07:30 EST", EVERY_DAY, utc(2026, 3, 7, 12, 30), False),
        ("day before DST start: 08:00 EST", EVERY_DAY, utc(2026, 3, 7, 13, 0), True),
        ("DST start: 19:59 EDT", EVERY_DAY, utc(2026, 3, 8, 23, 59), True),
        ("DST start: 20:00 EDT", EVERY_DAY, utc(2026, 3, 9, 0, 0), False),
        ("DST start night shift 03:30 EDT", EVERY_DAY, utc(2026, 3, 8, 7, 30), True),
        ("DST start night shift over at 04:00 EDT", EVERY_DAY, utc(2026, 3, 8, 8, 0), False),
        # 2026-11-01: 02:00 EDT → 01:00 EST. 08:00 local is 13:00 UTC, a day earlier 12:00 UTC.
        ("DST end: 07:30 EST", EVERY_DAY, utc(2026, 11, 1, 12, 30), False),
        ("DST end: 08:00 EST", EVERY_DAY, utc(2026, 11, 1, 13, 0), True),
        ("day before DST end: 08:30 EDT", EVERY_DAY, utc(2026, 10, 31, 12, 30), True),
        ("DST end: 20:00 EST", EVERY_DAY, utc(2026, 11, 2, 1, 0), False),
        ("DST end night shift, first 01:30 EDT", EVERY_DAY, utc(2026, 11, 1, 5, 30), True),
        ("DST end night shift, 03:59 EST", EVERY_DAY, utc(2026, 11, 1, 8, 59), True),
        ("DST end night shift over at 04:00 EST", EVERY_DAY, utc(2026, 11, 1, 9, 0), False),
    ],
)
def test_is_open(case: str, calendar: BusinessHours, now: datetime, open_: bool) -> None:
    assert is_open(calendar, NY, now) is open_, case


def test_no_hours_is_always_open() -> None:
    now = utc(2026, 12, 25, 8, 0)
    assert is_open(None, NY, now)
    assert next_open(None, NY, now) == now


@pytest.mark.parametrize(
    ("case", "calendar", "now", "opening"),
    [
        ("open now", OFFICE, utc(2026, 11, 24, 15, 0), utc(2026, 11, 24, 15, 0)),
        ("before opening", OFFICE, utc(2026, 11, 24, 12, 0), utc(2026, 11, 24, 14, 0)),
        (
            "Friday evening → Saturday 10:00",
            OFFICE,
            utc(2026, 11, 20, 23, 0),
            utc(2026, 11, 21, 15, 0),
        ),
        (
            "Saturday afternoon → Monday 09:00",
            OFFICE,
            utc(2026, 11, 28, 19, 0),
            utc(2026, 11, 30, 14, 0),
        ),
        (
            "Wednesday evening, Thanksgiving → Friday",
            OFFICE,
            utc(2026, 11, 25, 23, 0),
            utc(2026, 11, 27, 14, 0),
        ),
        (
            "Christmas Eve evening → Saturday 26th 10:00",
            OFFICE,
            utc(2026, 12, 24, 23, 0),
            utc(2026, 12, 26, 15, 0),
        ),
        (
            "closed_dates skip",
            hours(closed_dates=["2026-11-27", "2026-11-28"]),
            utc(2026, 11, 25, 23, 0),
            utc(2026, 11, 30, 14, 0),
        ),
        (
            "lunch break → 13:00",
            hours(mon=[["09:00", "12:00"], ["13:00", "17:00"]]),
            utc(2026, 11, 23, 17, 15),
            utc(2026, 11, 23, 18, 0),
        ),
        # Saturday 2026-03-07 closes at 13:00 EST; Monday 09:00 is now EDT: 13:00 UTC, not 14:00.
        ("across DST start", OFFICE, utc(2026, 3, 7, 19, 0), utc(2026, 3, 9, 13, 0)),
        ("across DST end", OFFICE, utc(2026, 10, 31, 18, 0), utc(2026, 11, 2, 14, 0)),
        ("DST start day, every day", EVERY_DAY, utc(2026, 3, 8, 9, 0), utc(2026, 3, 8, 12, 0)),
        ("DST end day, every day", EVERY_DAY, utc(2026, 11, 1, 10, 0), utc(2026, 11, 1, 13, 0)),
    ],
)
def test_next_open(case: str, calendar: BusinessHours, now: datetime, opening: datetime) -> None:
    assert next_open(calendar, NY, now) == opening, case


def test_next_open_is_utc_and_never_before_now() -> None:
    minus_five = timezone(timedelta(hours=-5))
    evening = utc(2026, 11, 24, 23, 0).astimezone(minus_five)
    assert next_open(OFFICE, NY, evening).tzinfo is UTC
    assert next_open(OFFICE, NY, evening) == utc(2026, 11, 25, 14, 0)
    afternoon = utc(2026, 11, 24, 20, 0).astimezone(minus_five)
    assert next_open(OFFICE, NY, afternoon).tzinfo is UTC
    assert next_open(OFFICE, NY, afternoon) == afternoon


def test_a_calendar_closed_for_longer_than_the_search_is_an_error() -> None:
    start = date(2026, 1, 1)
    closed = [(start + timedelta(days=n)).isoformat() for n in range(420)]
    with pytest.raises(ValueError, match="open on no day"):
        next_open(hours(closed_dates=closed), NY, utc(2026, 1, 1, 0, 0))


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 11, 23), 1, date(2026, 11, 24)),  # Monday → Tuesday
        (date(2026, 11, 25), 1, date(2026, 11, 27)),  # Thanksgiving skipped
        (date(2026, 11, 27), 1, date(2026, 11, 28)),  # Friday → Saturday (open 10-13)
        (date(2026, 12, 24), 1, date(2026, 12, 26)),  # Christmas skipped
        (date(2026, 11, 28), 2, date(2026, 12, 1)),  # Sunday closed
    ],
)
def test_business_days_after(day: date, count: int, expected: date) -> None:
    assert business_days_after(OFFICE, day, count) == expected


def test_business_days_after_without_hours_counts_every_day() -> None:
    assert business_days_after(None, date(2026, 12, 24), 2) == date(2026, 12, 26)
    with pytest.raises(ValueError, match="at least 1"):
        business_days_after(None, date(2026, 12, 24), 0)


def test_spans_come_out_in_order_and_holidays_are_empty() -> None:
    calendar = hours(mon=[["13:00", "17:00"], ["09:00", "12:00"]])
    assert [s.start for s in spans_on(calendar, date(2026, 11, 23))] == ["09:00", "13:00"]
    assert spans_on(calendar, date(2026, 12, 25)) == ()


def test_a_span_may_run_to_midnight() -> None:
    late = hours(fri=["18:00", "24:00"])
    assert is_open(late, NY, utc(2026, 11, 21, 4, 59))  # Friday 23:59 EST
    assert not is_open(late, NY, utc(2026, 11, 21, 5, 0))  # Saturday 00:00


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mon": ["17:00", "09:00"]}, "ends before it starts"),
        ({"mon": ["9:00", "17:00"]}, "not a time of day"),
        ({"mon": ["09:00", "24:30"]}, "not a time of day"),
        ({"mon": ["24:00", "24:00"]}, "cannot start at 24:00"),
        ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, "overlap"),
        ({"mon": [["08:00", "09:00"], ["10:00", "11:00"], ["12:00", "13:00"]]}, "at most 2"),
        ({"holidays": {"country": "US", "subdivision": "ZZ"}}, "subdivision ZZ"),
        ({"holidays": {"country": "XX"}}, "XX not available"),
        ({"open_dates": {"2026-11-26": []}}, "give the hours"),
        (
            {"closed_dates": ["2026-11-26"], "open_dates": {"2026-11-26": ["09:00", "10:00"]}},
            "both closed and open",
        ),
        ({"mon": ["09:00", "17:00"], "monday": ["09:00", "17:00"]}, "Extra inputs"),
    ],
)
def test_invalid_hours_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        hours(**overrides)


def test_hours_open_on_no_weekday_are_refused() -> None:
    with pytest.raises(ValidationError, match="no weekday"):
        BusinessHours.model_validate({"open_dates": {"2026-11-26": ["09:00", "10:00"]}})


@given(st.integers(min_value=0, max_value=2 * 366 * 24 * 3600))
def test_next_open_is_the_first_open_instant(seconds: int) -> None:
    now = utc(2026, 1, 1) + timedelta(seconds=seconds)
    for calendar in (OFFICE, EVERY_DAY):
        opening = next_open(calendar, NY, now)
        assert opening >= now
        assert is_open(calendar, NY, opening)
        if opening > now:
            assert not is_open(calendar, NY, now)
            assert not is_open(calendar, NY, max(now, opening - timedelta(minutes=1)))


def test_the_documented_yaml_spelling_loads() -> None:
    text = """
mon: ["09:00", "17:00"]
fri: [["09:00", "12:00"], ["13:00", "16:00"]]
holidays: {country: US, subdivision: NY}
closed_dates: [2026-12-24]
open_dates: {2026-11-27: ["10:00", "14:00"]}
"""
    calendar = BusinessHours.model_validate(yaml.safe_load(text))
    assert [(s.start, s.end) for s in calendar.fri] == [("09:00", "12:00"), ("13:00", "16:00")]
    assert not is_open(calendar, NY, utc(2026, 12, 24, 15, 0))  # a Thursday, closed by date
    assert is_open(calendar, NY, utc(2026, 11, 27, 15, 30))  # Friday 10:30 by open_dates
    assert not is_open(calendar, NY, utc(2026, 11, 27, 14, 30))  # 09:30: not that day
