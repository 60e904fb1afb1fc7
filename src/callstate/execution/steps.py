"""The body of every effect step: ledger first, then the vendor, then the ledger again.

A step may run more than once (DBOS steps are at-least-once, research/reliability.md §1.6): the
ledger tells a later attempt that an earlier one may already have reached the vendor, and the
connector then recovers the earlier result instead of repeating the write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from callstate.connectors.errors import (
    ConnectorError,
    Permanent,
    RateLimited,
    Transient,
    Unsupported,
)
from callstate.connectors.ports import Links, ObjectRef
from callstate.connectors.registry import WorkspaceConnectors
from callstate.domain.call import Runtime
from callstate.domain.effects import (
    AddTags,
    Alert,
    AssignOwner,
    BookMeeting,
    CopyArtifacts,
    Effect,
    EffectOutcome,
    EffectResult,
    EnrollSequence,
    EnsureDeal,
    FlagForReview,
    LogCall,
    NotifyMeeting,
    NotifyOwner,
    ScheduleCall,
    SetFields,
    UpsertContact,
)
from callstate.domain.ids import attempt_id
from callstate.execution.artifacts import MediaOf
from callstate.execution.booking import book_agreed
from callstate.execution.chat_threads import notify_meeting, notify_owner
from callstate.execution.faults import fault_point
from callstate.execution.review_items import flag_for_review
from callstate.execution.services import Services
from callstate.storage.attempts import AttemptContext, AttemptStatus


def summary_of(effect: Effect) -> dict[str, Any]:
    """What the attempt asked for, for the timeline: no transcript, no summary text."""
    match effect:
        case UpsertContact():
            return {
                "phone": effect.phone,
                "has_name": bool(effect.name),
                "has_email": bool(effect.email),
            }
        case SetFields():
            return {"fields": sorted(effect.values)}  # names only: values may be personal
        case EnsureDeal():
            return {"pipeline": effect.pipeline, "stage": effect.stage, "outcome": effect.outcome}
        case AssignOwner():
            return {"owner": effect.owner_email, "sticky": effect.sticky}
        case AddTags():
            return {"tags": list(effect.tags)}
        case EnrollSequence():
            return {"sequence": effect.sequence}
        case LogCall():
            return {
                "call": effect.external_call_id,
                "disposition": effect.disposition.value,
                "duration_ms": effect.duration_ms,
                "transcript_chars": len(effect.transcript or ""),
            }
        case NotifyOwner():
            return {
                "channel": effect.channel,
                "owner": effect.owner_email,
                "disposition": effect.disposition.value,
            }
        case FlagForReview():
            return {"channel": effect.channel, "reasons": [r.code for r in effect.reasons]}
        case BookMeeting():
            return {"owner": effect.owner_email, "start": effect.start.isoformat()}
        case NotifyMeeting():
            return {
                "channel": effect.channel,
                "change": effect.change.value,
                "in_thread": effect.thread is not None,
            }
        case ScheduleCall():
            return {"attempt": effect.attempt, "due_at": effect.due_at.isoformat()}
        case Alert():
            return {"incident": effect.incident}
        case CopyArtifacts():
            return {
                "recording": effect.recording_url is not None,
                "transcript_chars": len(effect.transcript or ""),
            }


def _ref(results: Mapping[str, EffectResult], key: str | None) -> ObjectRef | None:
    result = results.get(key) if key else None
    if result is None or result.outcome is not EffectOutcome.SUCCEEDED or result.object_id is None:
        return None
    return ObjectRef(result.vendor or "", result.object_id, result.url)


def _contact(results: Mapping[str, EffectResult], key: str) -> ObjectRef:
    contact = _ref(results, key)
    if contact is None:  # the executor skips effects whose needs failed
        raise AssertionError(f"effect ran without its contact {key}")
    return contact


def _call_vendor(
    services: Services,
    context: AttemptContext,
    effect: Effect,
    connectors: WorkspaceConnectors,
    results: Mapping[str, EffectResult],
    recover: bool,
) -> ObjectRef:
    crm = connectors.crm
    match effect:
        case UpsertContact():
            return crm.upsert_contact(effect)
        case SetFields():
            return crm.set_fields(effect, _contact(results, effect.contact))
        case EnsureDeal():
            return crm.ensure_deal(effect, _contact(results, effect.contact))
        case AssignOwner():
            contact = _contact(results, effect.contact)
            return crm.assign_owner(effect, contact, _ref(results, effect.deal))
        case AddTags():
            return crm.add_tags(effect, _contact(results, effect.contact))
        case EnrollSequence():
            owner = results.get(effect.owner) if effect.owner else None
            sender = (owner.facts.get("owner_email") if owner else None) or effect.owner_email
            return crm.enroll(effect, _contact(results, effect.contact), sender)
        case LogCall():
            contact = _contact(results, effect.contact)
            return crm.log_call(effect, contact, _ref(results, effect.deal), recover=recover)
        case NotifyOwner():
            links = Links(
                contact=_ref(results, effect.contact), call_log=_ref(results, effect.call_log)
            )
            chat, notice = connectors.chat, _with_booking(effect, results)
            return notify_owner(services, context, chat, notice, links, recover=recover)
        case FlagForReview():
            linked = _ref(results, effect.contact)
            chat = connectors.chat
            return flag_for_review(services, context, effect, chat, linked, recover=recover)
        case BookMeeting():
            if connectors.calendar is None:
                raise Permanent("calendar", "the workspace has no `calendar` configured")
            return book_agreed(
                services,
                connectors.calendar,
                effect,
                workspace=context.workspace,
                runtime=context.runtime,
                call_id=context.external_call_id,
            )
        case NotifyMeeting():
            links = Links(contact=_ref(results, effect.contact))
            chat = connectors.chat
            return notify_meeting(services, context, chat, effect, links, recover=recover)
        case ScheduleCall():
            return _schedule(services, context, effect)
        case CopyArtifacts():
            return _archive(services, context, effect)
        case Alert():
            incident = services.incidents.record(
                context.workspace,
                effect.incident,
                title=effect.title,
                detail=effect.detail,
                subject=f"{context.runtime} call {context.external_call_id}",
                now=services.clock(),
            )
            return ObjectRef("callstate", incident, detail=effect.title)


def _archive(services: Services, context: AttemptContext, effect: CopyArtifacts) -> ObjectRef:
    if services.artifacts is None:
        raise Unsupported("archive", "copying recordings is off (CALLSTATE_COPY_ARTIFACTS)")
    media = MediaOf(
        workspace=context.workspace,
        runtime=Runtime(context.runtime),
        external_call_id=context.external_call_id,
        transcript=effect.transcript,
        recording_url=effect.recording_url,
    )
    copied = services.artifacts.copy(media)
    kept = ", ".join(f"{a.kind} {a.size} B" for a in copied.copied) or "nothing"
    missed = "; ".join(f"{m.kind}: {m.reason}" for m in copied.missed)
    detail = f"kept {kept}" + (f"; missed {missed}" if missed else "")
    return ObjectRef(
        "callstate",
        f"{context.workspace}/{context.runtime}/{context.external_call_id}",
        detail=detail,
        facts={a.kind: a.path for a in copied.copied},
    )


def _schedule(services: Services, context: AttemptContext, effect: ScheduleCall) -> ObjectRef:
    """The next attempt of the series, with the variables the previous one was placed with."""
    previous = services.outbound.get(attempt_id(effect.lead, effect.attempt - 1))
    row, _ = services.outbound.schedule(
        workspace=context.workspace,
        audience=effect.audience,
        lead=effect.lead,
        attempt=effect.attempt,
        to_number=effect.to_number,
        from_number=effect.from_number,
        variables=dict(previous.variables) if previous is not None else {},
        due_at=effect.due_at,
        now=services.clock(),
        runtime=context.runtime,
    )
    when = row.due_at.strftime("%Y-%m-%d %H:%M UTC")
    return ObjectRef(
        "callstate", row.id, detail=f"attempt {row.attempt} at {when}", facts={"due": when}
    )


def _with_booking(effect: NotifyOwner, results: Mapping[str, EffectResult]) -> NotifyOwner:
    """A meeting booked after the call (by this plan's `BookMeeting`) shows as confirmed."""
    note = effect.meeting
    booked = _ref(results, note.booking if note else None)
    if note is None or booked is None:
        return effect
    confirmed = note.model_copy(update={"confirmed": True, "url": booked.url or note.url})
    return effect.model_copy(update={"meeting": confirmed})


def run_effect(
    services: Services,
    context: AttemptContext,
    effect: Effect,
    results: Mapping[str, EffectResult],
    *,
    kill_switch: Callable[[str, str], None] = fault_point,
) -> EffectResult:
    """One attempt at one effect. Raises the connector's error after recording it."""
    done = services.ledger.succeeded(effect.key)
    if done is not None:
        # Already applied by an earlier workflow (a replay or a later event of the same call).
        return EffectResult(
            key=effect.key,
            kind=effect.kind,
            outcome=EffectOutcome.SUCCEEDED,
            vendor=done.vendor,
            object_id=done.vendor_ids.get("id"),
            url=done.vendor_ids.get("url"),
            detail="already applied",
            facts=done.vendor_ids.get("facts") or {},
        )
    attempt_id, number = services.ledger.start(
        context, effect.kind, effect.key, summary_of(effect), services.clock()
    )
    recover = number > 1 and services.ledger.may_have_applied(effect.key, number)
    connectors = services.connectors[context.workspace]
    try:
        ref = _call_vendor(services, context, effect, connectors, results, recover)
    except ConnectorError as exc:
        status = (
            AttemptStatus.RATE_LIMITED
            if isinstance(exc, RateLimited)
            else AttemptStatus.TRANSIENT_ERROR
            if isinstance(exc, Transient)
            else AttemptStatus.UNSUPPORTED
            if isinstance(exc, Unsupported)
            else AttemptStatus.PERMANENT_ERROR
        )
        services.ledger.finish(
            attempt_id, status, services.clock(), vendor=exc.vendor, error=str(exc)
        )
        raise
    except Exception as exc:
        # A bug, not a vendor answer: close the attempt so the timeline shows it, then let the
        # workflow dead-letter the effect.
        services.ledger.finish(
            attempt_id,
            AttemptStatus.PERMANENT_ERROR,
            services.clock(),
            error=f"{type(exc).__name__}: {exc}",
        )
        raise
    kill_switch("after_effect", effect.kind)
    services.ledger.finish(
        attempt_id,
        AttemptStatus.SUCCEEDED,
        services.clock(),
        vendor=ref.vendor,
        vendor_ids={"id": ref.object_id, "url": ref.url, "detail": ref.detail, "facts": ref.facts},
    )
    return EffectResult(
        key=effect.key,
        kind=effect.kind,
        outcome=EffectOutcome.SUCCEEDED,
        vendor=ref.vendor,
        object_id=ref.object_id,
        url=ref.url,
        detail="recovered an earlier attempt's result" if recover else ref.detail,
        facts=ref.facts,
    )
