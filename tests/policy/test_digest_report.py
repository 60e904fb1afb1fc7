"""The digest's numbers from a known day of rows: counts, rates, stage moves, flags. And the
outcome a call's plan decided, as the workflow records it for the digest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callstate.domain.call import Analysis, CallEventType, CallStatus, Direction, Disposition
from callstate.domain.digest import (
    UNANALYSED,
    DayCall,
    DayIncident,
    DayMeeting,
    DealTouch,
    DigestDay,
    FlagKind,
)
from callstate.domain.outcome import Outcome
from callstate.policy.digest import build_report, planned_outcome
from callstate.policy.digest_schedule import local_day
from callstate.transition import plan
from tests.domain.builders import audience, call_event
from tests.policy.test_inbound import ACME

DAY = date(2026, 3, 7)  # a Saturday in New York, EST
START, END = local_day(DAY, ZoneInfo("America/New_York"))
IQ, OR, AH = "inbound-qualifier", "outbound-reactivation", "after-hours"
SAM, JO = "sam.rivera@acme-roofing.test", "jo.chen@acme-roofing.test"


def at(hour: int, minute: int = 0) -> datetime:
    """A local time of the day (EST = UTC-5)."""
    return START + timedelta(hours=hour, minutes=minute)


def call(n: int, audience_id: str, direction: Direction, **values: Any) -> DayCall:
    base: dict[str, Any] = {
        "runtime": "retell",
        "external_call_id": f"call_{n:02d}",
        "audience": audience_id,
        "direction": direction,
        "disposition": Disposition.CONNECTED,
        "status": CallStatus.SETTLED,
        "outcome": None,
        "caller_number": f"+1415555{n:04d}",
        "created_at": at(9, n),
    }
    return DayCall(**(base | values))


INBOUND, OUTBOUND = Direction.INBOUND, Direction.OUTBOUND
CALLS = (
    call(1, IQ, INBOUND, outcome=Outcome.MEETING_BOOKED, meeting=True),
    call(2, IQ, INBOUND, outcome=Outcome.QUALIFIED),  # hot, nothing follows: flagged
    call(3, IQ, INBOUND, outcome=Outcome.CALLBACK_REQUESTED, next_call=True),
    call(4, IQ, INBOUND, outcome=Outcome.QUALIFIED, sequence=True),
    call(5, OR, OUTBOUND, disposition=Disposition.VOICEMAIL, outcome=Outcome.VOICEMAIL),
    call(6, OR, OUTBOUND, disposition=Disposition.NO_ANSWER, outcome=Outcome.NO_ANSWER),
    call(7, OR, OUTBOUND, outcome=Outcome.DO_NOT_CALL),
    call(8, OR, OUTBOUND, outcome=Outcome.NOT_INTERESTED),
    call(
        9,
        OR,
        OUTBOUND,
        disposition=Disposition.FAILED,
        outcome=Outcome.FAILED,
        status=CallStatus.DEAD_LETTERED,
    ),
    call(10, AH, INBOUND, status=CallStatus.ENDED),  # not analysed yet
    call(11, AH, INBOUND, disposition=Disposition.FAILED, outcome=Outcome.FAILED),
)
MEETINGS = (
    DayMeeting(
        key="m1",
        external_call_id="call_01",
        owner_email=SAM,
        start=at(24 + 10),
        attendee_name="Dana Whitfield",
        owner_in_crm=True,
    ),
    DayMeeting(
        key="m2",
        external_call_id="call_12",
        owner_email="stranger@elsewhere.test",
        start=at(24 + 11),
        attendee_name="Lee Park",
        owner_in_crm=True,
    ),
    DayMeeting(
        key="m3",
        external_call_id="call_13",
        owner_email=JO,
        start=at(24 + 12),
        attendee_name="Ray Ortiz",
        owner_in_crm=False,
    ),
)


def deal(
    deal_id: str, stage: str, detail: str, amount: str | None, minute: int, **kw: Any
) -> DealTouch:
    values: dict[str, Any] = {
        "deal_id": deal_id,
        "vendor": "hubspot",
        "stage": stage,
        "detail": detail,
        "amount": Decimal(amount) if amount is not None else None,
        "outcome": Outcome.QUALIFIED,
        "at": at(10, minute),
    }
    return DealTouch(**(values | kw))


DEALS = (
    deal("d1", "appointmentscheduled", "created at appointmentscheduled", "1500", 1),
    deal("d2", "appointmentscheduled", "moved qualifiedtobuy → appointmentscheduled", None, 2),
    deal("d3", "qualifiedtobuy", "already at qualifiedtobuy", "700", 3),
    deal("d4", "closedlost", "kept closedlost: qualifiedtobuy would move it backwards", "5", 4),
    # d5 moves twice; it counts once, at its last stage and amount.
    deal("d5", "closedlost", "moved back qualifiedtobuy → closedlost (allowed)", "250", 9),
    deal("d5", "qualifiedtobuy", "moved appointmentscheduled → qualifiedtobuy", "200", 5),
    # The same id at another CRM is another deal.
    deal("d1", "New lead", "created at New lead", "99.99", 6, vendor="gohighlevel"),
)
INCIDENTS = (
    DayIncident(title="log_call failing at hubspot", occurrences=4, opened_at=at(11)),
    DayIncident(title="Calls are failing at Retell", occurrences=1, opened_at=at(8)),
)


def known_day(**changes: Any) -> DigestDay:
    values: dict[str, Any] = {
        "workspace": "acme",
        "date": DAY,
        "zone": "America/New_York",
        "start": START,
        "end": END,
        "calls": CALLS,
        "meetings": MEETINGS,
        "deals": DEALS,
        "incidents": INCIDENTS,
        "review_waiting": 5,
        "review_examples": ("Dana · since 05 Mar · competitor named", "Lee · since 06 Mar", "x"),
    }
    return DigestDay(**(values | changes))


def test_calls_rates_and_audiences_of_a_known_day() -> None:
    report = build_report(known_day(), ACME)
    assert (report.calls, report.inbound, report.outbound) == (11, 6, 5)
    assert (report.connected, report.outbound_connected) == (7, 2)
    assert report.connect_rate == pytest.approx(7 / 11)
    assert report.outbound_connect_rate == pytest.approx(2 / 5)
    table = {
        r.audience: (r.name, r.calls, [(o.outcome, o.count) for o in r.outcomes])
        for r in report.audiences
    }
    assert table == {
        IQ: (
            "Inbound qualifier",
            4,
            [("meeting_booked", 1), ("qualified", 2), ("callback_requested", 1)],
        ),
        OR: (
            "Outbound reactivation",
            5,
            [
                ("not_interested", 1),
                ("do_not_call", 1),
                ("voicemail", 1),
                ("no_answer", 1),
                ("failed", 1),
            ],
        ),
        AH: ("After-hours answering", 2, [("failed", 1), (UNANALYSED, 1)]),
    }
    assert [r.audience for r in report.audiences] == [IQ, OR, AH]  # configured order


def test_meetings_and_stage_moves_of_a_known_day() -> None:
    report = build_report(known_day(), ACME)
    assert report.meetings_booked == 3
    assert [(s.stage, s.deals, s.value) for s in report.stage_moves] == [
        ("appointmentscheduled", 2, Decimal("1500")),
        ("New lead", 1, Decimal("99.99")),
        ("closedlost", 1, Decimal("250")),
    ]
    assert report.deals_moved == 4
    assert report.deal_value == Decimal("1849.99")
    assert report.deals_without_value == 1


def test_flags_of_a_known_day() -> None:
    flags = {f.kind: f for f in build_report(known_day(), ACME).flags}
    assert {k: f.count for k, f in flags.items()} == {
        FlagKind.HOT_WITHOUT_FOLLOW_UP: 1,
        FlagKind.MEETING_WITHOUT_OWNER: 2,
        FlagKind.DNC_REQUEST: 1,
        FlagKind.FAILED_CALL: 2,
        FlagKind.INCIDENT: 2,
        FlagKind.REVIEW_WAITING: 5,
    }
    assert flags[FlagKind.HOT_WITHOUT_FOLLOW_UP].examples == ("…0002 · Inbound qualifier · 09:02",)
    assert flags[FlagKind.MEETING_WITHOUT_OWNER].examples == (
        # 16:00 and 17:00 UTC: EDT on the 8th, the clocks went forward overnight.
        "Lee Park · Sun 08 Mar 12:00 · stranger@elsewhere.test (not on team)",
        f"Ray Ortiz · Sun 08 Mar 13:00 · {JO}",
    )
    assert flags[FlagKind.DNC_REQUEST].examples == ("…0007 · Outbound reactivation · 09:07",)
    assert flags[FlagKind.FAILED_CALL].examples == (
        "…0009 · Outbound reactivation · 09:09 · dead-lettered",
        "…0011 · After-hours answering · 09:11",
    )
    assert flags[FlagKind.INCIDENT].examples == (
        "Calls are failing at Retell (x1)",
        "log_call failing at hubspot (x4)",
    )
    assert flags[FlagKind.REVIEW_WAITING].examples[0].startswith("Dana")


def test_examples_are_capped_and_an_unknown_review_queue_is_left_out() -> None:
    dnc = tuple(call(n, OR, OUTBOUND, outcome=Outcome.DO_NOT_CALL) for n in range(1, 6))
    report = build_report(known_day(calls=dnc, review_waiting=None), ACME)
    flags = {f.kind: f for f in report.flags}
    assert (flags[FlagKind.DNC_REQUEST].count, len(flags[FlagKind.DNC_REQUEST].examples)) == (5, 3)
    assert FlagKind.REVIEW_WAITING not in flags
    assert [f.kind for f in report.raised] == [
        FlagKind.MEETING_WITHOUT_OWNER,
        FlagKind.DNC_REQUEST,
        FlagKind.INCIDENT,
    ]


def test_an_empty_day_is_all_zeros() -> None:
    report = build_report(
        known_day(calls=(), meetings=(), deals=(), incidents=(), review_waiting=0), ACME
    )
    assert (report.calls, report.meetings_booked, report.deals_moved) == (0, 0, 0)
    assert report.connect_rate is None and report.outbound_connect_rate is None
    assert report.audiences == () and report.stage_moves == () and report.raised == ()
    assert report.deal_value == Decimal(0)


def test_a_call_of_an_audience_since_removed_keeps_its_id() -> None:
    report = build_report(
        known_day(calls=(call(1, "retired", INBOUND, outcome=Outcome.CONNECTED),)), ACME
    )
    assert [(r.audience, r.name) for r in report.audiences] == [("retired", "retired")]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, Outcome.CONNECTED),
        ({"analysis": Analysis(custom={"do_not_call": True})}, Outcome.DO_NOT_CALL),
        ({"disposition": Disposition.VOICEMAIL}, Outcome.VOICEMAIL),
        # No phone number: no deal, no call log; the outcome is only in the notes.
        (
            {"from_number": None, "analysis": Analysis(custom={"meeting_booked": True})},
            Outcome.MEETING_BOOKED,
        ),
        ({"type": CallEventType.ENDED}, None),
        ({"type": CallEventType.STARTED, "analysis": None}, None),
    ],
)
def test_the_planned_outcome_is_what_the_plan_decided(
    overrides: dict[str, Any], expected: Outcome | None
) -> None:
    the_plan = plan(call_event(**overrides), [], audience())
    assert planned_outcome(the_plan) is expected
    if expected is not None:  # the same outcome the plan's notes give the timeline
        assert f"outcome: {expected.value}" in the_plan.notes


def test_the_day_bounds_are_aware_utc() -> None:
    assert datetime(2026, 3, 7, 5, 0, tzinfo=UTC) == START
    assert datetime(2026, 3, 8, 5, 0, tzinfo=UTC) == END  # the 8th starts in EST still
