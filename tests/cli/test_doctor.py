"""`callstate doctor` against the emulators, served under `/sandbox` as `serve --sandbox` does:
what it reports, the words it uses, and its exit codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from fastapi import FastAPI
from typer.testing import CliRunner

from callstate.cli.main import app
from callstate.config.model import GoHighLevelConfig, Workspace
from callstate.connectors.gohighlevel.client import GoHighLevelHttp
from callstate.connectors.gohighlevel.schema_sync import GoHighLevelSchema
from callstate.connectors.schema import SchemaState
from callstate.sandbox.app import create_sandbox_app, mount_vendors
from callstate.sandbox.gohighlevel import SANDBOX_LOCATION, create_gohighlevel_app
from callstate.sandbox.hubspot.owners import seeds_for_team
from tests.sandbox.conftest import E164_PROPERTY, SLACK_CHANNELS, serve

__all__ = ["serve"]
# callstate needs no unique call key (HubSpot unique values on calls are unverified).
CONTACT_KEY_ONLY = {"contacts": [E164_PROPERTY]}
ACME_TEAM = {"sam.rivera@acme-roofing.test": "Sam Rivera", "jo.chen@acme-roofing.test": "Jo Chen"}


def served_like_serve(serve: Callable[[Any], str], **options: Any) -> int:
    """The sandbox under `/sandbox` with acme's team as owners; the port to give `--port`."""
    options.setdefault("hubspot_properties", CONTACT_KEY_ONLY)
    options.setdefault("hubspot_owners", seeds_for_team(ACME_TEAM))
    options.setdefault("slack_channels", SLACK_CHANNELS)
    root = FastAPI()
    root.mount("/sandbox", create_sandbox_app(None, **options))
    return int(serve(root).rsplit(":", 1)[1])


def doctor(port: int) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["doctor", "--sandbox", "--port", str(port), "-w", "acme"], env={"COLUMNS": "240"}
    )
    return result.exit_code, result.output


def test_doctor_says_what_to_do_until_the_workspace_is_ready(
    serve: Callable[[Any], str],
) -> None:
    port = served_like_serve(serve)
    code, output = doctor(port)
    assert code == 3, output
    assert "crm.objects.contacts.read" in output
    assert "callstate_roof_age_years" in output  # a custom field the inbound audience writes
    assert "callstate crm apply --workspace acme" in output

    crm_url = f"http://127.0.0.1:{port}/sandbox/hubspot"
    applied = CliRunner().invoke(
        app, ["crm", "apply", "-w", "acme", "--sandbox", "--crm-url", crm_url]
    )
    assert applied.exit_code == 0, applied.output
    code, output = doctor(port)
    assert code == 0, output
    assert "all checks passed" in output


def test_a_channel_the_bot_cannot_see_is_reported(serve: Callable[[Any], str]) -> None:
    port = served_like_serve(serve, slack_channels=("general",))
    code, output = doctor(port)
    assert code == 3, output
    assert "#acme-sales" in output and "invite the bot" in output


def test_a_missing_hubspot_scope_is_named_with_what_it_is_for(
    serve: Callable[[Any], str],
) -> None:
    port = served_like_serve(serve)
    refusal = {
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call.",
        "category": "MISSING_SCOPES",
        "errors": [{"message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": ["crm.objects.owners.read"]}}],
    }  # fmt: skip
    httpx.post(
        f"http://127.0.0.1:{port}/sandbox/hubspot/_sandbox/faults",
        json={"method": "GET", "path": "/crm/owners/2026-09", "status": 403, "body": refusal},
    ).raise_for_status()
    code, output = doctor(port)
    assert code == 3, output
    assert "crm.objects.owners.read" in output
    assert "denied" in output and "assign owners by email" in output


def test_a_rejected_token_is_exit_1(serve: Callable[[Any], str]) -> None:
    port = served_like_serve(
        serve, hubspot_properties=CONTACT_KEY_ONLY, slack_channels=SLACK_CHANNELS
    )
    httpx.post(
        f"http://127.0.0.1:{port}/sandbox/hubspot/_sandbox/faults",
        json={
            "status": 401,
            "times": None,
            "body": {
                "status": "error",
                "message": "Authentication credentials not found.",
                "category": "INVALID_AUTHENTICATION",
            },
        },
    ).raise_for_status()
    code, output = doctor(port)
    assert code == 1, output
    assert "cannot check" in output and "hubspot" in output


def test_gohighlevel_scopes_missing_from_the_token_are_denied(
    serve: Callable[[Any], str],
) -> None:
    narrow = replace(
        SANDBOX_LOCATION,
        scopes=frozenset({"locations.readonly", "contacts.readonly", "contacts.write"}),
    )
    base = serve(
        mount_vendors(
            None, {"gohighlevel": lambda s: create_gohighlevel_app(s, locations=(narrow,))}
        )
    )
    workspace = Workspace.model_validate(
        {
            "id": "ghl",
            "name": "GHL client",
            "retell": {"api_key": "${RETELL_API_KEY}"},
            "crm": {"kind": "gohighlevel", "token": "${GHL_TOKEN}", "location_id": narrow.id},
            "chat": {"kind": "slack", "bot_token": "${SLACK_BOT_TOKEN}"},
            "team": [{"email": "sam@acme.test", "name": "Sam Ortiz"}],
            "audiences": [
                {"id": "in", "name": "In", "default": True, "notify_channel": "sales",
                 "crm": {"stages": {"meeting_booked": "Appointment Booked"}}}
            ],
        },
        context={"env": {"GHL_TOKEN": narrow.token}, "sandbox": True},
    )  # fmt: skip
    assert isinstance(workspace.crm, GoHighLevelConfig)
    schema = GoHighLevelSchema(workspace.crm, GoHighLevelHttp(f"{base}/gohighlevel", narrow.token))
    try:
        items = {i.name: i for i in schema.access(workspace)}
    finally:
        schema.close()
    assert items["contacts.readonly"].state is SchemaState.OK
    for scope in ("locations/customFields.readonly", "opportunities.readonly", "users.readonly"):
        assert items[scope].state is SchemaState.DENIED, items[scope]
        assert "grant it to the GoHighLevel app" in items[scope].detail


def test_a_missing_slack_scope_is_named_with_what_it_is_for(
    serve: Callable[[Any], str],
) -> None:
    """Read from `auth.test`'s `X-OAuth-Scopes`, before any call needs the scope."""
    port = served_like_serve(serve)
    crm_url = f"http://127.0.0.1:{port}/sandbox/hubspot"
    applied = CliRunner().invoke(
        app, ["crm", "apply", "-w", "acme", "--sandbox", "--crm-url", crm_url]
    )
    assert applied.exit_code == 0, applied.output
    slack = f"http://127.0.0.1:{port}/sandbox/slack/_sandbox/scopes"
    granted = [s for s in httpx.get(slack).json()["scopes"] if s not in ("users:read.email",)]
    httpx.post(slack, json={"scopes": granted}).raise_for_status()
    code, output = doctor(port)
    assert code == 3, output
    assert "scope users:read.email" in output and "denied" in output
    assert "find owners by email to DM them" in output
    assert "1 thing(s) to fix" in output
