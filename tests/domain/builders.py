"""Builders for domain values, with keyword-only overrides."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callstate.config.model import Audience
from callstate.domain.call import Analysis, CallEvent, CallEventType, Direction, Disposition

RECEIVED = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def call_event(**overrides: Any) -> CallEvent:
    values: dict[str, Any] = {
        "workspace": "acme",
        "runtime": "retell",
        "type": CallEventType.ANALYZED,
        "external_call_id": "call_0001",
        "agent_id": "agent_acme_inbound",
        "direction": Direction.INBOUND,
        "from_number": "+14155550142",
        "to_number": "+14155550100",
        "received_at": RECEIVED,
        "runtime_status": "ended",
        "end_reason": "user_hangup",
        "disposition": Disposition.CONNECTED,
        "started_at": datetime(2026, 11, 24, 14, 50, tzinfo=UTC),
        "ended_at": datetime(2026, 11, 24, 14, 53, tzinfo=UTC),
        "duration_ms": 180_000,
        "transcript": "Agent: Hello\nUser: Hi",
        "recording_url": "https://example.com/rec.wav",
        "caller_name": "Dana Whitfield",
        "caller_email": "dana@example.com",
        "analysis": Analysis(summary="Wants a quote.", successful=True),
    }
    values.update(overrides)
    return CallEvent(**values)


def audience(**overrides: Any) -> Audience:
    values: dict[str, Any] = {
        "id": "inbound-qualifier",
        "name": "Inbound qualifier",
        "default": True,
        "agent_ids": ("agent_acme_inbound",),
        "numbers": ("+14155550100",),
        "notify_channel": "acme-sales",
    }
    values.update(overrides)
    return Audience(**values)
