"""A signed Retell call becomes one contact, one call record and one Slack message, whatever the
deliveries look like: duplicated, concurrent, out of order, or interrupted by SIGKILL."""

from __future__ import annotations

import pytest

from callstate.domain.ids import workflow_id
from tests.e2e.conftest import (
    bodies,
    deliver,
    every_message,
    exchanges,
    hubspot_objects,
    message_key,
    scenario,
    workflow_count,
)
from tests.e2e.server import ServerProcess
from tests.vendor_specs import validate_all

pytestmark = pytest.mark.slow


def assert_one_of_each(server: ServerProcess, call_id: str, phone: str) -> None:
    contacts = [
        c
        for c in hubspot_objects(server, "contacts", "phone", "callstate_e164")
        if c["properties"].get("callstate_e164") == phone
    ]
    assert len(contacts) == 1, contacts
    calls = [
        c
        for c in hubspot_objects(server, "calls", "callstate_call_key")
        if call_id in (c["properties"].get("callstate_call_key") or "")
    ]
    assert len(calls) == 1, calls
    keyed = [m for m in every_message(server) if call_id in message_key(m)]
    assert len(keyed) == 1, keyed  # the owner's DM


def assert_exchanges_match_specs(server: ServerProcess) -> None:
    for vendor in ("hubspot", "slack"):
        recorded = exchanges(server, vendor)
        assert recorded, f"no {vendor} traffic recorded"
        validate_all(vendor, recorded)


def test_five_concurrent_duplicates_run_once(server: ServerProcess) -> None:
    call = scenario("dup5")
    payloads = bodies(call)
    assert deliver(server, payloads["call_started"], payloads["call_ended"]) == [204, 204]
    assert deliver(server, *[payloads["call_analyzed"]] * 5, concurrently=True) == [204] * 5
    detail = server.wait_call(call.call_id, {"settled"})
    assert sorted(detail["events"]) == ["call_analyzed", "call_ended", "call_started"]
    succeeded = [a["kind"] for a in detail["attempts"] if a["status"] == "succeeded"]
    assert sorted(succeeded) == [
        "add_tags", "assign_owner", "ensure_deal", "log_call", "notify_owner", "set_fields",
        "upsert_contact",
    ]  # fmt: skip
    key = f"acme:retell:{call.call_id}:call_analyzed"
    assert workflow_count(server, workflow_id(key)) == 1
    assert_one_of_each(server, call.call_id, "+14155550142")
    assert_exchanges_match_specs(server)


def test_out_of_order_without_call_started_gives_the_same_result(server: ServerProcess) -> None:
    call = scenario("ooo", from_number="+14155550177", caller_email=None)
    payloads = bodies(call)
    assert deliver(server, payloads["call_analyzed"], payloads["call_ended"]) == [204, 204]
    detail = server.wait_call(call.call_id, {"settled"})
    assert sorted(detail["events"]) == ["call_analyzed", "call_ended"]
    assert_one_of_each(server, call.call_id, "+14155550177")


def test_two_calls_from_one_new_number_make_one_contact(server: ServerProcess) -> None:
    first = scenario("same-a", from_number="+14155550188")
    second = scenario("same-b", from_number="+14155550188", caller_name="Dana W.")
    deliver(
        server,
        bodies(first)["call_analyzed"],
        bodies(second)["call_analyzed"],
        concurrently=True,
    )
    server.wait_call(first.call_id, {"settled"})
    server.wait_call(second.call_id, {"settled"})
    contacts = [
        c
        for c in hubspot_objects(server, "contacts", "callstate_e164")
        if c["properties"].get("callstate_e164") == "+14155550188"
    ]
    assert len(contacts) == 1
    deals = [
        d
        for d in hubspot_objects(server, "deals", "callstate_deal_key")
        if "+14155550188" in (d["properties"].get("callstate_deal_key") or "")
    ]
    assert len(deals) == 1, deals


def test_sigkill_after_upsert_before_checkpoint_recovers_once(
    server_factory: ServerProcess,
) -> None:
    server = server_factory.start(CALLSTATE_FAULT="after_effect:upsert_contact")
    call = scenario("kill", from_number="+14155550199")
    assert deliver(server, bodies(call)["call_analyzed"]) == [204]
    assert server.wait_exit() == -9  # killed by the fault point, mid-workflow
    server.start()  # same data directory and database, no fault this time
    detail = server.wait_call(call.call_id, {"settled"})
    upserts = [a for a in detail["attempts"] if a["kind"] == "upsert_contact"]
    # The first attempt reached HubSpot but was never recorded as done; the step ran again.
    assert [a["status"] for a in upserts] == ["started", "succeeded"]
    assert_one_of_each(server, call.call_id, "+14155550199")
