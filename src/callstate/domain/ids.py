"""Every durable id callstate derives: event keys, workflow ids, idempotency keys.

These strings are stored by DBOS and sent to vendors; changing a format is a migration. They are
derived only from vendor ids, so a duplicated webhook or a replayed workflow lands on the same ones.
"""

from __future__ import annotations

from callstate.domain.call import CallEventType, Runtime


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
