"""Inbound calls on the Retell emulator: `POST /retell/_sandbox/inbound-calls` (voice.md §2).

The number's inbound webhook and the account's call webhooks both go to one `Hooks` receiver,
which checks every signature with the retell SDK; the resulting calls are read back with the
retell SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from retell import Retell
from retell.types import PhoneCallResponse
from starlette.types import ASGIApp

from callstate.sandbox.app import mount_vendors
from callstate.sandbox.retell import RetellSeed, create_retell_app
from tests.sandbox.retell.hooks import Answer, Hooks

KEY = "key_test_retell_inbound_0123456789"
LINE = "+14155550100"  # inbound agent bound, inbound webhook
SPARE = "+14155550111"  # no inbound agent, inbound webhook
SILENT = "+14155550122"  # no inbound agent, no webhook
CALLER = "+14155550142"
OVERRIDE = {
    "call_inbound": {
        "override_agent_id": "agent_vip",
        "dynamic_variables": {"first_name": "Dana", "tier": "gold", "visits": 3},
        "metadata": {"workspace": "acme", "lead": "L-9"},
    }
}


def _seed(hook_url: str) -> RetellSeed:
    engine = {"type": "retell-llm", "llm_id": "llm_front_desk"}
    return RetellSeed(
        llms=(
            {
                "llm_id": "llm_front_desk",
                "begin_message": "Thanks for calling Acme, {{first_name}}!",
                "default_dynamic_variables": {"first_name": "there"},
            },
        ),
        agents=(
            {
                "agent_id": "agent_desk",
                "agent_name": "Front desk",
                "response_engine": engine,
                "voice_id": "11labs-Adrian",
            },
            {
                "agent_id": "agent_vip",
                "agent_name": "VIP desk",
                "response_engine": engine,
                "voice_id": "11labs-Adrian",
            },
        ),
        phone_numbers=(
            {
                "phone_number": LINE,
                "inbound_agents": [{"agent_id": "agent_desk", "weight": 1}],
                "inbound_webhook_url": hook_url,
            },
            {"phone_number": SPARE, "inbound_webhook_url": hook_url},
            {"phone_number": SILENT},
        ),
    )


@pytest.fixture
def make_account(
    serve: Callable[[ASGIApp], str],
) -> Iterator[Callable[..., tuple[str, Hooks, Retell]]]:
    clients: list[Retell] = []

    def make(answers: tuple[Answer, ...] = ((204, None),)) -> tuple[str, Hooks, Retell]:
        hooks = Hooks(KEY, answers)
        url = serve(hooks.app()) + "/hook"

        def factory(store: Any) -> Any:
            return create_retell_app(
                store, api_key=KEY, webhook_url=url, seed=_seed(url), webhook_retry_delay=0.02
            )

        base = serve(mount_vendors(None, {"retell": factory})) + "/retell"
        clients.append(Retell(api_key=KEY, base_url=base, max_retries=0))
        return base, hooks, clients[-1]

    yield make
    for client in clients:
        client.close()


def ring(base: str, to: str, caller: str = CALLER) -> httpx.Response:
    return httpx.post(
        f"{base}/_sandbox/inbound-calls",
        json={"from_number": caller, "to_number": to},
        timeout=30,
    )


def settle(base: str) -> dict[str, Any]:
    answer = httpx.post(f"{base}/_sandbox/settle", params={"timeout": 20}, timeout=30)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_the_inbound_webhook_picks_agent_variables_and_metadata(
    make_account: Callable[..., tuple[str, Hooks, Retell]],
) -> None:
    base, hooks, client = make_account(answers=((200, OVERRIDE),))
    httpx.post(
        f"{base}/_sandbox/scripts",
        json={
            "to_number": CALLER,
            "summary": "Dana asked about gutters.",
            "custom_analysis_data": {"intent": "gutters"},
        },
    ).raise_for_status()

    answered = ring(base, LINE)

    assert answered.status_code == 201, answered.text
    body = answered.json()
    call_id = body["call_id"]
    assert body == {
        "call_id": call_id,
        "answered": True,
        "agent_id": "agent_vip",
        "metadata": {"workspace": "acme", "lead": "L-9"},
        "dynamic_variables": {"first_name": "Dana", "tier": "gold"},  # non-strings dropped
        "inbound_webhook": {"status": 200, "attempts": 1},
    }
    assert call_id.startswith("call_")
    assert hooks.unsigned == 0
    assert hooks.inbound == [
        {
            "event": "call_inbound",
            "call_inbound": {
                "from_number": CALLER,
                "to_number": LINE,
                "agent_id": "agent_desk",
                "agent_version": 0,
                "call_id": call_id,
            },
        }
    ]
    report = settle(base)
    assert [a["status_code"] for a in report["deliveries"][call_id]] == [204, 204, 204]
    events = hooks.of_call(call_id)
    assert [e["event"] for e in events] == ["call_started", "call_ended", "call_analyzed"]
    for event in events:
        call = event["call"]
        assert (call["direction"], call["agent_id"]) == ("inbound", "agent_vip")
        assert (call["from_number"], call["to_number"]) == (CALLER, LINE)
        assert call["metadata"] == {"workspace": "acme", "lead": "L-9"}
        assert call["retell_llm_dynamic_variables"] == {"first_name": "Dana", "tier": "gold"}
        assert "custom_sip_headers" not in call  # only the calls Retell places carry them
    analyzed = events[-1]["call"]
    assert analyzed["transcript"].startswith("Agent: Thanks for calling Acme, Dana!\nUser: ")
    assert analyzed["call_analysis"]["call_summary"] == "Dana asked about gutters."
    assert analyzed["call_analysis"]["custom_analysis_data"] == {"intent": "gutters"}
    fetched = client.call.retrieve(call_id)
    assert isinstance(fetched, PhoneCallResponse)
    assert fetched.call_type == "phone_call"
    assert fetched.direction == "inbound"
    assert fetched.agent_name == "VIP desk"
    assert fetched.call_status == "ended"
    assert fetched.metadata == {"workspace": "acme", "lead": "L-9"}


def test_a_failing_inbound_webhook_leaves_the_call_to_the_bound_agent(
    make_account: Callable[..., tuple[str, Hooks, Retell]],
) -> None:
    base, hooks, client = make_account(answers=((500, {"error": "down"}),))

    answered = ring(base, LINE)

    assert answered.status_code == 201, answered.text
    body = answered.json()
    assert body["answered"] is True
    assert body["agent_id"] == "agent_desk"
    assert (body["metadata"], body["dynamic_variables"]) == (None, None)
    assert body["inbound_webhook"] == {"status": 500, "attempts": 4}  # 1 try + 3 retries
    assert len(hooks.inbound) == 4
    assert {p["call_inbound"]["call_id"] for p in hooks.inbound} == {body["call_id"]}
    settle(base)
    analyzed = hooks.of_call(body["call_id"])[-1]["call"]
    assert analyzed["agent_id"] == "agent_desk"
    assert "metadata" not in analyzed
    assert "retell_llm_dynamic_variables" not in analyzed
    # The LLM's default variables fill the greeting when the call brought none.
    assert analyzed["transcript"].startswith("Agent: Thanks for calling Acme, there!")
    fetched = client.call.retrieve(body["call_id"])
    assert isinstance(fetched, PhoneCallResponse)
    assert fetched.direction == "inbound"


def test_an_unreachable_webhook_counts_its_attempts_without_a_status(
    make_account: Callable[..., tuple[str, Hooks, Retell]],
) -> None:
    base, _, client = make_account()
    unreachable = "http://127.0.0.1:9/hook"  # discard port: connection refused
    client.phone_number.update(LINE, inbound_webhook_url=unreachable)

    body = ring(base, LINE).json()

    assert body["inbound_webhook"] == {"status": None, "attempts": 4}
    assert body["agent_id"] == "agent_desk"


def test_nobody_answers_without_an_agent(
    make_account: Callable[..., tuple[str, Hooks, Retell]],
) -> None:
    unknown_agent = {"call_inbound": {"override_agent_id": "agent_elsewhere"}}
    base, hooks, client = make_account(answers=((200, unknown_agent),))

    refused = ring(base, SPARE)  # the webhook names an agent this account does not have
    silent = ring(base, SILENT)  # no webhook, no agent

    assert refused.status_code == 200, refused.text
    assert refused.json() == {
        "call_id": None,
        "answered": False,
        "agent_id": None,
        "metadata": None,
        "dynamic_variables": None,
        "inbound_webhook": {"status": 200, "attempts": 1},
    }
    assert silent.status_code == 200
    assert silent.json()["inbound_webhook"] == {"status": None, "attempts": 0}
    assert silent.json()["answered"] is False
    assert hooks.inbound[0]["call_inbound"].keys() == {"from_number", "to_number", "call_id"}
    settle(base)
    assert client.call.list().items == []
    assert hooks.events == []


def test_inbound_call_requests_are_checked(
    make_account: Callable[..., tuple[str, Hooks, Retell]],
) -> None:
    base, hooks, _ = make_account()
    elsewhere = ring(base, "+14155550999")
    assert elsewhere.status_code == 404
    assert "+14155550999" in elsewhere.json()["error"]
    malformed = httpx.post(
        f"{base}/_sandbox/inbound-calls", json={"from_number": "555", "to_number": LINE}
    )
    assert malformed.status_code == 422
    assert hooks.inbound == []
