"""The rows of one workspace's local day, for the digest (`domain.digest.DigestDay`).

Reads only. The day is the UTC range [start, end) of the workspace's local date, so a DST day
reads 23 or 25 hours. What followed a call (a meeting, a sequence, another call) is read as of
now, not as of the day's end: the digest asks "is anything still missing?".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, exists, or_, select

from callstate.domain.call import CallStatus, Direction, Disposition
from callstate.domain.digest import DayCall, DayIncident, DayMeeting, DealTouch, DigestDay
from callstate.domain.outcome import Outcome
from callstate.policy.digest_schedule import local_day
from callstate.storage.attempts import AttemptStatus
from callstate.storage.meetings import MeetingStatus
from callstate.storage.outbound import OutboundStatus
from callstate.storage.review import ReviewItem, ReviewQueue
from callstate.storage.tables import (
    CallRow,
    EffectAttemptRow,
    IncidentRow,
    MeetingRow,
    OutboundCallRow,
)

_OUTCOMES = {o.value for o in Outcome}
_REVIEW_EXAMPLES = 3


def _succeeded(kind: str, workspace: Any, runtime: Any, call_id: Any) -> Any:
    """EXISTS a successful attempt of `kind` for the call named by the three columns."""
    return exists().where(
        EffectAttemptRow.workspace == workspace,
        EffectAttemptRow.runtime == runtime,
        EffectAttemptRow.external_call_id == call_id,
        EffectAttemptRow.kind == kind,
        EffectAttemptRow.status == AttemptStatus.SUCCEEDED.value,
    )


_MEETING = exists().where(
    MeetingRow.workspace == CallRow.workspace,
    MeetingRow.runtime == CallRow.runtime,
    MeetingRow.external_call_id == CallRow.external_call_id,
    MeetingRow.status != MeetingStatus.CANCELLED.value,
)
# Another call to the same number made or planned since this one (its own outbound row, made
# before it was dialled, does not count).
_NEXT_CALL = exists().where(
    OutboundCallRow.workspace == CallRow.workspace,
    OutboundCallRow.to_number == CallRow.caller_number,
    OutboundCallRow.status.in_([OutboundStatus.SCHEDULED.value, OutboundStatus.PLACED.value]),
    OutboundCallRow.created_at >= CallRow.created_at,
    or_(OutboundCallRow.call_id.is_(None), OutboundCallRow.call_id != CallRow.external_call_id),
)


def _amount(raw: object) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class DigestRows:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reviews = ReviewQueue(engine)

    def day(self, workspace: str, day: date, zone: str) -> DigestDay:
        start, end = local_day(day, ZoneInfo(zone))
        with self._engine.connect() as connection:
            calls = connection.execute(
                select(
                    CallRow,
                    _MEETING.label("meeting"),
                    _succeeded(
                        "enroll_sequence",
                        CallRow.workspace,
                        CallRow.runtime,
                        CallRow.external_call_id,
                    ).label("sequence"),
                    _NEXT_CALL.label("next_call"),
                )
                .where(
                    CallRow.workspace == workspace,
                    CallRow.created_at >= start,
                    CallRow.created_at < end,
                )
                .order_by(CallRow.created_at, CallRow.id)
            ).all()
            meetings = connection.execute(
                select(
                    MeetingRow,
                    _succeeded(
                        "assign_owner",
                        MeetingRow.workspace,
                        MeetingRow.runtime,
                        MeetingRow.external_call_id,
                    ).label("owner_in_crm"),
                )
                .where(
                    MeetingRow.workspace == workspace,
                    MeetingRow.status == MeetingStatus.BOOKED.value,
                    MeetingRow.created_at >= start,
                    MeetingRow.created_at < end,
                )
                .order_by(MeetingRow.start, MeetingRow.key)
            ).all()
            deals = connection.execute(
                select(EffectAttemptRow).where(
                    EffectAttemptRow.workspace == workspace,
                    EffectAttemptRow.kind == "ensure_deal",
                    EffectAttemptRow.status == AttemptStatus.SUCCEEDED.value,
                    and_(EffectAttemptRow.finished_at >= start, EffectAttemptRow.finished_at < end),
                )
            ).all()
            incidents = connection.execute(
                select(IncidentRow).where(
                    IncidentRow.workspace == workspace,
                    IncidentRow.opened_at >= start,
                    IncidentRow.opened_at < end,
                )
            ).all()
        return DigestDay(
            workspace=workspace,
            date=day,
            zone=zone,
            start=start,
            end=end,
            calls=tuple(_call(row) for row in calls),
            meetings=tuple(_meeting(row) for row in meetings),
            deals=tuple(_deal(row) for row in deals),
            incidents=tuple(
                DayIncident(title=r.title, occurrences=r.occurrences, opened_at=r.opened_at)
                for r in incidents
            ),
            # The review queue as it stands now, whatever day its items came from.
            review_waiting=self._reviews.count_open(workspace),
            review_examples=tuple(
                _review_line(item, ZoneInfo(zone))
                for item in self._reviews.list_open(workspace, limit=_REVIEW_EXAMPLES)
            ),
        )


def _review_line(item: ReviewItem, zone: ZoneInfo) -> str:
    why = item.reasons[0].text if item.reasons else ""
    since = item.created_at.astimezone(zone).strftime("%d %b")
    line = f"{item.caller} · since {since}" + (f" · {why}" if why else "")
    return line if len(line) <= 120 else line[:119] + "…"


def _call(row: Any) -> DayCall:
    return DayCall(
        runtime=row.runtime,
        external_call_id=row.external_call_id,
        audience=row.audience,
        direction=Direction(row.direction),
        disposition=Disposition(row.disposition) if row.disposition else None,
        status=CallStatus(row.status),
        outcome=Outcome(row.outcome) if row.outcome in _OUTCOMES else None,
        caller_number=row.caller_number,
        created_at=row.created_at,
        meeting=bool(row.meeting),
        sequence=bool(row.sequence),
        next_call=bool(row.next_call),
    )


def _meeting(row: Any) -> DayMeeting:
    return DayMeeting(
        key=row.key,
        external_call_id=row.external_call_id,
        owner_email=row.owner_email,
        start=row.start,
        attendee_name=row.attendee_name,
        owner_in_crm=bool(row.owner_in_crm),
    )


def _deal(row: Any) -> DealTouch:
    ids: dict[str, Any] = dict(row.vendor_ids or {})
    facts: dict[str, Any] = dict(ids.get("facts") or {})
    outcome = (row.request_summary or {}).get("outcome")
    return DealTouch(
        deal_id=str(ids.get("id") or row.idempotency_key),
        vendor=row.vendor or "unknown",
        stage=str(facts.get("stage_label") or facts.get("stage") or "unknown"),
        detail=str(ids.get("detail") or ""),
        amount=_amount(facts.get("amount")),
        outcome=Outcome(outcome) if outcome in _OUTCOMES else None,
        at=row.finished_at,
    )
