from __future__ import annotations

from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callstate.config.model import SalesMotion
from callstate.domain.call import Analysis, CallEventType, Direction, Disposition
from callstate.domain.effects import (
    AddTags,
    AssignOwner,
    CopyArtifacts,
    EnrollSequence,
    EnsureDeal,
    LogCall,
    NotifyOwner,
    SetFields,
    UpsertContact,
)
from callstate.domain.outcome import Outcome
from callstate.transition import plan
from tests.domain.builders import audience, call_event

T = TypeVar("T")


def kinds(effects: tuple[object, ...]) -> list[str]:
    return [type(e).__name__ for e in effects]


@pytest.mark.parametrize("event_type", [CallEventType.STARTED, CallEventType.ENDED])
def test_events_before_analysis_plan_nothing_for_the_crm(event_type: CallEventType) -> None:
    result = plan(call_event(type=event_type, analysis=None), [], audience())
    expected = ["CopyArtifacts"] if event_type is CallEventType.ENDED else []
    assert kinds(result.effects) == expected
    assert result.event_key == f"acme:retell:call_0001:{event_type.value}"


def test_the_first_event_with_a_recording_copies_it_once_per_call() -> None:
    ended = of_kind(
        plan(call_event(type=CallEventType.ENDED), [], audience()).effects, CopyArtifacts
    )
    analyzed = of_kind(plan(call_event(), [], audience()).effects, CopyArtifacts)
    assert ended.key == analyzed.key == "acme:retell:call_0001:copy_artifacts"
    assert (ended.recording_url, ended.transcript) == (
        "https://example.com/rec.wav",
        "Agent: Hello\nUser: Hi",
    )
    bare = call_event(transcript=None, recording_url=None)
    assert "CopyArtifacts" not in kinds(plan(bare, [], audience()).effects)


def of_kind(effects: tuple[object, ...], kind: type[T]) -> T:
    [found] = [e for e in effects if isinstance(e, kind)]
    return found


def test_analyzed_call_upserts_contact_logs_call_and_notifies() -> None:
    result = plan(call_event(), [], audience())
    assert kinds(result.effects) == [
        "UpsertContact", "SetFields", "LogCall", "NotifyOwner", "CopyArtifacts",
    ]  # fmt: skip
    upsert, fields, log, notify, _ = result.effects
    assert isinstance(fields, SetFields) and fields.needs == (upsert.key,)
    assert fields.values["last_call_outcome"] == "connected"
    assert isinstance(upsert, UpsertContact)
    assert isinstance(log, LogCall)
    assert isinstance(notify, NotifyOwner)
    assert (upsert.phone, upsert.name, upsert.email) == (
        "+14155550142",
        "Dana Whitfield",
        "dana@example.com",
    )
    assert log.needs == (upsert.key,) and log.contact == upsert.key
    assert log.summary == "Wants a quote." and log.duration_ms == 180_000
    assert notify.channel == "acme-sales" and notify.needs == ()
    assert (notify.contact, notify.call_log) == (upsert.key, log.key)
    assert notify.flags == ()


def test_outbound_call_keys_the_contact_on_the_number_we_dialled() -> None:
    event = call_event(
        direction=Direction.OUTBOUND, from_number="+14155550101", to_number="+14155550177"
    )
    upsert = plan(event, [], audience(numbers=("+14155550101",))).effects[0]
    assert isinstance(upsert, UpsertContact) and upsert.phone == "+14155550177"


def test_call_without_caller_number_only_notifies() -> None:
    result = plan(call_event(from_number=None), [], audience())
    assert kinds(result.effects) == ["NotifyOwner", "CopyArtifacts"]
    assert result.notes


def test_unconfigured_agent_is_flagged_not_dropped() -> None:
    event = call_event(agent_id="agent_unknown", to_number="+14155550109")
    notify = of_kind(plan(event, [], audience()).effects, NotifyOwner)
    assert isinstance(notify, NotifyOwner)
    assert notify.flags and "agent_unknown" in notify.flags[0]


def test_known_number_with_unknown_agent_is_not_flagged() -> None:
    notify = of_kind(plan(call_event(agent_id="agent_new"), [], audience()).effects, NotifyOwner)
    assert isinstance(notify, NotifyOwner) and notify.flags == ()


def test_identity_falls_back_on_earlier_events_of_the_call() -> None:
    earlier = call_event(type=CallEventType.ENDED, analysis=None)
    event = call_event(caller_name=None, caller_email=None)
    upsert = plan(event, [earlier], audience()).effects[0]
    assert isinstance(upsert, UpsertContact)
    assert (upsert.name, upsert.email) == ("Dana Whitfield", "dana@example.com")


def test_voicemail_is_logged_as_voicemail() -> None:
    event = call_event(disposition=Disposition.VOICEMAIL, end_reason="voicemail_reached")
    log = of_kind(plan(event, [], audience()).effects, LogCall)
    assert log.disposition is Disposition.VOICEMAIL and log.outcome is Outcome.VOICEMAIL
    assert "voicemail" in log.title


events = st.builds(
    call_event,
    type=st.sampled_from(list(CallEventType)),
    external_call_id=st.text("abcdef0123456789", min_size=4, max_size=32),
    agent_id=st.sampled_from(["agent_acme_inbound", "agent_other"]),
    direction=st.sampled_from(list(Direction)),
    from_number=st.sampled_from([None, "+14155550142", "+12125550199"]),
    disposition=st.sampled_from(list(Disposition)),
    caller_name=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
    duration_ms=st.one_of(st.none(), st.integers(0, 10_000_000)),
)


@given(event=events)
def test_plan_is_deterministic(event: object) -> None:
    assert isinstance(event, type(call_event()))
    first = plan(event, [], audience())
    second = plan(event.model_copy(), [], audience())
    assert first == second
    assert [e.key for e in first.effects] == [e.key for e in second.effects]


@given(event=events)
def test_keys_are_unique_and_name_the_call(event: object) -> None:
    assert isinstance(event, type(call_event()))
    keys = [e.key for e in plan(event, [], audience()).effects]
    assert len(keys) == len(set(keys))
    assert all(event.external_call_id in k and k.startswith("acme:retell:") for k in keys)


MOTION = SalesMotion(
    pipeline="default",
    stages={
        Outcome.MEETING_BOOKED: "appointmentscheduled",
        Outcome.QUALIFIED: "qualifiedtobuy",
        Outcome.NOT_INTERESTED: "closedlost",
        Outcome.DO_NOT_CALL: "closedlost",
    },
    backwards=(Outcome.NOT_INTERESTED,),
    tags={Outcome.MEETING_BOOKED: ("hot-lead",), Outcome.DO_NOT_CALL: ("dnc",)},
    sequences={Outcome.MEETING_BOOKED: "seq-1", Outcome.DO_NOT_CALL: "seq-2"},
)


def motion_plan(owner: str | None = "sam@acme.test", **custom: Any) -> tuple[Any, ...]:
    event = call_event(analysis=Analysis(summary="s", custom=custom))
    the_audience = audience(crm=MOTION)
    return plan(event, [], the_audience, owner=owner, zone=ZoneInfo("America/New_York")).effects


def test_a_booked_meeting_runs_the_whole_sales_motion() -> None:
    effects = motion_plan(meeting_booked=True, budget="20k", callback_at="2026-11-25T09:30")
    assert kinds(effects) == [
        "UpsertContact", "SetFields", "EnsureDeal", "AssignOwner", "AddTags", "EnrollSequence",
        "LogCall", "NotifyOwner", "CopyArtifacts",
    ]  # fmt: skip
    upsert = of_kind(effects, UpsertContact)
    deal, owner = of_kind(effects, EnsureDeal), of_kind(effects, AssignOwner)
    assert (deal.stage, deal.allow_backwards, deal.outcome) == (
        "appointmentscheduled", False, Outcome.MEETING_BOOKED,
    )  # fmt: skip
    assert deal.deal_key == "acme:deal:+14155550142:default"
    assert (owner.owner_email, owner.deal) == ("sam@acme.test", deal.key)
    assert of_kind(effects, AddTags).tags == ("hot-lead",)
    enroll = of_kind(effects, EnrollSequence)
    assert (enroll.sequence, enroll.owner) == ("seq-1", owner.key)
    log = of_kind(effects, LogCall)
    assert (log.deal, log.outcome, log.tags) == (deal.key, Outcome.MEETING_BOOKED, ("hot-lead",))
    values = of_kind(effects, SetFields).values
    assert values["budget"] == "20k" and values["last_call_outcome"] == "meeting_booked"
    assert values["callback_at"].isoformat() == "2026-11-25T14:30:00+00:00"  # 9:30 in New York
    assert all(e.needs == (upsert.key,) for e in effects[1:-2])


def test_do_not_call_never_starts_a_sequence() -> None:
    effects = motion_plan(do_not_call=True)
    assert not [e for e in effects if isinstance(e, EnrollSequence)]
    assert of_kind(effects, SetFields).values["do_not_call"] is True
    assert of_kind(effects, AddTags).tags == ("dnc",)


def test_without_an_owner_there_is_no_assignment_and_no_sequence() -> None:
    effects = motion_plan(owner=None, meeting_booked=True)
    assert "AssignOwner" not in kinds(effects) and "EnrollSequence" not in kinds(effects)


def test_only_configured_outcomes_touch_the_deal() -> None:
    effects = motion_plan(interested=False)
    deal = of_kind(effects, EnsureDeal)
    assert (deal.stage, deal.allow_backwards) == ("closedlost", True)
    assert "EnsureDeal" not in kinds(motion_plan(callback_requested=True))
