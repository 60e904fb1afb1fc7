"""`plan(event, history, audience, ...) -> Plan`: what a call event should cause. Pure.

The same inputs always give the same effects with the same idempotency keys, so a replayed or
duplicated event converges on the same vendor objects. Side effects hang off `call_analyzed`, the
only event that carries the analysis (Retell's `call_ended` never does).

The CRM part follows the audience's sales motion: contact, fields, deal stage by outcome, owner,
outcome tags, follow-up sequence, then the call log that links them.

The module holds both pure transitions, a call event's `plan` and a calendar change's
`plan_change`, over the same effect vocabulary; what a message shows about a call (routing
flags, the company, the meeting in the owner's zone) is `policy.notices`. Over 400 lines because
`plan` stays one function: the order it builds effects in is the order they run, and each
effect names the keys of the ones it needs; split up, that order would be scattered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from callstate.config.hours import BusinessHours
from callstate.config.model import Audience, TeamMember
from callstate.domain.calendar import (
    BookingChange,
    BookingChangeKind,
    BookingStatus,
    CallMeeting,
    MeetingState,
)
from callstate.domain.call import CallEvent, CallEventType, Disposition, Runtime, Sentiment
from callstate.domain.effects import (
    AddTags,
    Alert,
    AssignOwner,
    BookMeeting,
    CopyArtifacts,
    Effect,
    EnrollSequence,
    EnsureDeal,
    FlagForReview,
    LogCall,
    MeetingNote,
    NotifyMeeting,
    NotifyOwner,
    Plan,
    ScheduleCall,
    SetFields,
    UpsertContact,
)
from callstate.domain.ids import change_key, deal_key, effect_key, event_key
from callstate.domain.outcome import Outcome
from callstate.policy.fields import field_values
from callstate.policy.followup import UNANSWERED, Redial, failure, redial, routing_alert
from callstate.policy.icp import score
from callstate.policy.notices import company_of, meeting_note, routing_flags
from callstate.policy.outcome import classify
from callstate.policy.review import review_excerpt, review_reasons

UTC_ZONE = ZoneInfo("UTC")
# Never start a sales sequence for someone who asked not to be called or is not the lead.
_NO_FOLLOW_UP = frozenset({Outcome.DO_NOT_CALL, Outcome.WRONG_NUMBER})

_DISPOSITION_WORDS = {
    Disposition.CONNECTED: "Connected",
    Disposition.VOICEMAIL: "Voicemail",
    Disposition.NO_ANSWER: "No answer",
    Disposition.BUSY: "Busy",
    Disposition.FAILED: "Failed",
}


def _caller_identity(
    event: CallEvent, history: Sequence[CallEvent]
) -> tuple[str | None, str | None]:
    """Name and email from this event, else from an earlier event of the same call."""
    name, email = event.caller_name, event.caller_email
    for earlier in history:
        name = name or earlier.caller_name
        email = email or earlier.caller_email
    return name, email


def _failure_summary(event: CallEvent) -> str | None:
    problem = failure(event)
    return f"The call failed: {event.end_reason or event.runtime_status}." if problem else None


def plan(
    event: CallEvent,
    history: Sequence[CallEvent],
    audience: Audience,
    *,
    owner: str | None = None,
    zone: ZoneInfo = UTC_ZONE,
    meeting: CallMeeting | None = None,
    team: Mapping[str, TeamMember] | None = None,
    pool: str | None = None,
    hours: BusinessHours | None = None,
    flags: tuple[str, ...] | None = None,
    review_channel: str | None = None,
) -> Plan:
    """`owner` is the routing decision (an email of the team); `zone` (the workspace's) reads
    agent-extracted times that carry no offset and, with `hours`, places a redial. `meeting` is
    what the call agreed (booked in the call, or pending: then a `BookMeeting` books it), which
    makes the outcome a booked meeting and its host the owner; `pool` names the round-robin
    counters a post-call booking counts in. `flags` are routing problems the caller found
    (default: an agent and number the audience does not list). `review_channel` is where a
    call the audience's review rules flag goes (default: its notify channel)."""
    key = event_key(event.workspace, event.runtime, event.external_call_id, event.type)

    def k(kind: str) -> str:
        return effect_key(event.workspace, event.runtime, event.external_call_id, kind)

    archive = (
        CopyArtifacts(
            key=k("copy_artifacts"),
            recording_url=event.recording_url,
            transcript=event.transcript,
        )
        if event.recording_url or event.transcript
        else None
    )
    if event.type is not CallEventType.ANALYZED:
        return Plan(
            event_key=key,
            effects=(archive,) if archive and event.type is CallEventType.ENDED else (),
            notes=(f"{event.type.value}: recorded; the analysis drives the CRM",),
        )

    name, email = _caller_identity(event, history)
    phone = event.caller_number
    analysis = event.analysis
    summary = analysis.summary if analysis else None
    custom = analysis.custom if analysis else {}
    motion = audience.crm
    fit = score(audience.icp, custom)
    outcome = classify(event, fit.qualified(audience.icp))
    if meeting is not None and meeting.state is MeetingState.CANCELLED:
        meeting = None
    if meeting is not None and outcome not in _NO_FOLLOW_UP:
        outcome = Outcome.MEETING_BOOKED  # the calendar is the ground truth, not the analysis
        owner = meeting.owner_email
    tags = motion.tags.get(outcome, ())
    effects: list[Effect] = []
    notes: list[str] = [f"outcome: {outcome.value}"]
    book: BookMeeting | None = None
    if meeting is not None and meeting.state is MeetingState.PENDING:
        book = BookMeeting(
            key=k("book_meeting"),
            meeting_key=meeting.key,
            owner_email=meeting.owner_email,
            event_type=meeting.event_type,
            start=meeting.start,
            attendee=meeting.attendee,
            pool=pool,
        )
        effects.append(book)
    contact_key: str | None = None
    call_log_key: str | None = None
    if phone is None:
        notes.append("no caller phone number (web call or withheld): nothing written to the CRM")
    else:
        upsert = UpsertContact(key=k("upsert_contact"), phone=phone, name=name, email=email)
        contact_key = upsert.key
        needs = (upsert.key,)
        effects.append(upsert)
        call_at = event.ended_at or event.started_at or event.received_at
        values = field_values(motion, custom, outcome, fit, call_at, zone)
        if values:
            effects.append(
                SetFields(key=k("set_fields"), needs=needs, contact=upsert.key, values=values)
            )
        deal: EnsureDeal | None = None
        if outcome in motion.stages:
            deal = EnsureDeal(
                key=k("ensure_deal"),
                needs=needs,
                contact=upsert.key,
                deal_key=deal_key(event.workspace, phone, motion.pipeline),
                pipeline=motion.pipeline,
                stage=motion.stages[outcome],
                name=f"{name or phone}: {audience.name}",
                allow_backwards=outcome in motion.backwards,
                outcome=outcome,
            )
            effects.append(deal)
        assign: AssignOwner | None = None
        if owner is not None:
            assign = AssignOwner(
                key=k("assign_owner"),
                needs=needs,
                contact=upsert.key,
                deal=deal.key if deal else None,
                owner_email=owner,
            )
            effects.append(assign)
        if tags:
            effects.append(AddTags(key=k("add_tags"), needs=needs, contact=upsert.key, tags=tags))
        sequence = motion.sequences.get(outcome)
        if sequence and outcome in _NO_FOLLOW_UP:
            notes.append(f"no sequence: the outcome is {outcome.value}")
        elif sequence and owner is None:
            notes.append("no sequence: no owner to send it (set `default_owner`)")
        elif sequence and owner is not None:
            effects.append(
                EnrollSequence(
                    key=k("enroll_sequence"),
                    needs=needs,
                    contact=upsert.key,
                    sequence=sequence,
                    owner=assign.key if assign else None,
                    owner_email=owner,
                )
            )
        words = _DISPOSITION_WORDS[event.disposition].lower()
        log = LogCall(
            key=k("log_call"),
            needs=needs,
            contact=upsert.key,
            deal=deal.key if deal else None,
            outcome=outcome,
            tags=tags,
            external_call_id=event.external_call_id,
            occurred_at=event.started_at or event.ended_at or event.received_at,
            title=f"{audience.name}: {event.direction.value} call, {words}",
            summary=summary or _failure_summary(event),
            transcript=event.transcript,
            recording_url=event.recording_url,
            duration_ms=event.duration_ms,
            direction=event.direction,
            disposition=event.disposition,
            from_number=event.from_number,
            to_number=event.to_number,
        )
        effects.append(log)
        call_log_key = log.key
    next_dial = redial(event, audience, outcome, workspace_zone=zone.key, hours=hours)
    if isinstance(next_dial, Redial):
        assert phone is not None  # redial() needs the number
        effects.append(
            ScheduleCall(
                key=k("schedule_call"),
                audience=audience.id,
                lead=next_dial.lead,
                attempt=next_dial.attempt,
                to_number=phone,
                from_number=event.our_number,
                due_at=next_dial.due_at,
            )
        )
        notes.append(f"redial: attempt {next_dial.attempt} at {next_dial.due_at.isoformat()}")
    elif next_dial is not None:
        notes.append(next_dial)
    for problem in (failure(event), routing_alert(event)):
        if problem is not None:
            effects.append(
                Alert(
                    key=k(f"alert:{problem.incident}"),
                    incident=problem.incident,
                    title=problem.title,
                    detail=problem.detail,
                )
            )
    reasons = review_reasons(
        event, audience, fit=fit, outcome=outcome, meeting=meeting.state if meeting else None
    )
    if reasons:  # also for a voicemail or no answer: a rule that fires is worth a look
        effects.append(
            FlagForReview(
                key=k("flag_for_review"),
                channel=review_channel or audience.notify_channel,
                audience=audience.id,
                audience_name=audience.name,
                caller=name or phone or "Unknown caller",
                caller_phone=phone,
                outcome=outcome,
                reasons=reasons,
                summary=summary,
                excerpt=review_excerpt(event, audience),
                recording_url=event.recording_url,
                contact=contact_key,
            )
        )
        notes.append("review: " + ", ".join(r.code for r in reasons))
    if outcome in UNANSWERED and not audience.voicemail_notify:
        notes.append(f"no message: {outcome.value} (the audience's voicemail_notify is off)")
        return Plan(event_key=key, effects=(*effects, *filter(None, [archive])), notes=tuple(notes))
    member = (team or {}).get(owner) if owner else None
    effects.append(
        NotifyOwner(
            key=k("notify_owner"),
            channel=audience.notify_channel,
            owner_email=owner,
            owner_name=member.name if member else None,
            owner_zone=(member.timezone if member else None) or zone.key,
            company=company_of(custom),
            outcome=outcome,
            audience_name=audience.name,
            caller=name or phone or "Unknown caller",
            caller_phone=phone,
            direction=event.direction,
            disposition=event.disposition,
            sentiment=analysis.sentiment if analysis else Sentiment.UNKNOWN,
            summary=summary,
            duration_ms=event.duration_ms,
            recording_url=event.recording_url,
            flags=routing_flags(event, audience) if flags is None else flags,
            contact=contact_key,
            call_log=call_log_key,
            meeting=meeting_note(meeting, team or {}, zone, booking=book.key if book else None)
            if meeting is not None
            else None,
        )
    )
    if archive is not None:
        effects.append(archive)
    return Plan(event_key=key, effects=tuple(effects), notes=tuple(notes))


def plan_change(
    change: BookingChange,
    meeting: CallMeeting | None,
    audience: Audience,
    *,
    workspace: str,
    team: Mapping[str, TeamMember],
    zone: ZoneInfo,
    call: tuple[Runtime, str] | None = None,
) -> Plan:
    """What a calendar change should cause. `meeting` is the call's meeting the change is
    about, if it came from a call (then the change's booking is ours, found by its id), and
    `call` that call (runtime, call id): its message goes in the call's owner thread.

    - created by a call: nothing more (the call's own plan wrote it);
    - created elsewhere (a booking page): the lead in the CRM at the booked stage, the host as
      owner, a message;
    - rescheduled: a message with the old and new time; the half that only retires the old
      booking (Calendly sends two) changes nothing;
    - cancelled: cancellation tags, the stage moved back if the audience names one, a message.
    """
    prefix = change_key(workspace, change.vendor, change.dedupe_id)
    key = f"{prefix}:plan"
    booking = change.booking

    def k(kind: str) -> str:
        return f"{prefix}:{kind}"

    if change.kind is BookingChangeKind.CREATED and meeting is not None:
        return Plan(event_key=key, notes=("booked by the call; the call's plan wrote it",))
    retiring = (
        change.kind is BookingChangeKind.RESCHEDULED
        and change.previous_booking_id is None
        and booking.status is BookingStatus.CANCELLED
    )
    if retiring:
        return Plan(event_key=key, notes=("the old half of a reschedule: the new half tells it",))
    phone = change.attendee_phone or (meeting.attendee.phone if meeting else None)
    name = change.attendee_name or (meeting.attendee.name if meeting else None) or "Invitee"
    host = booking.host_email or (meeting.owner_email if meeting else None)
    owner = host if host in team else None
    effects: list[Effect] = []
    notes: list[str] = [f"{change.vendor} {change.kind.value}"]
    contact: str | None = None
    motion = audience.crm
    if phone is None:
        notes.append("no phone number on the booking: nothing written to the CRM")
    else:
        upsert = UpsertContact(
            key=k("upsert_contact"), phone=phone, name=name, email=booking.attendee_email
        )
        contact = upsert.key
        effects.append(upsert)
        needs = (upsert.key,)
        cancelled = change.kind is BookingChangeKind.CANCELLED
        stage = audience.meetings.cancelled_stage if cancelled else None
        stage = stage or (None if cancelled else motion.stages.get(Outcome.MEETING_BOOKED))
        if stage is not None:
            effects.append(
                EnsureDeal(
                    key=k("ensure_deal"),
                    needs=needs,
                    contact=upsert.key,
                    deal_key=deal_key(workspace, phone, motion.pipeline),
                    pipeline=motion.pipeline,
                    stage=stage,
                    name=f"{name}: {audience.name}",
                    allow_backwards=cancelled,
                    outcome=Outcome.CALLBACK_REQUESTED if cancelled else Outcome.MEETING_BOOKED,
                )
            )
        if owner is not None and not cancelled:
            effects.append(
                AssignOwner(
                    key=k("assign_owner"), needs=needs, contact=upsert.key, owner_email=owner
                )
            )
        if cancelled and audience.meetings.cancelled_tags:
            effects.append(
                AddTags(
                    key=k("add_tags"),
                    needs=needs,
                    contact=upsert.key,
                    tags=audience.meetings.cancelled_tags,
                )
            )
    member = team.get(host) if host else None
    note = MeetingNote(
        start=booking.start,
        owner_name=member.name if member else host or "the team",
        zone=(member.timezone if member else None) or zone.key,
        confirmed=change.kind is not BookingChangeKind.CANCELLED,
        url=booking.url,
    )
    moved = meeting is not None and meeting.start != booking.start
    effects.append(
        NotifyMeeting(
            key=k("notify_meeting"),
            channel=audience.notify_channel,
            change=change.kind,
            attendee_name=name,
            attendee_phone=phone,
            meeting=note,
            previous_start=meeting.start if meeting is not None and moved else None,
            contact=contact,
            thread=effect_key(workspace, call[0], call[1], "notify_owner") if call else None,
            owner_email=owner,
        )
    )
    return Plan(event_key=key, effects=tuple(effects), notes=tuple(notes))
