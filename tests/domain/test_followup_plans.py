"""After the call: redials by cadence, quiet voicemails, alerts for failed calls."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from callstate.config.hours import BusinessHours, Cadence
from callstate.config.model import Audience
from callstate.domain.call import CallEvent, CallEventType, Direction, Disposition
from callstate.domain.effects import Alert, LogCall, NotifyOwner, ScheduleCall
from callstate.domain.ids import lead_key
from callstate.transition import plan
from tests.domain.builders import audience, call_event

NEW_YORK = ZoneInfo("America/New_York")
HOURS = BusinessHours.model_validate(
    {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    | {"holidays": {"country": "US"}}
)
CADENCE = Cadence.model_validate(
    {"max_attempts": 3, "steps": [{"after_hours": 4}, {"after_days": 1, "at_local": "10:00"}]}
)


def outbound(**overrides: object) -> CallEvent:
    values: dict[str, object] = {
        "direction": Direction.OUTBOUND,
        "agent_id": "agent_acme_outbound",
        "from_number": "+14155550101",
        "to_number": "+14155550142",
        "disposition": Disposition.VOICEMAIL,
        "end_reason": "voicemail_reached",
        # Tuesday 2026-11-24, 10:53 in New York
        "started_at": datetime(2026, 11, 24, 15, 50, tzinfo=UTC),
        "ended_at": datetime(2026, 11, 24, 15, 53, tzinfo=UTC),
    }
    values.update(overrides)
    return call_event(**values)


def reactivation(**overrides: object) -> Audience:
    values: dict[str, object] = {
        "id": "outbound-reactivation",
        "name": "Outbound reactivation",
        "default": False,
        "agent_ids": ("agent_acme_outbound",),
        "numbers": ("+14155550101",),
        "cadence": CADENCE,
    }
    values.update(overrides)
    return audience(**values)


def test_voicemail_schedules_the_next_attempt_and_pings_nobody() -> None:
    event = outbound()
    result = plan(event, [], reactivation(), zone=NEW_YORK, hours=HOURS)
    [redial] = [e for e in result.effects if isinstance(e, ScheduleCall)]
    assert redial.attempt == 2
    assert redial.due_at == datetime(2026, 11, 24, 19, 53, tzinfo=UTC)  # 4 h later, 14:53 local
    assert (redial.to_number, redial.from_number) == ("+14155550142", "+14155550101")
    assert redial.lead == lead_key(
        "acme", "outbound-reactivation", "+14155550142", "call:call_0001"
    )
    assert not any(isinstance(e, NotifyOwner) for e in result.effects)
    assert any(isinstance(e, LogCall) for e in result.effects)  # the CRM still gets the log
    assert any("voicemail_notify" in note for note in result.notes)


def test_redial_outside_hours_moves_to_the_next_opening() -> None:
    late = outbound(ended_at=datetime(2026, 11, 24, 21, 30, tzinfo=UTC))  # 16:30 local
    result = plan(late, [], reactivation(), zone=NEW_YORK, hours=HOURS)
    [redial] = [e for e in result.effects if isinstance(e, ScheduleCall)]
    # 20:30 local is closed; Wednesday opens at 09:00 (14:00 UTC)
    assert redial.due_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def test_the_series_continues_from_our_metadata() -> None:
    event = outbound(context={"callstate_lead": "lead_abc", "callstate_attempt_number": "2"})
    result = plan(event, [], reactivation(), zone=NEW_YORK, hours=HOURS)
    [redial] = [e for e in result.effects if isinstance(e, ScheduleCall)]
    assert (redial.lead, redial.attempt) == ("lead_abc", 3)
    # step 2: next business day at 10:00 local (Wednesday, 15:00 UTC)
    assert redial.due_at == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def test_a_used_up_cadence_stops_dialling() -> None:
    event = outbound(context={"callstate_lead": "lead_abc", "callstate_attempt_number": "3"})
    result = plan(event, [], reactivation(), zone=NEW_YORK, hours=HOURS)
    assert not any(isinstance(e, ScheduleCall) for e in result.effects)
    assert any("used up" in note for note in result.notes)


def test_no_answer_redials_too_but_a_connected_call_does_not() -> None:
    missed = outbound(disposition=Disposition.NO_ANSWER, end_reason="dial_no_answer")
    talked = outbound(disposition=Disposition.CONNECTED, end_reason="user_hangup")
    target = reactivation()
    assert any(isinstance(e, ScheduleCall) for e in plan(missed, [], target).effects)
    assert not any(isinstance(e, ScheduleCall) for e in plan(talked, [], target).effects)


def test_voicemail_notify_pings_the_owner() -> None:
    result = plan(outbound(), [], reactivation(voicemail_notify=True))
    assert any(isinstance(e, NotifyOwner) for e in result.effects)


def test_inbound_voicemail_and_audiences_without_cadence_never_redial() -> None:
    inbound = call_event(disposition=Disposition.VOICEMAIL, end_reason="voicemail_reached")
    assert not any(isinstance(e, ScheduleCall) for e in plan(inbound, [], reactivation()).effects)
    result = plan(outbound(), [], reactivation(cadence=None))
    assert not any(isinstance(e, ScheduleCall) for e in result.effects)
    assert any("no cadence" in note for note in result.notes)


def test_a_runtime_error_raises_an_alert_and_logs_the_failure() -> None:
    event = call_event(
        runtime_status="error",
        end_reason="error_llm_websocket_open",
        disposition=Disposition.FAILED,
        analysis=None,
    )
    result = plan(event, [], audience())
    [alert] = [e for e in result.effects if isinstance(e, Alert)]
    assert alert.incident == "call:retell:error_llm_websocket_open"
    assert "call_0001" in alert.detail
    [log] = [e for e in result.effects if isinstance(e, LogCall)]
    assert log.summary == "The call failed: error_llm_websocket_open."


def test_capacity_errors_alert_but_a_lead_declining_does_not() -> None:
    capacity = call_event(
        runtime_status="error",
        end_reason="concurrency_limit_reached",
        disposition=Disposition.FAILED,
    )
    declined = call_event(
        runtime_status="not_connected",
        end_reason="user_declined",
        disposition=Disposition.NO_ANSWER,
    )
    assert any(isinstance(e, Alert) for e in plan(capacity, [], audience()).effects)
    assert not any(isinstance(e, Alert) for e in plan(declined, [], audience()).effects)


def test_an_alert_keeps_its_key_across_replays() -> None:
    event = call_event(
        runtime_status="error", end_reason="error_asr", disposition=Disposition.FAILED
    )
    first = [e.key for e in plan(event, [], audience()).effects if isinstance(e, Alert)]
    again = [e.key for e in plan(event, [], audience()).effects if isinstance(e, Alert)]
    assert first == again and len(first) == 1


def test_a_routing_flag_from_our_inbound_answer_becomes_an_alert() -> None:
    flag = "called number +14155550199 is not configured"
    event = call_event(to_number="+14155550199", context={"callstate_flag": flag})
    result = plan(event, [], audience(), flags=(flag,))
    [alert] = [e for e in result.effects if isinstance(e, Alert)]
    assert flag in alert.detail
    [notify] = [e for e in result.effects if isinstance(e, NotifyOwner)]
    assert notify.flags == (flag,)


def test_events_before_analysis_schedule_nothing() -> None:
    result = plan(outbound(type=CallEventType.ENDED), [], reactivation())
    assert [e.kind for e in result.effects] == ["copy_artifacts"]
