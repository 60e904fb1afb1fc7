"""`crm plan/apply` against the HubSpot emulator: missing → created, options added, never lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from callstate.cli.main import app
from callstate.config.model import HubSpotConfig, Workspace
from callstate.connectors.hubspot.client import HubSpotHttp
from callstate.connectors.hubspot.schema_sync import HubSpotSchema
from callstate.connectors.schema import SchemaState
from callstate.domain.outcome import Outcome

WORKSPACE = Workspace.model_validate(
    {
        "id": "acme",
        "name": "Acme",
        "retell": {"api_key": "${RETELL_API_KEY}"},
        "crm": {"kind": "hubspot", "token": "${HUBSPOT_TOKEN}"},
        "chat": {"kind": "slack", "bot_token": "${SLACK_BOT_TOKEN}"},
        "team": [{"email": "sam@acme.test", "name": "Sam Rivera"},
                 {"email": "ghost@acme.test", "name": "Not In HubSpot"}],
        "audiences": [
            {
                "id": "inbound",
                "name": "Inbound",
                "default": True,
                "notify_channel": "sales",
                "crm": {
                    "stages": {"meeting_booked": "Appointment Scheduled", "qualified": "nowhere"},
                    "tags": {"meeting_booked": ["hot-lead", "booked"]},
                    "fields": ["intent", "icp_score"],
                },
            }
        ],
    },
    context={"env": {}, "sandbox": True},
)  # fmt: skip
OWNERS = [{"id": "75001", "userId": 9001, "email": "sam@acme.test", "firstName": "Sam"}]
TAGS = {
    "name": "callstate_tags",
    "label": "Tags (callstate)",
    "type": "enumeration",
    "fieldType": "checkbox",
    "groupName": "contactinformation",
    "options": [{"label": "Hot lead!", "value": "hot-lead", "displayOrder": 0, "hidden": False}],
}


@pytest.fixture
def hubspot(make_sandbox: Callable[..., str]) -> str:
    base = make_sandbox(hubspot_properties={"contacts": [TAGS]}, hubspot_owners=OWNERS)
    return base + "/hubspot"


def states(items: list[Any]) -> dict[tuple[str, str], SchemaState]:
    return {(i.object, i.name): i.state for i in items}


@pytest.fixture
def schema(hubspot: str) -> Iterator[HubSpotSchema]:
    assert isinstance(WORKSPACE.crm, HubSpotConfig)
    synced = HubSpotSchema(WORKSPACE.crm, HubSpotHttp(hubspot, "sandbox"))
    yield synced
    synced.close()


def test_plan_then_apply_then_nothing_left(hubspot: str, schema: HubSpotSchema) -> None:
    before = states(schema.plan(WORKSPACE))
    assert before[("contacts", "callstate_e164")] is SchemaState.MISSING
    assert before[("contacts", "callstate_intent")] is SchemaState.MISSING
    assert before[("contacts", "callstate_tags")] is SchemaState.ADD_OPTIONS
    assert before[("deals", "callstate_deal_key")] is SchemaState.MISSING
    assert before[("pipelines", "Sales Pipeline/Appointment Scheduled")] is SchemaState.OK
    assert before[("pipelines", "Sales Pipeline/nowhere")] is SchemaState.MANUAL
    assert before[("users", "sam@acme.test")] is SchemaState.OK
    assert before[("users", "ghost@acme.test")] is SchemaState.MANUAL
    assert ("contacts", "callstate_budget") not in before  # not among the audience's fields

    applied = states(schema.apply(WORKSPACE))
    assert applied[("contacts", "callstate_e164")] is SchemaState.CREATED
    after = states(schema.plan(WORKSPACE))
    assert {k: v for k, v in after.items() if v is not SchemaState.OK} == {
        ("pipelines", "Sales Pipeline/nowhere"): SchemaState.MANUAL,
        ("users", "ghost@acme.test"): SchemaState.MANUAL,
    }
    tags = httpx.get(
        f"{hubspot}/crm/v3/properties/contacts/callstate_tags",
        headers={"authorization": "Bearer sandbox"},
    ).json()
    assert [(o["value"], o["label"]) for o in tags["options"]] == [
        ("hot-lead", "Hot lead!"),  # the portal's own label survives
        ("booked", "Booked"),
        ("meeting-cancelled", "Meeting-cancelled"),  # a cancellation in the calendar tags it
    ]
    key = httpx.get(
        f"{hubspot}/crm/v3/properties/contacts/callstate_e164",
        headers={"authorization": "Bearer sandbox"},
    ).json()
    assert key["hasUniqueValue"] is True
    assert Outcome.MEETING_BOOKED in WORKSPACE.audiences[0].crm.stages


def test_cli_exit_codes_tell_work_left_from_in_sync(
    hubspot: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "acme.yaml"
    config.write_text(
        "id: acme\nname: Acme\nretell: {api_key: '${RETELL_API_KEY}'}\n"
        "crm: {kind: hubspot, token: '${HUBSPOT_TOKEN}'}\n"
        "chat: {kind: slack, bot_token: '${SLACK}'}\n"
        "audiences: [{id: inbound, name: Inbound, default: true, notify_channel: sales}]\n"
    )
    monkeypatch.delenv("CALLSTATE_SANDBOX", raising=False)
    args = ["--workspace", "acme", "--config", str(tmp_path), "--crm-url", hubspot, "--sandbox"]
    runner = CliRunner()
    planned = runner.invoke(app, ["crm", "plan", *args])
    assert planned.exit_code == 3, planned.output
    assert "callstate_e164" in planned.output and "missing" in planned.output
    assert runner.invoke(app, ["crm", "apply", *args]).exit_code == 0
    again = runner.invoke(app, ["crm", "plan", *args])
    assert again.exit_code == 0, again.output
