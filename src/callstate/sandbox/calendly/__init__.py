"""Calendly API v2 emulator: users, event types, available times, the Scheduling API
(`POST /invitees`), scheduled events, cancellation, webhook subscriptions and signed deliveries."""

from callstate.sandbox.calendly.app import create_calendly_app
from callstate.sandbox.calendly.gate import CalendlyRateLimit
from callstate.sandbox.calendly.seeds import (
    ANA,
    BEN,
    SANDBOX_EVENT_TYPES,
    SANDBOX_ORGANIZATION,
    SANDBOX_TOKEN,
    SANDBOX_USERS,
    EventTypeSeed,
    OrganizationSeed,
    UserSeed,
    WeeklyHours,
)

__all__ = [
    "ANA",
    "BEN",
    "SANDBOX_EVENT_TYPES",
    "SANDBOX_ORGANIZATION",
    "SANDBOX_TOKEN",
    "SANDBOX_USERS",
    "CalendlyRateLimit",
    "EventTypeSeed",
    "OrganizationSeed",
    "UserSeed",
    "WeeklyHours",
    "create_calendly_app",
]
