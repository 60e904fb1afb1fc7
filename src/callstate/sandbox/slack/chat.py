"""chat.* methods: `chat.postMessage` (channels, DMs, threads), `chat.update`,
`chat.getPermalink` (research/calendar_slack.md §3.1, §3.2; chat.* method pages).

- `chat.postMessage` takes a channel id, a `#name`, a DM id (`D…`) or a member's user id,
  which posts into the DM with that member and answers the DM's id, as Slack does.
- `chat.update` replaces `text` (the notification fallback) and, when given, `blocks`,
  `attachments` and `metadata` (an empty array/object removes them; omitted ones are kept,
  as the method page says); thread fields (`reply_count`, `latest_reply`, …) are untouched.
  The message gains Slack's `edited: {user, ts}` marker.
"""

from __future__ import annotations

from typing import Any

from callstate.sandbox.slack.arguments import Args, Call, flag, json_arg
from callstate.sandbox.slack.limits import ChannelLimiter
from callstate.sandbox.slack.users import Directory
from callstate.sandbox.slack.workspace import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    SlackError,
    Workspace,
    render,
)
from callstate.sandbox.store import Doc

MAX_BLOCKS = 50  # Block Kit: at most 50 blocks in a message
PERMALINK_HOST = "https://callstate-sandbox.slack.com"


def _content(args: Args) -> tuple[str, Any, Any, Any]:
    """(text, blocks, attachments, metadata) validated as chat.postMessage/update do."""
    text = args.get("text") or args.get("markdown_text") or ""
    blocks = json_arg(args, "blocks", "invalid_blocks_format")
    attachments = json_arg(args, "attachments", "invalid_attachments")
    metadata = json_arg(args, "metadata", "invalid_metadata_format")
    if blocks is not None and not (
        isinstance(blocks, list)
        and len(blocks) <= MAX_BLOCKS
        and all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks)
    ):
        raise SlackError("invalid_blocks")
    if attachments is not None and not isinstance(attachments, list):
        raise SlackError("invalid_attachments")
    if metadata not in (None, {}) and not (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and isinstance(metadata.get("event_payload", {}), dict)
    ):
        raise SlackError("invalid_metadata_format")
    return str(text), blocks, attachments, metadata


def _metadata(metadata: Any) -> Doc:
    return {
        "event_type": metadata["event_type"],
        "event_payload": metadata.get("event_payload", {}),
    }


def _attachments(attachments: list[Any]) -> list[Any]:
    return [{**a, "id": i + 1} for i, a in enumerate(attachments)]


class ChatMethods:
    """chat.postMessage, chat.update and chat.getPermalink over one workspace."""

    def __init__(self, workspace: Workspace, directory: Directory, limiter: ChannelLimiter) -> None:
        self.ws = workspace
        self.directory = directory
        self.limiter = limiter

    def target(self, ref: object) -> Doc:
        """The conversation a post goes to: a channel or DM id, `#name`, or a user's DM."""
        if isinstance(ref, str) and ref[:1] in ("U", "W") and ref.isalnum() and ref.isupper():
            try:
                member = self.directory.get(ref)
            except SlackError:
                raise SlackError("channel_not_found") from None
            return self.ws.open_im(member["id"])[0]
        return self.ws.channel(ref if isinstance(ref, str) else None)

    def post_message(self, call: Call) -> Doc:
        args = call.args
        channel = self.target(args.get("channel"))
        text, blocks, attachments, metadata = _content(args)
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        self.limiter.take(channel["id"])
        message: Doc = {
            "type": "message",
            "text": text,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "team": TEAM_ID,
        }
        if blocks:
            message["blocks"] = blocks
        if attachments:
            message["attachments"] = _attachments(attachments)
        if metadata:
            message["metadata"] = _metadata(metadata)
        if args.get("username"):
            message["username"] = str(args["username"])
        thread_ts = args.get("thread_ts") or None
        stored = self.ws.post(
            channel["id"], message, thread_ts=thread_ts, broadcast=flag(args, "reply_broadcast")
        )
        return {
            "ok": True,
            "channel": channel["id"],
            "ts": stored["ts"],
            "message": render(stored, with_metadata=True),
        }

    def update(self, call: Call) -> Doc:
        args = call.args
        channel = self.ws.channel(args.get("channel"))
        if not args.get("ts"):
            raise SlackError("message_not_found")
        text, blocks, attachments, metadata = _content(args)
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        changes: Doc = {"text": text}
        if blocks is not None:
            changes["blocks"] = blocks or None
        if attachments is not None:
            changes["attachments"] = _attachments(attachments) or None
        if metadata is not None:
            changes["metadata"] = _metadata(metadata) if metadata else None
        updated = self.ws.update(channel["id"], args["ts"], changes)
        return {
            "ok": True,
            "channel": channel["id"],
            "ts": updated["ts"],
            "text": updated["text"],
            "message": render(updated, with_metadata=True),
        }

    def get_permalink(self, call: Call) -> Doc:
        channel = self.ws.channel(call.args.get("channel"))
        message = self.ws.message(channel["id"], call.args.get("message_ts"))
        return {"ok": True, "channel": channel["id"], "permalink": permalink(message, channel)}


def permalink(message: Doc, channel: Doc) -> str:
    """Slack's `/archives/<channel>/p<ts digits>` link; replies name their thread."""
    link = f"{PERMALINK_HOST}/archives/{channel['id']}/p{message['ts'].replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != message["ts"]:
        link += f"?thread_ts={thread_ts}&cid={channel['id']}"
    return link
