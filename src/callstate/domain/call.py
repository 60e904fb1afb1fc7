"""A call as callstate sees it: runtime-neutral events and the facts they carry."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from callstate.domain.values import ExternalCallId, Phone, UtcDateTime, WorkspaceId

JSONValue = Any  # the raw edge: custom analysis fields are whatever the agent was told to extract


class Runtime(StrEnum):
    RETELL = "retell"


class CallEventType(StrEnum):
    STARTED = "call_started"
    ENDED = "call_ended"
    ANALYZED = "call_analyzed"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Disposition(StrEnum):
    """What happened on the line, as a sales team reads it."""

    CONNECTED = "connected"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
    UNKNOWN = "unknown"


class CallStatus(StrEnum):
    """Lifecycle of a call in callstate: started → ended → analyzed → settled (or dead_lettered)."""

    STARTED = "started"
    ENDED = "ended"
    ANALYZED = "analyzed"
    SETTLED = "settled"
    DEAD_LETTERED = "dead_lettered"


class Analysis(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    summary: str | None = None
    sentiment: Sentiment = Sentiment.UNKNOWN
    successful: bool | None = None
    in_voicemail: bool = False
    custom: dict[str, JSONValue] = {}


class CallEvent(BaseModel):
    """One lifecycle event of one call, normalised from the runtime's webhook.

    `end_reason` and `runtime_status` stay strings: runtimes add values every release and an unknown
    value must never reject an event; the connector maps them onto `disposition`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    workspace: WorkspaceId
    runtime: Runtime
    type: CallEventType
    external_call_id: ExternalCallId
    agent_id: str
    direction: Direction
    from_number: Phone | None = None
    to_number: Phone | None = None
    received_at: UtcDateTime
    runtime_status: str
    end_reason: str | None = None
    disposition: Disposition
    started_at: UtcDateTime | None = None
    ended_at: UtcDateTime | None = None
    duration_ms: int | None = None
    transcript: str | None = None
    recording_url: str | None = None
    caller_name: str | None = None
    caller_email: str | None = None
    analysis: Analysis | None = None
    longest_silence_ms: int | None = Field(
        default=None,
        ge=0,
        description="the longest gap between two utterances (the runtime's word timings)",
    )
    context: dict[str, str] = Field(
        default_factory=dict,
        description="our `callstate_*` ids echoed from the runtime's call metadata "
        "(audience, outbound attempt, inbound decision)",
    )

    @property
    def caller_number(self) -> str | None:
        """The other party: who called us, or whom we called."""
        return self.from_number if self.direction is Direction.INBOUND else self.to_number

    @property
    def our_number(self) -> str | None:
        return self.to_number if self.direction is Direction.INBOUND else self.from_number
