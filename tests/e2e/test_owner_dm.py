"""Owner notifications end to end on the sandbox: an analysed call is DM'd to its owner; a later
Cal.com change of the call's meeting replies in that DM's thread and rewrites the parent; a
Slack outage never holds back the CRM, and the DM arrives once when Slack is back. Both stores
(the `server` fixture runs on each)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import httpx
import pytest

from callstate.connectors.slack.blocks import local_time
from callstate.domain.call import CallStatus
from tests.e2e.conftest import (
    bodies,
    deliver,
    dm_channel,
    dm_messages,
    eventually,
    every_message,
    hubspot_objects,
    message_key,
    scenario,
    slack_messages,
    thread_replies,
)
from tests.e2e.server import ServerProcess
from tests.e2e.test_meetings import CALCOM, tool

pytestmark = pytest.mark.slow

SAM = "sam.rivera@acme-roofing.test"  # examples/acme.yaml: the default owner
CRM_KINDS = {"upsert_contact", "set_fields", "ensure_deal", "assign_owner", "add_tags", "log_call"}


def _detail(server: ServerProcess, call_id: str) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/api/calls/acme/retell/{call_id}", timeout=10)
    return dict(response.json()) if response.status_code == 200 else {"attempts": []}


def _fault(server: ServerProcess, **spec: Any) -> None:
    response = httpx.post(f"{server.base_url}/sandbox/slack/_sandbox/faults", json=spec)
    assert response.status_code < 300, response.text


def _logged(server: ServerProcess, call_id: str) -> list[Any]:
    return [
        c
        for c in hubspot_objects(server, "calls", "callstate_call_key")
        if call_id in (c["properties"].get("callstate_call_key") or "")
    ]


def test_an_analysed_call_is_dmed_to_its_owner(server: ServerProcess) -> None:
    call = scenario(
        "dm",
        from_number="+14155550161",
        custom_analysis_data={"homeowner": True, "roof_age_years": 20, "company": "Whitfield LLC"},
    )
    deliver(server, bodies(call)["call_analyzed"])
    detail = server.wait_call(call.call_id, {CallStatus.SETTLED})
    [notice] = [a for a in detail["attempts"] if a["kind"] == "notify_owner"]
    assert notice["vendor_ids"]["facts"]["delivered"] == "dm"
    [message] = [m for m in dm_messages(server, SAM) if call.call_id in message_key(m)]
    shown = json.dumps(message["blocks"])
    for fact in ("Dana Whitfield", "+14155550161", "Whitfield LLC", "Storm damage"):
        assert fact in shown, fact
    assert "Contact in CRM" in shown and "Call log" in shown
    assert not [m for m in slack_messages(server) if call.call_id in message_key(m)]


def _booked_in_call(server: ServerProcess, name: str, phone: str) -> tuple[Any, str, str]:
    """A call that books the first slot next week through the in-call tools (Cal.com sends
    its changes to callstate); returns the scenario, the booked start and a later slot."""
    httpx.post(
        f"{server.base_url}/sandbox/calcom/v2/webhooks",
        headers=CALCOM,
        json={
            "subscriberUrl": f"{server.base_url}/webhooks/calcom/acme",
            "triggers": ["BOOKING_CREATED", "BOOKING_CANCELLED", "BOOKING_RESCHEDULED"],
            "secret": "sandbox-acme-calcom-webhook-secret",
        },
    ).raise_for_status()
    s = scenario(
        name, from_number=phone, custom_analysis_data={"homeowner": True, "roof_age_years": 20}
    )
    offer = tool(server, s, "check_availability", {"when": "next week"})
    first, later = offer["slots"][0]["start"], offer["slots"][-1]["start"]
    booked = tool(server, s, "book_meeting", {"start": first, "name": "Dana Whitfield"})
    assert booked["booked"] is True, booked
    return s, first, later


def _reschedule(server: ServerProcess, start: str) -> None:
    uid = httpx.get(
        f"{server.base_url}/sandbox/calcom/v2/bookings", headers=CALCOM, params={"take": 10}
    ).json()["data"][0]["uid"]
    httpx.post(
        f"{server.base_url}/sandbox/calcom/v2/bookings/{uid}/reschedule",
        headers=CALCOM,
        json={"start": start, "reschedulingReason": "Works better for me"},
    ).raise_for_status()


def _top_level(server: ServerProcess, channel: str) -> list[Any]:
    return [
        m
        for m in every_message(server)
        if m["channel"] == channel and m.get("thread_ts", m["ts"]) == m["ts"]
    ]


def _change_attempts(server: ServerProcess, call_id: str, kind: str) -> list[Any]:
    attempts = _detail(server, call_id)["attempts"]
    return [a for a in attempts if a["kind"] == kind and ":change:" in a["key"]]


def test_a_meeting_change_replies_in_the_calls_thread_and_updates_the_parent(
    server: ServerProcess,
) -> None:
    s, first, later = _booked_in_call(server, "dm-thread", "+12125550178")
    deliver(server, *bodies(s).values())
    server.wait_call(s.call_id, {CallStatus.SETTLED})
    [parent] = [m for m in every_message(server) if message_key(m).endswith(":notify_owner")]
    assert s.call_id in message_key(parent) and parent["channel"].startswith("D")
    assert "Meeting booked" in json.dumps(parent["blocks"])

    _reschedule(server, later)

    replies = eventually(lambda: thread_replies(server, parent["channel"], parent["ts"]))
    assert len(replies) == 1, replies
    assert "Meeting moved" in json.dumps(replies[0]["blocks"])
    tops = [m for m in every_message(server) if m["channel"] == parent["channel"]]
    assert [m["ts"] for m in _top_level(server, parent["channel"])] == [
        parent["ts"]
    ]  # no second top-level message
    [rewritten] = [m for m in tops if m["ts"] == parent["ts"]]
    assert rewritten.get("edited") and rewritten["blocks"] != parent["blocks"]
    line = next(b for b in rewritten["blocks"] if ":calendar:" in json.dumps(b))["text"]["text"]
    zones = ("America/New_York", "America/Chicago")  # the host's zone (Sam's is the workspace's)
    assert any(local_time(_utc(later), zone) in line for zone in zones), line
    assert not any(local_time(_utc(first), zone) in line for zone in zones), line


def _utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_slack_down_does_not_hold_back_the_crm_and_the_dm_arrives_once(
    server: ServerProcess,
) -> None:
    _fault(server, method="POST", path="/api/chat.postMessage", status=429, retry_after=1)
    _fault(server, method="POST", path="/api/chat.postMessage", status=503, times=None)
    call = scenario("dm-503", from_number="+14155550162")
    deliver(server, bodies(call)["call_analyzed"])

    def failing_twice() -> list[Any]:
        tries = [
            a for a in _detail(server, call.call_id)["attempts"] if a["kind"] == "notify_owner"
        ]
        return tries if len(tries) >= 2 else []

    assert eventually(failing_twice)
    # Slack is still down: the CRM is already written, the DM is not sent.
    assert len(_logged(server, call.call_id)) == 1
    assert [m for m in every_message(server) if call.call_id in message_key(m)] == []
    httpx.delete(f"{server.base_url}/sandbox/slack/_sandbox/faults").raise_for_status()

    detail = server.wait_call(call.call_id, {CallStatus.SETTLED})
    attempts = detail["attempts"]
    statuses = [a["status"] for a in attempts if a["kind"] == "notify_owner"]
    assert statuses[0] == "rate_limited" and statuses[-1] == "succeeded"
    assert set(statuses[1:-1]) == {"transient_error"}
    first_chat = min(a["started_at"] for a in attempts if a["kind"] == "notify_owner")
    crm = [a for a in attempts if a["kind"] in CRM_KINDS]
    assert crm and all(a["started_at"] < first_chat for a in crm)
    assert all(a["status"] == "succeeded" for a in crm)
    keyed = [m for m in every_message(server) if call.call_id in message_key(m)]
    assert len(keyed) == 1 and keyed[0]["channel"] == dm_channel(server, SAM)


def test_a_change_while_the_dm_is_retried_waits_and_replies_in_its_thread(
    server: ServerProcess,
) -> None:
    """Slack is down when the call is analysed, and the meeting moves meanwhile: the change's
    CRM work is done at once, its message waits for the call's DM and replies in its thread."""
    s, _, later = _booked_in_call(server, "dm-wait", "+12125550179")
    _fault(server, method="POST", path="/api/chat.postMessage", status=503, times=None)
    deliver(server, *bodies(s).values())
    assert eventually(lambda: [a for a in _detail(server, s.call_id)["attempts"]
                               if a["kind"] == "notify_owner"])  # fmt: skip
    _reschedule(server, later)
    assert eventually(lambda: _change_attempts(server, s.call_id, "upsert_contact"))
    time.sleep(1.0)  # the change is waiting now, not posting
    assert _change_attempts(server, s.call_id, "notify_meeting") == []
    httpx.delete(f"{server.base_url}/sandbox/slack/_sandbox/faults").raise_for_status()

    server.wait_call(s.call_id, {CallStatus.SETTLED})
    [parent] = [m for m in every_message(server) if message_key(m).endswith(":notify_owner")]
    replies = eventually(lambda: thread_replies(server, parent["channel"], parent["ts"]))
    assert len(replies) == 1 and "Meeting moved" in json.dumps(replies[0]["blocks"]), replies
    assert [m["ts"] for m in _top_level(server, parent["channel"])] == [parent["ts"]]
    [told] = _change_attempts(server, s.call_id, "notify_meeting")
    assert told["status"] == "succeeded" and told["vendor_ids"]["facts"]["delivered"] == "thread"


def test_a_change_stops_waiting_for_a_call_that_is_not_analysed(
    server_factory: ServerProcess,
) -> None:
    """No analysis comes within `CALLSTATE_THREAD_WAIT_SECONDS`: the change is DM'd to the
    host on its own rather than never."""
    server = server_factory.start(CALLSTATE_THREAD_WAIT_SECONDS="3")
    s, _, later = _booked_in_call(server, "dm-no-analysis", "+12125550180")
    deliver(server, bodies(s)["call_started"], bodies(s)["call_ended"])
    _reschedule(server, later)
    [told] = eventually(lambda: _change_attempts(server, s.call_id, "notify_meeting"), 30)
    assert told["status"] == "succeeded" and told["vendor_ids"]["facts"]["delivered"] == "dm"
    [message] = [m for m in every_message(server) if message_key(m) == told["key"]]
    assert "Meeting moved" in json.dumps(message["blocks"])
    assert message.get("thread_ts", message["ts"]) == message["ts"]  # top-level: no thread yet
