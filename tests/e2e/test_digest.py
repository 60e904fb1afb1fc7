"""The daily digest end to end: a served worker whose workspace has `digest: {at: "00:00"}`
starts yesterday's durable digest workflow on its own, which posts the digest to #acme-sales
and uploads the chart into its thread; `callstate digest --send` by hand the same day finds
both instead of posting again. Both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from sqlalchemy import insert
from typer.testing import CliRunner

from callstate.cli.main import app
from callstate.policy.digest_schedule import local_day, yesterday
from callstate.storage.calls import Calls
from callstate.storage.db import make_engine, migrate
from callstate.storage.tables import CallRow
from tests.e2e.conftest import (
    bodies,
    deliver,
    eventually,
    message_key,
    scenario,
    slack_messages,
    workflow_count,
)
from tests.e2e.server import API_KEY, ServerProcess

pytestmark = pytest.mark.slow
EXAMPLE = Path(__file__).parents[2] / "src" / "callstate" / "examples" / "acme.yaml"
NEW_YORK = ZoneInfo("America/New_York")
OUTCOMES = ("meeting_booked", "qualified", "qualified", "voicemail", "do_not_call")


def seed_yesterday(database_url: str) -> str:
    """Five analysed calls at noon yesterday (New York): the day the worker's digest reports."""
    day = yesterday(NEW_YORK, datetime.now(UTC))
    noon = local_day(day, NEW_YORK)[0] + timedelta(hours=12)
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as connection:
        for n, outcome in enumerate(OUTCOMES):
            voicemail = outcome == "voicemail"
            connection.execute(
                insert(CallRow).values(
                    workspace="acme",
                    runtime="retell",
                    external_call_id=f"call_digest_{n}",
                    audience="inbound-qualifier" if n < 3 else "outbound-reactivation",
                    direction="inbound" if n < 3 else "outbound",
                    caller_number=f"+1415555030{n}",
                    status="settled",
                    disposition="voicemail" if voicemail else "connected",
                    flags=[],
                    created_at=noon + timedelta(minutes=n),
                    updated_at=noon + timedelta(minutes=n),
                    outcome=outcome,
                )
            )
    engine.dispose()
    return f"digest:acme:{day.isoformat()}"


def files_in_thread(server: ServerProcess, ts: str) -> list[dict[str, Any]]:
    channels = server.get("/sandbox/slack/api/conversations.list")["channels"]
    channel = next(c["id"] for c in channels if c["name"] == "acme-sales")
    replies = server.get("/sandbox/slack/api/conversations.replies", channel=channel, ts=ts)
    return [f for m in replies["messages"] for f in m.get("files", [])]


def test_the_worker_sends_yesterdays_digest_once(
    server_factory: ServerProcess, tmp_path: Path
) -> None:
    config = yaml.safe_load(EXAMPLE.read_text())
    config["digest"] = {"at": "00:00"}  # always passed: yesterday's digest is due at once
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "acme.yaml").write_text(yaml.safe_dump(config))
    key = seed_yesterday(server_factory.database_url)
    server = server_factory.start("--config", str(folder), CALLSTATE_DIGEST_CHECK_SECONDS="1")

    def digests() -> list[dict[str, Any]]:
        return [m for m in slack_messages(server) if message_key(m) == key]

    posted = eventually(digests)
    assert len(posted) == 1
    assert "5 calls" in posted[0]["text"]
    [chart] = eventually(lambda: files_in_thread(server, posted[0]["ts"]))
    assert chart["name"] == key.replace(":", "-") + "-chart.png"
    png = httpx.get(f"{server.base_url}/sandbox/slack/_sandbox/files/{chart['id']}").content
    assert png.startswith(b"\x89PNG") and len(png) == chart["size"]
    assert workflow_count(server, key) == 1

    env = {"RETELL_API_KEY": API_KEY, "CALLSTATE_DATABASE_URL": server.database_url}
    day = key.rsplit(":", 1)[1]
    args = ["digest", "-w", "acme", "--date", day, "--send", "--config", str(folder)]
    common = ["--sandbox", "--port", str(server.port), "--data-dir", str(server.data_dir)]
    result = CliRunner().invoke(app, [*args, *common], env={**env, "COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert f"/{posted[0]['ts']} " in result.output  # the schedule's message, found
    assert f"chart: {chart['id']}" in result.output
    assert len(digests()) == 1
    assert len(files_in_thread(server, posted[0]["ts"])) == 1

    # Today's calls count by the outcome their plan decided, kept on the call as it settles.
    live = scenario("digest-live")
    deliver(server, bodies(live)["call_analyzed"])
    server.wait_call(live.call_id, {"settled"})
    engine = make_engine(server.database_url)
    kept = Calls(engine).get("acme", "retell", live.call_id)
    engine.dispose()
    assert kept is not None and kept.outcome == "meeting_booked"
