"""Slack Web API methods served by the emulator, one function per method.

Each takes the parsed arguments (query string merged with a JSON or form-encoded body, as
Slack accepts both — api.slack.com "Using the Slack Web API") and returns the success body or
raises `SlackError` (answered `{"ok": false, "error": ...}` with HTTP 200) or `RateLimitedError`
(HTTP 429 + `Retry-After`, body error `ratelimited`, api.slack.com "Rate limits").

Served: `auth.test`, `chat.postMessage`, `conversations.list`, `conversations.info`,
`conversations.history`, `conversations.replies`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from callstate.sandbox.slack.workspace import (
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_ID,
    TEAM_NAME,
    SlackError,
    Workspace,
    is_top_level,
    render,
)
from callstate.sandbox.store import Doc

Args = dict[str, Any]
MAX_BLOCKS = 50  # Block Kit: at most 50 blocks in a message


@dataclass(frozen=True)
class SlackRateLimit:
    """chat.postMessage budget per channel: "1 message per second, short bursts tolerated"."""

    per_channel_per_second: float = 1.0
    burst: int = 1


class RateLimitedError(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


class ChannelLimiter:
    """A token bucket per channel; inert when no `SlackRateLimit` is configured."""

    def __init__(self, limit: SlackRateLimit | None, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def take(self, channel: str) -> None:
        if self._limit is None:
            return
        rate, burst = self._limit.per_channel_per_second, float(self._limit.burst)
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(channel, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[channel] = (tokens, now)
                raise RateLimitedError(max(1.0, math.ceil((1.0 - tokens) / rate)))
            self._buckets[channel] = (tokens - 1.0, now)


class Methods:
    """The method table of one emulated workspace."""

    def __init__(self, workspace: Workspace, limiter: ChannelLimiter) -> None:
        self.ws = workspace
        self.limiter = limiter
        self.table: dict[str, Callable[[Args], Doc]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "conversations.list": self.conversations_list,
            "conversations.info": self.conversations_info,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
        }

    def auth_test(self, _: Args) -> Doc:
        return {
            "ok": True,
            "url": "https://callstate-sandbox.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, args: Args) -> Doc:
        channel = self.ws.channel(args.get("channel"))
        text = args.get("text") or args.get("markdown_text") or ""
        blocks = _json_arg(args, "blocks", "invalid_blocks_format")
        attachments = _json_arg(args, "attachments", "invalid_attachments")
        metadata = _json_arg(args, "metadata", "invalid_metadata_format")
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        if blocks is not None and not (
            isinstance(blocks, list)
            and len(blocks) <= MAX_BLOCKS
            and all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks)
        ):
            raise SlackError("invalid_blocks")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload", {}), dict)
        ):
            raise SlackError("invalid_metadata_format")
        self.limiter.take(channel["id"])
        message: Doc = {
            "type": "message",
            "text": str(text),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "team": TEAM_ID,
        }
        if blocks:
            message["blocks"] = blocks
        if isinstance(attachments, list) and attachments:
            message["attachments"] = [{**a, "id": i + 1} for i, a in enumerate(attachments)]
        if metadata is not None:
            message["metadata"] = {
                "event_type": metadata["event_type"],
                "event_payload": metadata.get("event_payload", {}),
            }
        if args.get("username"):
            message["username"] = str(args["username"])
        thread_ts = args.get("thread_ts") or None
        stored = self.ws.post(
            channel["id"], message, thread_ts=thread_ts, broadcast=_flag(args, "reply_broadcast")
        )
        return {
            "ok": True,
            "channel": channel["id"],
            "ts": stored["ts"],
            "message": render(stored, with_metadata=True),
        }

    def conversations_list(self, args: Args) -> Doc:
        types = str(args.get("types") or "public_channel").split(",")
        channels = self.ws.channels() if "public_channel" in types else []
        if _flag(args, "exclude_archived"):
            channels = [c for c in channels if not c["is_archived"]]
        limit = _bounded(args, "limit", default=100, high=1000)
        start = _cursor(args, "team:", [c["id"] for c in channels])
        page = channels[start : start + limit]
        more = start + limit < len(channels)
        next_cursor = _encode_cursor("team:" + channels[start + limit]["id"]) if more else ""
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": next_cursor}}

    def conversations_info(self, args: Args) -> Doc:
        return {"ok": True, "channel": self._by_id(args)}

    def conversations_history(self, args: Args) -> Doc:
        channel = self._by_id(args)
        oldest = _micros(args, "oldest", "invalid_ts_oldest", 0)
        latest = _micros(args, "latest", "invalid_ts_latest", 10**20)
        inclusive = _flag(args, "inclusive")
        top = [
            m
            for m in reversed(self.ws.messages(channel["id"]))  # newest first, as Slack pages
            if is_top_level(m)
            and (
                oldest <= _ts_micros(m["ts"]) <= latest
                if inclusive
                else oldest < _ts_micros(m["ts"]) < latest
            )
        ]
        keys = [m["ts"].replace(".", "") for m in top]
        start = _cursor(args, "next_ts:", keys)
        limit = _bounded(args, "limit", default=100, high=999)
        page, more = top[start : start + limit], start + limit < len(top)
        with_metadata = _flag(args, "include_all_metadata")
        body: Doc = {
            "ok": True,
            "messages": [render(m, with_metadata=with_metadata) for m in page],
            "has_more": more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
        }
        if more:
            body["response_metadata"] = {
                "next_cursor": _encode_cursor("next_ts:" + keys[start + limit])
            }
        return body

    def conversations_replies(self, args: Args) -> Doc:
        channel = self._by_id(args)
        messages = self.ws.messages(channel["id"])
        root = next((m for m in messages if m["ts"] == args.get("ts")), None)
        if root is None:
            raise SlackError("thread_not_found")
        thread_ts = root.get("thread_ts", root["ts"])
        thread = [m for m in messages if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts]
        keys = [m["ts"].replace(".", "") for m in thread]
        start = _cursor(args, "next_ts:", keys)
        limit = _bounded(args, "limit", default=1000, high=1000)
        page, more = thread[start : start + limit], start + limit < len(thread)
        with_metadata = _flag(args, "include_all_metadata")
        body: Doc = {
            "ok": True,
            "messages": [render(m, with_metadata=with_metadata) for m in page],
            "has_more": more,
        }
        if more:
            body["response_metadata"] = {
                "next_cursor": _encode_cursor("next_ts:" + keys[start + limit])
            }
        return body

    def _by_id(self, args: Args) -> Doc:
        channel = self.ws.channel(args.get("channel"))
        if channel["id"] != args.get("channel"):
            raise SlackError("channel_not_found")  # conversations.* take ids, not names
        return channel


def _flag(args: Args, name: str) -> bool:
    return args.get(name) in (True, 1, "1", "true", "True")


def _bounded(args: Args, name: str, *, default: int, high: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments") from None
    return default if value <= 0 else min(value, high)


def _json_arg(args: Args, name: str, error: str) -> Any:
    """blocks/attachments/metadata: native JSON in a JSON body, a JSON string in a form body."""
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            raise SlackError(error) from None
    return raw


def _micros(args: Args, name: str, error: str, default: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(Decimal(str(raw)) * 1_000_000)
    except InvalidOperation:
        raise SlackError(error) from None


def _ts_micros(ts: str) -> int:
    return int(ts.replace(".", ""))


def _encode_cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _cursor(args: Args, prefix: str, keys: list[str]) -> int:
    """Index of the page start named by a `cursor` like Slack's base64 `team:C…`/`next_ts:…`."""
    raw = args.get("cursor")
    if not raw:
        return 0
    try:
        decoded = base64.b64decode(str(raw), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    if not decoded.startswith(prefix) or decoded[len(prefix) :] not in keys:
        raise SlackError("invalid_cursor")
    return keys.index(decoded[len(prefix) :])
