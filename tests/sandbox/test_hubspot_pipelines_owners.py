"""Deal pipelines and owners in the HubSpot emulator, through hubspot-api-client 12.0.0 (v3
paths) and httpx (2026-09 paths); every exchange is validated against HubSpot's documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInput
from hubspot.crm.owners import ApiException as OwnersApiException
from hubspot.crm.pipelines import ApiException, PipelineInput, PipelineStageInput
from starlette.types import ASGIApp

from callstate.sandbox.app import mount_vendors
from callstate.sandbox.hubspot import create_hubspot_app
from callstate.sandbox.store import Store
from tests.sandbox.test_hubspot_emulator import AUTH, Spec, official
from tests.vendor_specs import SPECS, validate_all

DEFAULT_STAGES = [
    ("appointmentscheduled", "Appointment Scheduled", "0.2", "false"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", "false"),
    ("presentationscheduled", "Presentation Scheduled", "0.6", "false"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", "false"),
    ("contractsent", "Contract Sent", "0.9", "false"),
    ("closedwon", "Closed Won", "1.0", "true"),
    ("closedlost", "Closed Lost", "0.0", "true"),
]
TEAM = [
    {
        "id": 501,
        "userId": "601",
        "email": "rep.one@acme.test",
        "firstName": "Rep",
        "lastName": "One",
    },
    {
        "id": "502",
        "userId": 602,
        "email": "rep.two@acme.test",
        "firstName": "Rep",
        "lastName": "Two",
    },
    {
        "id": "503",
        "userId": 603,
        "email": "rep.three@acme.test",
        "firstName": "Rep",
        "lastName": "Three",
    },
    {"id": "504", "userId": 604, "email": "gone@acme.test", "archived": True},
]


@pytest.fixture
def clients() -> Iterator[Callable[[str], httpx.Client]]:
    """httpx clients with a token, closed when the test ends (even when it fails)."""
    made: list[httpx.Client] = []

    def make(base_url: str) -> httpx.Client:
        made.append(httpx.Client(base_url=base_url, headers=AUTH, timeout=10))
        return made[-1]

    yield make
    for client in made:
        client.close()


def on_spec_slash_insensitive(base_url: str) -> list[dict[str, Any]]:
    """Recorded exchanges, validated with a trailing `/` dropped from the path: the official
    client lists owners at `/crm/v3/owners/`, the documents at `/crm/v3/owners`."""
    exchanges: list[dict[str, Any]] = httpx.get(f"{base_url}/hubspot/_sandbox/requests").json()
    assert exchanges
    if SPECS.is_dir():
        validate_all("hubspot", [{**e, "path": e["path"].rstrip("/")} for e in exchanges])
    return exchanges


def test_default_pipeline_through_the_official_client(sandbox: str, on_spec: Spec) -> None:
    client: HubSpot = official(sandbox)
    listed = client.crm.pipelines.pipelines_api.get_all(object_type="deals")
    (default,) = listed.results
    assert (default.id, default.label, default.display_order) == ("default", "Sales Pipeline", 0)
    assert [
        (s.id, s.label, s.metadata["probability"], s.metadata["isClosed"]) for s in default.stages
    ] == DEFAULT_STAGES
    assert [s.display_order for s in default.stages] == list(range(7))
    one = client.crm.pipelines.pipelines_api.get_by_id(object_type="0-3", pipeline_id="default")
    assert one.stages[5].id == "closedwon"
    with pytest.raises(ApiException) as caught:
        client.crm.pipelines.pipelines_api.get_by_id(object_type="deals", pipeline_id="nope")
    assert caught.value.status == 404
    on_spec(sandbox, "hubspot")


def test_create_pipeline_and_stage_through_the_official_client(sandbox: str, on_spec: Spec) -> None:
    client: HubSpot = official(sandbox)
    created = client.crm.pipelines.pipelines_api.create(
        object_type="deals",
        pipeline_input=PipelineInput(
            label="Outbound",
            display_order=1,
            stages=[
                PipelineStageInput(
                    label="Booked", display_order=1, metadata={"probability": "0.5"}
                ),
                PipelineStageInput(
                    label="Dialled", display_order=0, metadata={"probability": "0.1"}
                ),
            ],
        ),
    )
    assert [s.label for s in created.stages] == ["Dialled", "Booked"]  # by displayOrder
    stage = client.crm.pipelines.pipeline_stages_api.create(
        object_type="deals",
        pipeline_id=created.id,
        pipeline_stage_input=PipelineStageInput(
            label="Won", display_order=2, metadata={"probability": "1.0", "isClosed": "true"}
        ),
    )
    assert stage.metadata == {"probability": "1.0", "isClosed": "true"}
    again = client.crm.pipelines.pipelines_api.get_by_id(
        object_type="deals", pipeline_id=created.id
    )
    assert [s.id for s in again.stages][-1] == stage.id
    assert [p.id for p in client.crm.pipelines.pipelines_api.get_all("deals").results] == [
        "default",
        created.id,
    ]
    # The new stages are deal stages now: a deal can be placed there.
    deal = httpx.post(
        f"{sandbox}/hubspot/crm/v3/objects/deals",
        json={"properties": {"dealname": "n", "pipeline": created.id, "dealstage": stage.id}},
        headers=AUTH,
    )
    assert deal.status_code == 201
    on_spec(sandbox, "hubspot")


def test_pipeline_rules_on_2026_09_paths(
    sandbox: str, on_spec: Spec, clients: Callable[[str], httpx.Client]
) -> None:
    hub = clients(f"{sandbox}/hubspot/crm/pipelines/2026-09")

    def stage(label: str, **metadata: str) -> dict[str, Any]:
        return {"label": label, "displayOrder": 0, "metadata": metadata}

    no_probability = hub.post(
        "/deals", json={"label": "P", "displayOrder": 0, "stages": [stage("A")]}
    )
    assert no_probability.status_code == 400
    assert "probability" in no_probability.json()["message"]
    off_grid = hub.post(
        "/deals",
        json={"label": "P", "displayOrder": 0, "stages": [stage("A", probability="0.25")]},
    )
    assert off_grid.status_code == 400
    twins = hub.post(
        "/deals",
        json={
            "label": "P",
            "displayOrder": 0,
            "stages": [stage("A", probability="0.1"), stage("A", probability="0.2")],
        },
    )
    assert twins.status_code == 400
    taken = hub.post(
        "/deals",
        json={
            "label": "Sales Pipeline",
            "displayOrder": 0,
            "stages": [stage("A", probability="0.1")],
        },
    )
    assert taken.status_code == 400
    duplicate_stage = hub.post("/deals/default/stages", json=stage("Closed Won", probability="1.0"))
    assert duplicate_stage.status_code == 400
    added = hub.post("/0-3/default/stages", json=stage("Nurture", probability="0.1"))
    assert added.status_code == 201
    stages = hub.get("/deals/default/stages").json()["results"]
    assert stages[0]["label"] == "Appointment Scheduled"
    assert added.json()["id"] in [s["id"] for s in stages]
    assert hub.get(f"/deals/default/stages/{added.json()['id']}").json()["label"] == "Nurture"
    assert hub.get("/contacts").status_code == 400  # only deals have pipelines here
    # dealstage's definition lists every pipeline's stages as options.
    dealstage = httpx.get(
        f"{sandbox}/hubspot/crm/v3/properties/deals/dealstage", headers=AUTH
    ).json()
    options = [(o["value"], o["label"]) for o in dealstage["options"]]
    assert options[:2] == [
        ("appointmentscheduled", "Appointment Scheduled"),
        (added.json()["id"], "Nurture"),
    ]
    assert len(options) == 8
    on_spec(sandbox, "hubspot")


def test_default_pipeline_is_reseeded_on_reset(
    sandbox: str, on_spec: Spec, clients: Callable[[str], httpx.Client]
) -> None:
    hub = clients(f"{sandbox}/hubspot")
    nurture = {"label": "Nurture", "displayOrder": 9, "metadata": {"probability": "0.1"}}
    assert hub.post("/crm/v3/pipelines/deals/default/stages", json=nurture).status_code == 201
    assert len(hub.get("/crm/v3/pipelines/deals/default").json()["stages"]) == 8
    assert httpx.post(f"{sandbox}/_sandbox/reset").status_code == 200
    stages = hub.get("/crm/v3/pipelines/deals/default").json()["stages"]
    assert [s["id"] for s in stages] == [s[0] for s in DEFAULT_STAGES]
    on_spec(sandbox, "hubspot")


def test_default_owners_through_the_official_client(sandbox: str) -> None:
    client: HubSpot = official(sandbox)
    page = client.crm.owners.owners_api.get_page(limit=2)
    assert [(o.id, o.user_id) for o in page.results] == [("75001", 9001), ("75002", 9002)]
    rest = client.crm.owners.owners_api.get_page(limit=2, after=page.paging.next.after)
    assert [o.id for o in rest.results] == ["75003"]
    assert rest.paging is None
    by_email = client.crm.owners.owners_api.get_page(email=page.results[1].email.upper())
    assert [o.id for o in by_email.results] == ["75002"]
    by_user = client.crm.owners.owners_api.get_by_id(owner_id=9003, id_property="userId")
    assert (by_user.id, by_user.type, by_user.archived) == ("75003", "PERSON", False)
    with pytest.raises(OwnersApiException) as caught:
        client.crm.owners.owners_api.get_by_id(owner_id=9003)  # a userId is not an owner id
    assert caught.value.status == 404
    on_spec_slash_insensitive(sandbox)


def test_seeded_owners_replace_the_defaults_and_gate_hubspot_owner_id(
    serve: Callable[[ASGIApp], str], clients: Callable[[str], httpx.Client]
) -> None:
    base = serve(
        mount_vendors(None, {"hubspot": lambda store: create_hubspot_app(store, seed_owners=TEAM)})
    )
    hub = clients(f"{base}/hubspot")
    active = hub.get("/crm/owners/2026-09").json()["results"]
    assert [(o["id"], o["userId"]) for o in active] == [("501", 601), ("502", 602), ("503", 603)]
    archived = hub.get("/crm/v3/owners", params={"archived": "true"}).json()["results"]
    assert [o["id"] for o in archived] == ["504"]
    assert "userId" not in archived[0]  # archived owners keep only userIdIncludingInactive
    assert archived[0]["userIdIncludingInactive"] == 604
    assert hub.get("/crm/v3/owners/504").status_code == 404
    assert hub.get("/crm/v3/owners/504", params={"archived": "true"}).status_code == 200
    assert hub.get("/crm/v3/owners", params={"email": "nobody@acme.test"}).json()["results"] == []

    contact = hub.post("/crm/v3/objects/contacts", json={"properties": {"firstname": "C"}}).json()
    client: HubSpot = official(base)
    assigned = client.crm.contacts.basic_api.update(
        contact["id"], SimplePublicObjectInput(properties={"hubspot_owner_id": "503"})
    )
    assert assigned.properties["hubspot_owner_id"] == "503"
    for stale in ("75001", "504"):  # a default owner (not seeded here), an archived owner
        refused = hub.patch(
            f"/crm/v3/objects/contacts/{contact['id']}",
            json={"properties": {"hubspot_owner_id": stale}},
        )
        assert refused.status_code == 400
        assert "INVALID_OWNER_ID" in refused.json()["message"]
    call = hub.post(
        "/crm/v3/objects/calls",
        json={"properties": {"hs_timestamp": "1732451234000", "hubspot_owner_id": "nobody"}},
    )
    assert call.status_code == 400
    on_spec_slash_insensitive(base)


def test_bad_owner_and_sequence_seeds_fail_at_startup() -> None:
    store = Store()
    try:
        with pytest.raises(ValueError, match="duplicate owner ids"):
            create_hubspot_app(store, seed_owners=[TEAM[0], TEAM[0]])
        with pytest.raises(ValueError, match="userId 9001"):
            create_hubspot_app(
                store, seed_owners=TEAM, seed_sequences=[{"id": "1", "name": "s", "userId": "9001"}]
            )
    finally:
        store.close()
