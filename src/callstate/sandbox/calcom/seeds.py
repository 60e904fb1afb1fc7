"""What an emulated Cal.com account holds before the first request: hosts, their weekly
working hours, event types, and the API keys that reach them.

The seed format is plain pydantic, so the integrator can fill it from configuration:

    EventTypeSeed.model_validate({
        "id": 1001, "slug": "intro-ana", "title": "Intro call",
        "host": {"id": 101, "username": "ana", "name": "Ana Ruiz",
                 "email": "ana@acme.example", "time_zone": "America/New_York"},
        "length_minutes": 30,
        "hours": [{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00"}],
    })

Every key in `api_keys` sees every seeded event type and booking (one team account); Cal.com
ties a key to one user, which callstate's use (one key per client) does not need to tell apart.
The default key is `sandbox-calcom-api-key`, the value `${CALCOM_API_KEY}` takes in sandbox
mode (`config.secrets.sandbox_secret`); real keys start `cal_` (research/calendar_slack.md §1.1).
"""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SANDBOX_API_KEY = "sandbox-calcom-api-key"  # a sandbox credential, never a real one
SEEDED_AT = 1_767_225_600.0  # 2026-01-01T00:00:00Z: seeds look the same in every sandbox


class _Seed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WorkingHours(_Seed):
    """One weekly availability rule in the host's zone; `days` are ISO weekdays (1 = Monday)."""

    days: tuple[int, ...] = (1, 2, 3, 4, 5)
    start: time = time(9, 0)
    end: time = time(17, 0)

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if not self.days or any(d < 1 or d > 7 for d in self.days):
            raise ValueError("days are ISO weekdays 1..7")
        if self.end <= self.start:
            raise ValueError("working hours must end after they start (same day)")
        return self


class HostSeed(_Seed):
    """A Cal.com user who hosts event types (the booking's organizer)."""

    id: int
    username: str
    name: str
    email: str
    time_zone: str = Field(description="IANA zone the working hours are in")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value


class EventTypeSeed(_Seed):
    """A personal event type. `minimum_notice_minutes` defaults to Cal.com's 120;
    `booking_window_days=None` lets it be booked any time ahead (Cal.com's default period)."""

    id: int
    slug: str
    title: str
    host: HostSeed
    length_minutes: int = Field(default=30, gt=0)
    hours: tuple[WorkingHours, ...] = (WorkingHours(),)
    minimum_notice_minutes: int = Field(default=120, ge=0)
    booking_window_days: int | None = Field(default=None, gt=0)
    slot_interval_minutes: int | None = Field(
        default=None, gt=0, description="step between slot starts; default the length"
    )


ANA = HostSeed(
    id=101, username="ana", name="Ana Ruiz", email="ana@acme.example", time_zone="America/New_York"
)
BEN = HostSeed(
    id=102, username="ben", name="Ben Okafor", email="ben@acme.example", time_zone="America/Chicago"
)
SANDBOX_EVENT_TYPES = (
    EventTypeSeed(id=1001, slug="intro-ana", title="Intro call with Ana", host=ANA),
    EventTypeSeed(id=1002, slug="intro-ben", title="Intro call with Ben", host=BEN),
)
