"""`agents plan|apply` against the Retell emulator over loopback HTTP: creates, field diffs,
idempotence read off the emulator's request log, refusals, recovery from a half-done apply.

Exchanges are validated against vendor-specs/retell/openapi.yaml (`spec_checked`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from callstate.config.model import Workspace
from callstate.connectors.errors import Transient
from callstate.connectors.retell.agents import (
    Action,
    Change,
    PlanRefusedError,
    Target,
    apply,
    covers,
    first_difference,
    pending,
    plan,
)
from callstate.connectors.retell.agents_mapping import OWNER_VARIABLE, unextracted_fields
from callstate.connectors.retell.rest import RetellRest
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.retell import RetellSeed, create_retell_app
from tests import vendor_specs
from tests.sandbox.retell.test_rest_emulator import KEY, spec_checked

PUBLIC = "https://callstate.example"
INBOUND, OUTBOUND, AFTER_HOURS = "+14155550100", "+14155550101", "+14155550102"
NUMBERS = RetellSeed(phone_numbers=tuple({"phone_number": n} for n in (INBOUND, OUTBOUND)))
# Reads only: the 6.x list-agents is a POST.
READS = {("POST", "/v2/list-agents")}

OPENING = (
    "Hi {{caller_name}}, this is Ava, an AI assistant calling from Acme Roofing. This call is "
    "recorded. If you'd rather we didn't call, say so and we'll remove you from our list."
)


def inbound_agent(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "direction": "inbound",
        "voice_id": "11labs-Adrian",
        "begin_message": "Thanks for calling {{business_name}}, this is Ava, an AI assistant.",
        "prompt": "You qualify roofing leads.\nCaller: {{caller_name}}.\nAsk about the roof.",
        "analysis": [
            {"name": "homeowner", "type": "boolean", "description": "Owns the property?"},
            {"name": "roof_age_years", "type": "number", "description": "Roof age in years"},
            {
                "name": "outcome",
                "type": "enum",
                "description": "What the call came to",
                "choices": ["meeting_booked", "callback_requested", "not_interested"],
            },
        ],
        "voicemail": {"detect": False},
    }
    return spec | changes


def outbound_agent(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "direction": "outbound",
        "voice_id": "11labs-Myra",
        "model": "gpt-4.1-mini",
        "begin_message": OPENING,
        "prompt": "You call past leads of {{business_name}} back. Last time: {{last_outcome}}.",
        "variables": {"caller_name": "there"},
        "tools": ["check_availability", "book_meeting", "end_call"],
        "analysis": [
            {"name": "interested", "type": "boolean", "description": "Still interested?"},
            {"name": "callback_at", "type": "string", "description": "When to call back, ISO"},
        ],
        "voicemail": {"message": "Hi, Ava from Acme Roofing, an AI assistant. Call us back."},
        "max_call_minutes": 5,
    }
    return spec | changes


def after_hours_agent() -> dict[str, Any]:
    return inbound_agent(
        prompt="We are closed. Take a message and offer a callback tomorrow.",
        tools=["end_call"],
        analysis=[
            {"name": "callback_requested", "type": "boolean", "description": "Wants a call?"},
            {
                "name": "message",
                "type": "string",
                "description": "Their message",
                "examples": ["Please call about my leak"],
            },
        ],
        timezone="America/Chicago",
    )


def workspace(**agents: dict[str, Any] | None) -> Workspace:
    """acme with three audiences; `agents` replaces an audience's `agent:` (None: no block)."""
    chosen = {"in": inbound_agent(), "out": outbound_agent(), "late": after_hours_agent()}
    chosen.update(agents)
    audiences = [
        {"id": "in", "name": "Inbound", "default": True, "numbers": [INBOUND]},
        {"id": "out", "name": "Outbound", "numbers": [OUTBOUND]},
        {"id": "late", "name": "After hours", "numbers": [AFTER_HOURS]},
    ]
    for audience in audiences:
        audience["notify_channel"] = "sales"
        if chosen[str(audience["id"])] is not None:
            audience["agent"] = chosen[str(audience["id"])]
    return Workspace.model_validate(
        {
            "id": "acme",
            "name": "Acme Roofing",
            "retell": {"api_key": "${RETELL_API_KEY}"},
            "crm": {"kind": "hubspot", "token": "${HUBSPOT_TOKEN}"},
            "chat": {"kind": "slack", "bot_token": "${SLACK_BOT_TOKEN}"},
            "audiences": audiences,
        },
        context={"env": {}, "sandbox": True},
    )


@pytest.fixture(autouse=True)
def _retell_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    # Same stop-gap as tests/connectors/retell/test_rest.py.
    if "retell" not in vendor_specs._VALIDATORS:
        monkeypatch.setitem(vendor_specs._VALIDATORS, "retell", vendor_specs._validate_openapi)


@pytest.fixture
def make_base(serve: Callable[[ASGIApp], str]) -> Callable[..., str]:
    def make(seed: RetellSeed = NUMBERS) -> str:
        app = mount_vendors(
            None, {"retell": lambda store: create_retell_app(store, api_key=KEY, seed=seed)}
        )
        return serve(app)

    return make


@pytest.fixture
def base(make_base: Callable[..., str]) -> str:
    return make_base()


@pytest.fixture
def retell(base: str) -> Iterator[RetellRest]:
    client = RetellRest(KEY, base_url=f"{base}/retell", page_size=2)
    yield client
    client.close()


def exchanges(base: str, since: int = 0) -> list[dict[str, Any]]:
    answer = httpx.get(f"{base}/retell/_sandbox/requests", params={"since": since})
    records: list[dict[str, Any]] = answer.json()
    return records


def writes(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (r["method"], r["path"])
        for r in records
        if r["method"] != "GET" and (r["method"], r["path"]) not in READS
    ]


def last_seq(base: str) -> int:
    return max((r["seq"] for r in exchanges(base)), default=0)


def one(changes: list[Change], audience: str, target: Target) -> Change:
    (found,) = [c for c in changes if c.audience == audience and c.target is target]
    return found


def test_plan_on_an_empty_account_creates_everything_and_writes_nothing(
    base: str, retell: RetellRest
) -> None:
    changes = plan(retell, workspace(late=None), PUBLIC)
    assert [(c.audience, c.target, c.action) for c in changes] == [
        ("in", Target.LLM, Action.CREATE),
        ("in", Target.AGENT, Action.CREATE),
        ("in", Target.NUMBER, Action.UPDATE),
        ("out", Target.LLM, Action.CREATE),
        ("out", Target.AGENT, Action.CREATE),
        ("out", Target.NUMBER, Action.UPDATE),
    ]
    agent = one(changes, "in", Target.AGENT)
    assert agent.name == "callstate/acme/in" and agent.ident is None
    assert {d.field for d in agent.diffs} >= {"webhook_url", "post_call_analysis_data"}
    number = one(changes, "in", Target.NUMBER)
    assert {d.field: d.after for d in number.diffs} == {
        "inbound_agents": [{"agent_id": "(new)", "weight": 1}],
        "inbound_webhook_url": f"{PUBLIC}/webhooks/retell/acme/inbound",
    }
    assert writes(exchanges(base)) == []
    spec_checked(base)


def test_apply_creates_the_llm_and_agent_with_our_fields_and_binds_numbers(
    base: str, retell: RetellRest
) -> None:
    changes = apply(retell, workspace(late=None), PUBLIC)
    assert all(c.ident for c in changes)
    inbound = retell.get_agent(str(one(changes, "in", Target.AGENT).ident))
    assert inbound["agent_name"] == "callstate/acme/in"
    assert inbound["webhook_url"] == f"{PUBLIC}/webhooks/retell/acme"
    assert inbound["webhook_events"] == ["call_started", "call_ended", "call_analyzed"]
    assert inbound["timezone"] == "America/New_York"  # the workspace's
    assert inbound["voicemail_option"] is None
    assert inbound["enable_dnc_detection"] is True
    assert inbound["max_call_duration_ms"] == 600_000
    assert [f["name"] for f in inbound["post_call_analysis_data"]] == [
        "homeowner",
        "roof_age_years",
        "outcome",
    ]
    assert inbound["post_call_analysis_data"][2]["choices"] == [
        "meeting_booked",
        "callback_requested",
        "not_interested",
    ]
    llm = retell.get_llm(inbound["response_engine"]["llm_id"])
    assert llm["start_speaker"] == "agent"
    assert llm["begin_message"].startswith("Thanks for calling {{business_name}}")
    tools = {t["name"]: t for t in llm["general_tools"]}
    assert set(tools) == {"check_availability", "book_meeting", "end_call"}
    assert tools["book_meeting"]["url"] == f"{PUBLIC}/tools/retell/acme"
    assert tools["book_meeting"]["speak_during_execution"] is True
    assert tools["book_meeting"]["timeout_ms"] == 8000
    assert tools["book_meeting"]["parameters"]["required"] == ["start", "name"]
    assert tools["check_availability"]["parameters"]["properties"].keys() == {"when", "timezone"}
    assert tools["end_call"]["type"] == "end_call"
    variables = llm["default_dynamic_variables"]
    assert variables["business_name"] == "Acme Roofing"
    assert variables["caller_name"] == "" and variables[OWNER_VARIABLE] == "callstate/acme/in"

    outbound = retell.get_agent(str(one(changes, "out", Target.AGENT).ident))
    assert outbound["voicemail_option"] == {
        "action": {
            "type": "static_text",
            "text": "Hi, Ava from Acme Roofing, an AI assistant. Call us back.",
        }
    }
    assert outbound["max_call_duration_ms"] == 300_000
    out_llm = retell.get_llm(outbound["response_engine"]["llm_id"])
    assert out_llm["model"] == "gpt-4.1-mini"
    assert out_llm["default_dynamic_variables"]["caller_name"] == "there"

    numbers = {n["phone_number"]: n for n in retell.list_phone_numbers()}
    assert [a["agent_id"] for a in numbers[INBOUND]["inbound_agents"]] == [inbound["agent_id"]]
    assert numbers[INBOUND]["inbound_webhook_url"] == f"{PUBLIC}/webhooks/retell/acme/inbound"
    assert [a["agent_id"] for a in numbers[OUTBOUND]["outbound_agents"]] == [outbound["agent_id"]]
    assert "inbound_webhook_url" not in numbers[OUTBOUND]
    assert "inbound_agents" not in numbers[OUTBOUND]
    spec_checked(base)


def test_apply_twice_reads_and_writes_nothing_the_second_time(
    base: str, retell: RetellRest
) -> None:
    first = apply(retell, workspace(late=None), PUBLIC)
    assert len(pending(first)) == len(first)
    mark = last_seq(base)
    stamps = {a["agent_id"]: a["user_modified_timestamp"] for a in retell.list_agents()}

    second = apply(retell, workspace(late=None), PUBLIC)
    assert pending(second) == []
    assert [c.ident for c in second] == [c.ident for c in first]
    assert writes(exchanges(base, mark)) == []
    assert pending(plan(retell, workspace(late=None), PUBLIC)) == []
    after = {a["agent_id"]: a["user_modified_timestamp"] for a in retell.list_agents()}
    assert after == stamps
    assert len(retell.list_llms()) == 2


def test_a_changed_spec_is_a_field_diff_and_apply_patches_only_that(
    base: str, retell: RetellRest
) -> None:
    apply(retell, workspace(late=None), PUBLIC)
    edited = workspace(
        late=None,
        **{
            "in": inbound_agent(
                prompt="You qualify roofing leads.\nCaller: {{caller_name}}.\nAsk the roof's age.",
                voicemail={"message": "Call Acme back."},
            )
        },
    )
    changes = plan(retell, edited, PUBLIC)
    assert [(c.audience, c.target, c.action) for c in pending(changes)] == [
        ("in", Target.LLM, Action.UPDATE),
        ("in", Target.AGENT, Action.UPDATE),
    ]
    (prompt,) = one(changes, "in", Target.LLM).diffs
    assert prompt.field == "general_prompt"
    assert prompt.before.endswith("Ask about the roof.")
    assert prompt.after.endswith("Ask the roof's age.")
    (voicemail,) = one(changes, "in", Target.AGENT).diffs
    assert (voicemail.field, voicemail.before) == ("voicemail_option", None)

    mark = last_seq(base)
    apply(retell, edited, PUBLIC)
    patches = [r for r in exchanges(base, mark) if r["method"] == "PATCH"]
    assert [sorted(r["request_json"]) for r in patches] == [
        ["general_prompt"],
        ["voicemail_option"],
    ]
    assert pending(plan(retell, edited, PUBLIC)) == []
    spec_checked(base)


def test_a_change_made_in_retells_dashboard_is_put_back(base: str, retell: RetellRest) -> None:
    changes = apply(retell, workspace(late=None), PUBLIC)
    agent_id = str(one(changes, "out", Target.AGENT).ident)
    retell.update_agent(agent_id, {"voice_id": "11labs-Other", "enable_dnc_detection": False})
    retell.update_phone_number(OUTBOUND, {"outbound_agents": None})
    drift = pending(plan(retell, workspace(late=None), PUBLIC))
    assert [(c.target, [d.field for d in c.diffs]) for c in drift] == [
        (Target.AGENT, ["voice_id", "enable_dnc_detection"]),
        (Target.NUMBER, ["outbound_agents"]),
    ]
    apply(retell, workspace(late=None), PUBLIC)
    assert retell.get_agent(agent_id)["voice_id"] == "11labs-Myra"
    assert pending(plan(retell, workspace(late=None), PUBLIC)) == []


def test_audiences_get_agents_that_differ(base: str, make_base: Callable[..., str]) -> None:
    seeded = make_base(
        RetellSeed(
            phone_numbers=tuple({"phone_number": n} for n in (INBOUND, OUTBOUND, AFTER_HOURS))
        )
    )
    client = RetellRest(KEY, base_url=f"{seeded}/retell")
    changes = apply(client, workspace(), PUBLIC)
    agents = {
        c.audience: client.get_agent(str(c.ident)) for c in changes if c.target is Target.AGENT
    }
    llms = {a: client.get_llm(agent["response_engine"]["llm_id"]) for a, agent in agents.items()}
    assert len({llm["llm_id"] for llm in llms.values()}) == 3
    assert len({llm["general_prompt"] for llm in llms.values()}) == 3
    assert [t["name"] for t in llms["late"]["general_tools"]] == ["end_call"]
    assert agents["late"]["timezone"] == "America/Chicago"
    analysis = {
        a: [f["name"] for f in agent["post_call_analysis_data"]] for a, agent in agents.items()
    }
    assert analysis == {
        "in": ["homeowner", "roof_age_years", "outcome"],
        "out": ["interested", "callback_at"],
        "late": ["callback_requested", "message"],
    }
    assert agents["late"]["post_call_analysis_data"][1]["examples"] == ["Please call about my leak"]
    numbers = {n["phone_number"]: n for n in client.list_phone_numbers()}
    assert numbers[AFTER_HOURS]["inbound_agents"][0]["agent_id"] == agents["late"]["agent_id"]
    client.close()


def test_an_outbound_opening_without_disclosures_is_refused_before_any_request(
    base: str, retell: RetellRest
) -> None:
    bare = outbound_agent(begin_message="Hi {{caller_name}}, it's Ava from Acme Roofing!")
    with pytest.raises(PlanRefusedError) as refused:
        plan(retell, workspace(out=bare), PUBLIC)
    problems = refused.value.problems
    assert [p.audience for p in problems] == ["out", "out", "out"]
    assert [p.what for p in problems] == [
        "the opening does not say that an AI is speaking",
        "the opening does not say that the call is recorded",
        "the opening does not say how to opt out",
    ]
    assert all(p.hint for p in problems)
    with pytest.raises(PlanRefusedError):
        apply(retell, workspace(out=bare), PUBLIC)
    assert exchanges(base) == []
    # An inbound opening is not held to the outbound rules.
    assert pending(plan(retell, workspace(out=None, late=None), PUBLIC))


def test_two_agents_with_our_name_are_refused(base: str, retell: RetellRest) -> None:
    changes = apply(retell, workspace(out=None, late=None), PUBLIC)
    llm_id = str(one(changes, "in", Target.LLM).ident)
    twin = retell.create_agent(
        {
            "response_engine": {"type": "retell-llm", "llm_id": llm_id},
            "voice_id": "11labs-Adrian",
            "agent_name": "callstate/acme/in",
        }
    )
    with pytest.raises(PlanRefusedError) as refused:
        plan(retell, workspace(out=None, late=None), PUBLIC)
    (problem,) = refused.value.problems
    assert twin["agent_id"] in problem.what and "delete or rename" in problem.hint


def test_a_number_the_account_lacks_is_missing_and_never_written(
    base: str, retell: RetellRest
) -> None:
    changes = apply(retell, workspace(), PUBLIC)
    number = one(changes, "late", Target.NUMBER)
    assert (number.name, number.action) == (AFTER_HOURS, Action.MISSING)
    assert "buy or import" in number.detail
    assert not any(p == f"/update-phone-number/{AFTER_HOURS}" for _, p in writes(exchanges(base)))
    assert [c.action for c in pending(plan(retell, workspace(), PUBLIC))] == [Action.MISSING]


def test_an_apply_that_died_after_the_llm_reuses_it(base: str, retell: RetellRest) -> None:
    httpx.post(
        f"{base}/retell/_sandbox/faults",
        json={"method": "POST", "path": "/create-agent", "status": 500},
    ).raise_for_status()
    with pytest.raises(Transient):
        apply(retell, workspace(out=None, late=None), PUBLIC)
    (orphan,) = retell.list_llms()
    changes = apply(retell, workspace(out=None, late=None), PUBLIC)
    assert one(changes, "in", Target.LLM).action is Action.UNCHANGED
    assert one(changes, "in", Target.LLM).ident == orphan["llm_id"]
    assert one(changes, "in", Target.AGENT).action is Action.CREATE
    assert len(retell.list_llms()) == 1
    agent = retell.get_agent(str(one(changes, "in", Target.AGENT).ident))
    assert agent["response_engine"]["llm_id"] == orphan["llm_id"]


def test_an_agent_whose_llm_was_deleted_gets_a_new_one(base: str, retell: RetellRest) -> None:
    changes = apply(retell, workspace(out=None, late=None), PUBLIC)
    agent_id = str(one(changes, "in", Target.AGENT).ident)
    old_llm = str(one(changes, "in", Target.LLM).ident)
    headers = {"authorization": f"Bearer {KEY}"}
    httpx.delete(
        f"{base}/retell/delete-retell-llm/{old_llm}",
        params={"force_delete": "true"},
        headers=headers,
    ).raise_for_status()
    again = apply(retell, workspace(out=None, late=None), PUBLIC)
    assert one(again, "in", Target.LLM).action is Action.CREATE
    assert [d.field for d in one(again, "in", Target.AGENT).diffs] == ["response_engine"]
    new_llm = retell.get_agent(agent_id)["response_engine"]["llm_id"]
    assert new_llm not in (old_llm, None)
    assert pending(plan(retell, workspace(out=None, late=None), PUBLIC)) == []


def test_a_workspace_without_agent_blocks_asks_nothing(base: str, retell: RetellRest) -> None:
    assert plan(retell, workspace(**{"in": None, "out": None, "late": None}), PUBLIC) == []
    assert exchanges(base) == []


@pytest.mark.parametrize(
    ("have", "want", "same"),
    [
        ({"a": 1, "retell_default": True}, {"a": 1}, True),
        ({"a": 1}, {"a": 1, "b": None}, True),
        ({"a": 1, "b": 2}, {"a": 1, "b": None}, False),
        ([{"agent_id": "x", "weight": 1.0, "agent_version": 3}],
         [{"agent_id": "x", "weight": 1}], True),
        ([{"name": "a"}, {"name": "b"}], [{"name": "a"}], False),
        (1, True, False),
        (False, 0, False),
        ("", None, False),
        (None, [], False),
    ],
)  # fmt: skip
def test_covers_tolerates_only_what_retell_adds(have: Any, want: Any, same: bool) -> None:
    assert covers(have, want) is same
    assert (first_difference(have, want) is None) is same


def test_first_difference_names_the_nested_path() -> None:
    have = {"general_tools": [{"name": "a", "url": "https://old"}]}
    want = {"general_tools": [{"name": "a", "url": "https://new"}]}
    assert first_difference(have, want) == ("general_tools[0].url", "https://old", "https://new")


def test_unextracted_fields_names_what_icp_and_crm_read_but_the_agent_never_asks() -> None:
    ws = Workspace.model_validate(
        {
            "id": "acme",
            "name": "Acme Roofing",
            "retell": {"api_key": "${K}"},
            "crm": {"kind": "hubspot", "token": "${K}"},
            "chat": {"kind": "slack", "bot_token": "${K}"},
            "audiences": [
                {
                    "id": "in",
                    "name": "In",
                    "default": True,
                    "notify_channel": "sales",
                    "icp": {"rules": [
                        {"field": "homeowner", "equals": True, "points": 50, "reason": "owns"},
                        {"field": "timeline", "any_of": ["now"], "points": 50, "reason": "soon"},
                    ]},
                    "crm": {"custom_fields": [{"name": "roof_age_years", "label": "Roof age"}],
                            "sources": {"company": "business"}},
                    "agent": inbound_agent(),
                }
            ],
        },
        context={"env": {"K": "k"}},
    )  # fmt: skip
    audience = ws.audiences[0]
    assert audience.agent is not None
    assert unextracted_fields(audience, audience.agent) == ("business", "timeline")
