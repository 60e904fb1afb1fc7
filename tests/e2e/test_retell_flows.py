"""Retell end to end on the sandbox, through the product's own entry points: `callstate agents
apply` writes the example's agents to the workspace's emulated Retell account, the outbound API
places a call that reaches voicemail and is redialled by the cadence, an inbound call after hours
is answered by the after-hours agent, and `callstate reconcile` recovers a call whose webhooks
were all lost, once. Both stores (the `server` fixture runs on each)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from callstate.cli.main import app
from callstate.connectors.retell.rest import RetellRest
from callstate.domain.call import CallStatus
from callstate.storage.agents import VoiceAgents
from callstate.storage.db import make_engine
from tests.e2e.conftest import eventually, every_message, hubspot_objects
from tests.e2e.server import API_KEY, ServerProcess

pytestmark = pytest.mark.slow
EXAMPLE = Path(__file__).parents[2] / "src" / "callstate" / "examples" / "acme.yaml"
NEW_YORK = ZoneInfo("America/New_York")


def cli(server: ServerProcess, *args: str) -> str:
    env = {
        "RETELL_API_KEY": API_KEY,
        "CALLSTATE_DATABASE_URL": server.database_url,
        "COLUMNS": "250",
    }
    common = ["--sandbox", "--port", str(server.port), "--data-dir", str(server.data_dir)]
    result = CliRunner().invoke(app, [*args, *common], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def retell(server: ServerProcess) -> RetellRest:
    return RetellRest(API_KEY, base_url=f"{server.base_url}/sandbox/retell/acme")


def control(server: ServerProcess, action: str, body: Any) -> Any:
    response = httpx.post(
        f"{server.base_url}/sandbox/retell/acme/_sandbox/{action}", json=body, timeout=60
    )
    response.raise_for_status()
    return response.json()


def place(server: ServerProcess, number: str, key: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/workspaces/acme/calls",
        json={"to_number": number, "audience": "outbound-reactivation"},
        headers={"Idempotency-Key": key},
        timeout=10,
    )


def attempt(server: ServerProcess, attempt_id: str) -> dict[str, Any] | None:
    response = httpx.get(f"{server.base_url}/api/workspaces/acme/calls/{attempt_id}", timeout=10)
    return response.json() if response.status_code == 200 else None


def placed_call(server: ServerProcess, attempt_id: str) -> str:
    row = eventually(
        lambda: (a := attempt(server, attempt_id)) and a["status"] != "scheduled" and a
    )
    assert row and row["status"] == "placed", row
    return str(row["call_id"])


def test_voicemail_is_redialled_by_the_cadence_and_nobody_is_pinged(
    server_factory: ServerProcess,
) -> None:
    # Placed calls' recordings are served by the emulated account: copying them works here.
    server = server_factory.start(CALLSTATE_COPY_ARTIFACTS="true")
    assert "recorded 3 agent id(s)" in cli(server, "agents", "apply", "-w", "acme")
    lead = "+13125550188"
    control(server, "scripts", {"to_number": lead, "outcome": "voicemail", "times": 1})

    first = place(server, lead, "e2e-voicemail")
    again = place(server, lead, "e2e-voicemail")  # the client retried: the same attempt
    assert (first.status_code, again.status_code) == (202, 200)
    row = first.json()
    assert again.json()["id"] == row["id"] and row["attempt"] == 1
    call_id = placed_call(server, row["id"])
    call = server.wait_call(call_id, {CallStatus.SETTLED})
    copy = next(a for a in call["attempts"] if a["kind"] == "copy_artifacts")
    assert copy["status"] == "succeeded" and "recording" in copy["vendor_ids"]["detail"]
    copied = server.data_dir / "artifacts" / "acme" / "retell" / call_id / "recording.wav"
    assert copied.read_bytes()[:4] == b"RIFF"

    redial = eventually(lambda: attempt(server, f"{row['lead']}:2"))
    assert redial and redial["status"] == "scheduled"
    due = datetime.fromisoformat(redial["due_at"]).astimezone(NEW_YORK)
    assert due > datetime.now(UTC) + timedelta(hours=3, minutes=59)
    assert 8 <= due.hour < 18 and due.weekday() < 6  # inside acme's hours
    # One dial reached Retell, from the audience's number, with our ids in its metadata.
    rest = retell(server)
    dialled = [c for c in rest.list_calls_since(datetime.now(UTC) - timedelta(hours=1))
               if c.get("to_number") == lead]  # fmt: skip
    assert len(dialled) == 1 and dialled[0]["from_number"] == "+14155550101"
    assert rest.get_call(call_id)["metadata"]["callstate_attempt"] == row["id"]
    rest.close()
    contact = next(
        c for c in hubspot_objects(server, "contacts", "phone", "callstate_tags")
        if c["properties"]["phone"] == lead
    )  # fmt: skip
    assert "reactivation-voicemail" in contact["properties"]["callstate_tags"]
    assert not any("312" in str(m) and "555-0188" in str(m) for m in every_message(server))


def test_a_call_whose_webhooks_were_lost_is_recovered_once(server: ServerProcess) -> None:
    cli(server, "agents", "apply", "-w", "acme")
    lead = "+17185550144"
    control(
        server,
        "scripts",
        {"to_number": lead, "webhooks": False, "times": 1,
         "custom_analysis_data": {"outcome": "callback_requested"}},
    )  # fmt: skip
    call_id = placed_call(server, place(server, lead, "e2e-lost").json()["id"])
    # Nobody answers this one: it never connects, so Retell's start-filtered listing never
    # shows it; reconciliation finds it through our own placed attempt.
    silent = "+17185550145"
    control(server, "scripts", {"to_number": silent, "outcome": "no_answer", "webhooks": False})
    unanswered = place(server, silent, "e2e-lost-no-answer").json()
    silent_call = placed_call(server, unanswered["id"])
    control(server, "settle?timeout=60", {})
    assert httpx.get(f"{server.base_url}/api/calls/acme/retell/{call_id}").status_code == 404

    output = cli(server, "reconcile", "-w", "acme")
    assert call_id in output and silent_call in output
    call = server.wait_call(call_id, {CallStatus.SETTLED})
    assert call["events"] == ["call_ended", "call_analyzed"]
    deals = hubspot_objects(server, "deals", "dealstage")
    assert "qualifiedtobuy" in [d["properties"]["dealstage"] for d in deals]
    missed = server.wait_call(silent_call, {CallStatus.SETTLED})
    assert missed["events"] == ["call_ended", "call_analyzed"]
    redial = eventually(lambda: attempt(server, f"{unanswered['lead']}:2"))
    assert redial and redial["status"] == "scheduled" and redial["to_number"] == silent

    again = cli(server, "reconcile", "-w", "acme")
    assert call_id not in again and silent_call not in again
    call = server.get(f"/api/calls/acme/retell/{call_id}")
    assert call["events"] == ["call_ended", "call_analyzed"]
    assert [a["kind"] for a in call["attempts"]].count("upsert_contact") == 1
    missed = server.get(f"/api/calls/acme/retell/{silent_call}")
    assert missed["events"] == ["call_ended", "call_analyzed"]


def test_an_inbound_call_after_hours_reaches_the_after_hours_agent(
    server_factory: ServerProcess, tmp_path: Path
) -> None:
    config = yaml.safe_load(EXAMPLE.read_text())
    today = datetime.now(NEW_YORK).date()
    config["hours"]["closed_dates"] = [today.isoformat(), (today + timedelta(days=1)).isoformat()]
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "acme.yaml").write_text(yaml.safe_dump(config))
    server = server_factory.start("--config", str(folder))
    cli(server, "agents", "apply", "-w", "acme", "--config", str(folder))
    engine = make_engine(server.database_url)
    after_hours = VoiceAgents(engine).agent_for("acme", "retell", "after-hours")
    engine.dispose()

    caller = "+16465550123"
    wants = {"outcome": "callback_requested"}
    control(server, "scripts", {"to_number": caller, "times": 1, "custom_analysis_data": wants})
    answer = control(server, "inbound-calls", {"from_number": caller, "to_number": "+14155550100"})
    assert answer["answered"] and answer["agent_id"] == after_hours
    assert answer["inbound_webhook"] == {"status": 200, "attempts": 1}
    assert answer["metadata"]["callstate_after_hours"] == "true"
    assert answer["dynamic_variables"]["after_hours"] == "true"
    call = server.wait_call(answer["call_id"], {CallStatus.SETTLED})
    assert call["audience"] == "after-hours"
    tags = hubspot_objects(server, "contacts", "phone", "callstate_tags")
    mine = next(c for c in tags if c["properties"]["phone"] == caller)
    assert "after-hours-callback" in mine["properties"]["callstate_tags"]
