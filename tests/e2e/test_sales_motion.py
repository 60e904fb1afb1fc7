"""Per-audience sales motion, end to end: one lead called by the outbound audience and then
calling in, read back from the HubSpot emulator after each call (examples/acme.yaml)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

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
