"""Deals (`0-3`) in the HubSpot emulator: CRUD on both path families, upsert by a custom unique
key, search, pipeline/stage validation and associations given inline on create.

Driven over loopback HTTP by hubspot-api-client 12.0.0 and httpx; every test ends by validating
the recorded exchanges against HubSpot's OpenAPI documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.deals import (
    ApiException,
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputUpsert,
    Filter,
    FilterGroup,
    PublicAssociationsForObject,
    PublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from tests.sandbox.test_hubspot_emulator import AUTH, Spec, official

DEAL_KEY = {
    "name": "callstate_deal_key",
    "label": "Deal key (callstate)",
    "type": "string",
    "fieldType": "text",
    "groupName": "dealinformation",
    "hasUniqueValue": True,
}


@pytest.fixture
def hub(sandbox: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sandbox}/hubspot", headers=AUTH, timeout=10) as client:
        yield client


def association(to_id: str, type_id: int) -> dict[str, Any]:
    return {
        "to": {"id": to_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def problems(response: httpx.Response) -> list[dict[str, Any]]:
    """The per-property list HubSpot embeds in `Property values were not valid: [...]`."""
    message: str = response.json()["message"]
    prefix = "Property values were not valid: "
    assert message.startswith(prefix), message
    listed: list[dict[str, Any]] = json.loads(message[len(prefix) :])
    return listed


def test_official_client_creates_upserts_moves_and_searches_deals(
    sandbox: str, on_spec: Spec
) -> None:
    client: HubSpot = official(sandbox)
    assert httpx.post(
        f"{sandbox}/hubspot/crm/v3/properties/deals", json=DEAL_KEY, headers=AUTH
    ).is_success
    contact = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": "ada@example.com"})
    )
    deal = client.crm.deals.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={
                "dealname": "Ada - inbound",
                "dealstage": "appointmentscheduled",
                "amount": "1200",
                "closedate": "2026-12-31",
                "hubspot_owner_id": "75001",
            },
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(id=contact.id),
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=3
                        )
                    ],
                )
            ],
        )
    )
    assert deal.properties["pipeline"] == "default"  # omitted pipeline -> the default one
    assert deal.properties["closedate"] == "2026-12-31T00:00:00.000Z"

    read = client.crm.contacts.basic_api.get_by_id(contact.id, associations=["deals"])
    assert [(a.id, a.type) for a in read.associations["deals"].results] == [
        (deal.id, "contact_to_deal")
    ]
    moved = client.crm.deals.basic_api.update(
        deal.id, SimplePublicObjectInput(properties={"dealstage": "qualifiedtobuy"})
    )
    assert moved.properties["dealstage"] == "qualifiedtobuy"

    batch = BatchInputSimplePublicObjectBatchInputUpsert(
        inputs=[
            SimplePublicObjectBatchInputUpsert(
                id="lead-7:sales",
                id_property="callstate_deal_key",
                properties={"dealname": "Lead 7", "dealstage": "appointmentscheduled"},
            )
        ]
    )
    first = client.crm.deals.batch_api.upsert(batch)
    again = client.crm.deals.batch_api.upsert(batch)
    assert (first.results[0].new, again.results[0].new) == (True, False)
    assert again.results[0].id == first.results[0].id

    found = client.crm.deals.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[
                        Filter(property_name="dealstage", operator="EQ", value="qualifiedtobuy")
                    ]
                )
            ],
            properties=["dealname", "dealstage"],
        )
    )
    assert [r.id for r in found.results] == [deal.id]
    assert found.results[0].properties["dealname"] == "Ada - inbound"
    on_spec(sandbox, "hubspot")


def test_deals_on_2026_09_and_type_id_paths(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    created = hub.post(
        "/crm/objects/2026-09/deals",
        json={"properties": {"dealname": "Grace", "dealstage": "contractsent"}},
    )
    assert created.status_code == 201
    deal_id = created.json()["id"]
    # crm-deals-v3.json spells the paths with the type id; hubspot-api-client with the name.
    by_type_id = hub.get(f"/crm/v3/objects/0-3/{deal_id}", params={"properties": "dealstage"})
    assert by_type_id.json()["properties"]["dealstage"] == "contractsent"
    patched = hub.patch(
        f"/crm/objects/2026-09/0-3/{deal_id}", json={"properties": {"dealstage": "closedwon"}}
    )
    assert patched.json()["properties"]["dealstage"] == "closedwon"
    listed = hub.get("/crm/objects/2026-09/deals").json()["results"]
    assert [d["id"] for d in listed] == [deal_id]
    # What GET returns without `properties=`: the deals' default set.
    assert set(listed[0]["properties"]) == {
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    }
    on_spec(sandbox, "hubspot")


def test_deal_stage_must_belong_to_the_pipeline(
    sandbox: str, hub: httpx.Client, on_spec: Spec
) -> None:
    unknown = hub.post(
        "/crm/v3/objects/deals", json={"properties": {"dealname": "x", "dealstage": "won"}}
    )
    assert unknown.status_code == 400
    assert unknown.json()["category"] == "VALIDATION_ERROR"
    (problem,) = problems(unknown)
    assert (problem["name"], problem["error"]) == ("dealstage", "INVALID_OPTION")
    assert "won is not a valid stage of pipeline default" in problem["message"]
    assert unknown.json()["errors"][0]["context"] == {"propertyName": ["dealstage"]}

    outbound = hub.post(
        "/crm/v3/pipelines/deals",
        json={
            "label": "Outbound",
            "displayOrder": 1,
            "stages": [{"label": "Dialled", "displayOrder": 0, "metadata": {"probability": "0.1"}}],
        },
    ).json()
    dialled = outbound["stages"][0]["id"]
    # A stage of another pipeline is refused until the deal moves pipeline with it.
    deal = hub.post(
        "/crm/v3/objects/deals", json={"properties": {"dealname": "y", "dealstage": "closedwon"}}
    ).json()
    stray = hub.patch(
        f"/crm/v3/objects/deals/{deal['id']}", json={"properties": {"dealstage": dialled}}
    )
    assert stray.status_code == 400
    assert problems(stray)[0]["message"].startswith(f"{dialled} is not a valid stage")
    # Moving the pipeline alone leaves the old stage behind: refused as well.
    alone = hub.patch(
        f"/crm/v3/objects/deals/{deal['id']}", json={"properties": {"pipeline": outbound["id"]}}
    )
    assert alone.status_code == 400
    assert "closedwon is not a valid stage" in problems(alone)[0]["message"]
    both = hub.patch(
        f"/crm/v3/objects/deals/{deal['id']}",
        json={"properties": {"pipeline": outbound["id"], "dealstage": dialled}},
    )
    assert both.status_code == 200
    assert both.json()["properties"]["pipeline"] == outbound["id"]

    no_pipeline = hub.post(
        "/crm/v3/objects/deals", json={"properties": {"dealname": "z", "pipeline": "nope"}}
    )
    assert problems(no_pipeline)[0]["name"] == "pipeline"
    untouched = hub.get(f"/crm/v3/objects/deals/{deal['id']}", params={"properties": "dealstage"})
    assert untouched.json()["properties"]["dealstage"] == dialled
    on_spec(sandbox, "hubspot")


def test_inline_associations_for_calls_and_deals(
    sandbox: str, hub: httpx.Client, on_spec: Spec
) -> None:
    contact = hub.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "Al"}})
    contact_id = contact.json()["id"]
    deal = hub.post(
        "/crm/objects/2026-09/deals",
        json={"properties": {"dealname": "Al"}, "associations": [association(contact_id, 3)]},
    )
    deal_id = deal.json()["id"]
    call = hub.post(
        "/crm/objects/2026-09/calls",
        json={
            "properties": {"hs_timestamp": "2026-11-24T12:00:00Z"},
            "associations": [association(contact_id, 194), association(deal_id, 206)],
        },
    )
    assert call.status_code == 201
    call_id = call.json()["id"]

    def linked(from_type: str, object_id: str, to_type: str) -> list[tuple[str, int]]:
        rows = hub.get(f"/crm/v4/objects/{from_type}/{object_id}/associations/{to_type}")
        return [
            (r["toObjectId"], r["associationTypes"][0]["typeId"]) for r in rows.json()["results"]
        ]

    assert linked("deals", deal_id, "contacts") == [(contact_id, 3)]
    assert linked("contacts", contact_id, "deals") == [(deal_id, 4)]
    assert linked("calls", call_id, "deals") == [(deal_id, 206)]
    assert linked("deals", deal_id, "calls") == [(call_id, 205)]
    read = hub.get(
        f"/crm/v3/objects/deals/{deal_id}", params={"associations": "contacts,calls"}
    ).json()
    assert read["associations"]["calls"]["results"] == [{"id": call_id, "type": "deal_to_call"}]
    assert read["associations"]["contacts"]["results"][0]["type"] == "deal_to_contact"

    wrong_type = hub.post(
        "/crm/v3/objects/deals",
        json={"properties": {"dealname": "x"}, "associations": [association(contact_id, 194)]},
    )
    assert wrong_type.status_code == 400  # 194 is call->contact, not a deal's association
    missing = hub.post(
        "/crm/v3/objects/calls",
        json={
            "properties": {"hs_timestamp": "1732451234000"},
            "associations": [association("999999", 206)],
        },
    )
    assert missing.status_code == 400
    assert len(hub.get("/crm/v3/objects/calls").json()["results"]) == 1  # nothing half-written
    on_spec(sandbox, "hubspot")


def test_unique_deal_key_conflicts_and_owner_validation(
    sandbox: str, hub: httpx.Client, on_spec: Spec
) -> None:
    assert hub.post("/crm/properties/2026-09/deals", json=DEAL_KEY).status_code == 201
    body = {"properties": {"dealname": "a", "callstate_deal_key": "k1"}}
    assert hub.post("/crm/v3/objects/deals", json=body).status_code == 201
    clash = hub.post("/crm/v3/objects/deals", json=body)
    assert clash.status_code == 400
    assert problems(clash)[0]["error"] == "INVALID_UNIQUE_VALUE"
    by_key = hub.get("/crm/v3/objects/deals/k1", params={"idProperty": "callstate_deal_key"})
    assert by_key.status_code == 200

    stranger = hub.patch(
        f"/crm/v3/objects/deals/{by_key.json()['id']}",
        json={"properties": {"hubspot_owner_id": "9001"}},  # a userId, not an owner id
    )
    assert stranger.status_code == 400
    (problem,) = problems(stranger)
    assert (problem["name"], problem["error"]) == ("hubspot_owner_id", "INVALID_OWNER_ID")
    owned = hub.patch(
        f"/crm/v3/objects/deals/{by_key.json()['id']}",
        json={"properties": {"hubspot_owner_id": "75002"}},
    )
    assert owned.json()["properties"]["hubspot_owner_id"] == "75002"
    on_spec(sandbox, "hubspot")


def test_official_client_surfaces_the_stage_error(sandbox: str, on_spec: Spec) -> None:
    client: HubSpot = official(sandbox)
    with pytest.raises(ApiException) as caught:
        client.crm.deals.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"dealname": "x", "dealstage": "Won"})
        )
    assert caught.value.status == 400
    body = json.loads(caught.value.body)
    assert body["category"] == "VALIDATION_ERROR"
    assert "Won is not a valid stage" in body["message"]
    on_spec(sandbox, "hubspot")
