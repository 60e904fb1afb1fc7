"""A meeting booked while the call is live, end to end on the sandbox: the in-call tools book on
the Cal.com emulator, the call's webhooks then settle the CRM around the booking, and a
cancellation made in Cal.com comes back as a signed webhook that moves the deal and tells the
team. Both stores (the `server` fixture runs on each)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from callstate.connectors.retell.signature import sign
from callstate.domain.call import CallStatus
from callstate.sandbox.retell.calls import CallScenario
from tests.e2e.conftest import (
    bodies,
    deliver,
    eventually,
    every_message,
    hubspot_objects,
    scenario,
)
from tests.e2e.server import API_KEY, ServerProcess

pytestmark = pytest.mark.slow
CALCOM = {"authorization": "Bearer sandbox-acme-calcom-api-key", "cal-api-version": "2024-08-13"}


def tool(server: ServerProcess, s: CallScenario, name: str, args: dict[str, Any]) -> Any:
    live = {
        "call_id": s.call_id,
        "agent_id": s.agent_id,
        "call_status": "ongoing",
        "direction": s.direction,
        "from_number": s.from_number,
        "to_number": s.to_number,
    }
    body = json.dumps({"name": name, "call": live, "args": args}).encode()
    response = httpx.post(
        f"{server.base_url}/tools/retell/acme",
        content=body,
        headers={"x-retell-signature": sign(body, API_KEY, int(time.time() * 1000))},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def test_a_meeting_booked_in_the_call_settles_the_crm_and_a_cancellation_moves_it_back(
    server: ServerProcess,
) -> None:
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
        "meeting",
        from_number="+12125550177",
        custom_analysis_data={"homeowner": True, "roof_age_years": 20},
    )

    offer = tool(server, s, "check_availability", {"when": "next week"})
    booked = tool(
        server, s, "book_meeting", {"start": offer["slots"][0]["start"], "name": "Dana Whitfield"}
    )
    assert booked["booked"] is True, booked
    assert deliver(server, *bodies(s).values()) == [204, 204, 204]
    call = server.wait_call(s.call_id, {CallStatus.SETTLED})
    assert call["status"] == "settled"

    # The analysis never said "meeting booked": the calendar did. The host owns the deal.
    deals = hubspot_objects(server, "deals", "dealstage", "hubspot_owner_id")
    assert [d["properties"]["dealstage"] for d in deals] == ["appointmentscheduled"]
    owners = server.get("/sandbox/hubspot/crm/v3/owners")["results"]
    host = next(o for o in owners if o["id"] == deals[0]["properties"]["hubspot_owner_id"])
    assert f"with {host['firstName']} {host['lastName']}" in booked["message"]
    message = next(m for m in every_message(server) if "Meeting booked" in json.dumps(m))
    assert host["firstName"] in json.dumps(message["blocks"])
    assert message["channel"].startswith("D")  # DM'd to the host, who owns the lead

    # The lead cancels in Cal.com: the webhook moves the deal back and tells the team, once.
    uid = httpx.get(
        f"{server.base_url}/sandbox/calcom/v2/bookings", headers=CALCOM, params={"take": 10}
    ).json()["data"][0]["uid"]
    httpx.post(
        f"{server.base_url}/sandbox/calcom/v2/bookings/{uid}/cancel",
        headers=CALCOM,
        json={"cancellationReason": "Found another roofer"},
    ).raise_for_status()

    def moved_back() -> bool:
        stages = [
            d["properties"]["dealstage"] for d in hubspot_objects(server, "deals", "dealstage")
        ]
        return stages == ["qualifiedtobuy"]

    assert eventually(moved_back)
    cancelled = eventually(
        lambda: [m for m in every_message(server) if "Meeting cancelled" in m.get("text", "")]
    )
    assert len(cancelled) == 1
    assert cancelled[0]["thread_ts"] == message["ts"]  # in the call's thread
    contact = hubspot_objects(server, "contacts", "callstate_tags")
    assert "meeting-cancelled" in (contact[0]["properties"]["callstate_tags"] or "")
