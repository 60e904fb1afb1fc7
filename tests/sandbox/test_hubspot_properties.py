"""Property groups, property updates and enumeration validation in the HubSpot emulator, over
hubspot-api-client 12.0.0 and httpx; every exchange is validated against HubSpot's documents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.properties import (
    ApiException,
    OptionInput,
    PropertyCreate,
    PropertyGroupCreate,
    PropertyUpdate,
)

from tests.sandbox.test_hubspot_emulator import AUTH, Spec, official


@pytest.fixture
def hub(sandbox: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sandbox}/hubspot", headers=AUTH, timeout=10) as client:
        yield client


def option(value: str, order: int = 0) -> dict[str, Any]:
    return {"label": value.title(), "value": value, "displayOrder": order, "hidden": False}


def enumeration(name: str, field_type: str, *values: str, group: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": name,
        "type": "enumeration",
        "fieldType": field_type,
        "groupName": group,
        "options": [option(v, i) for i, v in enumerate(values)],
    }


def problems(response: httpx.Response) -> list[tuple[str, str]]:
    """(property, error code) pairs of a `Property values were not valid` 400."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    prefix = "Property values were not valid: "
    assert body["message"].startswith(prefix)
    listed = json.loads(body["message"][len(prefix) :])
    pairs = [(p["name"], p["error"]) for p in listed]
    # The same problems, per field, in `errors[]` (research/crm.md §1.3).
    assert [(e["context"]["propertyName"][0], e["code"]) for e in body["errors"]] == pairs
    return pairs


def test_groups_through_the_official_client(sandbox: str, on_spec: Spec) -> None:
    client: HubSpot = official(sandbox)
    names = [g.name for g in client.crm.properties.groups_api.get_all(object_type="deals").results]
    assert names == ["dealinformation", "deal_activity"]
    created = client.crm.properties.groups_api.create(
        object_type="deals",
        property_group_create=PropertyGroupCreate(
            name="callstate", label="callstate", display_order=5
        ),
    )
    assert (created.name, created.display_order, created.archived) == ("callstate", 5, False)
    read = client.crm.properties.groups_api.get_by_name(object_type="0-3", group_name="callstate")
    assert read.label == "callstate"
    with pytest.raises(ApiException) as duplicate:
        client.crm.properties.groups_api.create(
            object_type="deals",
            property_group_create=PropertyGroupCreate(name="callstate", label="again"),
        )
    assert duplicate.value.status == 409
    with pytest.raises(ApiException) as missing:
        client.crm.properties.groups_api.get_by_name(object_type="deals", group_name="nope")
    assert missing.value.status == 404
    on_spec(sandbox, "hubspot")


def test_groups_on_2026_09_paths(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    builtin = {
        t: [g["name"] for g in hub.get(f"/crm/properties/2026-09/{t}/groups").json()["results"]]
        for t in ("contacts", "calls")
    }
    assert "contactinformation" in builtin["contacts"]
    assert builtin["calls"] == ["callinformation"]
    created = hub.post(
        "/crm/properties/2026-09/contacts/groups", json={"name": "callstate", "label": "CS"}
    )
    assert created.status_code == 201
    assert created.json()["displayOrder"] == -1  # "displayed after any positive values"
    renamed = hub.patch("/crm/properties/2026-09/contacts/groups/callstate", json={"label": "Ours"})
    assert renamed.json()["label"] == "Ours"
    assert hub.get("/crm/v3/properties/contacts/groups/callstate").json()["label"] == "Ours"
    # Groups are per object type.
    assert hub.get("/crm/v3/properties/deals/groups/callstate").status_code == 404
    bad_name = hub.post(
        "/crm/v3/properties/deals/groups", json={"name": "Call State", "label": "x"}
    )
    assert bad_name.status_code == 400
    on_spec(sandbox, "hubspot")


def test_property_needs_an_existing_group(sandbox: str, on_spec: Spec) -> None:
    client: HubSpot = official(sandbox)
    spec = PropertyCreate(
        name="callstate_outcome",
        label="Outcome",
        type="string",
        field_type="text",
        group_name="callstate",
    )
    with pytest.raises(ApiException) as caught:
        client.crm.properties.core_api.create(object_type="deals", property_create=spec)
    assert caught.value.status == 400
    assert "callstate does not exist" in json.loads(caught.value.body)["message"]
    client.crm.properties.groups_api.create(
        object_type="deals", property_group_create=PropertyGroupCreate(name="callstate", label="cs")
    )
    created = client.crm.properties.core_api.create(object_type="deals", property_create=spec)
    assert created.group_name == "callstate"
    on_spec(sandbox, "hubspot")


def test_patch_property_adds_enumeration_options(sandbox: str, on_spec: Spec) -> None:
    client: HubSpot = official(sandbox)
    hub = httpx.Client(base_url=f"{sandbox}/hubspot", headers=AUTH, timeout=10)
    with hub:
        definition = enumeration("callstate_outcome", "select", "booked", group="callinformation")
        assert hub.post("/crm/v3/properties/calls", json=definition).status_code == 201
        call = {"hs_timestamp": "1732451234000", "callstate_outcome": "voicemail"}
        assert problems(hub.post("/crm/v3/objects/calls", json={"properties": call})) == [
            ("callstate_outcome", "INVALID_OPTION")
        ]
        updated = client.crm.properties.core_api.update(
            object_type="calls",
            property_name="callstate_outcome",
            property_update=PropertyUpdate(
                options=[
                    OptionInput(label="Booked", value="booked", hidden=False, display_order=0),
                    OptionInput(
                        label="Voicemail", value="voicemail", hidden=False, display_order=1
                    ),
                ]
            ),
        )
        assert [o.value for o in updated.options] == ["booked", "voicemail"]
        assert hub.post("/crm/v3/objects/calls", json={"properties": call}).status_code == 201

        label = hub.patch(
            "/crm/properties/2026-09/calls/callstate_outcome", json={"label": "Result"}
        )
        assert label.json()["label"] == "Result"
        assert label.json()["options"][1]["value"] == "voicemail"  # untouched fields stay
        builtin = hub.patch("/crm/v3/properties/contacts/firstname", json={"label": "Given name"})
        assert builtin.status_code == 400  # HubSpot-defined: readOnlyDefinition
        stages = hub.patch("/crm/v3/properties/deals/dealstage", json={"options": [option("won")]})
        assert stages.status_code == 400  # stages are managed through the pipelines API
        elsewhere = hub.patch(
            "/crm/v3/properties/calls/callstate_outcome", json={"groupName": "nowhere"}
        )
        assert elsewhere.status_code == 400
        emptied = hub.patch("/crm/v3/properties/calls/callstate_outcome", json={"options": []})
        assert emptied.status_code == 400  # an enumeration needs options
        assert hub.patch("/crm/v3/properties/calls/nope", json={"label": "x"}).status_code == 404
    on_spec(sandbox, "hubspot")


def test_enumeration_values_are_validated(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    group = "contactinformation"
    for definition in (
        enumeration("callstate_tags", "checkbox", "hot", "booked", "dnc", group=group),
        enumeration("callstate_tier", "select", "gold", "silver", group=group),
        {
            "name": "callstate_vip",
            "label": "VIP",
            "type": "bool",
            "fieldType": "booleancheckbox",
            "groupName": group,
            "options": [option("true", 0), option("false", 1)],
        },
    ):
        assert hub.post("/crm/v3/properties/contacts", json=definition).status_code == 201

    def write(**values: str) -> httpx.Response:
        return hub.post("/crm/v3/objects/contacts", json={"properties": values})

    ok = write(callstate_tags="hot;booked", callstate_tier="gold", callstate_vip="true")
    assert ok.status_code == 201
    assert ok.json()["properties"]["callstate_tags"] == "hot;booked"
    assert problems(write(callstate_tags="hot;warm")) == [("callstate_tags", "INVALID_OPTION")]
    assert "warm was not one of the allowed options" in write(callstate_tags="hot;warm").text
    # A single select takes one value whole: `;` does not make it multi-valued.
    assert problems(write(callstate_tier="gold;silver")) == [("callstate_tier", "INVALID_OPTION")]
    # Labels are not values; every bad field is reported at once.
    assert problems(write(callstate_tier="Gold", lifecyclestage="Lead", callstate_vip="yes")) == [
        ("callstate_tier", "INVALID_OPTION"),
        ("lifecyclestage", "INVALID_OPTION"),
        ("callstate_vip", "INVALID_BOOLEAN"),
    ]
    assert problems(write(dealtype="newbusiness")) == [("dealtype", "PROPERTY_DOESNT_EXIST")]
    contact_id = ok.json()["id"]
    cleared = hub.patch(
        f"/crm/v3/objects/contacts/{contact_id}", json={"properties": {"callstate_tags": ""}}
    )
    assert "callstate_tags" not in cleared.json()["properties"]
    deal = hub.post(
        "/crm/v3/objects/deals", json={"properties": {"dealname": "d", "dealtype": "New Business"}}
    )
    assert problems(deal) == [("dealtype", "INVALID_OPTION")]
    on_spec(sandbox, "hubspot")
