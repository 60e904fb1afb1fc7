"""Sequences in the HubSpot emulator (automation v4 and 2026-09): list, read, enrol, enrolment
status, and a portal whose tier lacks sequences. hubspot-api-client 12.0.0 has no sequences
API, so httpx drives it; every exchange is validated against HubSpot's documents."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from callstate.sandbox.app import mount_vendors
from callstate.sandbox.hubspot import create_hubspot_app
from tests.sandbox.test_hubspot_emulator import AUTH, Spec

V4 = "/automation/v4/sequences"
V2026 = "/automation/sequences/2026-09"
ADA = {"userId": "9001"}  # the first default owner: owner id 75001, ada.rep@example.com


@pytest.fixture
def hub(sandbox: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sandbox}/hubspot", headers=AUTH, timeout=10) as client:
        yield client


def contact(hub: httpx.Client, **properties: str) -> str:
    created = hub.post("/crm/v3/objects/contacts", json={"properties": properties})
    assert created.status_code == 201
    contact_id: str = created.json()["id"]
    return contact_id


def enrolment(contact_id: str, sequence_id: str = "610001", **extra: str) -> dict[str, Any]:
    return {
        "contactId": contact_id,
        "sequenceId": sequence_id,
        "senderEmail": "ada.rep@example.com",
        **extra,
    }


def test_list_and_read_sequences(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    listed = hub.get(V4, params=ADA).json()
    assert listed["total"] == 2
    assert [(s["id"], s["userId"]) for s in listed["results"]] == [
        ("610001", "9001"),
        ("610002", "9002"),
    ]
    page = hub.get(V2026, params={**ADA, "limit": 1}).json()
    assert [s["id"] for s in page["results"]] == ["610001"]
    assert page["paging"]["next"]["after"] == "1"
    named = hub.get(V4, params={**ADA, "name": "no-show"}).json()
    assert [s["name"] for s in named["results"]] == ["Demo no-show"]
    one = hub.get(f"{V2026}/610001", params=ADA).json()
    assert [step["actionType"] for step in one["steps"]] == ["EMAIL", "TASK"]
    assert hub.get(f"{V4}/999", params=ADA).status_code == 404
    assert hub.get(V4, params={"userId": "75001"}).status_code == 400  # an owner id, not a user
    assert hub.get(V4).status_code == 400  # userId is required
    on_spec(sandbox, "hubspot")


def test_enrol_once_and_read_the_enrolment(sandbox: str, hub: httpx.Client, on_spec: Spec) -> None:
    ada = contact(hub, email="lead@example.com", firstname="Lead")
    assert hub.get(f"{V4}/enrollments/contact/{ada}").status_code == 404  # not enrolled yet
    enrolled = hub.post(f"{V4}/enrollments", params=ADA, json=enrolment(ada))
    assert enrolled.status_code == 200
    assert enrolled.json()["toEmail"] == "lead@example.com"
    status = hub.get(f"{V2026}/enrollments/contact/{ada}").json()
    assert status == {
        **status,
        "id": enrolled.json()["id"],
        "sequenceId": "610001",
        "sequenceName": "Missed call follow-up",
        "enrolledBy": "9001",
        "enrolledByEmail": "ada.rep@example.com",
    }
    for again in (enrolment(ada), enrolment(ada, "610002")):
        # One sequence at a time (HubSpot KB: ALREADY_ENROLLED); the exact status is unverified.
        refused = hub.post(f"{V2026}/enrollments", params=ADA, json=again)
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["code"] == "ALREADY_ENROLLED"
    assert hub.get(f"{V4}/enrollments/contact/{ada}").json()["id"] == enrolled.json()["id"]
    on_spec(sandbox, "hubspot")


def test_enrolment_checks_user_sender_contact_and_sequence(
    sandbox: str, hub: httpx.Client, on_spec: Spec
) -> None:
    lead = contact(hub, email="lead@example.com")
    no_email = contact(hub, firstname="Phone only")
    cases = [
        ({"userId": "9002"}, enrolment(lead)),  # Grace's user id, Ada's inbox
        ({"userId": "1"}, enrolment(lead)),  # not a user of the portal
        (ADA, enrolment(lead, senderEmail="someone@example.com")),
        (ADA, enrolment(no_email)),  # sequences send email
        (ADA, enrolment("999999")),
        (ADA, enrolment(lead, "123")),
    ]
    for params, body in cases:
        refused = hub.post(f"{V4}/enrollments", params=params, json=body)
        assert refused.status_code == 400, (params, body, refused.text)
        assert refused.json()["category"] == "VALIDATION_ERROR"
    assert hub.get(f"{V4}/enrollments/contact/{lead}").status_code == 404  # nothing enrolled
    case_insensitive = enrolment(lead, senderEmail="Ada.Rep@Example.com")
    assert hub.post(f"{V4}/enrollments", params=ADA, json=case_insensitive).status_code == 200
    on_spec(sandbox, "hubspot")


def test_a_starter_portal_has_no_sequences(serve: Callable[[ASGIApp], str], on_spec: Spec) -> None:
    base = serve(
        mount_vendors(
            None,
            {"hubspot": lambda store: create_hubspot_app(store, sequences_enabled=False)},
        )
    )
    with httpx.Client(base_url=f"{base}/hubspot", headers=AUTH, timeout=10) as hub:
        lead = contact(hub, email="lead@example.com")
        refused = hub.post(f"{V4}/enrollments", params=ADA, json=enrolment(lead))
        assert refused.status_code == 403
        assert refused.json()["category"] == "MISSING_SCOPES"
        assert "tier does not include sequences" in refused.json()["message"]
        assert hub.get(V2026, params=ADA).status_code == 403
        assert hub.get(f"{V4}/610001", params=ADA).status_code == 403
        assert hub.get(f"{V4}/enrollments/contact/{lead}").status_code == 403
    on_spec(base, "hubspot")


def test_enrolments_survive_a_restart(
    tmp_path: Path, make_sandbox: Callable[..., str], on_spec: Spec
) -> None:
    first = make_sandbox(tmp_path)
    with httpx.Client(base_url=f"{first}/hubspot", headers=AUTH, timeout=10) as hub:
        lead = contact(hub, email="lead@example.com")
        enrolled = hub.post(f"{V4}/enrollments", params=ADA, json=enrolment(lead)).json()
    on_spec(first, "hubspot")
    second = make_sandbox(tmp_path)  # a second process over the same state directory
    with httpx.Client(base_url=f"{second}/hubspot", headers=AUTH, timeout=10) as hub:
        assert hub.get(f"{V4}/enrollments/contact/{lead}").json()["id"] == enrolled["id"]
        assert httpx.post(f"{second}/_sandbox/reset").status_code == 200
        assert hub.get(f"{V4}/enrollments/contact/{lead}").status_code == 404
        assert hub.get(V4, params=ADA).json()["total"] == 2  # seeds come back after a reset
    on_spec(second, "hubspot")
