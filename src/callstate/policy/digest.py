"""What a day came to: `build_report(day, workspace)`, pure. The definitions it follows are in
`domain.digest`'s docstring; the flags are decided here.

- hot lead without a follow-up: the call ended meeting_booked, qualified or callback_requested,
  and nothing follows it: no meeting from the call, no sequence started, no later call to the
  number scheduled or placed;
- meeting without an owner: booked with a host who is not on the team, or the CRM owner was
  never set for the call (its `assign_owner` did not succeed);
- do-not-call request: the outcome do_not_call;
- failed call: the line failed, or an effect of the call was dead-lettered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from callstate.config.model import Workspace
from callstate.domain.call import CallStatus, Direction, Disposition
from callstate.domain.digest import (
    UNANALYSED,
    AudienceRow,
    DayCall,
    DealTouch,
    DigestDay,
    DigestReport,
    Flag,
    FlagKind,
    OutcomeCount,
    StageRow,
)
from callstate.domain.effects import EnsureDeal, LogCall, Plan
from callstate.domain.outcome import Outcome
from callstate.domain.values import mask_phone

EXAMPLES = 3
HOT = frozenset({Outcome.MEETING_BOOKED, Outcome.QUALIFIED, Outcome.CALLBACK_REQUESTED})
_ORDER = [*(o.value for o in Outcome), UNANALYSED]
_NOTE = "outcome: "  # how `transition.plan` names an analysed call's outcome in its notes


def planned_outcome(plan: Plan) -> Outcome | None:
    """The outcome a call's plan decided: on its deal or call log, else in its notes (a call
    without a phone number writes neither). None for a plan of an event without analysis."""
    for effect in plan.effects:
        if isinstance(effect, EnsureDeal | LogCall) and effect.outcome is not None:
            return effect.outcome
    known = {o.value for o in Outcome}
    for note in plan.notes:
        value = note.removeprefix(_NOTE)
        if note.startswith(_NOTE) and value in known:
            return Outcome(value)
    return None


def _label(outcome: str) -> str:
    return "No analysis yet" if outcome == UNANALYSED else Outcome(outcome).label


def _audiences(calls: Iterable[DayCall], workspace: Workspace) -> tuple[AudienceRow, ...]:
    counts: dict[str, Counter[str]] = {}
    for call in calls:
        outcome = call.outcome.value if call.outcome is not None else UNANALYSED
        counts.setdefault(call.audience, Counter())[outcome] += 1
    names = {a.id: a.name for a in workspace.audiences}
    # Configured audiences in their order, then ones since removed from the configuration.
    order = [a.id for a in workspace.audiences if a.id in counts]
    order += sorted(set(counts) - set(order))
    return tuple(
        AudienceRow(
            audience=audience,
            name=names.get(audience, audience),
            calls=sum(counts[audience].values()),
            outcomes=tuple(
                OutcomeCount(outcome=o, label=_label(o), count=counts[audience][o])
                for o in _ORDER
                if counts[audience][o]
            ),
        )
        for audience in order
    )


def _moves(deals: Iterable[DealTouch]) -> dict[tuple[str, str], DealTouch]:
    """Each deal's last move of the day."""
    last: dict[tuple[str, str], DealTouch] = {}
    for touch in sorted(deals, key=lambda t: t.at):
        if touch.detail.startswith(("created", "moved")):
            last[(touch.vendor, touch.deal_id)] = touch
    return last


def _stages(moved: Iterable[DealTouch]) -> tuple[StageRow, ...]:
    deals: Counter[str] = Counter()
    value: dict[str, Decimal] = {}
    for touch in moved:
        deals[touch.stage] += 1
        value[touch.stage] = value.get(touch.stage, Decimal(0)) + (touch.amount or Decimal(0))
    ranked = sorted(deals, key=lambda stage: (-deals[stage], stage))
    return tuple(StageRow(stage=s, deals=deals[s], value=value[s]) for s in ranked)


def _flag(kind: FlagKind, label: str, examples: list[str]) -> Flag:
    return Flag(kind=kind, label=label, count=len(examples), examples=tuple(examples[:EXAMPLES]))


def _flags(day: DigestDay, workspace: Workspace) -> tuple[Flag, ...]:
    zone = ZoneInfo(day.zone)
    names = {a.id: a.name for a in workspace.audiences}
    team = {m.email for m in workspace.team}

    def call_line(call: DayCall) -> str:
        who = mask_phone(call.caller_number) if call.caller_number else "no number"
        when = call.created_at.astimezone(zone).strftime("%H:%M")
        return f"{who} · {names.get(call.audience, call.audience)} · {when}"

    calls = sorted(day.calls, key=lambda c: c.created_at)
    hot = [
        call_line(c)
        for c in calls
        if c.outcome in HOT and not (c.meeting or c.sequence or c.next_call)
    ]
    unowned = [
        f"{m.attendee_name} · {m.start.astimezone(zone).strftime('%a %d %b %H:%M')} · "
        + (m.owner_email if m.owner_email in team else f"{m.owner_email or 'nobody'} (not on team)")
        for m in sorted(day.meetings, key=lambda m: m.start)
        if m.owner_email not in team or not m.owner_in_crm
    ]
    dnc = [call_line(c) for c in calls if c.outcome is Outcome.DO_NOT_CALL]
    failed = [
        call_line(c) + (" · dead-lettered" if c.status is CallStatus.DEAD_LETTERED else "")
        for c in calls
        if c.disposition is Disposition.FAILED or c.status is CallStatus.DEAD_LETTERED
    ]
    incidents = [
        f"{i.title} (x{i.occurrences})" for i in sorted(day.incidents, key=lambda i: i.opened_at)
    ]
    flags = [
        _flag(FlagKind.HOT_WITHOUT_FOLLOW_UP, "Hot leads without a follow-up", hot),
        _flag(FlagKind.MEETING_WITHOUT_OWNER, "Meetings without an owner", unowned),
        _flag(FlagKind.DNC_REQUEST, "Do-not-call requests", dnc),
        _flag(FlagKind.FAILED_CALL, "Failed calls", failed),
        _flag(FlagKind.INCIDENT, "Incidents opened", incidents),
    ]
    if day.review_waiting is not None:
        flags.append(
            Flag(
                kind=FlagKind.REVIEW_WAITING,
                label="Review items waiting",
                count=day.review_waiting,
                examples=day.review_examples[:EXAMPLES],
            )
        )
    return tuple(flags)


def build_report(day: DigestDay, workspace: Workspace) -> DigestReport:
    connected = [c for c in day.calls if c.disposition is Disposition.CONNECTED]
    outbound = [c for c in day.calls if c.direction is Direction.OUTBOUND]
    moved = list(_moves(day.deals).values())
    return DigestReport(
        workspace=day.workspace,
        workspace_name=workspace.name,
        date=day.date,
        zone=day.zone,
        start=day.start,
        end=day.end,
        calls=len(day.calls),
        inbound=len(day.calls) - len(outbound),
        outbound=len(outbound),
        connected=len(connected),
        outbound_connected=sum(c.direction is Direction.OUTBOUND for c in connected),
        audiences=_audiences(day.calls, workspace),
        meetings_booked=len(day.meetings),
        stage_moves=_stages(moved),
        deals_moved=len(moved),
        deal_value=sum((t.amount for t in moved if t.amount is not None), Decimal(0)),
        deals_without_value=sum(t.amount is None for t in moved),
        flags=_flags(day, workspace),
    )
