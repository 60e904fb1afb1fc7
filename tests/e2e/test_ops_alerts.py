"""Ops alerts end to end: a storm of forged Retell webhooks is one Slack alert (more forgeries
are counted into it, never a second message); a never-imported do-not-call registry is an alert
that `callstate dnc import` resolves. The ops check runs every second. Windows, periods and the
quiet-window resolution are decided by `execution.ops_checks` with `now` passed in and tested
there (tests/execution/test_ops_checks.py), not by waiting for wall-clock minutes here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from callstate.config.load import example_config_dir
from callstate.connectors.retell.signature import sign
from tests.e2e.conftest import bodies, deliver, eventually, scenario, slack_messages
from tests.e2e.server import API_KEY, ServerProcess

pytestmark = pytest.mark.slow


def alerts(server: ServerProcess, title: str) -> list[dict[str, Any]]:
    return [
        m
        for m in slack_messages(server)
        if ((m.get("metadata") or {}).get("event_payload") or {})
        .get("key", "")
        .startswith("incident:")
        and title in m["text"]
    ]


def thread(server: ServerProcess, message: dict[str, Any]) -> list[dict[str, Any]]:
    channels = server.get("/sandbox/slack/api/conversations.list")["channels"]
    channel = next(c["id"] for c in channels if c["name"] == "acme-sales")
    replies = server.get(
        "/sandbox/slack/api/conversations.replies", channel=channel, ts=message["ts"]
    )
    return list(replies["messages"][1:])


def config_dir(tmp_path: Path) -> Path:
    """acme, dialling out with no registry imported, alerting on 10 refusals in 15 minutes."""
    workspace = yaml.safe_load((example_config_dir() / "acme.yaml").read_text())
    workspace["dnc"] = {"registry_required": True}
    workspace["signature_alerts"] = {"threshold": 10, "window_minutes": 15}
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "acme.yaml").write_text(yaml.safe_dump(workspace))
    return directory


def forge(server: ServerProcess, n: int) -> None:
    """`n` call webhooks signed with the wrong key."""
    body = bodies(scenario("forged"))["call_ended"]
    for _ in range(n):
        ms = int(datetime.now(UTC).timestamp() * 1000)
        response = httpx.post(
            f"{server.base_url}/webhooks/retell/acme",
            content=body,
            headers={"x-retell-signature": sign(body, "forged-key", ms)},
            timeout=10,
        )
        assert response.status_code == 401


def test_forged_storm_and_stale_registry_alert_and_resolve(
    server_factory: ServerProcess, tmp_path: Path
) -> None:
    config = config_dir(tmp_path)
    server = server_factory.start(
        "--config",
        str(config),
        CALLSTATE_OPS_CHECK_SECONDS="1",
        CALLSTATE_ALERT_POLL_SECONDS="1",
    )
    # The registry: never imported while an outbound audience exists.
    registry = "No do-not-call registry imported"
    assert eventually(lambda: len(alerts(server, registry)) == 1, timeout=60)

    # A storm of forged webhooks: one alert; more forgeries never make a second message.
    signatures = "retell signatures failing"
    forge(server, 12)
    assert eventually(lambda: len(alerts(server, signatures)) == 1, timeout=60)
    assert "(once)" in alerts(server, signatures)[0]["text"]
    forge(server, 12)
    call = scenario("signed-after-storm")
    assert deliver(server, bodies(call)["call_started"]) == [204]  # signed ones still pass
    time.sleep(3)  # several ops checks and alert polls run; none may post a second alert
    assert len(alerts(server, signatures)) == 1

    # The registry alert resolves once a registry file is imported.
    numbers = tmp_path / "national.txt"
    numbers.write_text("4155550190\n4155550191\nnot a number\n")
    env = {**os.environ, "CALLSTATE_DATABASE_URL": server.database_url, "RETELL_API_KEY": API_KEY}
    env.pop("CALLSTATE_DBOS_DATABASE_URL", None)
    command = [
        sys.executable, "-m", "callstate", "dnc", "import", str(numbers), "--workspace", "acme",
        "--source", "national e2e", "--sandbox", "--config", str(config),
        "--data-dir", str(server.data_dir),
    ]  # fmt: skip
    imported = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "valid 2, newly listed 2, already listed 0, invalid 1" in imported.stdout
    registry_alert = next(m for m in slack_messages(server) if registry in m["text"])
    assert eventually(
        lambda: any(m["text"] == f"Resolved: {registry}" for m in slack_messages(server)),
        timeout=60,
    )
    assert "registry imported" in thread(server, registry_alert)[-1]["text"]
