"""After the call: when to dial again, and which endings a person must hear about. Pure.

An unanswered outbound call (voicemail, no answer, busy) is dialled again by the audience's
cadence, inside business hours, until the cadence's `max_attempts` is used up. The attempt
number and the series travel with the call in its metadata (`callstate_lead`,
`callstate_attempt_number`, set when callstate placed it); a call placed elsewhere starts a
series of its own, keyed by its call id.

Failures: Retell's `call_status: error` and the error family of `disconnection_reason`
(research/voice.md §1.4: the platform errors `error_*`, the account and capacity group, and the
telephony-infrastructure ones). A lead's own line (busy, no answer, declined, invalid number) is
not an operator's problem and raises nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callstate.config.hours import BusinessHours
from callstate.config.model import Audience
from callstate.domain.call import CallEvent, Direction
from callstate.domain.ids import lead_key
from callstate.domain.outcome import Outcome
from callstate.policy.cadence import next_attempt

UNANSWERED = frozenset({Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.BUSY})
LEAD_KEY = "callstate_lead"
ATTEMPT_NUMBER_KEY = "callstate_attempt_number"
FLAG_KEY = "callstate_flag"

_ACCOUNT_ERRORS = frozenset(
    {
        "concurrency_limit_reached",
        "no_concurrency_fallback",
        "no_valid_payment",
        "credit_exhausted",
        "budget_reached",
        "scam_detected",
        "registered_call_timeout",
        "telephony_provider_permission_denied",
        "telephony_provider_unavailable",
        "sip_routing_error",
    }
)


@dataclass(frozen=True, slots=True)
class Redial:
    lead: str
    attempt: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Failure:
    incident: str
    title: str
    detail: str


def attempt_of(event: CallEvent) -> int:
    """Which dial of its series the call was (1 when callstate did not place it)."""
    raw = event.context.get(ATTEMPT_NUMBER_KEY, "")
    return int(raw) if raw.isdigit() and int(raw) >= 1 else 1


def redial(
    event: CallEvent,
    audience: Audience,
    outcome: Outcome,
    *,
    workspace_zone: str,
    hours: BusinessHours | None,
) -> Redial | str | None:
    """The next dial, a note saying why there is none, or None when redialling does not apply."""
    if outcome not in UNANSWERED or event.direction is not Direction.OUTBOUND:
        return None
    if audience.cadence is None:
        return f"no redial: audience {audience.id} has no cadence"
    phone = event.caller_number
    if phone is None:
        return "no redial: the call has no number to dial"
    made = attempt_of(event)
    last = event.ended_at or event.started_at or event.received_at
    due = next_attempt(audience.cadence, made, last, workspace_zone, hours)
    if due is None:
        return f"no redial: the cadence's {audience.cadence.max_attempts} attempts are used up"
    lead = event.context.get(LEAD_KEY) or lead_key(
        event.workspace, audience.id, phone, f"call:{event.external_call_id}"
    )
    return Redial(lead=lead, attempt=made + 1, due_at=due)


def failure(event: CallEvent) -> Failure | None:
    """A runtime failure of the call itself, grouped by reason."""
    reason = event.end_reason or ""
    errored = event.runtime_status == "error" or reason.startswith("error_")
    if not errored and reason not in _ACCOUNT_ERRORS:
        return None
    label = reason or event.runtime_status
    runtime = event.runtime.value
    numbers = f"from {event.from_number or 'unknown'} to {event.to_number or 'unknown'}"
    return Failure(
        incident=f"call:{runtime}:{label}",
        title=f"{runtime.capitalize()} calls failing: {label}",
        detail=f"{event.direction.value} call {event.external_call_id} {numbers} ended "
        f"with status {event.runtime_status}, reason {reason or 'none'}",
    )


def routing_alert(event: CallEvent) -> Failure | None:
    """A problem our inbound answer noticed and put in the call's metadata."""
    flag = event.context.get(FLAG_KEY)
    if not flag:
        return None
    return Failure(
        incident=f"routing:{event.runtime.value}:{event.our_number or 'unknown'}",
        title="Inbound call routing needs attention",
        detail=f"call {event.external_call_id}: {flag}; the default audience answered",
    )
