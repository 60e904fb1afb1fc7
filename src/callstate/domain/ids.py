"""Every durable id callstate derives: event keys, workflow ids, idempotency keys.

These strings are stored by DBOS and sent to vendors; changing a format is a migration. They are
derived only from vendor ids, so a duplicated webhook or a replayed workflow lands on the same ones.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from callstate.domain.call import CallEventType, Runtime

_MAX_KEY = 200  # the ledger's and the meetings table's key columns


def event_key(workspace: str, runtime: Runtime, call_id: str, event_type: CallEventType) -> str:
    """The dedupe key of a runtime event: one per (workspace, runtime, call, event type)."""
    return f"{workspace}:{runtime.value}:{call_id}:{event_type.value}"


def workflow_id(event_key_: str) -> str:
    """DBOS workflow id of the workflow that processes one event."""
    return f"event:{event_key_}"


def effect_key(workspace: str, runtime: Runtime, call_id: str, kind: str) -> str:
    """Idempotency key of one effect of one call.

    Keyed by call rather than by event: a later event of the same call that plans the same effect
    (a re-analysis, say) converges on the same vendor object instead of creating a second one.
    """
    return f"{workspace}:{runtime.value}:{call_id}:{kind}"


def deal_key(workspace: str, phone: str, pipeline: str) -> str:
    """One open deal per contact per pipeline: every call of one lead converges on it."""
    return f"{workspace}:deal:{phone}:{pipeline}"


def meeting_key(workspace: str, runtime: Runtime, call_id: str, start: datetime) -> str:
    """Idempotency key of the meeting one call books at one start (a retried `book_meeting`,
    or the post-call effect for the same agreed time, lands on the same booking). Sent to the
    calendar (Cal.com metadata, Calendly utm_content: at most 255 characters)."""
    stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    key = f"{workspace}:{runtime.value}:{call_id}:meeting:{stamp}"
    if len(key) <= _MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{workspace}:{runtime.value}:meeting:{digest}"


def pool_key(audience_id: str) -> str:
    """Round-robin counters are kept per audience: its meetings pool."""
    return f"audience:{audience_id}"


def change_key(workspace: str, vendor: str, dedupe_id: str) -> str:
    """Key prefix of the effects of one calendar change (a verified webhook delivery)."""
    digest = hashlib.sha256(dedupe_id.encode()).hexdigest()[:24]
    return f"{workspace}:{vendor}:change:{digest}"


def change_workflow_id(change_id: str) -> str:
    """DBOS workflow id of the workflow that processes one recorded calendar change."""
    return f"booking-change:{change_id}"


def lead_key(workspace: str, audience: str, phone: str, series: str) -> str:
    """Names one series of outbound attempts at one person for one audience (a campaign, an API
    request): its attempts are `attempt_id(lead, 1..n)`. `series` is the caller's idempotency
    key, so the same request twice names the same series."""
    digest = hashlib.sha256(f"{workspace}|{audience}|{phone}|{series}".encode()).hexdigest()
    return f"lead_{digest[:24]}"


def attempt_id(lead: str, attempt: int) -> str:
    """One dial of a series; sent to the runtime as the call's idempotency key and metadata."""
    return f"{lead}:{attempt}"


def place_workflow_id(attempt_id_: str) -> str:
    """DBOS workflow id of the workflow that places one outbound attempt."""
    return f"place:{attempt_id_}"
