"""Retell's `call_inbound` request parsed to E.164 numbers, and the answer's JSON shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from callstate.connectors.retell.inbound import InboundCall, inbound_response, parse_inbound
from callstate.connectors.retell.webhook import MalformedPayloadError


def payload(**call: Any) -> dict[str, Any]:
    """As Retell sends it (research/voice.md §2), with the fields third-party samples show."""
    fields: dict[str, Any] = {
        "agent_id": "agent_acme_inbound",
        "agent_version": 3,
        "from_number": "+14155550142",
        "to_number": "+14155550100",
        "call_id": "call_9f1c2a",
        "custom_sip_headers": {"x-campaign": "spring"},
    }
    fields.update(call)
    return {"event": "call_inbound", "event_timestamp": 1795532400000, "call_inbound": fields}


def parse(data: dict[str, Any]) -> InboundCall:
    return parse_inbound(json.dumps(data).encode())


def test_a_full_request_is_parsed() -> None:
    assert parse(payload()) == InboundCall(
        to_number="+14155550100",
        from_number="+14155550142",
        agent_id="agent_acme_inbound",
        agent_version=3,
        call_id="call_9f1c2a",
    )


def test_optional_fields_may_be_missing() -> None:
    data = payload()
    for key in ("agent_id", "agent_version", "call_id", "custom_sip_headers"):
        del data["call_inbound"][key]
    call = parse(data)
    assert (call.agent_id, call.agent_version, call.call_id) == (None, None, None)


def test_numbers_are_normalised_to_e164() -> None:
    call = parse(payload(from_number="(415) 555-0142", to_number="+1 415-555-0100"))
    assert (call.from_number, call.to_number) == ("+14155550142", "+14155550100")


@pytest.mark.parametrize("caller", ["", "anonymous", "sip:alice@example.com", "12"])
def test_a_withheld_or_unreadable_caller_is_answered_without_a_number(caller: str) -> None:
    assert parse(payload(from_number=caller)).from_number is None


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("call_inbound"), "call_inbound"),
        (lambda d: d["call_inbound"].pop("to_number"), "call_inbound.to_number"),
        (lambda d: d["call_inbound"].pop("from_number"), "call_inbound.from_number"),
        (lambda d: d["call_inbound"].update(to_number="not a number"), "call_inbound.to_number"),
        (lambda d: d["call_inbound"].update(to_number=""), "call_inbound.to_number"),
        (lambda d: d["call_inbound"].update(agent_version="v3"), "call_inbound.agent_version"),
        (lambda d: d.update(event="call_started"), "event"),
        (lambda d: d.pop("event"), "event"),
    ],
)
def test_malformed_requests_name_the_field(mutate: Any, field: str) -> None:
    data = payload()
    mutate(data)
    with pytest.raises(MalformedPayloadError) as raised:
        parse(data)
    assert raised.value.field == field


def test_not_json_is_malformed() -> None:
    with pytest.raises(MalformedPayloadError) as raised:
        parse_inbound(b"not json")
    assert raised.value.field == "(body)"


def test_the_answer_overrides_the_agent_and_carries_variables_and_metadata() -> None:
    answer = inbound_response(
        override_agent_id="agent_acme_after_hours",
        dynamic_variables={"caller_name": "Dana", "after_hours": "true"},
        metadata={"callstate_workspace": "acme"},
    )
    assert answer == {
        "call_inbound": {
            "override_agent_id": "agent_acme_after_hours",
            "dynamic_variables": {"caller_name": "Dana", "after_hours": "true"},
            "metadata": {"callstate_workspace": "acme"},
        }
    }
    json.dumps(answer)  # serialisable as is


def test_without_an_override_the_bound_agent_answers() -> None:
    answer = inbound_response(override_agent_id=None, dynamic_variables={}, metadata={})
    assert "override_agent_id" not in answer["call_inbound"]
