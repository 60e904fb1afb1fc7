"""`GoHighLevelCrm` against the GoHighLevel emulator over HTTP.

Each method's happy path, what repeating it does, and the failures the executor must tell
apart (Permanent, Unsupported, Transient, RateLimited). Every test ends by validating the
exchanges the connector caused against GoHighLevel's documents (`sandbox.on_spec()`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from callstate.config.secrets import sandbox_secret
from callstate.connectors.errors import Permanent, RateLimited, Transient, Unsupported
from callstate.connectors.gohighlevel.crm import GoHighLevelCrm
from callstate.connectors.gohighlevel.mapping import MAX_NOTE
from callstate.connectors.http import MAX_RETRY_AFTER
from callstate.connectors.ports import ObjectRef
from callstate.domain.call import Direction, Disposition
from callstate.domain.effects import (
    AddTags,
    AssignOwner,
    EnrollSequence,
    EnsureDeal,
    LogCall,
    SetFields,
    UpsertContact,
)
from callstate.domain.outcome import Outcome
from callstate.sandbox.gohighlevel import (
    SANDBOX_LOCATION,
    SANDBOX_LOCATION_ID,
    SANDBOX_TOKEN,
    DuplicateRule,
    GoHighLevelRateLimit,
    LocationSeed,
)
from tests.connectors.gohighlevel.conftest import GhlSandbox

PHONE = "+14155550142"
LOC = SANDBOX_LOCATION_ID
MakeSandbox = Callable[..., GhlSandbox]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


def contact_effect(**overrides: Any) -> UpsertContact:
    values: dict[str, Any] = {
        "key": "call_1:contact",
        "phone": PHONE,
        "name": "Dana Whitfield",
        "email": "dana@example.com",
    }
    return UpsertContact(**{**values, **overrides})


def deal_effect(stage: str, **overrides: Any) -> EnsureDeal:
    values: dict[str, Any] = {
        "key": f"call_1:deal:{stage}",
        "contact": "call_1:contact",
        "deal_key": f"{PHONE}:sales",
        "pipeline": "Sales Pipeline",
        "stage": stage,
        "name": "Dana Whitfield",
        "outcome": Outcome.QUALIFIED,
    }
    return EnsureDeal(**{**values, **overrides})


def log_effect(**overrides: Any) -> LogCall:
    values: dict[str, Any] = {
        "key": "call_1:analyzed:log",
        "contact": "call_1:contact",
        "outcome": Outcome.QUALIFIED,
        "tags": ("qualified",),
        "external_call_id": "call_1",
        "occurred_at": datetime(2026, 11, 24, 14, 50, tzinfo=UTC),
        "title": "Inbound call with Dana Whitfield",
        "summary": "Wants a quote for a roof repair.",
        "transcript": "Agent: Hello\nUser: Hi, my roof leaks.",
        "recording_url": "https://example.com/rec.wav",
        "duration_ms": 133_000,
        "direction": Direction.INBOUND,
        "disposition": Disposition.CONNECTED,
        "from_number": PHONE,
        "to_number": "+14155550100",
    }
    return LogCall(**{**values, **overrides})


def contact_doc(sandbox: GhlSandbox, contact: ObjectRef) -> dict[str, Any]:
    with sandbox.api() as api:
        found: dict[str, Any] = api.get(f"/contacts/{contact.object_id}").json()["contact"]
    return found


def opportunities(sandbox: GhlSandbox) -> list[dict[str, Any]]:
    with sandbox.api() as api:
        found: list[dict[str, Any]] = api.get(
            "/opportunities/search", params={"location_id": LOC, "status": "all"}
        ).json()["opportunities"]
    return found


def create_field(sandbox: GhlSandbox, name: str, data_type: str, **extra: Any) -> str:
    with sandbox.api() as api:
        response = api.post(
            f"/locations/{LOC}/customFields",
            json={"name": f"callstate_{name}", "dataType": data_type, **extra},
        )
    response.raise_for_status()
    field_id: str = response.json()["customField"]["id"]
    return field_id


# -- contacts -----------------------------------------------------------------------------


def test_the_workspace_sandbox_token_is_the_seeded_pit() -> None:
    assert sandbox_secret("GHL_TOKEN") == SANDBOX_TOKEN


def test_upsert_contact_twice_is_one_contact(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    first = crm.upsert_contact(contact_effect())
    again = crm.upsert_contact(contact_effect(name="Dana  Whitfield-Ray"))
    assert first.object_id == again.object_id
    assert (first.detail, again.detail) == ("created", "updated")
    assert first.url == f"{sandbox.base_url}/contacts/{first.object_id}"
    doc = contact_doc(sandbox, first)
    assert (doc["firstName"], doc["lastName"]) == ("Dana", "Whitfield-Ray")
    assert (doc["phone"], doc["email"]) == (PHONE, "dana@example.com")
    bodies = [e["request_json"] for e in sandbox.on_spec() if e["path"] == "/contacts/upsert"]
    assert len(bodies) == 2
    assert all("createNewIfDuplicateAllowed" not in b and "tags" not in b for b in bodies)


def test_upsert_says_what_first_field_wins_dropped(sandbox: GhlSandbox) -> None:
    with sandbox.api() as api:
        api.post("/contacts/upsert", json={"locationId": LOC, "phone": PHONE})
        by_email = api.post(
            "/contacts/upsert", json={"locationId": LOC, "email": "dana@example.com"}
        ).json()["contact"]["id"]
    ref = sandbox.crm().upsert_contact(contact_effect())
    # The location matches email first: the email's contact is updated, the phone stays put.
    assert ref.object_id == by_email
    assert ref.detail == "updated; matched by email; phone …0142 belongs to another contact"
    sandbox.on_spec()


def test_upsert_never_duplicates_where_duplicates_are_allowed(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(duplicate_rule=DuplicateRule(allow_duplicates=True))
    crm = sandbox.crm()
    ids = {crm.upsert_contact(contact_effect()).object_id for _ in range(3)}
    assert len(ids) == 1
    sandbox.on_spec()


# -- custom fields --------------------------------------------------------------------------


def test_set_fields_writes_each_type_and_repeats_harmlessly(sandbox: GhlSandbox) -> None:
    ids = {
        "intent": create_field(sandbox, "intent", "TEXT"),
        "icp_score": create_field(sandbox, "icp_score", "NUMERICAL"),
        "last_call_outcome": create_field(
            sandbox, "last_call_outcome", "SINGLE_OPTIONS", options=[o.value for o in Outcome]
        ),
        "last_call_at": create_field(sandbox, "last_call_at", "DATE"),
        "do_not_call": create_field(sandbox, "do_not_call", "CHECKBOX", options=["Yes"]),
        "icp_reasons": create_field(sandbox, "icp_reasons", "LARGE_TEXT"),
    }
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    effect = SetFields(
        key="call_1:fields",
        contact="call_1:contact",
        values={
            "intent": "roof repair",
            "icp_score": 72,
            "last_call_outcome": "QUALIFIED",
            "last_call_at": datetime(2026, 11, 24, 14, 53, tzinfo=UTC),
            "do_not_call": True,
            "icp_reasons": ("homeowner", "in area"),
        },
    )
    first = crm.set_fields(effect, contact)
    state = contact_doc(sandbox, contact)["customFields"]
    crm.set_fields(effect, contact)
    assert contact_doc(sandbox, contact)["customFields"] == state
    assert first.detail == "set 6 custom fields"
    assert {f["id"]: f["value"] for f in state} == {
        ids["intent"]: "roof repair",
        ids["icp_score"]: 72,
        ids["last_call_outcome"]: "qualified",
        ids["last_call_at"]: "2026-11-24T14:53:00Z",
        ids["do_not_call"]: ["Yes"],
        ids["icp_reasons"]: "homeowner, in area",
    }
    listed = [e for e in sandbox.on_spec() if e["path"].endswith("/customFields")]
    assert [e["method"] for e in listed].count("GET") == 1  # the definitions are cached


def test_a_missing_custom_field_is_permanent_until_created(sandbox: GhlSandbox) -> None:
    create_field(sandbox, "intent", "TEXT")
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    effect = SetFields(
        key="k", contact="c", values={"intent": "quote", "budget": "5k", "timeline": "soon"}
    )
    with pytest.raises(Permanent) as caught:
        crm.set_fields(effect, contact)
    assert "callstate_budget, callstate_timeline" in caught.value.message
    assert "`callstate crm apply` creates it" in caught.value.message
    assert "customFields" not in str(contact_doc(sandbox, contact).get("customFields", []))
    create_field(sandbox, "budget", "TEXT")
    create_field(sandbox, "timeline", "TEXT")
    assert crm.set_fields(effect, contact).detail == "set 3 custom fields"  # re-read, found
    sandbox.on_spec()


def test_a_value_the_field_cannot_hold_is_permanent(sandbox: GhlSandbox) -> None:
    create_field(sandbox, "consent", "SINGLE_OPTIONS", options=["granted", "declined"])
    create_field(sandbox, "icp_score", "NUMERICAL")
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    effect = SetFields(key="k", contact="c", values={"consent": "maybe", "icp_score": "high"})
    with pytest.raises(Permanent) as caught:
        crm.set_fields(effect, contact)
    assert "callstate_consent: 'maybe' is not one of the options" in caught.value.message
    assert "callstate_icp_score: 'high' is not a number" in caught.value.message
    assert not [e for e in sandbox.on_spec() if e["method"] == "PUT"]  # nothing half-written


# -- opportunities ----------------------------------------------------------------------------


def test_ensure_deal_creates_once_and_never_moves_backwards(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    created = crm.ensure_deal(deal_effect("Contacted"), contact)
    assert created.detail == "created at Contacted"
    assert created.facts["stage_label"] == "Contacted"
    assert created.facts["pipeline_label"] == "Sales Pipeline"
    repeated = crm.ensure_deal(deal_effect("Contacted"), contact)
    assert (repeated.object_id, repeated.detail) == (created.object_id, "already at Contacted")

    forward = crm.ensure_deal(deal_effect("qualified"), contact)
    assert forward.detail == "moved Contacted → Qualified"
    back = crm.ensure_deal(deal_effect("New Lead"), contact)
    assert back.detail == "kept Qualified: New Lead would move the deal backwards"
    assert back.facts["stage"] == forward.facts["stage"]
    (deal,) = opportunities(sandbox)
    assert deal["pipelineStageId"] == forward.facts["stage"]

    allowed = crm.ensure_deal(deal_effect("New Lead", allow_backwards=True), contact)
    assert allowed.detail == "moved back Qualified → New Lead (allowed)"
    won = crm.ensure_deal(deal_effect("won"), contact)
    assert (won.facts["stage"], won.detail) == ("won", "moved New Lead → won")
    again = crm.ensure_deal(deal_effect("won"), contact)  # a repeat finds the closed deal
    assert (again.object_id, again.detail) == (created.object_id, "already at won")
    later = crm.ensure_deal(deal_effect("Qualified"), contact)
    assert later.detail == "kept won: Qualified would move the deal backwards"
    assert [(o["id"], o["status"]) for o in opportunities(sandbox)] == [(created.object_id, "won")]
    sandbox.on_spec()


def test_ensure_deal_takes_ids_and_the_default_pipeline(sandbox: GhlSandbox) -> None:
    with sandbox.api() as api:
        pipeline = api.get("/opportunities/pipelines", params={"locationId": LOC}).json()
    sales = pipeline["pipelines"][0]
    stage = sales["stages"][2]
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    ref = crm.ensure_deal(deal_effect(stage["id"], pipeline="default"), contact)
    assert ref.facts == {
        "stage": stage["id"],
        "pipeline": sales["id"],
        "stage_label": "Qualified",
        "pipeline_label": "Sales Pipeline",
    }
    with pytest.raises(Permanent, match="has no stage 'Negotiation'"):
        crm.ensure_deal(deal_effect("Negotiation"), contact)
    with pytest.raises(Permanent, match="no pipeline 'Renewals'"):
        crm.ensure_deal(deal_effect("Qualified", pipeline="Renewals"), contact)
    sandbox.on_spec()


def test_ensure_deal_adopts_an_opportunity_a_person_created(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    with sandbox.api() as api:
        sales = api.get("/opportunities/pipelines", params={"locationId": LOC}).json()
        body = {
            "pipelineId": sales["pipelines"][0]["id"],
            "locationId": LOC,
            "name": "Dana (by hand)",
            "status": "open",
            "contactId": contact.object_id,
        }
        by_hand = api.post("/opportunities/", json=body).json()["opportunity"]["id"]
    ref = crm.ensure_deal(deal_effect("Qualified"), contact)
    assert (ref.object_id, ref.detail) == (by_hand, "moved New Lead → Qualified")
    sandbox.on_spec()


# -- owners -----------------------------------------------------------------------------------


def test_assign_owner_sets_contact_and_deal_and_sticks(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    deal = crm.ensure_deal(deal_effect("Contacted"), contact)
    effect = AssignOwner(key="k", contact="c", owner_email="SAM@acme.test")
    sam = crm.assign_owner(effect, contact, deal)
    assert (sam.facts, sam.detail) == ({"owner_email": "sam@acme.test"}, "assigned sam@acme.test")
    assert contact_doc(sandbox, contact)["assignedTo"] == sam.object_id
    assert opportunities(sandbox)[0]["assignedTo"] == sam.object_id
    assert crm.assign_owner(effect, contact, deal).detail == "already owned by sam@acme.test"

    riley = AssignOwner(key="k2", contact="c", owner_email="riley@acme.test")
    kept = crm.assign_owner(riley, contact, deal)
    assert (kept.object_id, kept.facts["owner_email"]) == (sam.object_id, "sam@acme.test")
    assert kept.detail == "kept owner sam@acme.test"
    moved = crm.assign_owner(riley.model_copy(update={"sticky": False}), contact, deal)
    assert moved.facts["owner_email"] == "riley@acme.test"
    assert contact_doc(sandbox, contact)["assignedTo"] == moved.object_id
    assert opportunities(sandbox)[0]["assignedTo"] == moved.object_id
    sandbox.on_spec()


def test_an_unknown_owner_email_is_permanent(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    effect = AssignOwner(key="k", contact="c", owner_email="nobody@acme.test")
    with pytest.raises(Permanent, match=r"no GoHighLevel user with email nobody@acme\.test"):
        crm.assign_owner(effect, contact, None)
    assert "assignedTo" not in contact_doc(sandbox, contact)
    sandbox.on_spec()


# -- tags, workflows ---------------------------------------------------------------------------


def test_add_tags_is_a_union(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    with sandbox.api() as api:
        api.post(f"/contacts/{contact.object_id}/tags", json={"tags": ["vip"]})
    effect = AddTags(key="k", contact="c", tags=("qualified", "callback"))
    first = crm.add_tags(effect, contact)
    again = crm.add_tags(effect, contact)
    assert first.facts == again.facts == {"tags": "vip;qualified;callback"}
    assert contact_doc(sandbox, contact)["tags"] == ["vip", "qualified", "callback"]
    sandbox.on_spec()


def test_enroll_by_name_or_id(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    by_name = EnrollSequence(
        key="k", contact="c", sequence="Post-call follow-up", owner_email="sam@acme.test"
    )
    ref = crm.enroll(by_name, contact, "sam@acme.test")
    assert ref.detail == "enrolled in workflow Post-call follow-up"
    by_id = by_name.model_copy(update={"sequence": ref.object_id})
    assert crm.enroll(by_id, contact, "sam@acme.test").object_id == ref.object_id
    enrolments = sandbox.app.state.activity.enrolments(contact.object_id)
    assert [e["workflowId"] for e in enrolments] == [ref.object_id, ref.object_id]
    with pytest.raises(Permanent, match="no workflow 'Winback'"):
        crm.enroll(by_name.model_copy(update={"sequence": "Winback"}), contact, "sam@acme.test")
    sandbox.on_spec()


def test_a_workflow_refused_with_403_is_unsupported(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    sandbox.fault(method="POST", path="/contacts/*/workflow/*", status=403)
    effect = EnrollSequence(
        key="k", contact="c", sequence="Post-call follow-up", owner_email="sam@acme.test"
    )
    with pytest.raises(Unsupported) as caught:
        crm.enroll(effect, contact, "sam@acme.test")
    assert caught.value.status == 403
    assert sandbox.app.state.activity.enrolments(contact.object_id) == []
    sandbox.on_spec()


def test_a_token_without_the_scope_cannot_enrol(make_sandbox: MakeSandbox) -> None:
    # A PIT that may list workflows but lacks contacts.write, which enrolment needs.
    narrow = replace(SANDBOX_LOCATION, scopes=frozenset({"workflows.readonly"}))
    sandbox = make_sandbox(locations=(narrow,))
    crm = sandbox.crm()
    contact = ObjectRef("gohighlevel", "any-contact")
    effect = EnrollSequence(
        key="k", contact="c", sequence="Post-call follow-up", owner_email="sam@acme.test"
    )
    with pytest.raises(Unsupported, match="not authorized for this scope"):
        crm.enroll(effect, contact, "sam@acme.test")
    sandbox.on_spec()


# -- call logs ---------------------------------------------------------------------------------


def test_log_call_writes_one_marked_note(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    ref = crm.log_call(log_effect(), contact, None, recover=False)
    with sandbox.api() as api:
        note = api.get(f"/contacts/{contact.object_id}/notes/{ref.object_id}").json()["note"]
    assert note["body"].splitlines()[:3] == [
        "Inbound call with Dana Whitfield",
        "[callstate:call_1:analyzed:log]",
        "Qualified · connected · inbound · 2m 13s",
    ]
    for part in ("Recording: https://example.com/rec.wav", "Wants a quote", "my roof leaks"):
        assert part in note["body"]
    recovered = crm.log_call(log_effect(), contact, None, recover=True)
    assert (recovered.object_id, recovered.detail) == (
        ref.object_id,
        "found the note of an earlier attempt",
    )
    sandbox.on_spec()


def test_a_dropped_note_create_is_recovered_not_repeated(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    notes = f"/contacts/{contact.object_id}/notes"
    sandbox.fault(mode="commit_then_drop", method="POST", path=notes)
    with pytest.raises(Transient):
        crm.log_call(log_effect(), contact, None, recover=False)
    recovered = crm.log_call(log_effect(), contact, None, recover=True)
    with sandbox.api() as api:
        listed = api.get(notes).json()["notes"]
    assert [n["id"] for n in listed] == [recovered.object_id]
    other_call = crm.log_call(log_effect(key="call_2:analyzed:log"), contact, None, recover=True)
    assert other_call.object_id != recovered.object_id  # recovery looks for this key only
    exchanges = sandbox.on_spec()
    assert [e["fault"] for e in exchanges if e["method"] == "POST" and e["path"] == notes] == [
        "commit_then_drop",
        None,
    ]


def test_a_long_transcript_is_cut_with_a_notice(sandbox: GhlSandbox) -> None:
    crm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    transcript = "User: " + "words " * 20_000
    ref = crm.log_call(log_effect(transcript=transcript), contact, None, recover=False)
    with sandbox.api() as api:
        body = api.get(f"/contacts/{contact.object_id}/notes/{ref.object_id}").json()["note"][
            "body"
        ]
    assert len(body) <= MAX_NOTE
    assert "[callstate:call_1:analyzed:log]" in body
    assert f"of {len(transcript):,} characters" in body
    assert body.endswith("the recording has the whole call]")
    sandbox.on_spec()


# -- errors ------------------------------------------------------------------------------------


def test_429_is_rate_limited_with_the_interval(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate_limit=GoHighLevelRateLimit(max_per_interval=1), clock=FakeClock())
    crm = sandbox.crm()
    crm.upsert_contact(contact_effect())
    with pytest.raises(RateLimited) as caught:
        crm.upsert_contact(contact_effect())
    assert caught.value.retry_after == 10.0
    sandbox.on_spec()


def test_429_honours_retry_after_and_the_daily_budget(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(rate_limit=GoHighLevelRateLimit(daily=1), clock=FakeClock())
    crm = sandbox.crm()
    sandbox.fault(path="/contacts/upsert", status=429, retry_after=7)
    with pytest.raises(RateLimited) as told:
        crm.upsert_contact(contact_effect())
    assert told.value.retry_after == 7.0
    crm.upsert_contact(contact_effect())
    with pytest.raises(RateLimited) as daily:
        crm.upsert_contact(contact_effect())
    assert daily.value.retry_after == MAX_RETRY_AFTER  # parked until the day resets
    sandbox.on_spec()


def test_errors_are_classified_with_the_vendor_message(make_sandbox: MakeSandbox) -> None:
    other = LocationSeed(id="loc_other", company_id="cmp_other", name="Other", token="pit-other")
    sandbox = make_sandbox(locations=(SANDBOX_LOCATION, other))
    crm = sandbox.crm()
    sandbox.fault(path="/contacts/upsert", status=503)
    with pytest.raises(Transient) as unwell:
        crm.upsert_contact(contact_effect())
    assert not isinstance(unwell.value, Permanent) and unwell.value.status == 503
    contact = crm.upsert_contact(contact_effect())

    stranger = sandbox.crm(location_id="loc_other")  # the workspace token is acme's
    with pytest.raises(Permanent) as caught:
        stranger.upsert_contact(contact_effect())
    assert caught.value.status == 403
    assert "The token does not have access to this location." in caught.value.message
    assert "traceId" in caught.value.message

    with pytest.raises(Permanent) as missing:
        crm.log_call(log_effect(), ObjectRef("gohighlevel", "gone"), None, recover=True)
    assert missing.value.status == 404
    assert crm.log_call(log_effect(), contact, None, recover=True).object_id
    sandbox.on_spec()


def test_every_request_carries_the_version_header(sandbox: GhlSandbox) -> None:
    crm: GoHighLevelCrm = sandbox.crm()
    contact = crm.upsert_contact(contact_effect())
    crm.ensure_deal(deal_effect("Contacted"), contact)
    headers = [e["headers"] for e in sandbox.on_spec()]
    assert {h.get("version") for h in headers} == {"2021-07-28"}
    assert all("authorization" not in h for h in headers)  # the recorder never keeps tokens
    assert httpx.get(f"{sandbox.base_url}/_sandbox/faults").json() == []
