"""Retell's inbound-call webhook: the signed request in, the `call_inbound` answer out.

Retell posts `{"event": "call_inbound", "call_inbound": {...}}` to the number's
`inbound_webhook_url` before the call is answered, signed like its call webhooks; the caller
hears ringing until we answer (research/voice.md §2). `agent_id`/`agent_version` come only when
the number has an inbound agent bound; `call_id` only from SDK 6.x on. Everything in the answer
is optional; dynamic variables must be strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callstate.connectors.retell.webhook import MalformedPayloadError
from callstate.domain.values import InvalidPhoneError, to_e164

MAX_INBOUND_BODY_BYTES = 64 * 1024  # a few numbers and ids; SIP headers at most
EVENT = "call_inbound"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _WireInbound(_Wire):
    from_number: str = Field(max_length=256)
    to_number: str = Field(min_length=1, max_length=256)
    agent_id: str | None = Field(default=None, max_length=128)
    agent_version: int | None = None
    call_id: str | None = Field(default=None, max_length=128)


class _WireEnvelope(_Wire):
    event: str = Field(min_length=1)
    call_inbound: _WireInbound


class InboundCall(BaseModel):
    """An inbound call about to be answered, numbers in E.164."""

    model_config = ConfigDict(frozen=True)

    to_number: str = Field(description="our number that was called")
    from_number: str | None = Field(description="the caller; None when withheld or not a phone")
    agent_id: str | None = Field(description="the agent bound to the number in Retell, if any")
    agent_version: int | None
    call_id: str | None


def parse_inbound(body: bytes) -> InboundCall:
    """Parse a verified body. Raises `MalformedPayloadError` naming the JSON path."""
    try:
        envelope = _WireEnvelope.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(body)"
        raise MalformedPayloadError(field, first["msg"]) from exc
    if envelope.event != EVENT:
        raise MalformedPayloadError("event", f"expected {EVENT!r}, got {envelope.event!r}")
    wire = envelope.call_inbound
    try:
        to_number = to_e164(wire.to_number)
    except InvalidPhoneError as exc:
        raise MalformedPayloadError("call_inbound.to_number", str(exc)) from exc
    return InboundCall(
        to_number=to_number,
        from_number=_caller(wire.from_number),
        agent_id=wire.agent_id or None,
        agent_version=wire.agent_version,
        call_id=wire.call_id or None,
    )


def _caller(raw: str) -> str | None:
    if not raw:
        return None
    try:
        return to_e164(raw)
    except InvalidPhoneError:
        return None  # "anonymous", a SIP URI: answered all the same, just not looked up


def inbound_response(
    *,
    override_agent_id: str | None,
    dynamic_variables: Mapping[str, str],
    metadata: Mapping[str, Any],
) -> dict[str, Any]:
    """The JSON body of the answer. Without an override the number's bound agent answers."""
    answer: dict[str, Any] = {
        "dynamic_variables": dict(dynamic_variables),
        "metadata": dict(metadata),
    }
    if override_agent_id is not None:
        answer["override_agent_id"] = override_agent_id
    return {"call_inbound": answer}
