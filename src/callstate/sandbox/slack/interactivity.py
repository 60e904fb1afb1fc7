"""Slack interactivity, emulated: a member clicks a button of a message the app posted.

`Interactivity.click` builds Slack's `block_actions` payload for that message and button
(research/calendar_slack.md §3.5; api.slack.com "Handling user interaction"), then POSTs it to
the configured Request URL as `application/x-www-form-urlencoded` with the one field
`payload=<json>`, signed as Slack signs every request: `X-Slack-Request-Timestamp: <epoch s>`
and `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<ts>:<raw body>")>`. The
receiver must verify that within a 5-minute window and answer 200 within 3 seconds; Slack
does not redeliver, so neither does the emulator (it reports what the receiver answered).

Each payload carries a `response_url` on the emulator (`<mount>/actions/<token>`), valid 30
minutes and for 5 uses: a JSON body with `replace_original` replaces the message's text and
blocks, `delete_original` deletes it, `response_type: "in_channel"` posts a new message
(in `thread_ts` when given), otherwise the reply is ephemeral (acknowledged, not kept).

Store layout: `response_urls` (token → `{channel, ts, created, uses}`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from callstate.sandbox.slack.workspace import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    SlackError,
    Workspace,
    render,
)
from callstate.sandbox.store import Doc, Store

API_APP_ID = "A0SANDBOXAPP"
# The legacy `token` field (verification token, deprecated by Slack); not a secret.
VERIFICATION_TOKEN = "sandbox-verification-token"  # noqa: S105
TEAM_DOMAIN = "callstate-sandbox"
RESPONSE_URL_SECONDS = 30 * 60
RESPONSE_URL_USES = 5
ACK_SECONDS = 3.0


@dataclass
class Target:
    """Where interactions go; both set by `create_slack_app` or `POST /_sandbox/interactivity`."""

    request_url: str | None = None
    signing_secret: str | None = None


class InteractionError(Exception):
    """A click the emulator cannot build: `status` for the control API and a reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(secret: str, timestamp: str, body: str) -> str:
    """Slack's request signature (api.slack.com "Verifying requests from Slack")."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _button(blocks: list[Any], action_id: str, value: str | None) -> tuple[str, Doc] | None:
    """(block_id, button) for the first button with `action_id` (and `value`, if given)."""
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        elements = block.get("elements") if block.get("type") == "actions" else None
        if block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            elements = [block["accessory"]]
        for element in elements or []:
            if (
                isinstance(element, dict)
                and element.get("type") == "button"
                and element.get("action_id") == action_id
                and (value is None or element.get("value") == value)
            ):
                # Slack gives every stored block a block_id; ours keep what was posted.
                return str(block.get("block_id") or f"sandbox-block-{index}"), element
    return None


class Interactivity:
    """Button clicks sent to the app, and the `response_url`s they hand out."""

    def __init__(
        self, store: Store, workspace: Workspace, target: Target, clock: Callable[[], float]
    ) -> None:
        self._store = store
        self.ws = workspace
        self.target = target
        self._clock = clock

    def payload(
        self, origin: str, member: Doc, channel: Doc, ts: str, action_id: str, value: str | None
    ) -> Doc:
        """The `block_actions` payload for `member` clicking a button of message `ts`."""
        message = self.ws.message(channel["id"], ts)
        found = _button(message.get("blocks") or [], action_id, value)
        if found is None:
            raise InteractionError(404, f"message {ts} has no button with action_id {action_id}")
        block_id, button = found
        now = self._clock()
        token = secrets.token_urlsafe(18)
        with self._store.transaction() as tx:
            n = tx.next_value("interaction")
            tx.put("response_urls", token, {"channel": channel["id"], "ts": ts, "created": now})
        action: Doc = {
            "action_id": action_id,
            "block_id": block_id,
            "text": button.get("text"),
            "type": "button",
            "action_ts": f"{now:.6f}",
        }
        for key in ("value", "style"):
            if key in button:
                action[key] = button[key]
        container: Doc = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel["id"],
            "is_ephemeral": False,
        }
        if message.get("thread_ts") and message["thread_ts"] != ts:
            container["thread_ts"] = message["thread_ts"]
        return {
            "type": "block_actions",
            "user": {
                "id": member["id"],
                "username": member["name"],
                "name": member["name"],
                "team_id": TEAM_ID,
            },
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "container": container,
            "trigger_id": f"{int(now)}.{n}.{secrets.token_hex(16)}",
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {
                "id": channel["id"],
                "name": "directmessage" if channel.get("is_im") else channel["name"],
            },
            "message": render(message, with_metadata=True),
            "state": {"values": {}},
            "response_url": f"{origin}/actions/{token}",
            "actions": [action],
        }

    async def deliver(self, payload: Doc) -> Doc:
        """POST the signed payload to the Request URL; what the receiver answered."""
        url, secret = self.target.request_url, self.target.signing_secret
        if not url or not secret:
            raise InteractionError(409, "no interactivity request URL or signing secret set")
        body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))})
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(secret, timestamp, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        try:
            async with httpx.AsyncClient(timeout=ACK_SECONDS) as client:
                answer = await client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return {"status": None, "error": "timeout", "payload": payload}
        except httpx.HTTPError as exc:
            return {"status": None, "error": f"{type(exc).__name__}: {exc}", "payload": payload}
        return {"status": answer.status_code, "body": answer.text[:2000], "payload": payload}

    def respond(self, token: str, body: Doc) -> tuple[int, Doc]:
        """A POST to a `response_url`: (HTTP status, JSON answer)."""
        now = self._clock()
        with self._store.transaction() as tx:
            record = tx.get("response_urls", token)
            if (
                record is None
                or now - record["created"] > RESPONSE_URL_SECONDS
                or record.get("uses", 0) >= RESPONSE_URL_USES
            ):
                return 404, {"ok": False, "error": "expired_url"}
            tx.put("response_urls", token, {**record, "uses": record.get("uses", 0) + 1})
            channel, ts = record["channel"], record["ts"]
            try:
                self._apply(channel, ts, body)
            except SlackError as exc:
                return 404, {"ok": False, "error": exc.code}
        return 200, {"ok": True}

    def _apply(self, channel: str, ts: str, body: Doc) -> None:
        text = str(body.get("text") or "")
        blocks = body.get("blocks") if isinstance(body.get("blocks"), list) else None
        if body.get("delete_original") in (True, "true"):
            self.ws.message(channel, ts)
            self.ws.delete(channel, ts)
        elif body.get("replace_original") in (True, "true"):
            self.ws.update(channel, ts, {"text": text, "blocks": blocks or None}, edited=False)
        elif body.get("response_type") == "in_channel":
            message: Doc = {
                "type": "message",
                "text": text,
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "team": TEAM_ID,
            }
            if blocks:
                message["blocks"] = blocks
            self.ws.post(channel, message, thread_ts=body.get("thread_ts"), broadcast=False)
        # else: ephemeral, shown to the clicking member only and never stored
