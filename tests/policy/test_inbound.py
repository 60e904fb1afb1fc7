"""Inbound decisions: audience by called number, after-hours switch, variables, do-not-call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from callstate.config.model import Workspace
from callstate.connectors.ports import ContactSnapshot, ObjectRef
from callstate.policy.inbound import (
    InboundDecision,
    LookupState,
    audience_for_number,
    decide,
    decision_id,
    spoken_time,
)

INBOUND_NUMBER = "+14155550100"
OUTBOUND_NUMBER = "+14155550101"
CALLER = "+14155550142"
# Tuesday 2026-11-24 10:00 EST: open. 19:00 EST: closed. Thanksgiving 11:00 EST: closed.
OPEN = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
EVENING = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
THANKSGIVING = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)


def workspace_config(**overrides: Any) -> dict[str, Any]:
    """Acme Roofing with business hours and an after-hours audience (no number of its own)."""
    config: dict[str, Any] = {
        "id": "acme",
        "name": "Acme Roofing",
        "timezone": "America/New_York",
        "retell": {"api_key": "${RETELL_API_KEY}"},
        "crm": {"kind": "hubspot", "token": "${ACME_HUBSPOT_TOKEN}"},
        "chat": {"kind": "slack", "bot_token": "${ACME_SLACK_BOT_TOKEN}"},
        "team": [
            {"email": "sam.rivera@acme-roofing.test", "name": "Sam Rivera"},
            {"email": "jo.chen@acme-roofing.test", "name": "Jo Chen"},
        ],
        "default_owner": "sam.rivera@acme-roofing.test",
        "hours": {
            **{day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"country": "US"},
        },
        "after_hours_audience": "after-hours",
        "audiences": [
            {
                "id": "inbound-qualifier",
                "name": "Inbound qualifier",
                "default": True,
                "agent_ids": ["agent_acme_inbound"],
                "numbers": [INBOUND_NUMBER],
                "notify_channel": "acme-sales",
            },
            {
                "id": "outbound-reactivation",
                "name": "Outbound reactivation",
                "agent_ids": ["agent_acme_outbound"],
                "numbers": [OUTBOUND_NUMBER],
                "notify_channel": "acme-sales",
                "cadence": {
                    "steps": [{"after_days": 1, "at_local": "10:00"}],
                    "max_attempts": 3,
                },
                "voicemail_notify": True,
            },
            {
                "id": "after-hours",
                "name": "After-hours answering",
                "agent_ids": ["agent_acme_after_hours"],
                "notify_channel": "acme-sales",
            },
        ],
    }
    config.update(overrides)
    return config


def make_workspace(**overrides: Any) -> Workspace:
    return Workspace.model_validate(
        workspace_config(**overrides), context={"env": {}, "sandbox": True}
    )


ACME = make_workspace()


def snapshot(**overrides: Any) -> ContactSnapshot:
    values: dict[str, Any] = {
        "contact": ObjectRef("hubspot", "101"),
        "name": "Dana Whitfield",
        "owner_email": "jo.chen@acme-roofing.test",
        "last_outcome": "callback_requested",
        "tags": ("callback",),
    }
    values.update(overrides)
    return ContactSnapshot(**values)


def run(
    now: datetime = OPEN,
    to: str = INBOUND_NUMBER,
    record: ContactSnapshot | None = None,
    state: LookupState = LookupState.NOT_FOUND,
    workspace: Workspace = ACME,
    call_id: str | None = "call_1",
) -> InboundDecision:
    return decide(workspace, to, CALLER, now, record, state, call_id=call_id)


def test_returning_caller_gets_name_owner_and_last_outcome() -> None:
    decision = run(record=snapshot(), state=LookupState.FOUND)
    assert decision.audience.id == "inbound-qualifier"
    assert decision.agent_id == "agent_acme_inbound"
    assert not decision.after_hours
    assert not decision.do_not_call
    assert decision.flags == ()
    assert decision.dynamic_variables == {
        "caller_name": "Dana Whitfield",
        "owner_name": "Jo Chen",
        "local_time": "Tuesday, November 24, 2026, 10:00 AM EST",
        "last_outcome": "Callback requested",
        "is_returning_caller": "true",
        "after_hours": "false",
        "business_name": "Acme Roofing",
        "do_not_call": "false",
    }
    assert decision.metadata == {
        "callstate_workspace": "acme",
        "callstate_audience": "inbound-qualifier",
        "callstate_after_hours": "false",
        "callstate_decision": decision.decision_id,
        "callstate_lookup": "found",
    }


def test_new_caller_hears_the_audience_owner() -> None:
    variables = run(state=LookupState.NOT_FOUND).dynamic_variables
    assert variables["caller_name"] == ""
    assert variables["owner_name"] == "Sam Rivera"
    assert variables["last_outcome"] == ""
    assert variables["is_returning_caller"] == "false"


def test_an_owner_outside_the_team_is_not_replaced_by_someone_else() -> None:
    record = snapshot(owner_email="former.rep@acme-roofing.test")
    assert run(record=record, state=LookupState.FOUND).dynamic_variables["owner_name"] == ""


def test_an_outcome_written_by_someone_else_is_said_as_is() -> None:
    record = snapshot(last_outcome="Left a message with spouse")
    variables = run(record=record, state=LookupState.FOUND).dynamic_variables
    assert variables["last_outcome"] == "Left a message with spouse"


def test_called_number_picks_the_audience_and_its_agent() -> None:
    decision = run(to=OUTBOUND_NUMBER)
    assert (decision.audience.id, decision.agent_id) == (
        "outbound-reactivation",
        "agent_acme_outbound",
    )
    assert decision.metadata["callstate_audience"] == "outbound-reactivation"


def test_unknown_called_number_gets_the_default_agent_and_a_flag() -> None:
    decision = run(to="+14155550199")
    assert decision.audience.id == "inbound-qualifier"
    assert decision.agent_id == "agent_acme_inbound"
    assert decision.flags == ("called number +14155550199 is not configured",)
    assert not audience_for_number(ACME, "+14155550199").matched
    assert audience_for_number(ACME, INBOUND_NUMBER).matched


@pytest.mark.parametrize("now", [EVENING, THANKSGIVING], ids=["evening", "thanksgiving"])
def test_after_hours_switches_to_the_after_hours_agent(now: datetime) -> None:
    decision = run(now=now, record=snapshot(), state=LookupState.FOUND)
    assert decision.after_hours
    assert decision.audience.id == "after-hours"
    assert decision.agent_id == "agent_acme_after_hours"
    assert decision.dynamic_variables["after_hours"] == "true"
    assert decision.dynamic_variables["caller_name"] == "Dana Whitfield"
    assert decision.metadata["callstate_after_hours"] == "true"
    assert decision.metadata["callstate_audience"] == "after-hours"


def test_unknown_number_after_hours_still_switches_and_flags() -> None:
    decision = run(now=EVENING, to="+14155550199")
    assert decision.agent_id == "agent_acme_after_hours"
    assert decision.flags


def test_after_hours_without_an_after_hours_audience_keeps_the_number_s_agent() -> None:
    workspace = make_workspace(after_hours_audience=None)
    decision = run(now=EVENING, workspace=workspace)
    assert decision.after_hours
    assert decision.agent_id == "agent_acme_inbound"
    assert decision.dynamic_variables["after_hours"] == "true"


def test_without_hours_it_is_never_after_hours() -> None:
    decision = run(now=THANKSGIVING, workspace=make_workspace(hours=None))
    assert not decision.after_hours
    assert decision.agent_id == "agent_acme_inbound"


def test_an_audience_without_agents_keeps_the_bound_agent() -> None:
    config = workspace_config()
    config["audiences"][2]["agent_ids"] = []
    decision = run(
        now=EVENING, workspace=Workspace.model_validate(config, context={"sandbox": True})
    )
    assert decision.audience.id == "after-hours"
    assert decision.agent_id is None


@pytest.mark.parametrize(
    "record",
    [snapshot(tags=("callback", "Do-Not-Call")), snapshot(last_outcome="do_not_call", tags=())],
    ids=["tag", "last outcome"],
)
def test_do_not_call_is_answered_and_told_to_the_prompt(record: ContactSnapshot) -> None:
    decision = run(record=record, state=LookupState.FOUND)
    assert decision.do_not_call
    assert decision.dynamic_variables["do_not_call"] == "true"
    assert decision.agent_id == "agent_acme_inbound"


@pytest.mark.parametrize(
    "state", [LookupState.TIMED_OUT, LookupState.FAILED, LookupState.NO_CALLER_ID]
)
def test_an_unfinished_lookup_answers_with_what_is_known(state: LookupState) -> None:
    decision = run(record=None, state=state)
    variables = decision.dynamic_variables
    assert variables["caller_name"] == ""
    assert variables["is_returning_caller"] == "unknown"
    assert variables["owner_name"] == "Sam Rivera"
    assert variables["local_time"] == "Tuesday, November 24, 2026, 10:00 AM EST"
    assert decision.agent_id == "agent_acme_inbound"
    assert decision.metadata["callstate_lookup"] == state.value


def test_a_record_is_used_only_when_the_lookup_found_it() -> None:
    decision = run(record=snapshot(tags=("do-not-call",)), state=LookupState.TIMED_OUT)
    assert decision.dynamic_variables["caller_name"] == ""
    assert not decision.do_not_call


def test_decision_id_is_stable_across_retries_of_one_call() -> None:
    first = run(call_id="call_1")
    retry = run(call_id="call_1", now=OPEN + timedelta(seconds=11))
    other = run(call_id="call_2")
    assert first.decision_id == retry.decision_id
    assert first.decision_id != other.decision_id
    assert first.decision_id.startswith("inb_")
    without_id = decision_id("acme", None, CALLER, INBOUND_NUMBER, OPEN)
    assert without_id == decision_id("acme", None, CALLER, INBOUND_NUMBER, OPEN)
    assert without_id != decision_id("acme", None, CALLER, INBOUND_NUMBER, EVENING)


@pytest.mark.parametrize(
    ("now", "spoken"),
    [
        (datetime(2026, 11, 24, 5, 5, tzinfo=UTC), "Tuesday, November 24, 2026, 12:05 AM EST"),
        (datetime(2026, 11, 24, 17, 30, tzinfo=UTC), "Tuesday, November 24, 2026, 12:30 PM EST"),
        (datetime(2026, 7, 3, 22, 0, tzinfo=UTC), "Friday, July 3, 2026, 6:00 PM EDT"),
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "Sunday, March 8, 2026, 3:00 AM EDT"),
    ],
)
def test_local_time_is_spoken_in_the_workspace_zone(now: datetime, spoken: str) -> None:
    assert spoken_time(now, "America/New_York") == spoken


def test_after_hours_audience_must_exist() -> None:
    with pytest.raises(ValidationError, match="'night-desk' is not an audience"):
        make_workspace(after_hours_audience="night-desk")


def test_cadence_and_voicemail_notify_are_per_audience() -> None:
    outbound = ACME.audience("outbound-reactivation")
    assert outbound.cadence is not None and outbound.cadence.max_attempts == 3
    assert outbound.voicemail_notify
    inbound = ACME.audience("inbound-qualifier")
    assert inbound.cadence is None and not inbound.voicemail_notify


@dataclass(frozen=True)
class _Record:
    name: str | None
    owner_email: str | None
    last_outcome: str | None
    tags: tuple[str, ...]


_text = st.one_of(st.none(), st.text(max_size=20))


@given(
    seconds=st.integers(min_value=0, max_value=366 * 24 * 3600),
    to=st.sampled_from([INBOUND_NUMBER, OUTBOUND_NUMBER, "+14155550199"]),
    record=st.one_of(
        st.none(),
        st.builds(_Record, _text, _text, _text, st.tuples(st.sampled_from(["a", "do-not-call"]))),
    ),
    state=st.sampled_from(list(LookupState)),
)
def test_every_call_is_answered_with_string_variables(
    seconds: int, to: str, record: _Record | None, state: LookupState
) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    decision = decide(ACME, to, CALLER, now, record, state)
    assert decision.agent_id is not None
    assert all(isinstance(v, str) for v in decision.dynamic_variables.values())
    assert set(decision.dynamic_variables) == {
        "caller_name", "owner_name", "local_time", "last_outcome", "is_returning_caller",
        "after_hours", "business_name", "do_not_call",
    }  # fmt: skip
    assert decision.after_hours == (decision.audience.id == "after-hours")


def test_applied_agents_win_over_configured_ids() -> None:
    applied = {"after-hours": "agent_7f3e", "inbound-qualifier": "agent_91aa"}
    evening = decide(
        ACME, INBOUND_NUMBER, CALLER, EVENING, None, LookupState.NOT_FOUND, agents=applied
    )
    assert (evening.audience.id, evening.agent_id) == ("after-hours", "agent_7f3e")
    day = decide(ACME, OUTBOUND_NUMBER, CALLER, OPEN, None, LookupState.NOT_FOUND, agents=applied)
    assert day.agent_id == "agent_acme_outbound"  # not applied: the configured id


def test_a_flag_travels_in_the_call_metadata() -> None:
    assert "callstate_flag" not in run().metadata
    assert run(to="+14155550199").metadata["callstate_flag"] == (
        "called number +14155550199 is not configured"
    )
