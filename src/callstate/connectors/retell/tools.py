"""A Retell custom-function request (an in-call tool) → a `ToolRequest`, or a precise refusal.

Retell posts `{name, call, args}` signed like its webhooks (research/voice.md §3.1); `call` is the
live call object (no analysis yet) and `args` the model's JSON arguments. There is no
per-invocation id: idempotency comes from the call id plus the arguments, which is why the tools
derive their keys from both. The `args_at_root` form carries no call and is refused: without a
call id nothing can be deduplicated.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callstate.connectors.retell.webhook import MalformedPayloadError
from callstate.domain.call import Direction
from callstate.domain.values import InvalidPhoneError, to_e164

MAX_TOOL_BODY_BYTES = 1024 * 1024
# Retell stringifies the answer for the model and cuts it at 15 000 characters (§3.1).
MAX_ANSWER_CHARS = 15_000


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _LiveCall(_Wire):
    call_id: str = Field(min_length=1, max_length=128)
    agent_id: str | None = Field(default=None, max_length=128)
    direction: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    metadata: dict[str, Any] | None = None


class _ToolEnvelope(_Wire):
    name: str = Field(min_length=1, max_length=64)
    call: _LiveCall
    args: dict[str, Any] = Field(default_factory=dict)


class ToolRequest(BaseModel):
    """What a tool needs of the live call: who is on the line and which of our numbers."""

    model_config = ConfigDict(frozen=True)

    name: str
    call_id: str
    agent_id: str | None
    direction: Direction
    caller: str | None = Field(description="the other party's E.164 number, if any")
    our_number: str | None
    args: dict[str, Any]


def _phone(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return to_e164(raw)
    except InvalidPhoneError:
        return None  # a SIP URI or a withheld number: the tool works without it


def parse_tool_call(body: bytes) -> ToolRequest:
    """Parse a verified body. Raises `MalformedPayloadError` naming the JSON path."""
    try:
        envelope = _ToolEnvelope.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(body)"
        raise MalformedPayloadError(field, first["msg"]) from exc
    call = envelope.call
    outbound = call.direction == Direction.OUTBOUND.value
    caller, ours = (
        (call.to_number, call.from_number) if outbound else (call.from_number, call.to_number)
    )
    return ToolRequest(
        name=envelope.name,
        call_id=call.call_id,
        agent_id=call.agent_id,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        caller=_phone(caller),
        our_number=_phone(ours),
        args=envelope.args,
    )
