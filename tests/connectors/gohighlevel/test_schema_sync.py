"""`crm plan/apply` against the GoHighLevel emulator: missing → created, conflicts left alone.

Every test ends by validating the exchanges against GoHighLevel's documents (`on_spec()`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callstate.cli.main import app
from callstate.config.model import GoHighLevelConfig, Workspace
from callstate.connectors.gohighlevel.client import GoHighLevelHttp
from callstate.connectors.gohighlevel.schema_sync import GoHighLevelSchema
from callstate.connectors.registry import build_schema
from callstate.connectors.schema import SchemaItem, SchemaState
from callstate.domain.effects import SetFields, UpsertContact
from callstate.domain.fields import CATALOGUE, FieldType
from callstate.sandbox.gohighlevel import SANDBOX_LOCATION, SANDBOX_LOCATION_ID
from tests.connectors.gohighlevel.conftest import GhlSandbox

LOC = SANDBOX_LOCATION_ID
MakeSandbox = Callable[..., GhlSandbox]
SERVICES: dict[str, Any] = {
    "name": "services",
    "label": "Services",
    "type": "multi",
    "options": ["roof", "gutters"],
}
RAW: dict[str, Any] = {
    "id": "acme",
    "name": "Acme",
    "retell": {"api_key": "${RETELL_API_KEY}"},
    "crm": {"kind": "gohighlevel", "token": "${GHL_TOKEN}", "location_id": LOC},
    "chat": {"kind": "slack", "bot_token": "${SLACK_BOT_TOKEN}"},
    "team": [{"email": "sam@acme.test", "name": "Sam Ortiz"},
             {"email": "ghost@acme.test", "name": "Not In GoHighLevel"}],
    "audiences": [
        {
            "id": "inbound",
            "name": "Inbound",
            "default": True,
            "notify_channel": "sales",
            "crm": {
                "pipeline": "sales pipeline",
                "stages": {"meeting_booked": "Appointment Booked", "qualified": "nowhere",
                           "not_interested": "lost"},
                "tags": {"meeting_booked": ["hot-lead"]},
                "custom_fields": [SERVICES],
            },
        },
        {
            "id": "outbound",
            "name": "Outbound",
            "notify_channel": "sales",
            "crm": {"pipeline": "Reactivation", "stages": {"qualified": "Qualified"},
                    "fields": ["intent"]},
        },
    ],
}  # fmt: skip


def workspace(raw: dict[str, Any], base_url: str) -> Workspace:
    crm = {**raw["crm"], "base_url": base_url}
    return Workspace.model_validate({**raw, "crm": crm}, context={"env": {}, "sandbox": True})


def states(items: list[SchemaItem]) -> dict[tuple[str, str], SchemaState]:
    return {(i.object, i.name): i.state for i in items}


def field_docs(sandbox: GhlSandbox) -> dict[str, dict[str, Any]]:
    with sandbox.api() as client:
        listed = client.get(f"/locations/{LOC}/customFields", params={"model": "contact"})
    return {f["name"]: f for f in listed.json()["customFields"]}


@pytest.fixture
def schemas() -> Iterator[Callable[[Workspace], GoHighLevelSchema]]:
    made: list[GoHighLevelSchema] = []

    def make(ws: Workspace) -> GoHighLevelSchema:
        assert isinstance(ws.crm, GoHighLevelConfig)
        token = ws.crm.token.get_secret_value()
        made.append(GoHighLevelSchema(ws.crm, GoHighLevelHttp(ws.crm.base_url, token)))
        return made[-1]

    yield make
    for schema in made:
        schema.close()


def test_plan_then_apply_then_only_manual_left(
    sandbox: GhlSandbox, schemas: Callable[[Workspace], GoHighLevelSchema]
) -> None:
    ws = workspace(RAW, sandbox.base_url)
    schema = schemas(ws)
    names = {f"callstate_{n}" for n in CATALOGUE} | {"callstate_services"}
    before = schema.plan(ws)
    assert {i.name for i in before if i.object == "contacts"} == names
    assert all(i.state is SchemaState.MISSING for i in before if i.object == "contacts")
    assert not [i for i in before if "tag" in i.name]  # tags need no schema in GoHighLevel
    manual = {
        ("pipelines", "Sales Pipeline/nowhere"): SchemaState.MANUAL,
        ("pipelines", "Reactivation"): SchemaState.MANUAL,
        ("users", "ghost@acme.test"): SchemaState.MANUAL,
    }
    found = states(before)
    assert found[("pipelines", "Sales Pipeline/Appointment Booked")] is SchemaState.OK
    assert found[("pipelines", "Sales Pipeline/lost")] is SchemaState.OK  # a status, not a stage
    assert found[("users", "sam@acme.test")] is SchemaState.OK
    assert {k: v for k, v in found.items() if v is SchemaState.MANUAL} == manual
    assert field_docs(sandbox) == {}  # plan only reads

    applied = states(schema.apply(ws))
    assert {k for k, v in applied.items() if v is SchemaState.CREATED} == {
        ("contacts", n) for n in names
    }
    docs = field_docs(sandbox)
    kinds = {
        FieldType.TEXT: "TEXT",
        FieldType.LONG_TEXT: "LARGE_TEXT",
        FieldType.NUMBER: "NUMERICAL",
        FieldType.BOOL: "RADIO",
        FieldType.DATETIME: "DATE",
        FieldType.ENUM: "SINGLE_OPTIONS",
    }
    assert {n: docs[f"callstate_{n}"]["dataType"] for n in CATALOGUE} == {
        n: kinds[spec.type] for n, spec in CATALOGUE.items()
    }
    assert docs["callstate_do_not_call"]["picklistOptions"] == ["Yes", "No"]
    assert docs["callstate_consent"]["picklistOptions"] == ["granted", "declined", "unknown"]
    assert docs["callstate_services"]["dataType"] == "MULTIPLE_OPTIONS"
    assert {d["fieldKey"] for d in docs.values()} == {f"contact.{n}" for n in names}

    after = states(schema.plan(ws))
    assert {k: v for k, v in after.items() if v is not SchemaState.OK} == manual
    assert states(schema.apply(ws)) == after  # repeating creates nothing
    exchanges = sandbox.on_spec()
    posts = [e for e in exchanges if e["method"] == "POST"]
    assert len(posts) == len(names)
    assert all(e["request_json"]["model"] == "contact" for e in posts)
    assert all(e["status"] == 201 for e in posts)
    assert not [e for e in exchanges if e["method"] in ("PUT", "DELETE")]


def test_a_conflicting_field_is_reported_and_left_alone(
    make_sandbox: MakeSandbox, schemas: Callable[[Workspace], GoHighLevelSchema]
) -> None:
    seeded = (
        {"name": "callstate_icp_score", "dataType": "TEXT"},
        {"name": "callstate_consent", "dataType": "SINGLE_OPTIONS", "options": ["Granted"]},
        {"name": "callstate_intent", "dataType": "LARGE_TEXT"},  # text either way: fine
    )
    location = replace(SANDBOX_LOCATION, custom_fields=seeded)
    sandbox = make_sandbox(locations=(location,))
    raw = {**RAW, "team": [], "audiences": [RAW["audiences"][0] | {"crm": {}}]}
    ws = workspace(raw, sandbox.base_url)
    schema = schemas(ws)
    before = {i.name: i for i in schema.plan(ws)}
    score, consent = before["callstate_icp_score"], before["callstate_consent"]
    assert score.state is SchemaState.CONFLICT
    assert "is TEXT, needs NUMERICAL" in score.detail
    assert consent.state is SchemaState.CONFLICT
    assert "options ['declined', 'unknown'] missing" in consent.detail  # matched ignoring case
    assert not consent.can_create
    assert before["callstate_intent"].state is SchemaState.OK

    applied = {i.name: i.state for i in schema.apply(ws)}
    assert applied["callstate_icp_score"] is SchemaState.CONFLICT
    assert applied["callstate_budget"] is SchemaState.CREATED
    docs = field_docs(sandbox)
    assert docs["callstate_icp_score"]["dataType"] == "TEXT"
    assert docs["callstate_consent"]["picklistOptions"] == ["Granted"]
    posted = {e["request_json"]["name"] for e in sandbox.on_spec() if e["method"] == "POST"}
    assert not posted & {f["name"] for f in seeded}


def test_after_apply_set_fields_writes_every_field_type(
    sandbox: GhlSandbox, schemas: Callable[[Workspace], GoHighLevelSchema]
) -> None:
    ws = workspace(RAW, sandbox.base_url)
    schemas(ws).apply(ws)
    values: dict[str, Any] = {
        "intent": "roof repair",  # text
        "need": "a new roof",  # long text
        "icp_reasons": ("homeowner", "in area"),  # long text from a tuple
        "icp_score": 72,  # number
        "do_not_call": True,  # bool
        "last_call_at": datetime(2026, 11, 24, 14, 53, tzinfo=UTC),  # datetime
        "last_call_outcome": "meeting_booked",  # enum
        "services": ("roof", "gutters"),  # multi (an audience's custom field)
    }
    covered = {CATALOGUE[n].type for n in values if n in CATALOGUE} | {FieldType(SERVICES["type"])}
    assert covered == set(FieldType)
    crm = sandbox.crm()
    contact = crm.upsert_contact(UpsertContact(key="c1:contact", phone="+14155550142"))
    done = crm.set_fields(SetFields(key="c1:fields", contact="c1:contact", values=values), contact)
    assert done.detail == f"set {len(values)} custom fields"
    no = SetFields(key="c2:fields", contact="c1:contact", values={"do_not_call": False})
    crm.set_fields(no, contact)
    with sandbox.api() as client:
        stored = client.get(f"/contacts/{contact.object_id}").json()["contact"]["customFields"]
    ids = {d["id"]: name.removeprefix("callstate_") for name, d in field_docs(sandbox).items()}
    assert {ids[f["id"]]: f["value"] for f in stored} == {
        "intent": "roof repair",
        "need": "a new roof",
        "icp_reasons": "homeowner, in area",
        "icp_score": 72,
        "do_not_call": "No",
        "last_call_at": "2026-11-24T14:53:00Z",
        "last_call_outcome": "meeting_booked",
        "services": ["roof", "gutters"],
    }
    sandbox.on_spec()


def test_build_schema_points_at_the_location(sandbox: GhlSandbox) -> None:
    ws = workspace({**RAW, "team": []}, "https://services.leadconnectorhq.com")
    schema = build_schema(ws, sandbox.base_url)
    try:
        assert isinstance(schema, GoHighLevelSchema)
        assert SchemaState.MISSING in {i.state for i in schema.plan(ws)}
    finally:
        schema.close()
    sandbox.on_spec()


def test_cli_exit_codes_tell_work_left_from_in_sync(
    sandbox: GhlSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme.yaml").write_text(
        "id: acme\nname: Acme\nretell: {api_key: '${RETELL_API_KEY}'}\n"
        f"crm: {{kind: gohighlevel, token: '${{GHL_TOKEN}}', location_id: {LOC}}}\n"
        "chat: {kind: slack, bot_token: '${SLACK}'}\n"
        "audiences: [{id: inbound, name: Inbound, default: true, notify_channel: sales}]\n"
    )
    monkeypatch.delenv("CALLSTATE_SANDBOX", raising=False)
    monkeypatch.delenv("GHL_TOKEN", raising=False)
    args = ["--workspace", "acme", "--config", str(tmp_path)]
    args += ["--crm-url", sandbox.base_url, "--sandbox"]
    runner = CliRunner()
    planned = runner.invoke(app, ["crm", "plan", *args])
    assert planned.exit_code == 3, planned.output
    assert "callstate_intent" in planned.output and "missing" in planned.output
    applied = runner.invoke(app, ["crm", "apply", *args])
    assert applied.exit_code == 0, applied.output
    again = runner.invoke(app, ["crm", "plan", *args])
    assert again.exit_code == 0, again.output
    assert len(field_docs(sandbox)) == len(CATALOGUE)
    sandbox.on_spec()
