"""The GoHighLevel emulator, driven over loopback HTTP with httpx.

Each test ends by validating every recorded exchange against GoHighLevel's OpenAPI documents
(`on_spec`). One file for the whole emulator (past 400 lines): the cases share fixtures and
helpers, and reading them together shows which GoHighLevel behaviours the sandbox promises.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from callstate.sandbox.app import mount_vendors
from callstate.sandbox.gohighlevel import (
    SANDBOX_COMPANY_ID,
    SANDBOX_LOCATION,
    SANDBOX_LOCATION_ID,
    SANDBOX_TOKEN,
    DuplicateRule,
    GoHighLevelRateLimit,
    LocationSeed,
    create_gohighlevel_app,
)
from callstate.sandbox.store import Store
from tests.vendor_specs import require_specs, validate_exchange

VERSION = {"Version": "2021-07-28"}
LOC = SANDBOX_LOCATION_ID
PHONE, OTHER_PHONE = "+14155550142", "+14155550199"
Spec = Callable[[str, str], list[dict[str, Any]]]
OTHER = LocationSeed(id="loc_other", company_id="cmp_other", name="Other", token="pit-other")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


def serve_ghl(
    serve: Callable[[ASGIApp], str], state_dir: Path | None = None, **options: Any
) -> str:
    factory = {"gohighlevel": lambda store: create_gohighlevel_app(store, **options)}
    return serve(mount_vendors(state_dir, factory))


def client(base: str, token: str = SANDBOX_TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", **VERSION}
    return httpx.Client(base_url=f"{base}/gohighlevel", headers=headers, timeout=10)


@pytest.fixture
def base(serve: Callable[[ASGIApp], str]) -> str:
    return serve_ghl(serve)


@pytest.fixture
def ghl(base: str) -> Iterator[httpx.Client]:
    with client(base) as c:
        yield c


def upsert(c: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = c.post("/contacts/upsert", json={"locationId": LOC, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sales_pipeline(c: httpx.Client) -> dict[str, Any]:
    pipelines = c.get("/opportunities/pipelines", params={"locationId": LOC}).json()["pipelines"]
    found: dict[str, Any] = next(p for p in pipelines if p["name"] == "Sales Pipeline")
    return found


# -- auth, version, scopes ----------------------------------------------------------------


def test_tokens_are_bound_to_a_location_and_need_the_version_header(
    serve: Callable[[ASGIApp], str], on_spec: Spec
) -> None:
    base = serve_ghl(serve, locations=(SANDBOX_LOCATION, OTHER))
    acme, other = client(base), client(base, "pit-other")
    contact_id = upsert(acme, phone=PHONE)["contact"]["id"]

    anonymous = httpx.get(f"{base}/gohighlevel/locations/{LOC}", headers=VERSION)
    assert anonymous.status_code == 401
    assert anonymous.json()["message"] == "Invalid token: access token is invalid"
    assert acme.get(f"/locations/{LOC}", headers={"Authorization": "Bearer nope"}).status_code == (
        401
    )
    for refused in (other.get(f"/locations/{LOC}"), other.get(f"/contacts/{contact_id}")):
        assert refused.status_code == 403
        assert refused.json()["message"] == "The token does not have access to this location."
    assert other.post("/contacts/upsert", json={"locationId": LOC}).status_code == 403
    assert other.get("/locations/loc_other").json()["location"]["companyId"] == "cmp_other"

    unversioned = httpx.get(
        f"{base}/gohighlevel/locations/{LOC}", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    )
    assert unversioned.status_code == 400
    assert "Version header is missing" in unversioned.json()["message"]
    wrong = acme.get(f"/locations/{LOC}", headers={"Version": "2021-04-15"})
    assert wrong.status_code == 400
    assert "'2021-04-15' is not supported" in wrong.json()["message"]

    exchanges = on_spec(base, "gohighlevel")
    assert all("traceId" in e["response_json"] for e in exchanges)
    acme.close()
    other.close()


def test_a_missing_scope_is_a_401(serve: Callable[[ASGIApp], str], on_spec: Spec) -> None:
    reader = LocationSeed(
        id=LOC,
        company_id=SANDBOX_COMPANY_ID,
        name="read only",
        token="pit-reader",
        scopes=frozenset({"contacts.readonly"}),
    )
    base = serve_ghl(serve, locations=(reader,))
    with client(base, "pit-reader") as c:
        refused = c.post("/contacts/upsert", json={"locationId": LOC, "phone": PHONE})
        assert refused.status_code == 401
        assert refused.json()["message"] == "The token is not authorized for this scope."
        assert c.get("/contacts/search/duplicate", params={"locationId": LOC}).status_code == 200
    on_spec(base, "gohighlevel")


# -- contacts and the duplicate rule ------------------------------------------------------


def test_upsert_without_duplicates_first_field_wins(
    base: str, ghl: httpx.Client, on_spec: Spec
) -> None:
    first = upsert(ghl, phone="(415) 555-0142", firstName="Dana")
    assert first["new"] is True
    dana = first["contact"]
    assert (dana["phone"], dana["name"]) == (PHONE, "Dana")
    assert "assignedTo" not in dana  # absent while unset (issue #183)
    again = upsert(ghl, phone=PHONE, name="Dana Whitfield")
    assert (again["new"], again["contact"]["id"]) == (False, dana["id"])
    assert (again["contact"]["firstName"], again["contact"]["lastName"]) == ("Dana", "Whitfield")

    bo = upsert(ghl, email="Bo@Example.com")["contact"]
    # Email has priority: Bo is updated, and Dana's phone is dropped without an error.
    mixed = upsert(ghl, email="bo@example.com", phone=PHONE)
    assert (mixed["new"], mixed["contact"]["id"]) == (False, bo["id"])
    assert "phone" not in mixed["contact"]
    assert ghl.get(f"/contacts/{dana['id']}").json()["contact"]["phone"] == PHONE

    # The flag is ignored where duplicates are not allowed.
    flagged = upsert(ghl, phone=PHONE, createNewIfDuplicateAllowed=True)
    assert (flagged["new"], flagged["contact"]["id"]) == (False, dana["id"])

    taken = ghl.put(f"/contacts/{dana['id']}", json={"email": "BO@example.com"})
    assert taken.status_code == 400
    assert taken.json()["message"] == "This location does not allow duplicated contacts."
    assert taken.json()["meta"] == {"contactId": bo["id"], "matchingField": "email"}
    moved = ghl.put(f"/contacts/{dana['id']}", json={"phone": OTHER_PHONE})
    assert moved.json()["succeded"] is True
    assert upsert(ghl, phone=PHONE)["new"] is True  # the old number is free again

    def duplicate(**query: str) -> Any:
        return ghl.get("/contacts/search/duplicate", params={"locationId": LOC, **query}).json()

    assert duplicate(number=OTHER_PHONE)["contact"]["id"] == dana["id"]
    assert duplicate(email="BO@EXAMPLE.COM")["contact"]["id"] == bo["id"]
    assert duplicate(email="nobody@example.com")["contact"] is None
    on_spec(base, "gohighlevel")


def test_upsert_where_duplicates_are_allowed(
    serve: Callable[[ASGIApp], str], on_spec: Spec
) -> None:
    base = serve_ghl(serve, duplicate_rule=DuplicateRule(allow_duplicates=True))
    with client(base) as c:
        dana = upsert(c, phone=PHONE)["contact"]
        assert upsert(c, phone=PHONE)["contact"]["id"] == dana["id"]  # still matched
        twin = upsert(c, phone=PHONE, createNewIfDuplicateAllowed=True)
        assert twin["new"] is True and twin["contact"]["id"] != dana["id"]
        assert upsert(c, phone=PHONE)["contact"]["id"] == dana["id"]  # the oldest match wins
        # Duplicates allowed: a PUT may share an identifier.
        shared = c.put(f"/contacts/{twin['contact']['id']}", json={"email": "dana@example.com"})
        assert shared.status_code == 200
        mailed = upsert(c, email="dana@example.com", phone=OTHER_PHONE)
        assert mailed["contact"]["id"] == twin["contact"]["id"]
        found = c.get(
            "/contacts/search/duplicate",
            params={"locationId": LOC, "number": PHONE, "email": "dana@example.com"},
        ).json()
        assert found["contact"]["id"] == twin["contact"]["id"]  # email before phone
    on_spec(base, "gohighlevel")


def test_phone_first_rule(serve: Callable[[ASGIApp], str], on_spec: Spec) -> None:
    base = serve_ghl(serve, duplicate_rule=DuplicateRule(priority=("phone", "email")))
    with client(base) as c:
        dana = upsert(c, phone=PHONE)["contact"]
        bo = upsert(c, email="bo@example.com")["contact"]
        mixed = upsert(c, phone=PHONE, email="bo@example.com")
        assert mixed["contact"]["id"] == dana["id"]
        assert "email" not in mixed["contact"]  # Bo's email stays Bo's
        assert c.get(f"/contacts/{bo['id']}").json()["contact"]["email"] == "bo@example.com"
    on_spec(base, "gohighlevel")


def test_concurrent_upserts_of_one_phone_make_one_contact(base: str, on_spec: Spec) -> None:
    def one(_: int) -> str:
        with client(base) as c:
            return str(upsert(c, phone=PHONE)["contact"]["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(one, range(16)))
    assert len(ids) == 1
    on_spec(base, "gohighlevel")


# -- custom fields, tags, notes -----------------------------------------------------------


def test_custom_fields_are_defined_then_checked_on_contacts(
    base: str, ghl: httpx.Client, on_spec: Spec
) -> None:
    path = f"/locations/{LOC}/customFields"

    def create(**body: Any) -> dict[str, Any]:
        response = ghl.post(path, json=body)
        assert response.status_code == 201, response.text
        field: dict[str, Any] = response.json()["customField"]
        return field

    score = create(name="callstate_icp_score", dataType="NUMERICAL", model="contact")
    consent = create(
        name="callstate_consent", dataType="SINGLE_OPTIONS", options=["granted", "declined"]
    )
    seen = create(name="callstate_last_call_at", dataType="DATE")
    create(name="Deal source", dataType="TEXT", model="opportunity")
    assert score["fieldKey"] == "contact.callstate_icp_score"
    assert ghl.post(path, json={"name": "callstate_icp_score", "dataType": "TEXT"}).status_code == (
        400
    )
    assert ghl.post(path, json={"name": "x", "dataType": "COLOUR"}).status_code == 422
    listed = ghl.get(path, params={"model": "contact"}).json()["customFields"]
    assert [f["name"] for f in listed] == [
        "callstate_icp_score",
        "callstate_consent",
        "callstate_last_call_at",
    ]
    assert len(ghl.get(path).json()["customFields"]) == 4
    assert ghl.get(f"{path}/{consent['id']}").json()["customField"]["picklistOptions"] == [
        "granted",
        "declined",
    ]
    assert ghl.get(f"{path}/nope").status_code == 404

    contact = upsert(ghl, phone=PHONE, customFields=[{"id": score["id"], "field_value": 72}])[
        "contact"
    ]
    values = [
        {"id": consent["id"], "field_value": "granted"},
        {"id": seen["id"], "field_value": "2026-11-24T14:53:00Z"},
    ]
    written = ghl.put(f"/contacts/{contact['id']}", json={"customFields": values}).json()
    assert {f["id"]: f["value"] for f in written["contact"]["customFields"]} == {
        score["id"]: 72,
        consent["id"]: "granted",
        seen["id"]: "2026-11-24T14:53:00Z",
    }
    wrong = ghl.put(
        f"/contacts/{contact['id']}",
        json={
            "customFields": [
                {"id": score["id"], "field_value": "lots"},
                {"id": consent["id"], "field_value": "maybe"},
                {"id": "no-such-field", "field_value": "x"},
            ]
        },
    )
    assert wrong.status_code == 422
    problems = wrong.json()["message"]
    assert [p.split(" ")[0] for p in problems] == [
        "customFields.0.field_value",
        "customFields.1.field_value",
        "customFields.2:",
    ]
    cleared = ghl.put(
        f"/contacts/{contact['id']}",
        json={"customFields": [{"id": score["id"], "field_value": ""}]},
    )
    assert score["id"] not in {f["id"] for f in cleared.json()["contact"]["customFields"]}
    on_spec(base, "gohighlevel")


def test_tags_are_a_set(base: str, ghl: httpx.Client, on_spec: Spec) -> None:
    contact_id = upsert(ghl, phone=PHONE)["contact"]["id"]
    tags = f"/contacts/{contact_id}/tags"
    added = ghl.post(tags, json={"tags": ["Qualified", "callback"]})
    assert (added.status_code, added.json()["tags"]) == (201, ["qualified", "callback"])
    assert ghl.post(tags, json={"tags": ["callback"]}).json()["tags"] == ["qualified", "callback"]
    removed = ghl.request("DELETE", tags, json={"tags": ["qualified", "never-there"]})
    assert (removed.status_code, removed.json()["tags"]) == (200, ["callback"])
    replaced = upsert(ghl, phone=PHONE, tags=["vip"])  # `tags` on a write replaces them all
    assert replaced["contact"]["tags"] == ["vip"]
    on_spec(base, "gohighlevel")


def test_notes(base: str, ghl: httpx.Client, on_spec: Spec) -> None:
    contact_id = upsert(ghl, phone=PHONE)["contact"]["id"]
    notes = f"/contacts/{contact_id}/notes"
    first = ghl.post(notes, json={"body": "[callstate:call_1:analyzed] first"})
    assert first.status_code == 201
    second = ghl.post(notes, json={"body": "second", "title": "Call", "pinned": True}).json()
    listed = ghl.get(notes).json()["notes"]
    assert [n["id"] for n in listed] == [second["note"]["id"], first.json()["note"]["id"]]
    one = ghl.get(f"{notes}/{first.json()['note']['id']}").json()["note"]
    assert (one["contactId"], one["body"]) == (contact_id, "[callstate:call_1:analyzed] first")
    assert ghl.get(f"{notes}/nope").status_code == 404
    assert ghl.post(notes, json={"body": "  "}).status_code == 422
    assert ghl.post("/contacts/nope/notes", json={"body": "x"}).status_code == 404
    on_spec(base, "gohighlevel")


def test_off_spec_bodies_are_refused_as_nestjs_does(ghl: httpx.Client) -> None:
    """Requests the documents forbid, so their exchanges are not validated (`on_spec`)."""
    contact_id = upsert(ghl, phone=PHONE)["contact"]["id"]
    unknown = ghl.post(f"/contacts/{contact_id}/notes", json={"text": "x"})
    assert unknown.status_code == 422
    assert sorted(unknown.json()["message"]) == [
        "body should not be empty",
        "property text should not exist",
    ]
    typed = ghl.post("/contacts/upsert", json={"locationId": LOC, "dnd": "sometimes"})
    assert typed.json()["message"] == ["dnd must be a boolean value"]
    untagged = ghl.post(f"/contacts/{contact_id}/tags", json={"tags": "vip"})
    assert untagged.json()["message"] == ["tags must be an array"]


# -- location, users, pipelines, opportunities, workflows ---------------------------------


def test_location_and_users(base: str, ghl: httpx.Client, on_spec: Spec) -> None:
    location = ghl.get(f"/locations/{LOC}").json()["location"]
    assert location["companyId"] == SANDBOX_COMPANY_ID
    everyone = ghl.get("/users/search", params={"companyId": SANDBOX_COMPANY_ID}).json()
    assert everyone["count"] == 3
    found = ghl.get(
        "/users/search",
        params={"companyId": SANDBOX_COMPANY_ID, "locationId": LOC, "query": "SAM@acme"},
    ).json()["users"]
    assert [u["email"] for u in found] == ["sam@acme.test"]
    assert ghl.get(f"/users/{found[0]['id']}").json()["email"] == "sam@acme.test"
    assert ghl.get("/users/nope").status_code == 404
    assert ghl.get("/users/search", params={"companyId": "cmp_other"}).status_code == 403
    assert ghl.get("/users/search").status_code == 422
    on_spec(base, "gohighlevel")


def test_opportunities_follow_their_pipeline(base: str, ghl: httpx.Client, on_spec: Spec) -> None:
    pipeline = sales_pipeline(ghl)
    stages = pipeline["stages"]
    assert [s["name"] for s in stages] == [
        "New Lead",
        "Contacted",
        "Qualified",
        "Appointment Booked",
    ]
    assert [s["position"] for s in stages] == [0, 1, 2, 3]
    contact_id = upsert(ghl, phone=PHONE, email="dana@example.com")["contact"]["id"]
    body = {
        "pipelineId": pipeline["id"],
        "locationId": LOC,
        "name": "Dana - roof",
        "status": "open",
        "contactId": contact_id,
    }
    created = ghl.post("/opportunities/", json=body)
    assert created.status_code == 201
    deal = created.json()["opportunity"]
    assert deal["pipelineStageId"] == stages[0]["id"]
    assert deal["contact"]["email"] == "dana@example.com"
    twice = ghl.post("/opportunities/", json=body)
    assert (twice.status_code, twice.json()["message"]) == (
        400,
        "Can not create duplicate opportunity for the contact.",
    )
    path = f"/opportunities/{deal['id']}"
    bogus = ghl.put(path, json={"pipelineStageId": "not-a-stage"})
    assert bogus.status_code == 400
    assert "does not belong to pipeline Sales Pipeline" in bogus.json()["message"]
    moved = ghl.put(path, json={"pipelineStageId": stages[2]["id"]}).json()["opportunity"]
    assert moved["pipelineStageId"] == stages[2]["id"]
    assert ghl.put(path, json={"status": "all"}).status_code == 422
    won = ghl.put(f"{path}/status", json={"status": "won"})
    assert (won.status_code, won.json()["succeded"]) == (200, True)
    assert ghl.get(path).json()["opportunity"]["status"] == "won"

    def search(**query: str) -> list[dict[str, Any]]:
        params = {"location_id": LOC, "contact_id": contact_id, **query}
        found: list[dict[str, Any]] = ghl.get("/opportunities/search", params=params).json()[
            "opportunities"
        ]
        return found

    assert search(status="open") == []
    assert [o["id"] for o in search(status="all", pipeline_id=pipeline["id"])] == [deal["id"]]
    assert [o["id"] for o in search()] == [deal["id"]]
    meta = ghl.get("/opportunities/search", params={"location_id": LOC}).json()["meta"]
    assert meta == {"total": 1, "currentPage": 1}
    assert ghl.get("/opportunities/nope").status_code == 404
    assert ghl.get("/opportunities/search", params={"location_id": "loc_other"}).status_code == 403
    on_spec(base, "gohighlevel")


def test_workflows_and_enrolment(serve: Callable[[ASGIApp], str], on_spec: Spec) -> None:
    apps: list[Any] = []

    def factory(store: Store) -> Any:
        apps.append(create_gohighlevel_app(store))
        return apps[-1]

    base = serve(mount_vendors(None, {"gohighlevel": factory}))
    # No API reads workflow membership (research/crm.md §2.8): the test reads the store.
    activity = apps[0].state.activity
    with client(base) as c:
        workflows = c.get("/workflows/", params={"locationId": LOC}).json()["workflows"]
        assert [w["name"] for w in workflows] == ["Post-call follow-up", "Reactivation nurture"]
        contact_id = upsert(c, phone=PHONE)["contact"]["id"]
        path = f"/contacts/{contact_id}/workflow/{workflows[0]['id']}"
        enrolled = c.post(path, json={})
        assert enrolled.status_code == 200
        assert enrolled.json()["succeded"] is True
        started = c.post(path, json={"eventStartTime": "2026-11-25T09:00:00Z"})
        assert started.status_code == 200
        assert [e["eventStartTime"] for e in activity.enrolments(contact_id)] == [
            None,
            "2026-11-25T09:00:00Z",
        ]
        assert c.post(f"/contacts/{contact_id}/workflow/nope", json={}).status_code == 400
        assert c.request("DELETE", path, json={}).json()["succeded"] is True
        assert activity.enrolments(contact_id) == []
    on_spec(base, "gohighlevel")


# -- rate limits, faults, reset, persistence ----------------------------------------------


def test_rate_limit_headers_and_429(serve: Callable[[ASGIApp], str], on_spec: Spec) -> None:
    clock = FakeClock()
    base = serve_ghl(
        serve,
        locations=(SANDBOX_LOCATION, OTHER),
        rate_limit=GoHighLevelRateLimit(max_per_interval=2, daily=3),
        clock=clock,
    )
    acme, other = client(base), client(base, "pit-other")
    first = acme.get(f"/locations/{LOC}")
    assert {k: v for k, v in first.headers.items() if k.startswith("x-ratelimit")} == {
        "x-ratelimit-limit-daily": "3",
        "x-ratelimit-daily-remaining": "2",
        "x-ratelimit-interval-milliseconds": "10000",
        "x-ratelimit-max": "2",
        "x-ratelimit-remaining": "1",
    }
    assert acme.get(f"/locations/{LOC}").status_code == 200
    limited = acme.get(f"/locations/{LOC}")
    assert limited.status_code == 429
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert "retry-after" not in limited.headers  # GoHighLevel documents none
    assert limited.json()["statusCode"] == 429
    assert other.get("/locations/loc_other").status_code == 200  # budgets are per location
    clock.now += 10
    assert acme.get(f"/locations/{LOC}").status_code == 200
    clock.now += 10
    daily = acme.get(f"/locations/{LOC}")
    assert (daily.status_code, daily.headers["x-ratelimit-daily-remaining"]) == (429, "0")
    assert "daily" in daily.json()["message"]
    acme.close()
    other.close()
    on_spec(base, "gohighlevel")


def test_commit_then_drop_on_a_note_and_programmed_faults(
    base: str, ghl: httpx.Client, on_spec: Spec
) -> None:
    contact_id = upsert(ghl, phone=PHONE)["contact"]["id"]
    notes = f"/contacts/{contact_id}/notes"
    ghl.post("/_sandbox/faults", json={"mode": "commit_then_drop", "path": notes})
    with pytest.raises(httpx.TransportError):
        ghl.post(notes, json={"body": "[callstate:k] once"})
    assert [n["body"] for n in ghl.get(notes).json()["notes"]] == ["[callstate:k] once"]
    ghl.post("/_sandbox/faults", json={"path": "/contacts/*/workflow/*", "status": 403})
    refused = ghl.post(f"/contacts/{contact_id}/workflow/any", json={})
    assert (refused.status_code, refused.json()["statusCode"]) == (403, 403)
    ghl.post("/_sandbox/faults", json={"path": "/contacts/upsert", "status": 429})
    assert ghl.post("/contacts/upsert", json={"locationId": LOC}).json()["statusCode"] == 429
    recorded = on_spec(base, "gohighlevel")
    assert [e["fault"] for e in recorded if e["fault"]] == ["commit_then_drop", "status", "status"]


def test_reset_reseeds_and_never_reuses_ids(base: str, ghl: httpx.Client, on_spec: Spec) -> None:
    before = upsert(ghl, phone=PHONE)["contact"]["id"]
    assert ghl.post("/_sandbox/reset").status_code == 200
    assert ghl.get(f"/contacts/{before}").status_code == 404
    assert sales_pipeline(ghl)["stages"][0]["name"] == "New Lead"
    after = upsert(ghl, phone=PHONE)
    assert after["new"] is True and after["contact"]["id"] != before
    on_spec(base, "gohighlevel")


def test_state_survives_a_restart(tmp_path: Path, serve: Callable[[ASGIApp], str]) -> None:
    seeded = replace(
        SANDBOX_LOCATION, custom_fields=({"name": "callstate_intent", "dataType": "TEXT"},)
    )
    first = serve_ghl(serve, tmp_path, locations=(seeded,))
    with client(first) as c:
        contact_id = upsert(c, phone=PHONE)["contact"]["id"]
        fields = c.get(f"/locations/{LOC}/customFields").json()["customFields"]
    second = serve_ghl(serve, tmp_path, locations=(seeded,))  # same state file, new process state
    with client(second) as c:
        assert c.get(f"/contacts/{contact_id}").status_code == 200
        assert upsert(c, phone=PHONE)["new"] is False
        assert c.get(f"/locations/{LOC}/customFields").json()["customFields"] == fields
        assert upsert(c, phone=OTHER_PHONE)["contact"]["id"] != contact_id
        c.post("/_sandbox/reset")
        assert c.get(f"/contacts/{contact_id}").status_code == 404
        assert c.get(f"/locations/{LOC}/customFields").json()["customFields"] == fields


# -- the validator itself -------------------------------------------------------------------


def test_the_validator_catches_off_spec_gohighlevel_exchanges(base: str, ghl: httpx.Client) -> None:
    require_specs()
    upsert(ghl, phone=PHONE)
    (exchange,) = httpx.get(f"{base}/gohighlevel/_sandbox/requests").json()
    validate_exchange("gohighlevel", exchange)

    def rejected(mutate: Callable[[dict[str, Any]], None]) -> str:
        broken = copy.deepcopy(exchange)
        mutate(broken)
        with pytest.raises(AssertionError) as caught:
            validate_exchange("gohighlevel", broken)
        return str(caught.value)

    def numeric_id(e: dict[str, Any]) -> None:
        e["response_json"]["contact"]["id"] = 1001

    assert "$.contact.id" in rejected(numeric_id)
    assert "'locationId' is a required property" in rejected(
        lambda e: e["request_json"].pop("locationId")
    )
    assert "requires ['2021-07-28']" in rejected(lambda e: e["headers"].pop("version"))
    assert "undocumented query" in rejected(lambda e: e.update(query={"x": ["1"]}))
    assert "no documented operation" in rejected(lambda e: e.update(path="/contacts/merge"))
