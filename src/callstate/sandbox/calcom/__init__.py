"""Cal.com API v2 emulator: API-key auth, `cal-api-version` per endpoint family, slots from
hosts' weekly hours in their zones (DST-correct), race-safe bookings carrying `metadata`,
booking list filters, cancel, reschedule, event types, user webhooks signed with
`X-Cal-Signature-256`, and the per-key rate limit with `X-RateLimit-*-Default` headers —
shaped after `../shared/vendor-specs/calcom/` and research/calendar_slack.md §1."""

from callstate.sandbox.calcom.app import create_calcom_app
from callstate.sandbox.calcom.gate import CalcomRateLimit
from callstate.sandbox.calcom.seeds import (
    SANDBOX_API_KEY,
    SANDBOX_EVENT_TYPES,
    EventTypeSeed,
    HostSeed,
    WorkingHours,
)

__all__ = [
    "SANDBOX_API_KEY",
    "SANDBOX_EVENT_TYPES",
    "CalcomRateLimit",
    "EventTypeSeed",
    "HostSeed",
    "WorkingHours",
    "create_calcom_app",
]
