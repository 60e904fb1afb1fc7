"""`plan(event, history, audience) -> Plan`: what a call event should cause. Pure and deterministic.

The same inputs always give the same effects with the same idempotency keys, so a replayed or
duplicated event converges on the same vendor objects. Side effects hang off `call_analyzed`, the
only event that carries the analysis (Retell's `call_ended` never does).
"""

from __future__ import annotations

from collections.abc import Sequence

from callstate.config.model import Audience
from callstate.domain.call import CallEvent, CallEventType, Disposition, Sentiment
from callstate.domain.effects import Effect, LogCall, NotifyOwner, Plan, UpsertContact
from callstate.domain.ids import effect_key, event_key

_DISPOSITION_WORDS = {
    Disposition.CONNECTED: "Connected",
    Disposition.VOICEMAIL: "Voicemail",
    Disposition.NO_ANSWER: "No answer",
    Disposition.BUSY: "Busy",
    Disposition.FAILED: "Failed",
}


def routing_flags(event: CallEvent, audience: Audience) -> tuple[str, ...]:
    """Flags a call whose agent and number are unknown to the audience it was given."""
    if event.agent_id in audience.agent_ids:
        return ()
    if event.our_number is not None and event.our_number in audience.numbers:
        return ()
    return (f"agent {event.agent_id} is not configured; routed to the default audience",)


def _caller_identity(
    event: CallEvent, history: Sequence[CallEvent]
) -> tuple[str | None, str | None]:
    """Name and email from this event, else from an earlier event of the same call."""
    name, email = event.caller_name, event.caller_email
    for earlier in history:
        name = name or earlier.caller_name
        email = email or earlier.caller_email
    return name, email


def plan(event: CallEvent, history: Sequence[CallEvent], audience: Audience) -> Plan:
    key = event_key(event.workspace, event.runtime, event.external_call_id, event.type)
    if event.type is not CallEventType.ANALYZED:
        return Plan(event_key=key, notes=(f"{event.type.value}: recorded, nothing to do yet",))

    def k(kind: str) -> str:
        return effect_key(event.workspace, event.runtime, event.external_call_id, kind)

    name, email = _caller_identity(event, history)
    phone = event.caller_number
    analysis = event.analysis
    summary = analysis.summary if analysis else None
    effects: list[Effect] = []
    notes: list[str] = []
    contact_key: str | None = None
    call_log_key: str | None = None
    if phone is None:
        notes.append("no caller phone number (web call or withheld): nothing written to the CRM")
    else:
        upsert = UpsertContact(key=k("upsert_contact"), phone=phone, name=name, email=email)
        words = _DISPOSITION_WORDS[event.disposition].lower()
        log = LogCall(
            key=k("log_call"),
            needs=(upsert.key,),
            contact=upsert.key,
            external_call_id=event.external_call_id,
            occurred_at=event.started_at or event.ended_at or event.received_at,
            title=f"{audience.name}: {event.direction.value} call, {words}",
            summary=summary,
            transcript=event.transcript,
            recording_url=event.recording_url,
            duration_ms=event.duration_ms,
            direction=event.direction,
            disposition=event.disposition,
            from_number=event.from_number,
            to_number=event.to_number,
        )
        effects += [upsert, log]
        contact_key, call_log_key = upsert.key, log.key
    effects.append(
        NotifyOwner(
            key=k("notify_owner"),
            channel=audience.notify_channel,
            audience_name=audience.name,
            caller=name or phone or "Unknown caller",
            caller_phone=phone,
            direction=event.direction,
            disposition=event.disposition,
            sentiment=analysis.sentiment if analysis else Sentiment.UNKNOWN,
            summary=summary,
            duration_ms=event.duration_ms,
            recording_url=event.recording_url,
            flags=routing_flags(event, audience),
            contact=contact_key,
            call_log=call_log_key,
        )
    )
    return Plan(event_key=key, effects=tuple(effects), notes=tuple(notes))
