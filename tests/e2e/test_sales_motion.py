"""Per-audience sales motion, end to end: one lead called by the outbound audience and then
calling in, read back from the HubSpot emulator after each call (examples/acme.yaml)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from callstate.connectors.retell.signature import sign
from tests.e2e.conftest import bodies, deliver, hubspot_objects, scenario
from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.slow

LEAD = "+14155550160"
PROPERTIES = ("callstate_e164", "callstate_tags", "callstate_last_call_outcome", "hubspot_owner_id")


def outbound(name: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "agent_id": "agent_acme_outbound",
        "direction": "outbound",
        "from_number": "+14155550101",
        "to_number": LEAD,
        "caller_name": None,
        "caller_email": None,
    }
    values.update(overrides)
    return scenario(name, **values)


def run(server: ServerProcess, call: Any) -> dict[str, Any]:
    assert deliver(server, bodies(call)["call_analyzed"]) == [204]
    return server.wait_call(call.call_id, {"settled", "dead_lettered"})


def lead(server: ServerProcess) -> dict[str, Any]:
    contacts = [
        c["properties"]
        for c in hubspot_objects(server, "contacts", *PROPERTIES)
        if c["properties"].get("callstate_e164") == LEAD
    ]
    assert len(contacts) == 1, contacts
    return contacts[0]


def lead_deals(server: ServerProcess) -> list[dict[str, Any]]:
    return [
        d["properties"]
        for d in hubspot_objects(server, "deals", "callstate_deal_key", "dealstage")
        if LEAD in (d["properties"].get("callstate_deal_key") or "")
    ]


def kinds(detail: dict[str, Any], status: str) -> set[str]:
    return {a["kind"] for a in detail["attempts"] if a["status"] == status}


def test_outbound_then_inbound_lead_reads_like_an_sdr_wrote_it(server: ServerProcess) -> None:
    start = datetime.now(UTC) - timedelta(hours=2)
    # 1. Outbound reactivation reaches voicemail: tagged and logged, no deal (voicemail has no
    # stage in the outbound motion), no sequence.
    detail = run(
        server,
        outbound(
            "mo-vm",
            start=start,
            voicemail=True,
            transcript=(("agent", "Hi, this is Acme Roofing calling back about your roof."),),
        ),
    )
    assert detail["status"] == "settled"
    assert "ensure_deal" not in kinds(detail, "succeeded")
    assert lead(server)["callstate_tags"] == "reactivation-voicemail"
    assert lead(server)["callstate_last_call_outcome"] == "voicemail"
    assert lead_deals(server) == []

    # 2. The second attempt connects and books: the deal opens at the booked stage, the owner is
    # the workspace default.
    detail = run(
        server,
        outbound(
            "mo-booked",
            start=start + timedelta(minutes=30),
            custom_analysis_data={"meeting_booked": True},
            transcript=(("agent", "Hi, Acme Roofing here."), ("user", "Sure, book me in.")),
        ),
    )
    assert detail["status"] == "settled"
    assert [d["dealstage"] for d in lead_deals(server)] == ["appointmentscheduled"]
    contact = lead(server)
    assert contact["callstate_tags"] == "reactivation-voicemail"  # no tag for a booking here
    assert contact["hubspot_owner_id"]

    # 3. The lead calls in later and asks not to be called: the inbound motion allows this
    # move backwards to closed lost, tags do-not-call, and the one deal is reused.
    detail = run(
        server,
        scenario(
            "mo-dnc",
            from_number=LEAD,
            start=start + timedelta(minutes=60),
            custom_analysis_data={"do_not_call": True},
        ),
    )
    assert detail["status"] == "settled"
    assert "enroll_sequence" not in kinds(detail, "succeeded")
    assert [d["dealstage"] for d in lead_deals(server)] == ["closedlost"]
    contact = lead(server)
    assert "do-not-call" in contact["callstate_tags"].split(";")
    assert contact["callstate_last_call_outcome"] == "do_not_call"
    assert len(hubspot_objects(server, "calls", "callstate_call_key")) == 3  # one per call


GHL = {"authorization": "Bearer sandbox-summit-ghl-token", "version": "2021-07-28"}


def test_a_gohighlevel_workspace_on_the_same_install_gets_its_own_motion(
    server: ServerProcess,
) -> None:
    """`summit` (examples/summit.yaml) runs on GoHighLevel beside `acme` on HubSpot."""
    caller = "+17205550142"
    call = scenario(
        "ghl-callback",
        agent_id="agent_summit_inbound",
        to_number="+17205550100",
        from_number=caller,
        custom_analysis_data={"callback_requested": True, "homeowner": True, "monthly_bill": 240},
    )
    body = bodies(call)["call_analyzed"]
    url = f"{server.base_url}/webhooks/retell/summit"
    signature = sign(body, "sandbox-summit-retell-api-key", int(time.time() * 1000))
    response = httpx.post(url, content=body, headers={"x-retell-signature": signature})
    assert response.status_code == 204, response.text
    detail = server.wait_call(call.call_id, {"settled", "dead_lettered"}, workspace="summit")
    assert detail["status"] == "settled", detail
    assert "enroll_sequence" in kinds(detail, "succeeded")
    ghl = f"{server.base_url}/sandbox/gohighlevel"
    found = httpx.get(
        f"{ghl}/contacts/search/duplicate",
        params={"locationId": "loc_sandbox_summit", "number": caller},
        headers=GHL,
    ).json()["contact"]
    assert found is not None
    assert "callback" in found["tags"]
    opportunities = httpx.get(
        f"{ghl}/opportunities/search",
        params={"location_id": "loc_sandbox_summit", "contact_id": found["id"]},
        headers=GHL,
    ).json()["opportunities"]
    assert len(opportunities) == 1
    assert opportunities[0]["status"] == "open"
    # Nothing of summit's call reached acme's HubSpot portal.
    assert [
        c for c in hubspot_objects(server, "contacts", "callstate_e164")
        if c["properties"].get("callstate_e164") == caller
    ] == []  # fmt: skip
