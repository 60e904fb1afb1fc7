"""The digest's rows on both stores: a known local day (the 25-hour fall-back day in New York)
of calls, effect attempts, meetings, outbound calls, incidents and review items, with rows just
outside the day's UTC bounds, read back into exact report numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from callstate.domain.call import CallEvent, CallEventType, Direction, Disposition
from callstate.domain.digest import FlagKind
from callstate.policy.digest import build_report
from callstate.storage.calls import Calls
from callstate.storage.digest import DigestRows
from callstate.storage.tables import (
    CallRow,
    EffectAttemptRow,
    IncidentRow,
    MeetingRow,
    OutboundCallRow,
    ReviewItemRow,
)
from tests.policy.test_inbound import ACME

DAY = date(2026, 11, 1)  # New York falls back: 04:00 UTC to 05:00 UTC the next day, 25 hours
START = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
END = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
IQ, OR, AH = "inbound-qualifier", "outbound-reactivation", "after-hours"
SAM = "sam.rivera@acme-roofing.test"


def t(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def add(engine: Engine, table: Any, *rows: dict[str, Any]) -> None:
    with engine.begin() as connection:
        for row in rows:
            connection.execute(insert(table).values(**row))


def a_call(
    call_id: str,
    created: datetime,
    audience: str = IQ,
    direction: str = "inbound",
    *,
    workspace: str = "acme",
    **values: Any,
) -> dict[str, Any]:
    return {
        "workspace": workspace,
        "runtime": "retell",
        "external_call_id": call_id,
        "audience": audience,
        "direction": direction,
        "caller_number": "+1415555" + call_id[-4:],
        "status": "settled",
        "disposition": "connected",
        "flags": [],
        "created_at": created,
        "updated_at": created,
        "outcome": None,
    } | values


def attempt(
    call_id: str, kind: str, status: str, finished: datetime, **values: Any
) -> dict[str, Any]:
    return {
        "workspace": "acme",
        "runtime": "retell",
        "external_call_id": call_id,
        "workflow_id": f"wf-{call_id}",
        "kind": kind,
        "idempotency_key": f"{call_id}:{kind}",
        "attempt": 1,
        "status": status,
        "request_summary": {},
        "vendor": "hubspot",
        "vendor_ids": {},
        "error": None,
        "started_at": finished - timedelta(seconds=1),
        "finished_at": finished,
    } | values


def deal_ids(deal_id: str, detail: str, **facts: str) -> dict[str, Any]:
    return {"id": deal_id, "url": None, "detail": detail, "facts": facts}


def meeting(
    key: str, call_id: str, status: str, created: datetime, owner: str = SAM
) -> dict[str, Any]:
    return {
        "key": key,
        "workspace": "acme",
        "runtime": "retell",
        "external_call_id": call_id,
        "owner_email": owner,
        "event_type": "1001",
        "vendor": "calcom",
        "status": status,
        "booking_id": f"b-{key}",
        "start": created + timedelta(days=2),
        "end": created + timedelta(days=2, minutes=30),
        "attendee_name": f"Attendee {key}",
        "attendee_email": f"{key}@example.com",
        "attendee_phone": None,
        "attendee_zone": "America/New_York",
        "url": None,
        "detail": None,
        "created_at": created,
        "updated_at": created,
    }


def outbound(
    attempt_id: str, number: str, status: str, created: datetime, call_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": attempt_id,
        "workspace": "acme",
        "audience": OR,
        "lead": f"lead-{number}",
        "attempt": 1 if call_id else 2,
        "to_number": number,
        "from_number": None,
        "variables": {},
        "due_at": created + timedelta(days=1),
        "status": status,
        "runtime": "retell",
        "call_id": call_id,
        "reason": None,
        "created_at": created,
        "updated_at": created,
        "dispatched_at": None,
    }


def incident(incident_id: str, opened: datetime) -> dict[str, Any]:
    return {
        "id": incident_id,
        "workspace": "acme",
        "key": f"effect:hubspot:{incident_id}",
        "open_key": None,
        "title": f"{incident_id} failing at hubspot",
        "detail": "x",
        "occurrences": 3,
        "last_subject": None,
        "opened_at": opened,
        "last_seen_at": opened,
        "resolved_at": None,
        "resolution": None,
    }


def review(item_id: str, status: str, created: datetime) -> dict[str, Any]:
    return {
        "id": item_id,
        "key": f"key-{item_id}",
        "workspace": "acme",
        "runtime": "retell",
        "external_call_id": f"call-{item_id}",
        "audience": IQ,
        "caller": f"Caller {item_id}",
        "caller_phone": None,
        "outcome": "qualified",
        "reasons": [{"code": "low_confidence", "text": "the analysis is unsure"}],
        "summary": None,
        "excerpt": None,
        "recording_url": None,
        "contact_url": None,
        "status": status,
        "channel": None,
        "ts": None,
        "created_at": created,
        "updated_at": created,
        "decided_by": None,
        "decided_by_name": None,
        "decided_at": None,
        "decision_detail": None,
    }


def seed_known_day(engine: Engine) -> None:
    second = timedelta(seconds=1)
    add(
        engine,
        CallRow.__table__,
        a_call("c_before_0090", START - second, outcome="qualified"),  # 23:59:59 EDT the 31st
        a_call("c_first_0001", START, outcome="qualified"),  # 00:00 EDT: the day's first instant
        a_call("c2_0002", t(1), outcome="meeting_booked"),
        a_call("c3_0003", t(2), outcome="callback_requested"),
        a_call("c4_0004", t(3), OR, "outbound", outcome="qualified"),
        a_call("c5_0005", t(4), OR, "outbound", outcome="qualified"),
        # 23:30 EST: the day's 25th hour (a 24-hour day would end at t(24)).
        a_call(
            "c_late_0006",
            t(24.5),
            AH,
            disposition="failed",
            status="dead_lettered",
            outcome="failed",
        ),
        a_call("c7_0007", t(5), OR, "outbound", disposition="voicemail", outcome="voicemail"),
        a_call("c8_0008", t(6), OR, "outbound", outcome="do_not_call"),
        a_call("c9_0009", t(7), status="started", disposition=None),
        a_call("c_after_0091", END, outcome="do_not_call"),  # 00:00 EST the 2nd
        a_call("c_other_0092", t(2), workspace="globex", outcome="do_not_call"),
    )
    add(
        engine,
        OutboundCallRow.__table__,
        outbound("o1", "+14155550001", "scheduled", t(0.5)),  # a callback for c_first
        outbound("o3", "+14155550003", "cancelled", t(2.5)),  # withdrawn: no follow-up
        outbound("o4", "+14155550004", "placed", t(2.9), call_id="c4_0004"),  # c4's own dial
    )
    ok, failed = "succeeded", "permanent_error"
    add(
        engine,
        EffectAttemptRow.__table__,
        attempt("c2_0002", "assign_owner", ok, t(1.1)),
        attempt("c3_0003", "enroll_sequence", failed, t(2.1)),
        attempt("c5_0005", "enroll_sequence", ok, t(4.1)),
        attempt(
            "c_first_0001",
            "ensure_deal",
            ok,
            t(0.1),
            request_summary={
                "pipeline": "default",
                "stage": "qualifiedtobuy",
                "outcome": "qualified",
            },
            vendor_ids=deal_ids(
                "901", "created at qualifiedtobuy", stage="qualifiedtobuy", amount="1200"
            ),
        ),
        attempt(
            "c2_0002",
            "ensure_deal",
            ok,
            t(1.1),
            vendor_ids=deal_ids(
                "902", "moved qualifiedtobuy → appointmentscheduled", stage="appointmentscheduled"
            ),
        ),
        attempt(
            "c5_0005",
            "ensure_deal",
            ok,
            t(4.1),
            vendor_ids=deal_ids(
                "903", "already at qualifiedtobuy", stage="qualifiedtobuy", amount="300"
            ),
        ),
        attempt("c4_0004", "ensure_deal", failed, t(3.1)),
        attempt(
            "c_before_0090",
            "ensure_deal",
            ok,
            START - second,
            vendor_ids=deal_ids(
                "904", "created at qualifiedtobuy", stage="qualifiedtobuy", amount="9"
            ),
        ),
        attempt(
            "c8_0008",
            "ensure_deal",
            ok,
            t(24.9),
            vendor="gohighlevel",
            vendor_ids=deal_ids(
                "opp1", "created at Booked", stage="s1", stage_label="Booked", amount="450.5"
            ),
        ),
    )
    add(
        engine,
        MeetingRow.__table__,
        meeting("mA", "c2_0002", "booked", t(1)),
        meeting("mB", "call_elsewhere", "booked", t(8), owner="stranger@elsewhere.test"),
        meeting("mC", "c_before_0090", "booked", START - second),
        meeting("mD", "c3_0003", "cancelled", t(2)),
        meeting("mE", "c9_0009", "pending", t(7)),
    )
    add(
        engine,
        IncidentRow.__table__,
        incident("inc_in", t(3)),
        incident("inc_before", START - second),
    )
    add(
        engine,
        ReviewItemRow.__table__,
        review("r1", "open", t(1)),
        review("r2", "reanalysed", START - timedelta(days=3)),  # waiting since before the day
        review("r3", "approved", t(2)),
    )


def test_a_known_day_reads_back_into_exact_numbers(engine: Engine) -> None:
    seed_known_day(engine)
    day = DigestRows(engine).day("acme", DAY, "America/New_York")
    assert (day.start, day.end) == (START, END)
    assert [c.external_call_id for c in day.calls] == [
        "c_first_0001",
        "c2_0002",
        "c3_0003",
        "c4_0004",
        "c5_0005",
        "c7_0007",
        "c8_0008",
        "c9_0009",
        "c_late_0006",
    ]
    follow_ups = {c.external_call_id: (c.meeting, c.sequence, c.next_call) for c in day.calls}
    assert follow_ups["c_first_0001"] == (False, False, True)
    assert follow_ups["c2_0002"] == (True, False, False)
    assert follow_ups["c3_0003"] == (False, False, False)  # cancelled meeting, failed sequence
    assert follow_ups["c4_0004"] == (False, False, False)  # its own dial is no follow-up
    assert follow_ups["c5_0005"] == (False, True, False)
    assert day.review_waiting == 2

    report = build_report(day, ACME)
    assert (report.calls, report.inbound, report.outbound) == (9, 5, 4)
    assert (report.connected, report.outbound_connected) == (6, 3)
    by_audience = {r.audience: {o.outcome: o.count for o in r.outcomes} for r in report.audiences}
    assert by_audience == {
        IQ: {"meeting_booked": 1, "qualified": 1, "callback_requested": 1, "unanalysed": 1},
        OR: {"qualified": 2, "do_not_call": 1, "voicemail": 1},
        AH: {"failed": 1},
    }
    assert report.meetings_booked == 2
    assert [(s.stage, s.deals, s.value) for s in report.stage_moves] == [
        ("Booked", 1, Decimal("450.5")),
        ("appointmentscheduled", 1, Decimal(0)),
        ("qualifiedtobuy", 1, Decimal("1200")),
    ]
    assert (report.deals_moved, report.deal_value, report.deals_without_value) == (
        3,
        Decimal("1650.5"),
        1,
    )
    flags = {f.kind: f for f in report.flags}
    assert {k: f.count for k, f in flags.items()} == {
        FlagKind.HOT_WITHOUT_FOLLOW_UP: 2,
        FlagKind.MEETING_WITHOUT_OWNER: 1,
        FlagKind.DNC_REQUEST: 1,
        FlagKind.FAILED_CALL: 1,
        FlagKind.INCIDENT: 1,
        FlagKind.REVIEW_WAITING: 2,
    }
    assert flags[FlagKind.HOT_WITHOUT_FOLLOW_UP].examples == (
        # 06:00 and 07:00 UTC: 01:00 and 02:00 EST, just after the clocks went back.
        "…0003 · Inbound qualifier · 01:00",
        "…0004 · Outbound reactivation · 02:00",
    )
    assert flags[FlagKind.FAILED_CALL].examples == (
        "…0006 · After-hours answering · 23:30 · dead-lettered",
    )
    assert flags[FlagKind.REVIEW_WAITING].examples == (
        "Caller r2 · since 29 Oct · the analysis is unsure",
        "Caller r1 · since 01 Nov · the analysis is unsure",
    )


def test_another_workspace_or_day_reads_nothing_of_it(engine: Engine) -> None:
    seed_known_day(engine)
    rows = DigestRows(engine)
    other = rows.day("globex", DAY, "America/New_York")
    assert [c.external_call_id for c in other.calls] == ["c_other_0092"]
    assert other.meetings == () and other.deals == () and other.review_waiting == 0
    before = rows.day("acme", DAY - timedelta(days=1), "America/New_York")
    assert [c.external_call_id for c in before.calls] == ["c_before_0090"]
    assert [d.deal_id for d in before.deals] == ["904"]
    # The same instants read as a Tokyo day: Nov 1 in Tokyo is Oct 31 15:00 to Nov 1 15:00 UTC.
    tokyo = rows.day("acme", DAY, "Asia/Tokyo")
    assert [c.external_call_id for c in tokyo.calls][:2] == ["c_before_0090", "c_first_0001"]
    assert "c_late_0006" not in [c.external_call_id for c in tokyo.calls]


def test_the_planned_outcome_is_kept_on_the_call(engine: Engine) -> None:
    calls = Calls(engine)
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    event = CallEvent(
        workspace="acme",
        runtime="retell",
        type=CallEventType.ENDED,
        external_call_id="call_kept",
        agent_id="agent_acme_inbound",
        direction=Direction.INBOUND,
        from_number="+14155550142",
        to_number="+14155550100",
        received_at=now,
        runtime_status="ended",
        disposition=Disposition.CONNECTED,
    )
    assert calls.observe(event, IQ, (), now).outcome is None
    calls.record_outcome("acme", "retell", "call_kept", "qualified", now)
    calls.record_outcome("acme", "retell", "call_kept", "qualified", now)  # a replay: a set
    found = calls.get("acme", "retell", "call_kept")
    assert found is not None and found.outcome == "qualified"
