"""The HubSpot emulator, driven over loopback HTTP by hubspot-api-client 12.0.0 and httpx.

Each test ends by validating every recorded exchange against HubSpot's OpenAPI documents.
One file for the whole emulator (past 400 lines): the cases share fixtures and helpers, and
reading them together shows which HubSpot behaviours the sandbox promises.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInputUpsert,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.objects.calls import AssociationSpec, PublicAssociationsForObject, PublicObjectId
from hubspot.crm.objects.calls import (
    SimplePublicObjectInputForCreate as CallInputForCreate,
)
from starlette.types import ASGIApp

from callstate.sandbox.app import mount_vendors
from callstate.sandbox.hubspot import HubSpotRateLimit, create_hubspot_app
from callstate.sandbox.store import Store
from tests.vendor_specs import require_specs, validate_exchange

AUTH = {"Authorization": "Bearer pat-sandbox"}
Spec = Callable[[str, str], list[dict[str, Any]]]
E164 = "+15551234567"
E164_SEED = {
    "name": "callstate_e164",
    "label": "E.164 phone",
    "type": "string",
    "fieldType": "text",
    "groupName": "contactinformation",
    "hasUniqueValue": True,
}


@pytest.fixture
def hub(sandbox: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sandbox}/hubspot", headers=AUTH, timeout=10) as client:
        yield client


def official(base_url: str) -> HubSpot:
    return HubSpot(access_token="pat-sandbox", host=f"{base_url}/hubspot")


def upsert_body(value: str, **properties: str) -> dict[str, Any]:
    return {"inputs": [{"id": value, "idProperty": "callstate_e164", "properties": properties}]}


def test_official_client_upserts_reads_logs_and_searches(sandbox: str, on_spec: Spec) -> None:
    client = official(sandbox)
    batch = BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(
                id=E164, id_property="callstate_e164", properties={"firstname": "Ada"}
            )
        ]
    )
    first = client.crm.contacts.batch_api.upsert(batch)
    again = client.crm.contacts.batch_api.upsert(batch)
    assert first.results[0].new is True
    assert again.results[0].new is False
    contact_id = first.results[0].id
    assert again.results[0].id == contact_id
    assert first.results[0].properties["callstate_e164"] == E164

    call = client.crm.objects.calls.basic_api.create(
        CallInputForCreate(
            properties={
                "hs_timestamp": "2026-11-24T12:00:00Z",
                "hs_call_direction": "OUTBOUND",
                "hs_call_duration": "61000",
                "callstate_call_key": "call_abc:ended",
            },
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(id=contact_id),
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=194
                        )
                    ],
                )
            ],
        )
    )
    assert call.properties["hs_timestamp"] == "2026-11-24T12:00:00.000Z"

    read = client.crm.contacts.basic_api.get_by_id(
        contact_id, properties=["firstname", "callstate_e164"], associations=["calls"]
    )
    assert read.properties["firstname"] == "Ada"
    assert [a.id for a in read.associations["calls"].results] == [call.id]
    assert read.associations["calls"].results[0].type == "contact_to_call"

    found = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[Filter(property_name="callstate_e164", operator="EQ", value=E164)]
                )
            ],
            properties=["callstate_e164"],
        )
    )
    assert found.total == 1
    assert found.results[0].id == contact_id
    on_spec(sandbox, "hubspot")


def test_2026_09_paths_and_associations(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    created = hub.post(
        "/crm/objects/2026-09/0-1", json={"properties": {"email": "Grace@Example.com"}}
    )
    assert created.status_code == 201
    contact_id = created.json()["id"]
    assert created.json()["properties"]["email"] == "grace@example.com"  # HubSpot lower-cases

    by_email = hub.get(
        "/crm/objects/2026-09/contacts/grace@example.com",
        params={"idProperty": "email", "properties": "email,firstname"},
    )
    assert by_email.status_code == 200
    assert by_email.json()["id"] == contact_id

    patched = hub.patch(
        f"/crm/objects/2026-09/contacts/{contact_id}", json={"properties": {"firstname": "Grace"}}
    )
    assert patched.json()["properties"]["firstname"] == "Grace"

    calls = [
        hub.post(
            "/crm/objects/2026-09/calls",
            json={"properties": {"hs_timestamp": str(1_732_451_234_000 + i)}},
        ).json()["id"]
        for i in range(3)
    ]
    for call_id in calls:
        path = f"/crm/objects/2026-09/contacts/{contact_id}/associations/default/calls/{call_id}"
        assert hub.put(path).status_code == 200
        assert hub.put(path).status_code == 200  # set-like: the repeat adds nothing
    listed = hub.get(f"/crm/v4/objects/contacts/{contact_id}/associations/calls").json()
    assert [r["toObjectId"] for r in listed["results"]] == calls
    assert listed["results"][0]["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 193}
    ]
    back = hub.get(f"/crm/v4/objects/calls/{calls[0]}/associations/contacts").json()
    assert back["results"][0]["associationTypes"][0]["typeId"] == 194

    first_page = hub.get("/crm/v3/objects/calls", params={"limit": 2}).json()
    assert [r["id"] for r in first_page["results"]] == calls[:2]
    after = first_page["paging"]["next"]["after"]
    second_page = hub.get("/crm/v3/objects/calls", params={"limit": 2, "after": after}).json()
    assert [r["id"] for r in second_page["results"]] == calls[2:]
    assert "paging" not in second_page
    on_spec(sandbox, "hubspot")


def test_concurrent_upserts_of_one_phone_make_one_contact(sandbox: str, on_spec: Spec) -> None:
    def upsert(n: int) -> dict[str, Any]:
        response = httpx.post(
            f"{sandbox}/hubspot/crm/v3/objects/contacts/batch/upsert",
            json=upsert_body(E164, firstname=f"caller {n}"),
            headers=AUTH,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()["results"][0]
        return result

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(upsert, range(20)))
    assert sum(r["new"] for r in results) == 1
    assert len({r["id"] for r in results}) == 1
    listed = httpx.get(f"{sandbox}/hubspot/crm/v3/objects/contacts", headers=AUTH).json()
    assert len(listed["results"]) == 1
    on_spec(sandbox, "hubspot")


def test_existing_email_is_a_409_naming_the_contact(sandbox: str, on_spec: Spec) -> None:
    client = official(sandbox)
    first = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "ada@example.com"})
    )
    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "ADA@example.com"})
        )
    assert caught.value.status == 409
    body = httpx.Response(409, content=caught.value.body).json()
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {first.id}"
    on_spec(sandbox, "hubspot")


def test_upsert_rules_non_unique_property_and_duplicates(
    sandbox: str, hub: httpx.Client, on_spec: Spec
) -> None:
    by_phone = hub.post(
        "/crm/v3/objects/contacts/batch/upsert",
        json={"inputs": [{"id": E164, "idProperty": "phone", "properties": {}}]},
    )
    assert by_phone.status_code == 400
    assert by_phone.json()["category"] == "VALIDATION_ERROR"
    assert by_phone.json()["message"] == (
        "Unable to perform update/upsert by non-unique 0-1 property phone"
    )
    no_property = hub.post(
        "/crm/v3/objects/calls/batch/upsert", json={"inputs": [{"id": "x", "properties": {}}]}
    )
    assert no_property.json()["message"].endswith("non-unique 0-48 property hs_object_id")

    twice = {"inputs": [upsert_body(E164)["inputs"][0], upsert_body(E164)["inputs"][0]]}
    duplicate = hub.post("/crm/v3/objects/contacts/batch/upsert", json=twice)
    assert duplicate.status_code == 400
    assert "Duplicate IDs" in duplicate.json()["message"]
    listed = hub.get("/crm/v3/objects/contacts").json()
    assert listed["results"] == []  # a rejected batch writes nothing

    by_email = hub.post(
        "/crm/v3/objects/contacts/batch/upsert",
        json={"inputs": [{"id": "Bo@Example.com", "idProperty": "email", "properties": {}}]},
    )
    assert by_email.json()["results"][0]["properties"]["email"] == "bo@example.com"
    on_spec(sandbox, "hubspot")


def test_property_validation(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    no_timestamp = hub.post("/crm/v3/objects/calls", json={"properties": {"hs_call_title": "x"}})
    assert no_timestamp.status_code == 400
    assert no_timestamp.json()["category"] == "VALIDATION_ERROR"
    assert "hs_timestamp" in no_timestamp.json()["message"]

    unknown = hub.post("/crm/v3/objects/contacts", json={"properties": {"favourite": "tea"}})
    assert unknown.status_code == 400
    assert "PROPERTY_DOESNT_EXIST" in unknown.json()["message"]

    label = hub.post(
        "/crm/v3/objects/calls",
        json={"properties": {"hs_timestamp": "1732451234000", "hs_call_direction": "Outbound"}},
    )
    assert label.status_code == 400
    assert "INVALID_OPTION" in label.json()["message"]

    taken = hub.post("/crm/v3/objects/contacts", json={"properties": {"callstate_e164": E164}})
    other = hub.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Other"}})
    clash = hub.patch(
        f"/crm/v3/objects/contacts/{other.json()['id']}",
        json={"properties": {"callstate_e164": E164}},
    )
    assert taken.status_code == 201
    assert clash.status_code == 400
    assert "INVALID_UNIQUE_VALUE" in clash.json()["message"]
    missing = hub.get("/crm/v3/objects/contacts/999999")
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    on_spec(sandbox, "hubspot")


def test_properties_api(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    listed = hub.get("/crm/v3/properties/contacts").json()["results"]
    seeded = next(p for p in listed if p["name"] == "callstate_e164")
    assert seeded["hasUniqueValue"] is True
    definition = {
        "name": "callstate_outcome",
        "label": "Outcome",
        "type": "enumeration",
        "fieldType": "select",
        "groupName": "callinformation",
        "options": [{"label": "Booked", "value": "booked", "hidden": False, "displayOrder": 0}],
    }
    assert hub.post("/crm/properties/2026-09/0-48", json=definition).status_code == 201
    again = hub.post("/crm/v3/properties/calls", json=definition)
    assert again.status_code == 409
    fetched = hub.get("/crm/v3/properties/calls/callstate_outcome")
    assert fetched.json()["options"][0]["value"] == "booked"
    assert hub.get("/crm/v3/properties/calls/nope").status_code == 404
    on_spec(sandbox, "hubspot")


def test_missing_token_is_401(sandbox: str, on_spec: Spec) -> None:
    response = httpx.get(f"{sandbox}/hubspot/crm/v3/objects/contacts")
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"
    on_spec(sandbox, "hubspot")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


def serve_hubspot(serve: Callable[[ASGIApp], str], **options: Any) -> str:
    seeds = {"contacts": [E164_SEED]}
    return serve(
        mount_vendors(
            None,
            {"hubspot": lambda store: create_hubspot_app(store, seed_properties=seeds, **options)},
        )
    )


def test_search_lags_behind_writes(serve: Callable[[ASGIApp], str], on_spec: Spec) -> None:
    clock = FakeClock()
    base = serve_hubspot(serve, search_lag_seconds=2.0, clock=clock)
    hub = httpx.Client(base_url=f"{base}/hubspot", headers=AUTH)

    def search(value: str) -> int:
        body = {
            "filterGroups": [
                {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": value}]}
            ]
        }
        total: int = hub.post("/crm/v3/objects/contacts/search", json=body).json()["total"]
        return total

    created = hub.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Ada"}})
    assert search("Ada") == 0  # not indexed yet
    assert hub.get(f"/crm/v3/objects/contacts/{created.json()['id']}").status_code == 200
    clock.now += 2.0
    assert search("ada") == 1  # case-insensitive, now indexed
    hub.patch(
        f"/crm/v3/objects/contacts/{created.json()['id']}", json={"properties": {"firstname": "Bo"}}
    )
    assert (search("Ada"), search("Bo")) == (1, 0)  # the index still holds the old value
    clock.now += 2.0
    assert (search("Ada"), search("Bo")) == (0, 1)
    hub.close()
    on_spec(base, "hubspot")


def test_search_lag_with_the_real_clock(make_sandbox: Callable[..., str]) -> None:
    base = make_sandbox(hubspot_search_lag_seconds=0.2)
    url = f"{base}/hubspot/crm/v3/objects/contacts"
    httpx.post(f"{url}/batch/upsert", json=upsert_body(E164), headers=AUTH)
    query = {
        "filterGroups": [
            {"filters": [{"propertyName": "callstate_e164", "operator": "HAS_PROPERTY"}]}
        ]
    }
    assert httpx.post(f"{url}/search", json=query, headers=AUTH).json()["total"] == 0
    time.sleep(0.25)
    assert httpx.post(f"{url}/search", json=query, headers=AUTH).json()["total"] == 1


def test_rate_limit_headers_and_429(serve: Callable[[ASGIApp], str], on_spec: Spec) -> None:
    base = serve_hubspot(serve, rate_limit=HubSpotRateLimit(max_per_interval=2), clock=FakeClock())
    hub = httpx.Client(base_url=f"{base}/hubspot", headers=AUTH)
    first = hub.get("/crm/v3/objects/contacts")
    assert first.headers["X-HubSpot-RateLimit-Max"] == "2"
    assert first.headers["X-HubSpot-RateLimit-Remaining"] == "1"
    assert first.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert "X-HubSpot-RateLimit-Daily-Remaining" in first.headers
    search = hub.post("/crm/v3/objects/contacts/search", json={})
    assert search.status_code == 200
    assert not [h for h in search.headers if h.lower().startswith("x-hubspot-ratelimit")]
    assert hub.get("/crm/v3/objects/contacts").status_code == 200
    limited = hub.get("/crm/v3/objects/contacts")
    assert limited.status_code == 429
    assert limited.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert limited.json()["errorType"] == "RATE_LIMIT"
    hub.close()
    on_spec(base, "hubspot")


def test_programmed_429_leaves_state_alone(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    fault = {
        "method": "POST",
        "path": "/crm/v3/objects/contacts/batch/upsert",
        "times": 2,
        "status": 429,
        "retry_after": 2,
    }
    assert hub.post("/_sandbox/faults", json=fault).status_code == 201
    for _ in range(2):
        refused = hub.post("/crm/v3/objects/contacts/batch/upsert", json=upsert_body(E164))
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "2"
        assert refused.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert hub.get("/crm/v3/objects/contacts").json()["results"] == []
    accepted = hub.post("/crm/v3/objects/contacts/batch/upsert", json=upsert_body(E164))
    assert accepted.json()["results"][0]["new"] is True
    exchanges = on_spec(sandbox, "hubspot")
    assert [e["fault"] for e in exchanges[:2]] == ["status", "status"]


def test_commit_then_drop_writes_but_the_client_sees_a_broken_connection(
    sandbox: str, hub: httpx.Client, on_spec: Spec
) -> None:
    fault = {"mode": "commit_then_drop", "path": "/crm/v3/objects/contacts/batch/upsert"}
    hub.post("/_sandbox/faults", json=fault)
    with pytest.raises(httpx.TransportError):
        hub.post("/crm/v3/objects/contacts/batch/upsert", json=upsert_body(E164, firstname="Ada"))
    stored = hub.get(f"/crm/v3/objects/contacts/{E164}", params={"idProperty": "callstate_e164"})
    assert stored.status_code == 200
    retried = hub.post("/crm/v3/objects/contacts/batch/upsert", json=upsert_body(E164))
    assert retried.json()["results"][0]["new"] is False
    on_spec(sandbox, "hubspot")


def test_delay_fault_clear_and_reset(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    delay = {"mode": "delay", "seconds": 0.2, "path": "/crm/v3/objects/contacts"}
    hub.post("/_sandbox/faults", json=delay)
    started = time.monotonic()
    before = hub.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Ada"}})
    assert time.monotonic() - started >= 0.2
    hub.post("/_sandbox/faults", json={"status": 503, "times": None, "path": "/crm/v3/objects/*"})
    assert [hub.get("/crm/v3/objects/calls").status_code for _ in range(2)] == [503, 503]
    assert len(hub.get("/_sandbox/faults").json()) == 1
    assert hub.delete("/_sandbox/faults").status_code == 204
    assert hub.get("/crm/v3/objects/contacts").status_code == 200
    recorded = on_spec(sandbox, "hubspot")
    assert [e["fault"] for e in recorded] == ["delay", "status", "status", None]
    assert "authorization" not in recorded[0]["headers"]  # tokens never reach the recorder

    assert hub.post("/_sandbox/reset").status_code == 200
    assert hub.get("/crm/v3/objects/contacts").json()["results"] == []
    properties = hub.get("/crm/v3/properties/contacts").json()["results"]
    assert "callstate_e164" in {p["name"] for p in properties}  # seeds survive a reset
    after = hub.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Bo"}})
    assert int(after.json()["id"]) > int(before.json()["id"])  # ids are never reused
    assert [e["path"] for e in on_spec(sandbox, "hubspot")] == [
        "/crm/v3/objects/contacts",
        "/crm/v3/properties/contacts",
        "/crm/v3/objects/contacts",
    ]


def test_file_store_reopened_holds_records(tmp_path: Path) -> None:
    path = tmp_path / "hubspot.sqlite"
    with Store(path).transaction() as tx:
        tx.put("objects:contacts", "1001", {"id": "1001"})
        assert tx.next_value("object_id", start=1001) == 1001
    reopened = Store(path)
    assert reopened.get("objects:contacts", "1001") == {"id": "1001"}
    with reopened.transaction() as tx:
        assert tx.next_value("object_id", start=1001) == 1002
    reopened.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


_SERVER = """
import json, sys
from pathlib import Path
import uvicorn
from callstate.sandbox.app import create_sandbox_app
app = create_sandbox_app(Path(sys.argv[1]), hubspot_properties=json.loads(sys.argv[3]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _start_server(state_dir: Path, port: int) -> subprocess.Popen[bytes]:
    seeds = json.dumps({"contacts": [E164_SEED]})
    process = subprocess.Popen([sys.executable, "-c", _SERVER, str(state_dir), str(port), seeds])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sandbox/vendors", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("sandbox process did not start")


@pytest.mark.slow
def test_write_survives_a_killed_process(tmp_path: Path) -> None:
    port = _free_port()
    process = _start_server(tmp_path, port)
    base = f"http://127.0.0.1:{port}/hubspot/crm/v3/objects/contacts"
    try:
        written = httpx.post(f"{base}/batch/upsert", json=upsert_body(E164), headers=AUTH)
        os.kill(process.pid, signal.SIGKILL)  # right after the acknowledged write
        process.wait(timeout=10)
        contact_id = written.json()["results"][0]["id"]
        process = _start_server(tmp_path, port)
        assert httpx.get(f"{base}/{contact_id}", headers=AUTH).status_code == 200
        again = httpx.post(f"{base}/batch/upsert", json=upsert_body(E164), headers=AUTH)
        assert again.json()["results"][0] == {
            **again.json()["results"][0],
            "id": contact_id,
            "new": False,
        }
    finally:
        process.kill()
        process.wait(timeout=10)


def test_the_validator_catches_off_spec_exchanges(sandbox: str, hub: httpx.Client) -> None:
    require_specs()
    hub.post("/crm/v3/objects/contacts/batch/upsert", json=upsert_body(E164))
    (exchange,) = httpx.get(f"{sandbox}/hubspot/_sandbox/requests").json()
    validate_exchange("hubspot", exchange)

    def rejected(mutate: Callable[[dict[str, Any]], None]) -> str:
        broken = copy.deepcopy(exchange)
        mutate(broken)
        with pytest.raises(AssertionError) as caught:
            validate_exchange("hubspot", broken)
        return str(caught.value)

    def number_property(e: dict[str, Any]) -> None:
        e["response_json"]["results"][0]["properties"]["hs_object_id"] = 1001

    assert "$.results[0].properties.hs_object_id" in rejected(number_property)
    assert "'new' is a required property" in rejected(
        lambda e: e["response_json"]["results"][0].pop("new")
    )
    assert "$.inputs[0]" in rejected(lambda e: e["request_json"]["inputs"][0].pop("id"))
    assert "undocumented query" in rejected(lambda e: e.update(query={"hapikey": ["x"]}))
    assert "no documented operation" in rejected(
        lambda e: e.update(path="/crm/v3/objects/contacts/batch/merge")
    )
