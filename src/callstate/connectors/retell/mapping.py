"""Retell call payloads → domain `CallEvent`. Pure."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

from callstate.connectors.retell.wire import WireCall, WireEnvelope, WireUtterance
from callstate.domain.call import (
    Analysis,
    CallEvent,
    CallEventType,
    Direction,
    Disposition,
    Runtime,
    Sentiment,
)
from callstate.domain.values import InvalidPhoneError, from_epoch_ms, to_e164

HANDLED = {t.value: t for t in CallEventType}

_NO_ANSWER = {"dial_no_answer", "user_declined", "registered_call_timeout"}
_BUSY = {"dial_busy"}
_VOICEMAIL = {"voicemail_reached"}
_SENTIMENT = {
    "Positive": Sentiment.POSITIVE,
    "Neutral": Sentiment.NEUTRAL,
    "Negative": Sentiment.NEGATIVE,
}
# Where agents commonly put what they learned about the caller; the first non-empty wins.
_NAME_KEYS = ("caller_name", "customer_name", "name", "full_name")
_EMAIL_KEYS = ("caller_email", "customer_email", "email")


def disposition(call: WireCall) -> Disposition:
    """What happened on the line. Unknown reasons fall back on `call_status`."""
    reason = call.disconnection_reason or ""
    if reason in _VOICEMAIL or (call.call_analysis and call.call_analysis.in_voicemail):
        return Disposition.VOICEMAIL
    if reason in _NO_ANSWER:
        return Disposition.NO_ANSWER
    if reason in _BUSY:
        return Disposition.BUSY
    if call.call_status in ("error", "not_connected") or reason.startswith(("error_", "dial_")):
        return Disposition.FAILED
    return Disposition.CONNECTED


CONTEXT_PREFIX = "callstate_"
_CONTEXT_MAX = 256


def context_of(metadata: Any) -> dict[str, str]:
    """Our ids from the call's metadata: `callstate_*` keys with short string values. Anything
    else in it belongs to someone else and is ignored."""
    if not isinstance(metadata, dict):
        return {}
    return {
        key: value
        for key, value in metadata.items()
        if isinstance(key, str)
        and key.startswith(CONTEXT_PREFIX)
        and isinstance(value, str)
        and len(key) <= 64
        and len(value) <= _CONTEXT_MAX
    }


def _phone(raw: str | None) -> str | None:
    """Caller ids can be withheld or junk; that must not reject the call."""
    if not raw:
        return None
    try:
        return to_e164(raw)
    except InvalidPhoneError:
        return None


def _first(sources: list[dict[str, Any]], keys: tuple[str, ...]) -> str | None:
    for source in sources:
        for key in keys:
            value = source.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def longest_silence_ms(utterances: list[WireUtterance] | None) -> int | None:
    """The longest gap between one utterance's last word and the next one's first, from
    `transcript_object`'s word timings; None without two timed utterances."""
    spans = [
        (min(starts), max(ends))
        for u in utterances or []
        if (starts := [w.start for w in u.words or [] if w.start is not None])
        and (ends := [w.end for w in u.words or [] if w.end is not None])
    ]
    gaps = [later[0] - earlier[1] for earlier, later in pairwise(spans)]
    return max(0, round(max(gaps) * 1000)) if gaps else None


def to_event(
    envelope: WireEnvelope, event_type: CallEventType, workspace: str, received_at: datetime
) -> CallEvent:
    call = envelope.call
    analysis = call.call_analysis
    custom = (analysis.custom_analysis_data if analysis else None) or {}
    sources = [
        custom,
        call.collected_dynamic_variables or {},
        call.retell_llm_dynamic_variables or {},
    ]
    return CallEvent(
        workspace=workspace,
        runtime=Runtime.RETELL,
        type=event_type,
        external_call_id=call.call_id,
        agent_id=call.agent_id,
        direction=Direction.OUTBOUND if call.direction == "outbound" else Direction.INBOUND,
        from_number=_phone(call.from_number),
        to_number=_phone(call.to_number),
        received_at=received_at,
        runtime_status=call.call_status,
        end_reason=call.disconnection_reason,
        disposition=disposition(call),
        started_at=from_epoch_ms(call.start_timestamp) if call.start_timestamp else None,
        ended_at=from_epoch_ms(call.end_timestamp) if call.end_timestamp else None,
        duration_ms=call.duration_ms,
        transcript=call.transcript,
        recording_url=call.recording_url,
        longest_silence_ms=longest_silence_ms(call.transcript_object),
        caller_name=_first(sources, _NAME_KEYS),
        caller_email=_first(sources, _EMAIL_KEYS),
        context=context_of(call.metadata),
        analysis=None
        if analysis is None
        else Analysis(
            summary=analysis.call_summary,
            sentiment=_SENTIMENT.get(analysis.user_sentiment or "", Sentiment.UNKNOWN),
            successful=analysis.call_successful,
            in_voicemail=bool(analysis.in_voicemail),
            custom=custom,
        ),
    )
