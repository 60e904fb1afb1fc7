"""Voicemail / no-answer retries land in business hours, skip holidays, and stop when used up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from callstate.config.hours import BusinessHours, Cadence
from callstate.policy.cadence import next_attempt, step_for
from callstate.policy.hours import is_open

NY = "America/New_York"
OFFICE = BusinessHours.model_validate(
    {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    | {"holidays": {"country": "US"}}
)
# Next business day 10:00, then two business days later at 16:00, then stop.
PLAN = Cadence.model_validate(
    {
        "steps": [{"after_days": 1, "at_local": "10:00"}, {"after_days": 2, "at_local": "16:00"}],
        "max_attempts": 3,
    }
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def cadence(*steps: dict[str, Any], max_attempts: int) -> Cadence:
    return Cadence.model_validate({"steps": list(steps), "max_attempts": max_attempts})


@pytest.mark.parametrize(
    ("case", "attempts", "last", "expected"),
    [
        # Friday 2026-11-20 15:30 EST voicemail → Monday 10:00 EST.
        ("Friday afternoon → Monday 10:00", 1, utc(2026, 11, 20, 20, 30), utc(2026, 11, 23, 15)),
        ("Friday after closing → Monday 10:00", 1, utc(2026, 11, 21, 0, 30), utc(2026, 11, 23, 15)),
        ("Monday → +2 business days 16:00", 2, utc(2026, 11, 23, 15), utc(2026, 11, 25, 21)),
        (
            "Wednesday before Thanksgiving → Friday 10:00",
            1,
            utc(2026, 11, 25, 19),
            utc(2026, 11, 27, 15),
        ),
        (
            "Tuesday +2 skips Thanksgiving → Friday 16:00",
            2,
            utc(2026, 11, 24, 15),
            utc(2026, 11, 27, 21),
        ),
        (
            "Wednesday 12-23 +2 skips Christmas → Monday 16:00",
            2,
            utc(2026, 12, 23, 15),
            utc(2026, 12, 28, 21),
        ),
        # DST: 10:00 local is 15:00 UTC after 2026-11-01 and 14:00 UTC after 2026-03-08.
        (
            "Friday before DST end → Monday 10:00 EST",
            1,
            utc(2026, 10, 30, 19),
            utc(2026, 11, 2, 15),
        ),
        ("Friday before DST start → Monday 10:00 EDT", 1, utc(2026, 3, 6, 20), utc(2026, 3, 9, 14)),
        ("exhausted", 3, utc(2026, 11, 25, 21), None),
        ("beyond exhausted", 7, utc(2026, 11, 25, 21), None),
    ],
)
def test_plan(case: str, attempts: int, last: datetime, expected: datetime | None) -> None:
    assert next_attempt(PLAN, attempts, last, NY, OFFICE) == expected, case


@pytest.mark.parametrize(
    ("case", "step", "last", "expected"),
    [
        (
            "after_days keeps the last local time",
            {"after_days": 1},
            utc(2026, 11, 20, 20, 30),
            utc(2026, 11, 23, 20, 30),
        ),
        (
            "at_local after closing → next opening",
            {"after_days": 1, "at_local": "18:00"},
            utc(2026, 11, 23, 15),
            utc(2026, 11, 25, 14),
        ),
        (
            "after_hours inside hours",
            {"after_hours": 4},
            utc(2026, 11, 23, 15),
            utc(2026, 11, 23, 19),
        ),
        (
            "after_hours past closing → next opening",
            {"after_hours": 4},
            utc(2026, 11, 23, 20),
            utc(2026, 11, 24, 14),
        ),
        (
            "after_hours then the first at_local",
            {"after_hours": 4, "at_local": "11:00"},
            utc(2026, 11, 23, 20),
            utc(2026, 11, 24, 16),
        ),
        (
            "after_hours, at_local later that day",
            {"after_hours": 1, "at_local": "15:00"},
            utc(2026, 11, 23, 15),
            utc(2026, 11, 23, 20),
        ),
        (
            "after_hours over Thanksgiving",
            {"after_hours": 20},
            utc(2026, 11, 25, 21),
            utc(2026, 11, 27, 14),
        ),
    ],
)
def test_steps(case: str, step: dict[str, Any], last: datetime, expected: datetime) -> None:
    plan = cadence(step, max_attempts=2)
    assert next_attempt(plan, 1, last, NY, OFFICE) == expected, case


def test_without_business_hours_every_day_counts() -> None:
    plan = cadence({"after_days": 1}, max_attempts=2)
    saturday_evening = utc(2026, 11, 29, 1)  # Saturday 20:00 EST
    assert next_attempt(plan, 1, saturday_evening, NY, None) == utc(2026, 11, 30, 1)


def test_the_last_step_repeats_up_to_max_attempts() -> None:
    plan = cadence({"after_days": 2, "at_local": "10:00"}, max_attempts=4)
    last = utc(2026, 11, 16, 15)  # Monday 10:00 EST
    planned = []
    for attempts in range(1, 6):
        result = next_attempt(plan, attempts, last, NY, OFFICE)
        planned.append(result)
        last = result or last
    assert planned == [utc(2026, 11, 18, 15), utc(2026, 11, 20, 15), utc(2026, 11, 24, 15),
                       None, None]  # fmt: skip


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        next_attempt(PLAN, 0, utc(2026, 11, 23, 15), NY, OFFICE)
    assert step_for(PLAN, 1) == PLAN.steps[0]
    assert step_for(PLAN, 2) == PLAN.steps[1]
    assert step_for(PLAN, 3) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"steps": [{"after_days": 1, "after_hours": 2}], "max_attempts": 2}, "exactly one"),
        ({"steps": [{"at_local": "10:00"}], "max_attempts": 2}, "exactly one"),
        ({"steps": [{"after_days": 1}, {"after_days": 1}], "max_attempts": 2}, "uses only 1"),
        ({"steps": [], "max_attempts": 2}, "at least 1"),
        ({"steps": [{"after_days": 1}], "max_attempts": 1}, "greater than or equal to 2"),
        ({"steps": [{"after_days": 0}], "max_attempts": 2}, "greater than or equal to 1"),
        ({"steps": [{"after_days": 1, "at_local": "10h"}], "max_attempts": 2}, "time of day"),
        ({"steps": [{"after_days": 1, "at_local": "24:00"}], "max_attempts": 2}, "write 00:00"),
    ],
)
def test_invalid_cadences_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Cadence.model_validate(data)


@given(
    seconds=st.integers(min_value=0, max_value=2 * 366 * 24 * 3600),
    attempts=st.integers(min_value=1, max_value=2),
    step=st.sampled_from(
        [
            {"after_days": 1, "at_local": "10:00"},
            {"after_days": 3},
            {"after_hours": 1},
            {"after_hours": 30, "at_local": "07:00"},
            {"after_days": 2, "at_local": "02:30"},  # inside the spring-forward gap on 03-08
        ]
    ),
)
def test_retries_land_in_business_hours_after_the_last_attempt(
    seconds: int, attempts: int, step: dict[str, Any]
) -> None:
    last = utc(2026, 1, 1) + timedelta(seconds=seconds)
    plan = cadence(step, max_attempts=3)
    result = next_attempt(plan, attempts, last, NY, OFFICE)
    assert result is not None
    assert result > last
    assert result.tzinfo is UTC
    assert is_open(OFFICE, NY, result)
