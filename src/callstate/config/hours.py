"""Business hours with a holiday calendar, and the voicemail / no-answer retry cadence.

Times are wall-clock times in the workspace's zone; `policy.hours` turns them into UTC instants
(so a DST switch moves the instant, never the opening time). Kept apart from `config.model`
so the policies can read these models without the whole workspace.

    hours:
      mon: ["09:00", "17:00"]                       # one range
      fri: [["09:00", "12:00"], ["13:00", "16:00"]] # or two
      holidays: {country: US, subdivision: NY}
      closed_dates: [2026-12-24]
      open_dates: {2026-11-27: ["10:00", "14:00"]}  # these hours that day, holiday or not
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise
from typing import Annotated

from holidays import country_holidays
from pydantic import BeforeValidator, Field, model_validator

from callstate.config.strict import Strict

_CLOCK = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$")
MAX_SPANS_PER_DAY = 2
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()


def minute_of_day(clock: str) -> int:
    """`"HH:MM"` → minutes since local midnight; `"24:00"` is 1440 (the end of the day)."""
    match = _CLOCK.match(clock)
    if match is None:
        raise ValueError(f"not a time of day {clock!r}; expected HH:MM (00:00-24:00)")
    if match.group(1) is None:
        return 24 * 60
    return int(match.group(1)) * 60 + int(match.group(2))


def _clock(value: object) -> object:
    if isinstance(value, str):
        minute_of_day(value)
    return value


Clock = Annotated[str, BeforeValidator(_clock)]


def _pair(value: object) -> object:
    """`["09:00", "17:00"]` is the YAML spelling of a span."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return {"start": value[0], "end": value[1]}
    return value


def _spans(value: object) -> object:
    """A day is one `[start, end]` pair or a list of them."""
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, str) for v in value)
    ):
        return [value]
    return value


class Span(Strict):
    """Open from `start` (inclusive) to `end` (exclusive), local wall-clock time."""

    start: Clock
    end: Clock

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.start == "24:00":
            raise ValueError("a span cannot start at 24:00")
        if self.end_minute <= self.start_minute:
            raise ValueError(f"span {self.start}-{self.end} ends before it starts")
        return self

    @property
    def start_minute(self) -> int:
        return minute_of_day(self.start)

    @property
    def end_minute(self) -> int:
        return minute_of_day(self.end)


DayHours = Annotated[
    tuple[Annotated[Span, BeforeValidator(_pair)], ...],
    BeforeValidator(_spans),
    Field(max_length=MAX_SPANS_PER_DAY),
]


def _check_day(spans: tuple[Span, ...], where: str) -> None:
    ordered = sorted(spans, key=lambda s: s.start_minute)
    for before, after in pairwise(ordered):
        if after.start_minute < before.end_minute:
            raise ValueError(
                f"{where}: spans {before.start}-{before.end} and {after.start}-{after.end} overlap"
            )


class HolidayCalendar(Strict):
    """Public holidays from the `holidays` package; observed substitutes close too."""

    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    subdivision: str | None = Field(default=None, description="state/province code, e.g. NY")

    @model_validator(mode="after")
    def _supported(self) -> HolidayCalendar:
        try:
            country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError as exc:
            raise ValueError(f"holidays: {exc}") from exc
        return self


class BusinessHours(Strict):
    """When the business answers its phones. A missing day is closed."""

    mon: DayHours = ()
    tue: DayHours = ()
    wed: DayHours = ()
    thu: DayHours = ()
    fri: DayHours = ()
    sat: DayHours = ()
    sun: DayHours = ()
    holidays: HolidayCalendar | None = Field(
        default=None, description="closed on these public holidays; none: no holiday closing"
    )
    closed_dates: tuple[date, ...] = Field(default=(), description="closed all day")
    open_dates: dict[date, DayHours] = Field(
        default_factory=dict, description="these hours on that date, whatever the calendar says"
    )

    @model_validator(mode="after")
    def _consistent(self) -> BusinessHours:
        if not any(self.weekly(day) for day in range(7)):
            raise ValueError("business hours open on no weekday; leave `hours` out for always open")
        for index, name in enumerate(WEEKDAYS):
            _check_day(self.weekly(index), name)
        for day, spans in self.open_dates.items():
            if not spans:
                raise ValueError(f"open_dates.{day}: give the hours, or list it in closed_dates")
            _check_day(spans, f"open_dates.{day}")
        both = sorted(set(self.closed_dates) & set(self.open_dates))
        if both:
            raise ValueError(f"dates both closed and open: {[d.isoformat() for d in both]}")
        return self

    def weekly(self, weekday: int) -> tuple[Span, ...]:
        """The regular spans of a weekday (0 = Monday), ignoring holidays and overrides."""
        spans: tuple[Span, ...] = getattr(self, WEEKDAYS[weekday])
        return spans


class CadenceStep(Strict):
    """When to try again after an unanswered attempt.

    `after_days`: that many business days after the last attempt's local date, at `at_local`
    (default: the last attempt's local time). `after_hours`: at least that many hours later, at
    the first `at_local` from then when set. Either way the result moves to the next opening
    when it falls outside business hours.
    """

    after_hours: int | None = Field(default=None, ge=1, le=24 * 14)
    after_days: int | None = Field(default=None, ge=1, le=30)
    at_local: Clock | None = None

    @model_validator(mode="after")
    def _one_delay(self) -> CadenceStep:
        if (self.after_hours is None) == (self.after_days is None):
            raise ValueError("a cadence step sets exactly one of `after_hours`, `after_days`")
        if self.at_local == "24:00":
            raise ValueError("at_local 24:00 is tomorrow's 00:00; write 00:00")
        return self


class Cadence(Strict):
    """The retry plan after a voicemail or no answer.

    `max_attempts` counts every dial, the first included. Step i plans attempt i + 2; when the
    plan allows more attempts than there are steps, the last step repeats.
    """

    steps: tuple[CadenceStep, ...] = Field(min_length=1)
    max_attempts: int = Field(ge=2, le=10)

    @model_validator(mode="after")
    def _no_dead_steps(self) -> Cadence:
        if len(self.steps) > self.max_attempts - 1:
            raise ValueError(
                f"{len(self.steps)} steps but max_attempts {self.max_attempts} uses only "
                f"{self.max_attempts - 1}"
            )
        return self
