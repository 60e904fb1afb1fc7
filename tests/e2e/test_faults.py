"""Vendors misbehaving: 429 storms, 5xx, ambiguous commits, permanent refusals.

Faults are programmed in the emulators (research/reliability.md §4.1: no toxiproxy here); the
assertions are on the emulators' state and on the ledger of attempts.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    bodies,
    deliver,
    every_message,
    hubspot_objects,
    message_key,
    scenario,
)
from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.slow


def program(server: ServerProcess, vendor: str, **fault: Any) -> None:
    response = httpx.post(f"{server.base_url}/sandbox/{vendor}/_sandbox/faults", json=fault)
    assert response.status_code < 300, response.text


def attempts(detail: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [a for a in detail["attempts"] if a["kind"] == kind]


def calls_for(server: ServerProcess, call_id: str) -> list[Any]:
    return [
        c
        for c in hubspot_objects(server, "calls", "callstate_call_key")
        if call_id in (c["properties"].get("callstate_call_key") or "")
    ]


def messages_for(server: ServerProcess, call_id: str) -> list[Any]:
    return [m for m in every_message(server) if call_id in message_key(m)]


def test_rate_limited_upsert_waits_for_retry_after(server: ServerProcess) -> None:
    program(
        server,
        "hubspot",
        method="POST",
        path="/crm/objects/2026-09/contacts/batch/upsert",
        status=429,
        retry_after=1.5,
        times=2,
    )
    call = scenario("429", from_number="+14155550111")
    deliver(server, bodies(call)["call_analyzed"])
    detail = server.wait_call(call.call_id, {"settled"})
    tries = attempts(detail, "upsert_contact")
    assert [a["status"] for a in tries] == ["rate_limited", "rate_limited", "succeeded"]
    starts = [datetime.fromisoformat(a["started_at"]) for a in tries]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    assert all(gap >= 1.5 for gap in gaps), gaps  # never sooner than Retry-After
    assert len(calls_for(server, call.call_id)) == 1


def test_ambiguous_call_log_is_recovered_not_duplicated(server: ServerProcess) -> None:
    program(
        server, "hubspot", mode="commit_then_drop", method="POST", path="/crm/objects/2026-09/calls"
    )
    call = scenario("drop-log", from_number="+14155550112")
    deliver(server, bodies(call)["call_analyzed"])
    detail = server.wait_call(call.call_id, {"settled"})
    assert [a["status"] for a in attempts(detail, "log_call")] == ["transient_error", "succeeded"]
    assert len(calls_for(server, call.call_id)) == 1


def test_ambiguous_slack_post_is_recovered_not_duplicated(server: ServerProcess) -> None:
    program(server, "slack", mode="commit_then_drop", method="POST", path="/api/chat.postMessage")
    call = scenario("drop-slack", from_number="+14155550113")
    deliver(server, bodies(call)["call_analyzed"])
    detail = server.wait_call(call.call_id, {"settled"})
    statuses = [a["status"] for a in attempts(detail, "notify_owner")]
    assert statuses == ["transient_error", "succeeded"]
    assert len(messages_for(server, call.call_id)) == 1


def test_slack_outage_is_retried_and_does_not_hold_back_the_crm(server: ServerProcess) -> None:
    program(server, "slack", method="POST", path="/api/chat.postMessage", status=503, times=2)
    call = scenario("slack-503", from_number="+14155550114")
    deliver(server, bodies(call)["call_analyzed"])
    detail = server.wait_call(call.call_id, {"settled"})
    statuses = [a["status"] for a in attempts(detail, "notify_owner")]
    assert statuses == ["transient_error", "transient_error", "succeeded"]
    assert len(calls_for(server, call.call_id)) == 1
    assert len(messages_for(server, call.call_id)) == 1


def test_permanent_refusal_dead_letters_the_call_and_the_rest_still_runs(
    server: ServerProcess,
) -> None:
    program(
        server,
        "hubspot",
        method="POST",
        path="/crm/objects/2026-09/calls",
        status=400,
        times=None,
        body={
            "status": "error",
            "message": "Property values were not valid",
            "category": "VALIDATION_ERROR",
        },
    )
    call = scenario("400", from_number="+14155550115")
    deliver(server, bodies(call)["call_analyzed"])
    detail = server.wait_call(call.call_id, {"dead_lettered"})
    log = attempts(detail, "log_call")
    assert [a["status"] for a in log] == ["permanent_error"]  # not retried
    assert "Property values were not valid" in log[0]["error"]
    assert [a["status"] for a in attempts(detail, "upsert_contact")] == ["succeeded"]
    assert [a["status"] for a in attempts(detail, "notify_owner")] == ["succeeded"]
    assert calls_for(server, call.call_id) == []
    assert len(messages_for(server, call.call_id)) == 1
