"""Who answers an inbound call, and what the agent knows before it says hello.

Pure: the caller's CRM record (or the reason there is none) and `now` come in. The call is never
refused here: an unconfigured number falls back to the default audience with a flag, a caller
marked do-not-call is still answered (the prompt is told, so the agent honours the opt-out), and a
CRM that did not answer in time only means fewer variables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from callstate.config.model import Audience, Workspace
from callstate.domain.outcome import Outcome
from callstate.policy.followup import FLAG_KEY
from callstate.policy.hours import is_open

DNC_TAG = "do-not-call"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class CallerRecord(Protocol):
    """What the decision reads of the CRM's contact (`connectors.ports.ContactSnapshot` fits;
    the policy layer cannot import connectors)."""

    @property
    def name(self) -> str | None: ...

    @property
    def owner_email(self) -> str | None: ...

    @property
    def last_outcome(self) -> str | None: ...

    @property
    def tags(self) -> tuple[str, ...]: ...


class LookupState(StrEnum):
    """How the CRM lookup went; only FOUND comes with a record."""

    FOUND = "found"
    NOT_FOUND = "not_found"  # the CRM answered: no contact has the number
    NO_CALLER_ID = "no_caller_id"  # withheld or not a phone number: nothing to look up
    TIMED_OUT = "timed_out"  # slower than the budget; answered without it
    FAILED = "failed"  # the CRM refused or is down


@dataclass(frozen=True, slots=True)
class NumberMatch:
    audience: Audience
    matched: bool  # False: the called number is in no audience; the default one answers


@dataclass(frozen=True, slots=True)
class InboundDecision:
    decision_id: str
    audience: Audience
    after_hours: bool
    agent_id: str | None  # None: keep the agent bound to the number in Retell
    do_not_call: bool
    dynamic_variables: Mapping[str, str]
    metadata: Mapping[str, str]
    flags: tuple[str, ...]  # problems an operator should hear about; the call goes ahead


def audience_for_number(workspace: Workspace, to_number: str) -> NumberMatch:
    """The audience that owns the called number, or the default audience."""
    for audience in workspace.audiences:
        if to_number in audience.numbers:
            return NumberMatch(audience, matched=True)
    return NumberMatch(workspace.default_audience, matched=False)


def decision_id(
    workspace: str, call_id: str | None, from_number: str | None, to_number: str, now: datetime
) -> str:
    """Stable across Retell's retries of one call when it sends `call_id` (SDK 6.x)."""
    basis = call_id or f"{from_number}|{to_number}|{now.astimezone(UTC).isoformat()}"
    return "inb_" + hashlib.sha256(f"{workspace}|{basis}".encode()).hexdigest()[:20]


def spoken_time(now: datetime, zone: str) -> str:
    """`Tuesday, November 24, 2026, 9:05 AM EST`: read aloud by the agent, locale-free."""
    local = now.astimezone(ZoneInfo(zone))
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return (
        f"{_WEEKDAYS[local.weekday()]}, {_MONTHS[local.month - 1]} {local.day}, {local.year}, "
        f"{hour}:{local.minute:02d} {half} {local.tzname()}"
    )


def _spoken_outcome(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        return Outcome(raw).label
    except ValueError:
        return raw  # a value written by someone else: say it as it is


def _is_dnc(record: CallerRecord | None) -> bool:
    if record is None:
        return False
    tagged = any(tag.strip().lower() == DNC_TAG for tag in record.tags)
    return tagged or record.last_outcome == Outcome.DO_NOT_CALL.value


def _owner_name(workspace: Workspace, audience: Audience, record: CallerRecord | None) -> str:
    # A CRM owner outside `team` has no name we know; never name the audience's owner instead,
    # the caller would be promised the wrong person.
    email = record.owner_email if record is not None else None
    email = email or workspace.owner_for(audience)
    member = workspace.member(email) if email else None
    return member.name if member is not None else ""


def decide(
    workspace: Workspace,
    to_number: str,
    from_number: str | None,
    now: datetime,
    snapshot: CallerRecord | None,
    lookup_state: LookupState,
    *,
    call_id: str | None = None,
    agents: Mapping[str, str] | None = None,
) -> InboundDecision:
    """Audience by called number, the after-hours switch, the agent, variables and metadata.

    `agents` maps audience ids to the runtime's agent ids (`callstate agents apply` made them);
    an audience without one answers with its first configured `agent_ids`, else the number's
    bound agent."""
    match = audience_for_number(workspace, to_number)
    flags: list[str] = []
    if not match.matched:
        flags.append(f"called number {to_number} is not configured")
    after_hours = not is_open(workspace.hours, workspace.timezone, now)
    audience = match.audience
    if after_hours and workspace.after_hours_audience is not None:
        audience = workspace.audience(workspace.after_hours_audience)
    record = snapshot if lookup_state is LookupState.FOUND else None
    dnc = _is_dnc(record)
    known = lookup_state in (LookupState.FOUND, LookupState.NOT_FOUND)
    ident = decision_id(workspace.id, call_id, from_number, to_number, now)
    variables = {
        "caller_name": (record.name or "") if record is not None else "",
        "owner_name": _owner_name(workspace, audience, record),
        "local_time": spoken_time(now, workspace.timezone),
        "last_outcome": _spoken_outcome(record.last_outcome if record is not None else None),
        # Unknown is not "new": a caller the CRM could not be asked about may be a customer.
        "is_returning_caller": str(record is not None).lower() if known else "unknown",
        "after_hours": str(after_hours).lower(),
        "business_name": workspace.name,
        "do_not_call": str(dnc).lower(),
    }
    metadata = {
        "callstate_workspace": workspace.id,
        "callstate_audience": audience.id,
        "callstate_after_hours": str(after_hours).lower(),
        "callstate_decision": ident,
        "callstate_lookup": lookup_state.value,
    }
    if flags:
        metadata[FLAG_KEY] = "; ".join(flags)
    return InboundDecision(
        decision_id=ident,
        audience=audience,
        after_hours=after_hours,
        agent_id=(agents or {}).get(audience.id)
        or (audience.agent_ids[0] if audience.agent_ids else None),
        do_not_call=dnc,
        dynamic_variables=variables,
        metadata=metadata,
        flags=tuple(flags),
    )
