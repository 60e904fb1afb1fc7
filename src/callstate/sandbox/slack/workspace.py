"""The emulated Slack workspace: public channels, DMs, messages, threads, edits, timestamps.

Store layout: `channels` (one conversation object per channel or IM id), `messages:<channel id>`
(messages keyed by `ts`, which sorts chronologically as text), counter `ts_micro` (the last
`ts` in microseconds: every new `ts` is strictly greater, so `ts` is unique per channel, the
property `thread_ts` and `chat.update` rely on).

Channel ids are derived from the channel name (`C` + 10 base32 characters of its SHA-256), so
a seeded `#acme-sales` has the same id in every sandbox; an IM's id is derived from its
member (`D` + 10 base32 characters), so `conversations.open` returns the same DM each time and
a DM id survives a reset. History shows top-level messages
only (plus broadcast replies) with `reply_count`, as Slack does; `conversations.replies`
returns the thread (Slack conversations.history / conversations.replies method pages).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from callstate.sandbox.store import Doc, Store, Tx

TEAM_ID = "T0SANDBOX01"
TEAM_NAME = "callstate sandbox"
BOT_USER_ID = "U0SANDBOXBOT"
BOT_ID = "B0SANDBOXBOT"
BOT_NAME = "callstate"
CHANNEL_CREATED = 1_700_000_000  # fixed, so seeded channels are identical across sandboxes


class SlackError(Exception):
    """A method failure answered as `{"ok": false, "error": code}` (HTTP 200)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def channel_id(name: str) -> str:
    digest = hashlib.sha256(name.encode()).digest()
    return "C" + base64.b32encode(digest).decode()[:10]


def im_id(user: str) -> str:
    digest = hashlib.sha256(f"im:{user}".encode()).digest()
    return "D" + base64.b32encode(digest).decode()[:10]


def _im(user: str, created: int) -> Doc:
    """A DM as Slack's IM conversation object (spec `objs_conversation`, IM variant)."""
    return {
        "id": im_id(user),
        "created": created,
        "is_archived": False,
        "is_im": True,
        "is_org_shared": False,
        "user": user,
        "is_user_deleted": False,
        "priority": 0,
    }


def _conversation(name: str) -> Doc:
    """A public channel as Slack's conversation object (spec `objs_conversation`)."""
    empty_topic = {"value": "", "creator": "", "last_set": 0}
    return {
        "id": channel_id(name),
        "name": name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": False,
        "created": CHANNEL_CREATED,
        "creator": BOT_USER_ID,
        "is_archived": False,
        "is_general": name == "general",
        "unlinked": 0,
        "name_normalized": name,
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "is_member": True,
        "topic": dict(empty_topic),
        "purpose": dict(empty_topic),
        "previous_names": [],
        "num_members": 1,
    }


class Workspace:
    """Channels and messages of one Slack workspace, kept in one `Store`."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def seed(self, names: Sequence[str]) -> None:
        with self._store.transaction() as tx:
            for name in names:
                doc = _conversation(name.lstrip("#"))
                if tx.get("channels", doc["id"]) is None:
                    tx.put("channels", doc["id"], doc)

    def wipe(self, names: Sequence[str]) -> None:
        with self._store.transaction() as tx:
            tx.wipe()
            self.seed(names)

    def channels(self, *, ims: bool = False) -> list[Doc]:
        """Public channels, or (`ims=True`) the DMs opened so far."""
        return [doc for _, doc in self._store.scan("channels") if bool(doc.get("is_im")) == ims]

    def open_im(self, user: str) -> tuple[Doc, bool]:
        """The DM with `user`, created on first use; (conversation, whether it already was)."""
        with self._store.transaction() as tx:
            doc = tx.get("channels", im_id(user))
            if doc is not None:
                return doc, True
            doc = _im(user, int(self._clock()))
            tx.put("channels", doc["id"], doc)
            return doc, False

    def channel(self, ref: str | None) -> Doc:
        """A channel by id, or by name with or without `#` (chat.postMessage accepts both)."""
        if not ref:
            raise SlackError("channel_not_found")
        with self._store.transaction() as tx:
            doc = tx.get("channels", ref) or tx.get("channels", channel_id(ref.lstrip("#")))
        if doc is None:
            raise SlackError("channel_not_found")
        return doc

    def post(self, channel: str, message: Doc, *, thread_ts: str | None, broadcast: bool) -> Doc:
        """Store a message (already shaped) and return it with its new `ts`."""
        collection = f"messages:{channel}"
        with self._store.transaction() as tx:
            micros = tx.raise_counter("ts_micro", int(self._clock() * 1_000_000))
            ts = _ts(micros)
            message = {**message, "ts": ts}
            if thread_ts is not None:
                parent = tx.get(collection, thread_ts)
                if parent is not None and parent.get("thread_ts", parent["ts"]) != parent["ts"]:
                    # A reply's ts names its thread's parent (Slack: "use its parent instead").
                    thread_ts = parent["thread_ts"]
                    parent = tx.get(collection, thread_ts)
                message.update(
                    thread_ts=thread_ts, parent_user_id=(parent or {}).get("user", BOT_USER_ID)
                )
                if broadcast:
                    message["subtype"] = "thread_broadcast"
                if parent is not None:
                    _count_reply(tx, collection, parent, message)
            tx.put(collection, ts, message)
        return message

    def messages(self, channel: str) -> list[Doc]:
        """All messages of a channel, oldest first."""
        return [doc for _, doc in self._store.scan(f"messages:{channel}")]

    def message(self, channel: str, ts: object) -> Doc:
        doc = self._store.get(f"messages:{channel}", ts) if isinstance(ts, str) else None
        if doc is None:
            raise SlackError("message_not_found")
        return doc

    def update(self, channel: str, ts: object, changes: Doc, *, edited: bool = True) -> Doc:
        """chat.update: set `changes` (a `None` value removes the member) on a bot message.

        Only the app's own messages can be edited (`cant_update_message`, chat.update method
        page); `edited` adds Slack's `{"user", "ts"}` marker with a fresh `ts`.
        """
        collection = f"messages:{channel}"
        with self._store.transaction() as tx:
            doc = tx.get(collection, ts) if isinstance(ts, str) else None
            if doc is None:
                raise SlackError("message_not_found")
            if doc.get("user") != BOT_USER_ID:
                raise SlackError("cant_update_message")
            for key, value in changes.items():
                if value is None:
                    doc.pop(key, None)
                else:
                    doc[key] = value
            if edited:
                micros = tx.raise_counter("ts_micro", int(self._clock() * 1_000_000))
                doc["edited"] = {"user": BOT_USER_ID, "ts": _ts(micros)}
            tx.put(collection, doc["ts"], doc)
        return doc

    def delete(self, channel: str, ts: str) -> None:
        with self._store.transaction() as tx:
            tx.delete(f"messages:{channel}", ts)


def _ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _count_reply(tx: Tx, collection: str, parent: Doc, reply: Doc) -> None:
    users: list[str] = parent.get("reply_users", [])
    if reply["user"] not in users:
        users.append(reply["user"])
    parent.update(
        thread_ts=parent["ts"],
        reply_count=parent.get("reply_count", 0) + 1,
        reply_users=users,
        reply_users_count=len(users),
        latest_reply=reply["ts"],
    )
    tx.put(collection, parent["ts"], parent)


def is_top_level(message: Doc) -> bool:
    thread_ts = message.get("thread_ts")
    return (
        thread_ts is None
        or thread_ts == message["ts"]
        or message.get("subtype") == "thread_broadcast"
    )


def render(message: Doc, *, with_metadata: bool) -> dict[str, Any]:
    """A stored message on the wire; `metadata` only when the caller asked for it."""
    if with_metadata or "metadata" not in message:
        return dict(message)
    return {k: v for k, v in message.items() if k != "metadata"}
