"""A served process per test, on each store, plus readers of the emulators' state."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from callstate.connectors.retell.signature import sign
from callstate.sandbox.retell.calls import CallScenario, build_events, call_id_for
from tests.databases import fresh_database
from tests.e2e.server import API_KEY, ServerProcess

pytestmark = pytest.mark.slow


@pytest.fixture
def server_factory(backend: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A not-yet-started server on a fresh database; stopped afterwards."""
    with fresh_database(backend, tmp_path) as url:
        server = ServerProcess(tmp_path / "data", url)
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def server(server_factory: ServerProcess) -> ServerProcess:
    return server_factory.start()


def scenario(name: str, **overrides: Any) -> CallScenario:
    values: dict[str, Any] = {
        "call_id": call_id_for(f"e2e-{name}"),
        "agent_id": "agent_acme_inbound",
        "direction": "inbound",
        "from_number": "+14155550142",
        "to_number": "+14155550100",
        "start": datetime.now(UTC) - timedelta(minutes=10),
        "caller_name": "Dana Whitfield",
        "caller_email": "dana.whitfield@example.com",
        "summary": "Storm damage; wants a roof replacement quote.",
        "transcript": (("agent", "Acme Roofing, how can I help?"), ("user", "I need a quote.")),
        # A booked, qualified lead: the whole sales motion of examples/acme.yaml runs.
        "custom_analysis_data": {"meeting_booked": True, "homeowner": True, "roof_age_years": 20},
    }
    values.update(overrides)
    return CallScenario(**values)


def bodies(s: CallScenario) -> dict[str, bytes]:
    return {str(e["event"]): json.dumps(e, separators=(",", ":")).encode() for e in build_events(s)}


async def _post_all(url: str, payloads: Sequence[bytes]) -> list[int]:
    async with httpx.AsyncClient(timeout=30) as client:
        responses = await asyncio.gather(
            *(
                client.post(url, content=p, headers={"x-retell-signature": sign(p, API_KEY, _ms())})
                for p in payloads
            )
        )
    return [r.status_code for r in responses]


def _ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def deliver(server: ServerProcess, *payloads: bytes, concurrently: bool = False) -> list[int]:
    url = f"{server.base_url}/webhooks/retell/acme"
    if concurrently:
        return asyncio.run(_post_all(url, payloads))
    return [code for p in payloads for code in asyncio.run(_post_all(url, [p]))]


def eventually(check: Callable[[], Any], timeout: float = 60) -> Any:
    """`check()` once it is truthy, or its last falsy answer after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


def hubspot_objects(server: ServerProcess, object_type: str, *properties: str) -> list[Any]:
    page = server.get(
        f"/sandbox/hubspot/crm/v3/objects/{object_type}",
        limit=100,
        properties=",".join(properties),
    )
    return list(page["results"])


def slack_messages(server: ServerProcess, channel_name: str = "acme-sales") -> list[Any]:
    channels = server.get("/sandbox/slack/api/conversations.list")["channels"]
    channel = next(c["id"] for c in channels if c["name"] == channel_name)
    history = server.get(
        "/sandbox/slack/api/conversations.history", channel=channel, include_all_metadata="true"
    )
    return list(history["messages"])


def workflow_count(server: ServerProcess, workflow_id: str) -> int:
    if server.database_url.startswith("sqlite"):
        url, table = f"sqlite:///{server.data_dir / 'dbos.sqlite'}", "workflow_status"
    else:
        url, table = (
            server.database_url.replace("postgresql://", "postgresql+psycopg://"),
            ("dbos.workflow_status"),
        )
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = text(f"SELECT count(*) FROM {table} WHERE workflow_uuid = :id")
            return int(connection.execute(query, {"id": workflow_id}).scalar_one())
    finally:
        engine.dispose()


def exchanges(server: ServerProcess, vendor: str) -> list[Any]:
    return list(server.get(f"/sandbox/{vendor}/_sandbox/requests"))


def dm_channel(server: ServerProcess, email: str) -> str:
    """The bot's DM with the member who has `email` (opening it is idempotent in Slack)."""
    user = server.get("/sandbox/slack/api/users.lookupByEmail", email=email)["user"]["id"]
    return str(server.get("/sandbox/slack/api/conversations.open", users=user)["channel"]["id"])


def dm_messages(server: ServerProcess, email: str) -> list[Any]:
    """Top-level messages of the owner's DM, newest first (owner notifications land here)."""
    history = server.get(
        "/sandbox/slack/api/conversations.history",
        channel=dm_channel(server, email),
        include_all_metadata="true",
    )
    return list(history["messages"])


def thread_replies(server: ServerProcess, channel: str, ts: str) -> list[Any]:
    replies = server.get(
        "/sandbox/slack/api/conversations.replies",
        channel=channel,
        ts=ts,
        include_all_metadata="true",
    )
    return list(replies["messages"][1:])


def every_message(server: ServerProcess) -> list[Any]:
    """What the team can read anywhere: channels and DMs, thread replies included."""
    channels = server.get("/sandbox/slack/api/conversations.list", types="public_channel,im")
    found: list[Any] = []
    for channel in channels["channels"]:
        history = server.get(
            "/sandbox/slack/api/conversations.history",
            channel=channel["id"],
            include_all_metadata="true",
            limit=999,
        )
        for message in history["messages"]:
            found.append({**message, "channel": channel["id"]})
            if message.get("reply_count"):
                replies = thread_replies(server, channel["id"], message["ts"])
                found += [{**r, "channel": channel["id"]} for r in replies]
    return found


def message_key(message: dict[str, Any]) -> str:
    return str(((message.get("metadata") or {}).get("event_payload") or {}).get("key", ""))
