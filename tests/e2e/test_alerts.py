"""Failure alerts end to end: a storm of dead-lettered call logs is one Slack alert whose thread
counts them, and the next success resolves it (examples/acme.yaml: alerts go to #acme-sales)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import bodies, deliver, scenario, slack_messages
from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.slow

REFUSAL = {
    "status": "error",
    "message": "Property values were not valid",
    "category": "VALIDATION_ERROR",
}


def alerts(server: ServerProcess) -> list[dict[str, Any]]:
    return [
        m
        for m in slack_messages(server)
        if ((m.get("metadata") or {}).get("event_payload") or {})
        .get("key", "")
        .startswith("incident:")
    ]


def thread(server: ServerProcess, message: dict[str, Any]) -> list[dict[str, Any]]:
    channels = server.get("/sandbox/slack/api/conversations.list")["channels"]
    channel = next(c["id"] for c in channels if c["name"] == "acme-sales")
    replies = server.get(
        "/sandbox/slack/api/conversations.replies", channel=channel, ts=message["ts"]
    )
    return list(replies["messages"][1:])


def eventually(check: Callable[[], bool], timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.5)


def test_a_storm_is_one_alert_with_counts_and_a_success_resolves_it(
    server_factory: ServerProcess,
) -> None:
    server = server_factory.start(CALLSTATE_ALERT_POLL_SECONDS="1")
    httpx.post(
        f"{server.base_url}/sandbox/hubspot/_sandbox/faults",
        json={"method": "POST", "path": "/crm/objects/2026-09/calls", "status": 400,
              "times": None, "body": REFUSAL},
    ).raise_for_status()  # fmt: skip
    storm = [scenario(f"storm-{n}", from_number=f"+1415555017{n}") for n in range(6)]
    deliver(server, *(bodies(c)["call_analyzed"] for c in storm), concurrently=True)
    for call in storm:
        server.wait_call(call.call_id, {"dead_lettered"})

    def counted_all() -> bool:
        found = alerts(server)
        return len(found) == 1 and "(6 times)" in found[0]["text"]

    eventually(counted_all)
    parent = alerts(server)[0]
    assert "log_call failing at hubspot" in parent["text"]
    notes = thread(server, parent)
    assert notes, "later occurrences are told in the thread"
    assert "total 6" in notes[-1]["text"]
    assert "Property values were not valid" in notes[-1]["text"]

    httpx.delete(f"{server.base_url}/sandbox/hubspot/_sandbox/faults").raise_for_status()
    healed = scenario("healed", from_number="+14155550179")
    deliver(server, bodies(healed)["call_analyzed"])
    server.wait_call(healed.call_id, {"settled"})
    eventually(lambda: alerts(server)[0]["text"].startswith("Resolved:"))
    assert len(alerts(server)) == 1  # never a second alert for the same incident
    assert "Resolved after 6 occurrence(s)" in thread(server, parent)[-1]["text"]
