"""What an emulated Calendly organization holds before the first request, and its URIs.

Calendly names every resource by an absolute URI (`https://api.calendly.com/users/<uuid>`;
research/calendar_slack.md §2), and the emulator keeps them absolute even when it is served
from loopback, as the real API would: clients must treat URIs as names, not as addresses.

Seeds are plain values an integrator can fill from configuration: a `UserSeed` per host (email,
name, IANA zone, personal access token, role in the organization) and an `EventTypeSeed` per
event type (host email, slug, length, weekly hours such as `WeeklyHours.parse("Mon-Fri
09:00-17:00")`). UUIDs derive from emails and slugs, so a sandbox restarted on the same state
file, or configured the same way, hands out the same URIs.

Default: `ana@acme.example` (America/New_York, organization owner, token
`sandbox-calendly-token`) and `ben@acme.example` (America/Chicago, member, token
`sandbox-calendly-token-ben`), each with a 30-minute event type open Mon-Fri 09:00-17:00.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import time
from typing import Literal

API = "https://api.calendly.com"
WEB = "https://calendly.com"
_NAMESPACE = uuid.UUID("3c0a6f0e-2a55-4c1f-8d0b-6a2f4c7e9b10")
_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_HOURS = re.compile(r"(?i)\s*(\w{3})(?:-(\w{3}))?\s+(\d{1,2}:\d{2})-(\d{1,2}:\d{2})\s*")
SEEDED_AT = 1_767_225_600.0  # 2026-01-01T00:00:00Z: seeds look the same in every sandbox

Role = Literal["owner", "admin", "user"]


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


@dataclass(frozen=True)
class WeeklyHours:
    """Wall-clock hours on ISO weekdays (1 = Monday), read in the host's zone."""

    days: frozenset[int]
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> WeeklyHours:
        """`"Mon-Fri 09:00-17:00"` or `"Sat 10:00-12:00"` (a configuration-friendly form)."""
        match = _HOURS.fullmatch(text)
        if match is None or match.group(1).lower() not in _DAYS:
            raise ValueError(f"weekly hours {text!r}: expected e.g. 'Mon-Fri 09:00-17:00'")
        first = _DAYS[match.group(1).lower()]
        last = _DAYS.get((match.group(2) or match.group(1)).lower())
        if last is None or last < first:
            raise ValueError(f"weekly hours {text!r}: day range must run Mon..Sun")
        start, end = time.fromisoformat(match.group(3)), time.fromisoformat(match.group(4))
        if end <= start:
            raise ValueError(f"weekly hours {text!r}: end must follow start")
        return cls(frozenset(range(first, last + 1)), start, end)


WEEKDAYS_9_TO_5 = WeeklyHours.parse("Mon-Fri 09:00-17:00")


@dataclass(frozen=True)
class UserSeed:
    """A Calendly user of the organization and the personal access token that acts as them."""

    email: str
    name: str
    timezone: str
    token: str
    role: Role = "user"

    @property
    def uuid(self) -> str:
        return stable_uuid("user", self.email.lower())

    @property
    def uri(self) -> str:
        return f"{API}/users/{self.uuid}"

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.email.split("@")[0].lower())


@dataclass(frozen=True)
class EventTypeSeed:
    """A solo ("One-on-One") event type. `start_increment_minutes` defaults to the length;
    `location_kind` is the location the host configured (Calendly checks a booking's
    `location.kind` against it)."""

    host_email: str
    slug: str
    name: str
    duration_minutes: int = 30
    hours: tuple[WeeklyHours, ...] = (WEEKDAYS_9_TO_5,)
    minimum_notice_minutes: int = 0
    start_increment_minutes: int | None = None
    location_kind: str = "outbound_call"
    active: bool = True
    fixed_uuid: str | None = None  # an integrator's configured URI names the event type

    @property
    def uuid(self) -> str:
        return self.fixed_uuid or stable_uuid("event_type", self.host_email.lower(), self.slug)

    @property
    def uri(self) -> str:
        return f"{API}/event_types/{self.uuid}"

    @property
    def step_minutes(self) -> int:
        return self.start_increment_minutes or self.duration_minutes


@dataclass(frozen=True)
class OrganizationSeed:
    name: str = "Acme (sandbox)"

    @property
    def uuid(self) -> str:
        return stable_uuid("organization", self.name)

    @property
    def uri(self) -> str:
        return f"{API}/organizations/{self.uuid}"


SANDBOX_TOKEN = "sandbox-calendly-token"  # noqa: S105 - a sandbox credential, never a real one
ANA = UserSeed("ana@acme.example", "Ana Alvarez", "America/New_York", SANDBOX_TOKEN, "owner")
BEN = UserSeed(
    "ben@acme.example",
    "Ben Brooks",
    "America/Chicago",
    "sandbox-calendly-token-ben",
)
SANDBOX_USERS = (ANA, BEN)
SANDBOX_EVENT_TYPES = (
    EventTypeSeed(ANA.email, "intro-call", "30 Minute Intro Call"),
    EventTypeSeed(BEN.email, "intro-call", "30 Minute Intro Call"),
)
SANDBOX_ORGANIZATION = OrganizationSeed()
