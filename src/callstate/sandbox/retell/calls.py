"""What one simulated Retell call is (`CallScenario`) and the webhook events it produces.

Owns the shape of Retell's `{event, call}` payloads. Field names and types follow
retell-sdk 6.2.13 `PhoneCallResponse` (research note voice.md §1.2-§1.5); everything that is
not a plain scenario input (ids, word timings, cost, latency) is derived deterministically from
the call id, so the same scenario always yields byte-identical events.
"""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from callstate.sandbox.retell.reasons import NOT_CONNECTED_REASONS, end_status
from callstate.sandbox.retell.transcript import (
    Role,
    render_text,
    timed_utterances,
    transcript_seconds,
)
from callstate.sandbox.retell.usage import call_cost, latency, token_usage

Direction = Literal["inbound", "outbound"]
Sentiment = Literal["Negative", "Positive", "Neutral", "Unknown"]
EventName = Literal["call_started", "call_ended", "call_analyzed", "transcript_updated"]

# Keys under which the caller's identity travels. Retell has no fixed names: they are whatever
# the agent's `post_call_analysis_data` / extraction tools call them; these are the demo agents'.
CALLER_NAME_KEY = "caller_name"
CALLER_EMAIL_KEY = "caller_email"

# Retell's media CDN; recordings and public logs live under `<host>/<id>/`.
MEDIA_HOST = "https://dxc03zgurdly9.cloudfront.net"


# Delays between the moment something happens on the call and Retell emitting the event; the
# analysis runs an LLM over the transcript, so `call_analyzed` trails `call_ended` by seconds.
_STARTED_LAG_MS = 312
_ENDED_LAG_MS = 846
_ANALYZED_LAG_MS = 6_420


def _hex_id(prefix: str, seed: str, length: int) -> str:
    return prefix + hashlib.sha256(seed.encode()).hexdigest()[:length]


def call_id_for(seed: int | str) -> str:
    """A Retell-shaped call id (`call_` + 27 hex), the same for the same seed."""
    return _hex_id("call_", f"callstate-sandbox/call/{seed}", 27)


def agent_id_for(seed: int | str) -> str:
    """A Retell-shaped agent id (`agent_` + 26 hex), the same for the same seed."""
    return _hex_id("agent_", f"callstate-sandbox/agent/{seed}", 26)


@dataclass(frozen=True, kw_only=True, slots=True)
class CallScenario:
    """The inputs of one phone call; everything else in its events is derived from these.

    `start` must be an aware datetime. `duration=None` derives it from the transcript (last word
    plus two seconds); an unconnected call lasts 0 ms. `disconnection_reason=None` picks the
    usual one (`user_hangup`, `voicemail_reached` or `dial_no_answer`); any string is accepted
    because Retell adds reasons every release. `metadata` and `dynamic_variables` are what we
    would have set at call creation (`metadata`: any JSON); `None` leaves the key out, as Retell
    does.
    """

    agent_id: str
    direction: Direction
    from_number: str
    to_number: str
    start: datetime
    seed: int | str = 0
    call_id: str = ""
    agent_version: int = 1
    agent_name: str | None = None
    duration: timedelta | None = None
    connected: bool = True
    voicemail: bool = False
    disconnection_reason: str | None = None
    caller_name: str | None = None
    caller_email: str | None = None
    summary: str | None = None
    sentiment: Sentiment = "Neutral"
    call_successful: bool = True
    custom_analysis_data: Mapping[str, Any] = field(default_factory=dict)
    transcript: tuple[tuple[Role, str], ...] = ()
    recording_url: str | None = None
    metadata: Any = None
    dynamic_variables: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValueError("CallScenario.start must be an aware datetime")
        if not self.call_id:
            object.__setattr__(self, "call_id", call_id_for(self.seed))
        if not self.connected and self.transcript:
            raise ValueError("an unconnected call has no transcript")
        if self.connected and self.disconnection_reason in NOT_CONNECTED_REASONS:
            raise ValueError(f"{self.disconnection_reason} means the call never connected")

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    @property
    def duration_ms(self) -> int:
        if not self.connected:
            return 0
        if self.duration is not None:
            return int(self.duration.total_seconds() * 1000)
        return int((transcript_seconds(self.transcript) + 2.0) * 1000)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    @property
    def reason(self) -> str:
        if self.disconnection_reason is not None:
            return self.disconnection_reason
        if not self.connected:
            return "dial_no_answer"
        return "voicemail_reached" if self.voicemail else "user_hangup"

    @property
    def end_status(self) -> str:
        return end_status(self.reason, connected=self.connected)


def build_events(
    scenario: CallScenario, *, transcript_updates: bool = False, event_timestamp: bool = True
) -> list[dict[str, Any]]:
    """The events Retell sends for this call, in the order it emits them.

    `call_started` only when the call connected (Retell docs, webhook-overview: calls with
    `dial_*` reasons skip it), then `call_ended` (no `call_analysis`), then `call_analyzed`.
    `transcript_updates` adds the `transcript_updated` stream an agent subscribed to it gets:
    one per utterance, the last doubling as the final update. `event_timestamp` adds the
    top-level `event_timestamp` (ms) seen on recorded call events, not in Retell's docs.
    """
    s = scenario
    events: list[dict[str, Any]] = []

    def emit(name: EventName, call: dict[str, Any], at_ms: int) -> None:
        body: dict[str, Any] = {"event": name, "call": call}
        if event_timestamp:
            body["event_timestamp"] = at_ms
        events.append(body)

    if s.connected:
        emit("call_started", _live_call(s, turns=None), s.start_ms + _STARTED_LAG_MS)
        if transcript_updates:
            for turns in range(1, len(s.transcript) + 1):
                at = s.start_ms + int(transcript_seconds(s.transcript[:turns]) * 1000)
                emit("transcript_updated", _live_call(s, turns=turns), at)
    emit("call_ended", _ended_call(s), s.end_ms + _ENDED_LAG_MS)
    analyzed = {**_ended_call(s), "call_analysis": _analysis(s)}
    emit("call_analyzed", analyzed, s.end_ms + _ANALYZED_LAG_MS)
    return events


def _identity(s: CallScenario) -> dict[str, Any]:
    """Fields known from the moment Retell registers the call, in Retell's key order."""
    call: dict[str, Any] = {
        "call_id": s.call_id,
        "call_type": "phone_call",
        "agent_id": s.agent_id,
        "agent_version": s.agent_version,
    }
    if s.agent_name is not None:
        call["agent_name"] = s.agent_name
    if s.dynamic_variables is not None:
        call["retell_llm_dynamic_variables"] = dict(s.dynamic_variables)
    if s.direction == "outbound":
        # Retell tags the SIP leg of the calls it places (seen in recorded payloads).
        call["custom_sip_headers"] = {
            "X-RetellAI-CallId": s.call_id,
            "X-RetellAI-Direction": "Outbound",
        }
    if s.metadata is not None:
        call["metadata"] = copy.deepcopy(s.metadata)
    return call


def _telephony(s: CallScenario) -> dict[str, Any]:
    rng = random.Random(s.call_id)
    return {
        "data_storage_setting": "everything",
        "opt_in_signed_url": False,
        "from_number": s.from_number,
        "to_number": s.to_number,
        "direction": s.direction,
        "telephony_identifier": {"twilio_call_sid": f"CA{rng.getrandbits(128):032x}"},
    }


def _transcripts(s: CallScenario, turns: int) -> dict[str, Any]:
    spoken = s.transcript[:turns]
    return {
        "transcript": render_text(spoken),
        "transcript_object": timed_utterances(spoken),
        # No tool calls are simulated, so the woven transcript holds the same utterances.
        "transcript_with_tool_calls": timed_utterances(spoken),
    }


def _live_call(s: CallScenario, *, turns: int | None) -> dict[str, Any]:
    """The call while it is ongoing: `call_started` (turns=None) or a `transcript_updated`."""
    call = _identity(s)
    call["call_status"] = "ongoing"
    call["start_timestamp"] = s.start_ms
    if turns is not None:
        call.update(_transcripts(s, turns))
    call.update(_telephony(s))
    return call


def _ended_call(s: CallScenario) -> dict[str, Any]:
    """Every field of the finished call except `call_analysis` (the `call_ended` payload)."""
    call = _identity(s)
    call["call_status"] = s.end_status
    if s.connected:
        # A call that never connected has no start/end time, only `duration_ms: 0`, and no
        # media (a recorded `dial_no_answer` call_ended, 2026-05, published in n8n docs).
        call["start_timestamp"] = s.start_ms
        call["end_timestamp"] = s.end_ms
    call["duration_ms"] = s.duration_ms
    if s.connected:
        call.update(_transcripts(s, len(s.transcript)))
        call["recording_url"] = s.recording_url or f"{MEDIA_HOST}/{s.call_id}/recording.wav"
        call["public_log_url"] = f"{MEDIA_HOST}/{s.call_id}/public.log"
    else:
        call["transcript"] = ""
    call["disconnection_reason"] = s.reason
    collected = _caller_fields(s)
    if collected:
        call["collected_dynamic_variables"] = collected
    if s.connected:
        agent_turns = sum(1 for role, _ in s.transcript if role == "agent")
        call["latency"] = latency(s.call_id, agent_turns)
        call["llm_token_usage"] = token_usage(s.call_id, agent_turns)
    call["call_cost"] = call_cost(s.duration_ms)
    call.update(_telephony(s))
    return call


def _caller_fields(s: CallScenario) -> dict[str, str]:
    """What the agent learned about the caller; nothing if nobody talked to it."""
    if not s.connected or s.voicemail:
        return {}
    fields = {CALLER_NAME_KEY: s.caller_name, CALLER_EMAIL_KEY: s.caller_email}
    return {k: v for k, v in fields.items() if v is not None}


def _analysis(s: CallScenario) -> dict[str, Any]:
    summary = s.summary
    if summary is None:
        summary = (
            "The call did not connect." if not s.connected else "The caller spoke with the agent."
        )
    return {
        "call_summary": summary,
        "in_voicemail": s.voicemail,
        "user_sentiment": s.sentiment if s.connected else "Unknown",
        "call_successful": s.call_successful and s.connected,
        "custom_analysis_data": copy.deepcopy({**_caller_fields(s), **s.custom_analysis_data}),
    }
