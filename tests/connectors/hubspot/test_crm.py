"""`HubSpotCrm` against the HubSpot emulator: every effect, repeated, raced and refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from callstate.config.model import HubSpotConfig, SalesMotion
from callstate.connectors.errors import Permanent, Unsupported
from callstate.connectors.hubspot.crm import HubSpotCrm
from callstate.connectors.hubspot.schema import required_properties
from callstate.connectors.ports import ObjectRef
from callstate.domain.effects import (
    AddTags,
    AssignOwner,
    EnrollSequence,
    EnsureDeal,
    SetFields,
    UpsertContact,
)
from callstate.domain.outcome import Outcome
from tests.domain.builders import audience

CONFIG = HubSpotConfig.model_validate(
    {"token": "${HUBSPOT_TOKEN}"}, context={"env": {}, "sandbox": True}
)
MOTION = SalesMotion(tags={Outcome.MEETING_BOOKED: ("hot-lead", "booked")})
PHONE = "+14155550142"


@pytest.fixture
def hubspot(make_sandbox: Callable[..., str]) -> str:
    seeds = required_properties(CONFIG, [audience(crm=MOTION)])
    return make_sandbox(hubspot_properties=seeds) + "/hubspot"


@pytest.fixture
def crm(hubspot: str) -> Iterator[HubSpotCrm]:
    client = HubSpotCrm(CONFIG, base_url=hubspot, sleep=lambda _: None)
    yield client
    client.close()


def contact(crm: HubSpotCrm, email: str | None = "dana@example.com") -> ObjectRef:
    return crm.upsert_contact(UpsertContact(key="k:c", phone=PHONE, name="Dana W", email=email))


def read(hubspot: str, type_name: str, object_id: str, *names: str) -> dict[str, Any]:
    response = httpx.get(
        f"{hubspot}/crm/v3/objects/{type_name}/{object_id}",
        params={"properties": ",".join(names)},
        headers={"authorization": "Bearer x"},
    )
    response.raise_for_status()
    properties: dict[str, Any] = response.json()["properties"]
    return properties


def owners(hubspot: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{hubspot}/crm/v3/owners", headers={"authorization": "Bearer x"})
    response.raise_for_status()
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def deal(stage: str, *, backwards: bool = False) -> EnsureDeal:
    return EnsureDeal(
        key="k:d",
        contact="k:c",
        deal_key=f"acme:deal:{PHONE}:default",
        pipeline="default",
        stage=stage,
        name="Dana W: Inbound",
        allow_backwards=backwards,
        outcome=Outcome.QUALIFIED,
    )


def test_fields_are_written_in_hubspot_formats(crm: HubSpotCrm, hubspot: str) -> None:
    person = contact(crm)
    at = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    values = {"icp_score": 80, "do_not_call": False, "last_call_at": at, "budget": "20k"}
    crm.set_fields(SetFields(key="k:f", contact="k:c", values=values), person)
    crm.set_fields(SetFields(key="k:f", contact="k:c", values=values), person)  # a repeat
    got = read(hubspot, "contacts", person.object_id, *(f"callstate_{n}" for n in values))
    assert got["callstate_icp_score"] == "80"
    assert got["callstate_do_not_call"] == "false"
    assert got["callstate_last_call_at"].startswith("2026-11-24T15:30:00")
    assert got["callstate_budget"] == "20k"


def test_an_invalid_value_is_a_permanent_error_with_hubspots_reason(crm: HubSpotCrm) -> None:
    person = contact(crm)
    bad = SetFields(key="k:f", contact="k:c", values={"consent": "maybe"})
    with pytest.raises(Permanent, match=r"INVALID_OPTION|not valid"):
        crm.set_fields(bad, person)


def test_one_deal_per_lead_and_it_never_moves_backwards(crm: HubSpotCrm, hubspot: str) -> None:
    person = contact(crm)
    first = crm.ensure_deal(deal("qualifiedtobuy"), person)
    assert first.facts == {"stage": "qualifiedtobuy", "pipeline": "default"}
    again = crm.ensure_deal(deal("Appointment Scheduled"), person)  # by label: earlier stage
    assert again.object_id == first.object_id
    assert again.facts["stage"] == "qualifiedtobuy" and "backwards" in (again.detail or "")
    ahead = crm.ensure_deal(deal("contractsent"), person)
    assert ahead.facts["stage"] == "contractsent"
    lost = crm.ensure_deal(deal("closedlost"), person)
    assert lost.facts["stage"] == "closedlost"  # later in display order: a move forward
    back = crm.ensure_deal(deal("qualifiedtobuy", backwards=True), person)
    assert back.facts["stage"] == "qualifiedtobuy"
    assert read(hubspot, "deals", first.object_id, "dealstage")["dealstage"] == "qualifiedtobuy"


def test_concurrent_calls_of_one_lead_make_one_deal(crm: HubSpotCrm, hubspot: str) -> None:
    person = contact(crm)
    clients = [HubSpotCrm(CONFIG, base_url=hubspot) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        refs = list(pool.map(lambda c: c.ensure_deal(deal("qualifiedtobuy"), person), clients))
    for client in clients:
        client.close()
    assert len({r.object_id for r in refs}) == 1


def test_an_unknown_stage_names_the_pipeline(crm: HubSpotCrm) -> None:
    with pytest.raises(Permanent, match="no stage 'nowhere'"):
        crm.ensure_deal(deal("nowhere"), contact(crm))


def test_owner_is_sticky(crm: HubSpotCrm, hubspot: str) -> None:
    person = contact(crm)
    first, second = owners(hubspot)[:2]
    the_deal = crm.ensure_deal(deal("qualifiedtobuy"), person)
    assign = AssignOwner(key="k:o", contact="k:c", deal="k:d", owner_email=first["email"])
    got = crm.assign_owner(assign, person, the_deal)
    assert got.facts == {"owner_email": first["email"]}
    other = assign.model_copy(update={"owner_email": second["email"]})
    kept = crm.assign_owner(other, person, the_deal)
    assert kept.object_id == first["id"] and kept.facts == {"owner_email": first["email"]}
    on_deal = read(hubspot, "deals", the_deal.object_id, "hubspot_owner_id")
    assert on_deal["hubspot_owner_id"] == first["id"]


def test_an_unknown_owner_email_is_permanent(crm: HubSpotCrm) -> None:
    assign = AssignOwner(key="k:o", contact="k:c", owner_email="nobody@acme.test")
    with pytest.raises(Permanent, match="no HubSpot user"):
        crm.assign_owner(assign, contact(crm), None)


def test_tags_are_a_union(crm: HubSpotCrm, hubspot: str) -> None:
    person = contact(crm)
    crm.add_tags(AddTags(key="k:t1", contact="k:c", tags=("booked",)), person)
    crm.add_tags(AddTags(key="k:t2", contact="k:c", tags=("hot-lead", "booked")), person)
    tags = read(hubspot, "contacts", person.object_id, "callstate_tags")["callstate_tags"]
    assert sorted(tags.split(";")) == ["booked", "hot-lead"]


def test_enrolment_once_and_only_with_an_email(crm: HubSpotCrm, hubspot: str) -> None:
    sender = owners(hubspot)[0]["email"]
    sequences = httpx.get(
        f"{hubspot}/automation/v4/sequences",
        params={"userId": str(owners(hubspot)[0]["userId"])},
        headers={"authorization": "Bearer x"},
    ).json()["results"]
    effect = EnrollSequence(
        key="k:s", contact="k:c", sequence=sequences[0]["id"], owner_email=sender
    )
    person = contact(crm)
    first = crm.enroll(effect, person, sender)
    again = crm.enroll(effect, person, sender)
    assert again.object_id == first.object_id and again.detail == "already enrolled"
    phone_only = crm.upsert_contact(UpsertContact(key="k:p", phone="+14155550199"))
    with pytest.raises(Unsupported, match="no email"):
        crm.enroll(effect, phone_only, sender)


def test_every_request_is_on_spec(
    crm: HubSpotCrm, hubspot: str, on_spec: Callable[[str, str], list[dict[str, Any]]]
) -> None:
    person = contact(crm)
    crm.set_fields(SetFields(key="k:f", contact="k:c", values={"intent": "quote"}), person)
    the_deal = crm.ensure_deal(deal("qualifiedtobuy"), person)
    email = owners(hubspot)[0]["email"]
    crm.assign_owner(AssignOwner(key="k:o", contact="k:c", owner_email=email), person, the_deal)
    crm.add_tags(AddTags(key="k:t", contact="k:c", tags=("booked",)), person)
    on_spec(hubspot.removesuffix("/hubspot"), "hubspot")
