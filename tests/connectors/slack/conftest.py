"""Fixtures: the Slack emulator alone on loopback HTTP, members seeded, and `SlackChat`s on it.

Sam is a member (New York); Jo left Slack (deactivated); nobody has pat@acme.test. Counting is
done on the emulator's request log (`/_sandbox/requests`), never by spying on our code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from callstate.config.model import SlackConfig
from callstate.connectors.slack.chat import SlackChat
from callstate.sandbox.slack import SlackUser, channel_id, im_id, user_id
from tests.sandbox.conftest import serve
from tests.sandbox.test_slack_emulator import on_documented_spec, slack_only

__all__ = ["serve"]

SAM = "sam@acme.test"
MEMBERS = (
    SlackUser(email=SAM, real_name="Sam Rivera", tz="America/New_York"),
    SlackUser(email="jo@acme.test", real_name="Jo Chen", tz="America/Chicago", deleted=True),
)
SALES = channel_id("acme-sales")
SAM_DM = im_id(user_id(SAM))
AUTH = {"authorization": "Bearer xoxb-test"}


@dataclass
class SlackSandbox:
    root: str

    def chat(self, **options: Any) -> SlackChat:
        """A fresh client (its look-up caches empty), as another worker process would have."""
        config = SlackConfig.model_validate(
            {"bot_token": "${SLACK_BOT_TOKEN}"}, context={"env": {"SLACK_BOT_TOKEN": "xoxb-test"}}
        )
        return SlackChat(config, base_url=f"{self.root}/slack/api/", **options)

    def api(self, method: str, **params: Any) -> dict[str, Any]:
        response = httpx.get(f"{self.root}/slack/api/{method}", params=params, headers=AUTH)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        assert body["ok"], body
        return body

    def history(self, channel: str) -> list[dict[str, Any]]:
        found = self.api("conversations.history", channel=channel, include_all_metadata="true")
        return list(found["messages"])

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        found = self.api(
            "conversations.replies", channel=channel, ts=ts, include_all_metadata="true"
        )
        return list(found["messages"])

    def requests(self) -> list[dict[str, Any]]:
        exchanges: list[dict[str, Any]] = httpx.get(f"{self.root}/slack/_sandbox/requests").json()
        return exchanges

    def calls(self, method: str) -> int:
        return sum(1 for e in self.requests() if e["path"] == f"/api/{method}")

    def forget_requests(self) -> None:
        httpx.delete(f"{self.root}/slack/_sandbox/requests").raise_for_status()

    def fault(self, **spec: Any) -> None:
        httpx.post(f"{self.root}/slack/_sandbox/faults", json=spec).raise_for_status()

    def on_spec(self) -> list[dict[str, Any]]:
        return on_documented_spec(self.root)


@pytest.fixture
def slack(serve: Callable[[ASGIApp], str]) -> SlackSandbox:
    return SlackSandbox(slack_only(serve, seed_users=MEMBERS))
