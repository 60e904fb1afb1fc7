"""`HubSpotCrm.find_contact` against the HubSpot emulator over HTTP: a caller written by the
effects is read back whole, in at most three reads by unique key and never a search, the deal
read beside the contact read."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from callstate.config.model import HubSpotConfig, SalesMotion
from callstate.connectors.errors import Permanent, RateLimited, Transient
from callstate.connectors.hubspot.client import HubSpotHttp
from callstate.connectors.hubspot.crm import HubSpotCrm
from callstate.connectors.hubspot.lookups import Owners
from callstate.connectors.hubspot.schema import required_properties
from callstate.connectors.ports import ContactSnapshot, ObjectRef
from callstate.domain.effects import AddTags, AssignOwner, EnsureDeal, SetFields, UpsertContact
from callstate.domain.outcome import Outcome
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.hubspot import HubSpotRateLimit
from callstate.sandbox.hubspot.app import create_hubspot_app
from tests.domain.builders import audience

CONFIG = HubSpotConfig.model_validate(
    {"token": "${HUBSPOT_TOKEN}"}, context={"env": {}, "sandbox": True}
)
MOTION = SalesMotion(tags={Outcome.QUALIFIED: ("hot-lead", "qualified")})
SEEDS = required_properties(CONFIG, [audience(crm=MOTION)])
PHONE = "+14155550142"
DEAL_KEY = f"acme:deal:{PHONE}:default"
AUTH = {"authorization": "Bearer x"}
Spec = Callable[[str, str], list[dict[str, Any]]]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hubspot(make_sandbox: Callable[..., str]) -> str:
    return make_sandbox(hubspot_properties=SEEDS) + "/hubspot"


@pytest.fixture
def connect(hubspot: str) -> Iterator[Callable[[], HubSpotCrm]]:
    """Connectors on the emulator; each new one starts with empty caches (a fresh process)."""
    made: list[HubSpotCrm] = []

    def make() -> HubSpotCrm:
        made.append(HubSpotCrm(CONFIG, base_url=hubspot, sleep=lambda _: None))
        return made[-1]

    yield make
    for crm in made:
        crm.close()


def owners(hubspot: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{hubspot}/crm/v3/owners", headers=AUTH)
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()["results"]
    return found


def last_seq(hubspot: str) -> int:
    exchanges = httpx.get(f"{hubspot}/_sandbox/requests").json()
    return max((e["seq"] for e in exchanges), default=0)


def since(hubspot: str, seq: int) -> list[tuple[str, str]]:
    """(method, path) of every exchange after `seq`: what the connector asked HubSpot."""
    exchanges = httpx.get(f"{hubspot}/_sandbox/requests", params={"since": seq}).json()
    return [(e["method"], e["path"]) for e in exchanges]


def deal(stage: str, pipeline: str = "default") -> EnsureDeal:
    return EnsureDeal(
        key="k:d",
        contact="k:c",
        deal_key=DEAL_KEY,
        pipeline=pipeline,
        stage=stage,
        name="Dana W: Inbound",
        outcome=Outcome.QUALIFIED,
    )


def write_caller(crm: HubSpotCrm, owner_email: str) -> tuple[ObjectRef, ObjectRef]:
    """Everything the effects of one analysed call write on a caller."""
    person = crm.upsert_contact(
        UpsertContact(key="k:c", phone=PHONE, name="Dana Whitfield", email="dana@example.com")
    )
    values = {"last_call_outcome": Outcome.QUALIFIED.value}
    crm.set_fields(SetFields(key="k:f", contact="k:c", values=values), person)
    the_deal = crm.ensure_deal(deal("qualifiedtobuy"), person)
    assign = AssignOwner(key="k:o", contact="k:c", deal="k:d", owner_email=owner_email)
    crm.assign_owner(assign, person, the_deal)
    crm.add_tags(AddTags(key="k:t", contact="k:c", tags=("hot-lead", "qualified")), person)
    return person, the_deal


def test_a_caller_written_by_the_effects_is_read_back_whole(
    connect: Callable[[], HubSpotCrm], hubspot: str, on_spec: Spec
) -> None:
    ada = owners(hubspot)[0]
    person, the_deal = write_caller(connect(), ada["email"])
    found = connect().find_contact(PHONE, deal_key=DEAL_KEY)
    assert found is not None
    assert found.contact == person
    assert (found.name, found.email) == ("Dana Whitfield", "dana@example.com")
    assert found.owner_email == ada["email"]
    assert found.last_outcome == "qualified"
    assert found.tags == ("hot-lead", "qualified")
    assert found.deal is not None and found.deal.object_id == the_deal.object_id
    assert found.deal.facts == {"stage": "qualifiedtobuy", "pipeline": "default"}
    assert found.deal_stage == "qualifiedtobuy"
    on_spec(hubspot.removesuffix("/hubspot"), "hubspot")


def test_three_reads_by_unique_key_and_the_owner_is_kept(
    connect: Callable[[], HubSpotCrm], hubspot: str, on_spec: Spec
) -> None:
    grace = owners(hubspot)[1]["email"]
    write_caller(connect(), grace)
    crm = connect()
    start = last_seq(hubspot)
    assert crm.find_contact(PHONE, deal_key=DEAL_KEY) is not None
    first = since(hubspot, start)
    contact = ("GET", f"/crm/objects/2026-09/contacts/{PHONE}")
    the_deal = ("GET", f"/crm/objects/2026-09/deals/{DEAL_KEY}")
    assert len(first) == 3 and {contact, the_deal} <= set(first)  # side by side: any order
    [owner] = [p for m, p in first if p.startswith("/crm/owners/2026-09/")]
    assert first.index(contact) < first.index(("GET", owner))  # the owner id is the contact's

    start = last_seq(hubspot)
    again = crm.find_contact(PHONE, deal_key=DEAL_KEY)
    assert again is not None and again.owner_email == grace
    assert sorted(since(hubspot, start)) == sorted([contact, the_deal])  # the owner was kept
    on_spec(hubspot.removesuffix("/hubspot"), "hubspot")


def test_one_connector_answers_concurrent_readers_alike(
    connect: Callable[[], HubSpotCrm], hubspot: str, on_spec: Spec
) -> None:
    write_caller(connect(), owners(hubspot)[2]["email"])
    crm = connect()  # shared, as the in-call tools share it across their lookup threads
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: crm.find_contact(PHONE, deal_key=DEAL_KEY), range(16)))
    assert found[0] is not None and found[0].owner_email == owners(hubspot)[2]["email"]
    assert all(f == found[0] for f in found)
    on_spec(hubspot.removesuffix("/hubspot"), "hubspot")


def test_an_unknown_phone_is_none_after_its_two_reads(
    connect: Callable[[], HubSpotCrm], hubspot: str, on_spec: Spec
) -> None:
    """The deal read went out beside the contact read; it ends before the answer."""
    start = last_seq(hubspot)
    assert connect().find_contact("+14155550999", deal_key=DEAL_KEY) is None
    assert sorted(since(hubspot, start)) == [
        ("GET", "/crm/objects/2026-09/contacts/+14155550999"),
        ("GET", f"/crm/objects/2026-09/deals/{DEAL_KEY}"),
    ]
    assert connect().find_contact("+14155550998") is None  # no deal key: one read
    on_spec(hubspot.removesuffix("/hubspot"), "hubspot")


class Rendezvous(httpx.HTTPTransport):
    """The contact read goes out only once the deal read has started: a connector that read
    them one after the other would time out here (a failure, not a measured time)."""

    def __init__(self) -> None:
        super().__init__()
        self.deal_started = threading.Event()
        self.met = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/deals/" in request.url.path:
            self.deal_started.set()
        elif "/contacts/" in request.url.path:
            self.met = self.deal_started.wait(timeout=10)
        return super().handle_request(request)


def test_the_deal_is_read_while_the_contact_read_is_out(
    hubspot: str, connect: Callable[[], HubSpotCrm]
) -> None:
    write_caller(connect(), owners(hubspot)[0]["email"])
    transport = Rendezvous()
    crm = HubSpotCrm(CONFIG, base_url=hubspot, transport=transport, sleep=lambda _: None)
    try:
        found = crm.find_contact(PHONE, deal_key=DEAL_KEY)
    finally:
        crm.close()
    assert transport.met
    assert found is not None and found.deal is not None


def test_a_failed_contact_read_wins_over_the_deal_read(
    connect: Callable[[], HubSpotCrm], hubspot: str
) -> None:
    write_caller(connect(), owners(hubspot)[0]["email"])
    fault = {"method": "GET", "path": f"/crm/objects/2026-09/contacts/{PHONE}", "status": 503}
    httpx.post(f"{hubspot}/_sandbox/faults", json={**fault, "times": 3}).raise_for_status()
    with pytest.raises(Transient):
        connect().find_contact(PHONE, deal_key=DEAL_KEY)
    httpx.delete(f"{hubspot}/_sandbox/faults").raise_for_status()
    deal_fault = {"method": "GET", "path": f"/crm/objects/2026-09/deals/{DEAL_KEY}"}
    httpx.post(f"{hubspot}/_sandbox/faults", json={**deal_fault, "status": 503, "times": 3})
    with pytest.raises(Transient):  # a known caller's deal read fails: so does the read
        connect().find_contact(PHONE, deal_key=DEAL_KEY)


def test_a_caller_without_owner_deal_tags_or_outcome(
    connect: Callable[[], HubSpotCrm], hubspot: str, on_spec: Spec
) -> None:
    crm = connect()
    person = crm.upsert_contact(UpsertContact(key="k:c", phone=PHONE))
    start = last_seq(hubspot)
    found = crm.find_contact(PHONE, deal_key=DEAL_KEY)
    assert found is not None and found.contact == person
    assert (found.name, found.email, found.owner_email, found.last_outcome) == (None,) * 4
    assert (found.tags, found.deal, found.deal_stage) == ((), None, None)
    assert len(since(hubspot, start)) == 2  # the contact, and the deal key's 404
    without_key = crm.find_contact(PHONE)
    assert without_key is not None and without_key.deal is None
    on_spec(hubspot.removesuffix("/hubspot"), "hubspot")


def test_a_closed_won_deal_is_no_open_deal(
    connect: Callable[[], HubSpotCrm], hubspot: str, on_spec: Spec
) -> None:
    crm = connect()
    person, _ = write_caller(crm, owners(hubspot)[0]["email"])
    crm.ensure_deal(deal("closedwon"), person)
    found = connect().find_contact(PHONE, deal_key=DEAL_KEY)
    assert found is not None and found.owner_email == owners(hubspot)[0]["email"]
    assert (found.deal, found.deal_stage) == (None, None)
    on_spec(hubspot.removesuffix("/hubspot"), "hubspot")


def test_a_custom_pipelines_closed_stage_is_known_once_its_pipelines_are_read(
    connect: Callable[[], HubSpotCrm], hubspot: str, on_spec: Spec
) -> None:
    stages = [
        {"label": "Dialled", "displayOrder": 0, "metadata": {"probability": "0.1"}},
        {"label": "Won", "displayOrder": 1, "metadata": {"probability": "1.0", "isClosed": "true"}},
    ]
    created = httpx.post(
        f"{hubspot}/crm/v3/pipelines/deals",
        json={"label": "Outbound", "displayOrder": 1, "stages": stages},
        headers=AUTH,
    )
    created.raise_for_status()
    ids = {s["label"]: s["id"] for s in created.json()["stages"]}
    crm = connect()
    person = crm.upsert_contact(UpsertContact(key="k:c", phone=PHONE))
    crm.ensure_deal(deal("Dialled", pipeline="Outbound"), person)
    open_deal = connect().find_contact(PHONE, deal_key=DEAL_KEY)
    assert open_deal is not None and open_deal.deal is not None
    assert open_deal.deal_stage == ids["Dialled"]

    crm.ensure_deal(deal("Won", pipeline="Outbound"), person)
    assert crm.find_contact(PHONE, deal_key=DEAL_KEY) == ContactSnapshot(contact=person)
    # The documented limit: a connector that never read the pipelines knows only HubSpot's
    # default closed stages (reading the pipelines here would be a fourth request).
    fresh = connect().find_contact(PHONE, deal_key=DEAL_KEY)
    assert fresh is not None and fresh.deal_stage == ids["Won"]
    on_spec(hubspot.removesuffix("/hubspot"), "hubspot")


def test_owners_are_kept_up_to_the_bound(hubspot: str, on_spec: Spec) -> None:
    ada, grace = owners(hubspot)[:2]
    http = HubSpotHttp(hubspot, "x")
    try:
        one = Owners(http, limit=1)
        start = last_seq(hubspot)
        assert one.by_id(ada["id"]) is not None
        assert one.by_email(ada["email"]).id == ada["id"]  # kept under both keys: no request
        assert len(since(hubspot, start)) == 1
        one.by_id(grace["id"])
        one.by_id(ada["id"])  # dropped for grace: read again
        assert len(since(hubspot, start)) == 3

        two = Owners(http, limit=2)
        start = last_seq(hubspot)
        for owner_id in (ada["id"], grace["id"], ada["id"], grace["id"]):
            two.by_id(owner_id)
        assert len(since(hubspot, start)) == 2
        assert two.by_id("99999") is None  # no such owner: a miss, not an error
        with pytest.raises(Permanent, match="no HubSpot user"):
            two.by_email("nobody@example.com")
    finally:
        http.close()
    on_spec(hubspot.removesuffix("/hubspot"), "hubspot")


def test_a_5xx_is_transient(connect: Callable[[], HubSpotCrm], hubspot: str) -> None:
    fault = {"method": "GET", "path": "/crm/objects/2026-09/contacts/*", "status": 503}
    httpx.post(f"{hubspot}/_sandbox/faults", json=fault).raise_for_status()
    with pytest.raises(Transient) as caught:
        connect().find_contact(PHONE)
    assert not isinstance(caught.value, RateLimited) and caught.value.status == 503


def test_a_429_is_rate_limited(serve: Callable[[ASGIApp], str], on_spec: Spec) -> None:
    limit = HubSpotRateLimit(max_per_interval=2)
    clock = FakeClock()  # frozen: the window never rolls over mid-test
    base = serve(
        mount_vendors(
            None,
            {
                "hubspot": lambda store: create_hubspot_app(
                    store, seed_properties=SEEDS, rate_limit=limit, clock=clock
                )
            },
        )
    )
    crm = HubSpotCrm(CONFIG, base_url=f"{base}/hubspot")
    try:
        crm.upsert_contact(UpsertContact(key="k:c", phone=PHONE))
        assert crm.find_contact(PHONE) is not None
        with pytest.raises(RateLimited) as caught:
            crm.find_contact(PHONE)
        assert caught.value.status == 429 and "ten_secondly_rolling" in caught.value.message
        clock.now += 10.5
        assert crm.find_contact(PHONE) is not None
    finally:
        crm.close()
    on_spec(base, "hubspot")
