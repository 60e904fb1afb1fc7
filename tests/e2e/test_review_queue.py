"""The review queue end to end, on each store: calls whose callee says "stop calling me" are
flagged into #acme-sales with the reviewer's actions; clicks come from the Slack emulator (signed
with the workspace's signing secret) or, for the same click delivered again and for the owner
menu the emulator cannot click, as Slack's signed payload posted to the endpoint. Each action
is done once however often it arrives: one decision, one CRM write, one message update."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from callstate.connectors.slack.signature import sign
from callstate.domain.call import CallStatus
from callstate.sandbox.slack import user_id
from callstate.storage.db import make_engine
from callstate.storage.dnc import DoNotCall
from callstate.storage.review import ReviewQueue, item_id
from tests.e2e.conftest import eventually, hubspot_objects, slack_messages
from tests.e2e.server import ServerProcess
from tests.e2e.test_retell_flows import cli, control, place, placed_call

pytestmark = pytest.mark.slow
SECRET = "sandbox-acme-slack-signing-secret"
SAM = user_id("sam.rivera@acme-roofing.test")
JO = "jo.chen@acme-roofing.test"
UPSET = [("agent", "Hi, this is Ava from Acme Roofing."), ("user", "Please stop calling me.")]


def flagged_call(server: ServerProcess, number: str) -> tuple[str, dict[str, Any]]:
    """Place a call to `number` whose callee says "stop calling me"; its review message."""
    control(server, "scripts", {"to_number": number, "times": 1, "transcript": UPSET})
    call_id = placed_call(server, place(server, number, f"review-{number}").json()["id"])
    server.wait_call(call_id, {CallStatus.SETTLED})
    found = eventually(lambda: reviews_of(server, call_id))
    assert found and len(found) == 1, found
    return call_id, found[0]


def reviews_of(server: ServerProcess, call_id: str) -> list[dict[str, Any]]:
    return [
        m
        for m in slack_messages(server)
        if ((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        == f"acme:retell:{call_id}:flag_for_review"
    ]


def elements(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = [b for b in message.get("blocks") or [] if b["type"] == "actions"]
    return list(found[0]["elements"]) if found else []


def click(server: ServerProcess, message: dict[str, Any], action_id: str) -> dict[str, Any]:
    """A member clicks the button in the emulator; what our endpoint answered."""
    answer = httpx.post(
        f"{server.base_url}/sandbox/slack/_sandbox/interact",
        json={
            "channel": "acme-sales",
            "ts": message["ts"],
            "action_id": action_id,
            "user": SAM,
        },
        timeout=30,
    )
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    assert result["status"] == 200, result
    return result


def deliver_again(server: ServerProcess, payload: dict[str, Any]) -> int:
    """Slack's signed form body with `payload`, posted to the endpoint (a repeat, a menu)."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = int(time.time())
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": str(stamp),
        "x-slack-signature": sign(body, SECRET, stamp),
    }
    url = f"{server.base_url}/slack/interactivity/acme"
    return httpx.post(url, content=body, headers=headers, timeout=10).status_code


def attempts(server: ServerProcess, call_id: str, kind: str) -> list[dict[str, Any]]:
    detail = server.get(f"/api/calls/acme/retell/{call_id}")
    return [
        a
        for a in detail["attempts"]
        if a["kind"] == kind and a["key"].startswith("review:") and a["status"] == "succeeded"
    ]


def thread(server: ServerProcess, ts: str) -> list[dict[str, Any]]:
    channels = server.get("/sandbox/slack/api/conversations.list")["channels"]
    channel = next(c["id"] for c in channels if c["name"] == "acme-sales")
    replies = server.get("/sandbox/slack/api/conversations.replies", channel=channel, ts=ts)
    return list(replies["messages"][1:])


def test_a_review_item_whose_buttons_work(server: ServerProcess) -> None:
    cli(server, "agents", "apply", "-w", "acme")
    httpx.post(
        f"{server.base_url}/sandbox/slack/_sandbox/interactivity",
        json={"request_url": f"{server.base_url}/slack/interactivity/acme",
              "signing_secret": SECRET},
    ).raise_for_status()  # fmt: skip
    engine = make_engine(server.database_url)
    queue = ReviewQueue(engine)
    try:
        # 1. The message: why, and the four actions.
        first, message = flagged_call(server, "+13125550161")
        assert "stop calling" in json.dumps(message["blocks"])
        assert [e["action_id"] for e in elements(message)] == [
            "review:approve", "review:rerun", "review:dnc", "review:reassign",
        ]  # fmt: skip

        # 2. Re-run analysis: a note in the thread; the buttons stay.
        click(server, message, "review:rerun")
        notes = eventually(lambda: thread(server, message["ts"]))
        assert notes and "Analysis re-run by" in notes[0]["text"]
        rerun = eventually(lambda: "re-run by" in json.dumps(reviews_of(server, first)))
        assert rerun and elements(reviews_of(server, first)[0])

        # 3. Approve, and the same click again: one decision, the message says who.
        answered = click(server, reviews_of(server, first)[0], "review:approve")
        assert deliver_again(server, answered["payload"]) == 200
        approved = eventually(lambda: "Approved by" in json.dumps(reviews_of(server, first)))
        assert approved
        [updated] = reviews_of(server, first)
        assert f"Approved by <@{SAM}>" in json.dumps(updated["blocks"])
        assert elements(updated) == []
        assert all(i.external_call_id != first for i in queue.list_open("acme"))
        flagged = item_id(f"acme:retell:{first}:flag_for_review")
        assert sorted(a.action.value for a in queue.actions_of(flagged)) == ["approve", "rerun"]
        assert len(thread(server, message["ts"])) == 1  # no second note

        # 4. Mark do-not-call twice: on the list, tagged in the CRM once.
        number = "+13125550162"
        second, message = flagged_call(server, number)
        answered = click(server, message, "review:dnc")
        assert deliver_again(server, answered["payload"]) == 200
        eventually(lambda: "Marked do-not-call by" in json.dumps(reviews_of(server, second)))
        assert DoNotCall(engine).contains("acme", number)
        assert len(attempts(server, second, "add_tags")) == 1
        contact = next(
            c for c in hubspot_objects(server, "contacts", "phone", "callstate_tags")
            if c["properties"]["phone"] == number
        )  # fmt: skip
        assert "do-not-call" in contact["properties"]["callstate_tags"].split(";")

        # 5. Reassign to Jo from the owner menu, twice: the HubSpot owner changes once.
        number = "+13125550163"
        third, message = flagged_call(server, number)
        block = next(b for b in message["blocks"] if b["type"] == "actions")
        chosen = {
            "type": "block_actions",
            "user": {"id": SAM, "username": "sam.rivera", "name": "sam.rivera"},
            "container": {"type": "message", "message_ts": message["ts"]},
            "actions": [{
                "type": "static_select", "action_id": "review:reassign",
                "block_id": block["block_id"], "action_ts": f"{time.time():.6f}",
                "selected_option": {"text": {"type": "plain_text", "text": "Jo Chen"},
                                    "value": JO},
            }],
        }  # fmt: skip
        assert [deliver_again(server, chosen) for _ in range(2)] == [200, 200]
        eventually(lambda: "Reassigned to Jo Chen by" in json.dumps(reviews_of(server, third)))
        assert len(attempts(server, third, "assign_owner")) == 1
        owners = server.get("/sandbox/hubspot/crm/v3/owners")["results"]
        jo = next(str(o["id"]) for o in owners if o["email"] == JO)
        contact = next(
            c for c in hubspot_objects(server, "contacts", "phone", "hubspot_owner_id")
            if c["properties"]["phone"] == number
        )  # fmt: skip
        assert contact["properties"]["hubspot_owner_id"] == jo
    finally:
        engine.dispose()
