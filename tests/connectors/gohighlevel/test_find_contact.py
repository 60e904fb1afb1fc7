"""`GoHighLevelCrm.find_contact` against the GoHighLevel emulator over HTTP: a caller written by
the effects is read back whole, by the location's own duplicate match, from this location only.

Every test ends by validating the exchanges against GoHighLevel's documents (`on_spec`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from callstate.config.model import GoHighLevelConfig
from callstate.connectors.errors import Permanent, RateLimited, Transient
from callstate.connectors.gohighlevel.crm import GoHighLevelCrm
from callstate.connectors.ports import ContactSnapshot, ObjectRef
from callstate.domain.effects import AddTags, AssignOwner, EnsureDeal, SetFields, UpsertContact
from callstate.domain.outcome import Outcome
from callstate.sandbox.gohighlevel import (
    SANDBOX_LOCATION,
    SANDBOX_LOCATION_ID,
    GoHighLevelRateLimit,
    LocationSeed,
)
from tests.connectors.gohighlevel.conftest import GhlSandbox

PHONE = "+14155550142"
LOC = SANDBOX_LOCATION_ID
PIPELINE = "Sales Pipeline"
MakeSandbox = Callable[..., GhlSandbox]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


def create_field(sandbox: GhlSandbox, name: str, data_type: str, **extra: Any) -> str:
    with sandbox.api() as api:
        response = api.post(
            f"/locations/{LOC}/customFields",
            json={"name": f"callstate_{name}", "dataType": data_type, **extra},
        )
    response.raise_for_status()
    field_id: str = response.json()["customField"]["id"]
    return field_id


def outcome_field(sandbox: GhlSandbox) -> str:
    options = [o.value for o in Outcome]
    return create_field(sandbox, "last_call_outcome", "SINGLE_OPTIONS", options=options)


def deal_effect(stage: str) -> EnsureDeal:
    return EnsureDeal(
        key=f"call_1:deal:{stage}",
        contact="call_1:contact",
        deal_key=f"{PHONE}:sales",
        pipeline=PIPELINE,
        stage=stage,
        name="Dana Whitfield",
        outcome=Outcome.QUALIFIED,
    )


def write_caller(crm: GoHighLevelCrm) -> tuple[ObjectRef, ObjectRef]:
    """Everything the effects of one analysed call write on a caller."""
    contact = crm.upsert_contact(
        UpsertContact(
            key="call_1:contact", phone=PHONE, name="Dana Whitfield", email="dana@example.com"
        )
    )
    values = {"last_call_outcome": Outcome.QUALIFIED.value}
    crm.set_fields(SetFields(key="k:f", contact="c", values=values), contact)
    deal = crm.ensure_deal(deal_effect("Contacted"), contact)
    owner = AssignOwner(key="k:o", contact="c", owner_email="sam@acme.test")
    crm.assign_owner(owner, contact, deal)
    crm.add_tags(AddTags(key="k:t", contact="c", tags=("qualified", "callback")), contact)
    return contact, deal


def last_seq(sandbox: GhlSandbox) -> int:
    return max((e["seq"] for e in sandbox.exchanges()), default=0)


def since(sandbox: GhlSandbox, seq: int) -> list[str]:
    """`METHOD path` of every exchange after `seq`: what the connector asked GoHighLevel."""
    response = httpx.get(f"{sandbox.base_url}/_sandbox/requests", params={"since": seq})
    return [f"{e['method']} {e['path']}" for e in response.json()]


def test_a_caller_written_by_the_effects_is_read_back_whole(sandbox: GhlSandbox) -> None:
    outcome_field(sandbox)
    contact, deal = write_caller(sandbox.crm())
    found = sandbox.crm().find_contact(PHONE, pipeline=PIPELINE)
    assert found is not None
    assert found.contact == contact
    assert (found.name, found.email) == ("Dana Whitfield", "dana@example.com")
    assert found.owner_email == "sam@acme.test"
    assert found.last_outcome == "qualified"
    assert found.tags == ("qualified", "callback")
    assert found.deal == deal
    assert found.deal is not None and found.deal.facts == deal.facts
    assert found.deal_stage == deal.facts["stage"]  # GoHighLevel's stage id
    assert found.deal.facts["stage_label"] == "Contacted"
    sandbox.on_spec()


def test_the_writing_connector_reads_in_two_requests(sandbox: GhlSandbox) -> None:
    outcome_field(sandbox)
    crm = sandbox.crm()
    write_caller(crm)  # the location's fields, pipelines and users are now known
    start = last_seq(sandbox)
    found = crm.find_contact(PHONE, pipeline=PIPELINE)
    assert found is not None and found.owner_email == "sam@acme.test"
    assert since(sandbox, start) == [
        "GET /contacts/search/duplicate",
        "GET /opportunities/search",
    ]
    sandbox.on_spec()


def test_a_fresh_connector_reads_the_reference_data_once(sandbox: GhlSandbox) -> None:
    outcome_field(sandbox)
    contact, _ = write_caller(sandbox.crm())
    crm = sandbox.crm()
    start = last_seq(sandbox)
    assert crm.find_contact(PHONE, pipeline=PIPELINE) is not None
    again = crm.find_contact(PHONE, pipeline=PIPELINE)
    assert again is not None and again.owner_email == "sam@acme.test"
    assert since(sandbox, start) == [
        "GET /contacts/search/duplicate",
        f"GET /users/{_assigned(sandbox, contact)}",
        f"GET /locations/{LOC}/customFields",
        "GET /opportunities/pipelines",
        "GET /opportunities/search",
        # the second read: the reference data was kept
        "GET /contacts/search/duplicate",
        "GET /opportunities/search",
    ]
    sandbox.on_spec()


def _assigned(sandbox: GhlSandbox, contact: ObjectRef) -> str:
    with sandbox.api() as api:
        user_id: str = api.get(f"/contacts/{contact.object_id}").json()["contact"]["assignedTo"]
    return user_id


def test_one_connector_answers_concurrent_readers_alike(sandbox: GhlSandbox) -> None:
    outcome_field(sandbox)
    write_caller(sandbox.crm())
    crm = sandbox.crm()  # shared, as the in-call tools share it across their lookup threads
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: crm.find_contact(PHONE, pipeline=PIPELINE), range(16)))
    assert found[0] is not None and found[0].last_outcome == "qualified"
    assert found[0].deal is not None and found[0].owner_email == "sam@acme.test"
    assert all(f == found[0] for f in found)
    sandbox.on_spec()


def test_an_unknown_phone_is_none_after_one_request(sandbox: GhlSandbox) -> None:
    start = last_seq(sandbox)
    assert sandbox.crm().find_contact("+14155550999", pipeline=PIPELINE) is None
    assert since(sandbox, start) == ["GET /contacts/search/duplicate"]
    (asked,) = [e for e in sandbox.exchanges() if e["path"] == "/contacts/search/duplicate"]
    # `+` travels as %2B, as the document asks; a bare `+` would arrive as a space.
    assert asked["query"] == {"locationId": [LOC], "number": ["+14155550999"]}
    sandbox.on_spec()


def test_a_caller_without_owner_deal_or_fields(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(UpsertContact(key="k:c", phone=PHONE))
    start = last_seq(sandbox)
    found = crm.find_contact(PHONE, pipeline=PIPELINE)
    assert found == ContactSnapshot(contact=contact)
    # Nothing to resolve for an owner or custom values; the pipeline to look for a deal in.
    assert since(sandbox, start) == [
        "GET /contacts/search/duplicate",
        "GET /opportunities/pipelines",
        "GET /opportunities/search",
    ]
    assert crm.find_contact(PHONE) == ContactSnapshot(contact=contact)
    sandbox.on_spec()


def test_a_location_without_the_outcome_field_lists_definitions_once(
    sandbox: GhlSandbox,
) -> None:
    create_field(sandbox, "intent", "TEXT")
    writer = sandbox.crm()
    contact = writer.upsert_contact(UpsertContact(key="k:c", phone=PHONE))
    writer.set_fields(SetFields(key="k:f", contact="c", values={"intent": "quote"}), contact)
    crm = sandbox.crm()
    start = last_seq(sandbox)
    for _ in range(3):
        found = crm.find_contact(PHONE)
        assert found is not None and found.last_outcome is None
    listed = [e for e in since(sandbox, start) if e.endswith("/customFields")]
    assert listed == [f"GET /locations/{LOC}/customFields"]
    sandbox.on_spec()


def test_a_won_opportunity_is_no_open_deal(sandbox: GhlSandbox) -> None:
    outcome_field(sandbox)
    crm = sandbox.crm()
    contact, _ = write_caller(crm)
    crm.ensure_deal(deal_effect("won"), contact)
    found = sandbox.crm().find_contact(PHONE, pipeline=PIPELINE)
    assert found is not None and found.owner_email == "sam@acme.test"
    assert (found.deal, found.deal_stage) == (None, None)
    sandbox.on_spec()


def test_an_unknown_pipeline_is_permanent(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    crm.upsert_contact(UpsertContact(key="k:c", phone=PHONE))
    with pytest.raises(Permanent, match="no pipeline 'Renewals'"):
        crm.find_contact(PHONE, pipeline="Renewals")
    sandbox.on_spec()


def test_another_locations_contact_is_not_found(make_sandbox: MakeSandbox) -> None:
    other = LocationSeed(id="loc_other", company_id="cmp_other", name="Other", token="pit-other")
    sandbox = make_sandbox(locations=(SANDBOX_LOCATION, other))
    with sandbox.api(token="pit-other") as api:
        theirs = api.post(
            "/contacts/upsert", json={"locationId": "loc_other", "phone": PHONE, "firstName": "X"}
        ).json()["contact"]["id"]
    acme = sandbox.crm()
    assert acme.find_contact(PHONE, pipeline=PIPELINE) is None

    ours = acme.upsert_contact(UpsertContact(key="k:c", phone=PHONE, name="Dana Whitfield"))
    found = acme.find_contact(PHONE)
    assert found is not None and found.contact.object_id == ours.object_id != theirs
    config = GoHighLevelConfig.model_validate(
        {"token": "${OTHER_TOKEN}", "location_id": "loc_other", "base_url": sandbox.base_url},
        context={"env": {"OTHER_TOKEN": "pit-other"}},
    )
    with_their_token = GoHighLevelCrm(config)
    sandbox.crms.append(with_their_token)
    seen = with_their_token.find_contact(PHONE)
    assert seen is not None and (seen.contact.object_id, seen.name) == (theirs, "X")

    stranger = sandbox.crm(location_id="loc_other")  # acme's token, the other location's id
    with pytest.raises(Permanent) as caught:
        stranger.find_contact(PHONE)
    assert caught.value.status == 403
    sandbox.on_spec()


def test_a_429_is_rate_limited(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate_limit=GoHighLevelRateLimit(max_per_interval=2), clock=FakeClock())
    crm = sandbox.crm()
    crm.upsert_contact(UpsertContact(key="k:c", phone=PHONE))
    assert crm.find_contact(PHONE) is not None
    with pytest.raises(RateLimited) as caught:
        crm.find_contact(PHONE)
    assert caught.value.status == 429 and caught.value.retry_after == 10.0
    sandbox.on_spec()


def test_a_5xx_is_transient(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    crm.upsert_contact(UpsertContact(key="k:c", phone=PHONE))
    sandbox.fault(path="/contacts/search/duplicate", status=502)
    with pytest.raises(Transient) as caught:
        crm.find_contact(PHONE)
    assert not isinstance(caught.value, RateLimited) and caught.value.status == 502
    assert crm.find_contact(PHONE) is not None  # the fault was one answer, not the state
    sandbox.on_spec()
