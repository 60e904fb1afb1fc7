"""conversations.* methods: list, info, history, replies (public channels and DMs) and
`conversations.open` (research/calendar_slack.md §3.2; conversations.* method pages).

`conversations.open` with one member answers that member's DM (`D…`), the same one on every
call: the first call `{"channel": {"id"}}`, later ones add `no_op` and `already_open`;
`return_im=true` gives the whole IM object. Group DMs (several users) are not emulated.
conversations.* take ids only, never `#names`.
"""

from __future__ import annotations

from callstate.sandbox.slack.arguments import (
    Call,
    encode_cursor,
    flag,
    micros,
    page,
    ts_micros,
)
from callstate.sandbox.slack.users import Directory
from callstate.sandbox.slack.workspace import SlackError, Workspace, is_top_level, render
from callstate.sandbox.store import Doc


class ConversationMethods:
    """conversations.list/info/history/replies/open over one workspace."""

    def __init__(self, workspace: Workspace, directory: Directory) -> None:
        self.ws = workspace
        self.directory = directory

    def list(self, call: Call) -> Doc:
        types = str(call.args.get("types") or "public_channel").split(",")
        channels = self.ws.channels() if "public_channel" in types else []
        channels += self.ws.channels(ims=True) if "im" in types else []
        if flag(call.args, "exclude_archived"):
            channels = [c for c in channels if not c["is_archived"]]
        keys = [c["id"] for c in channels]
        start, end = page(call.args, "team:", keys, default=100, high=1000)
        next_cursor = encode_cursor("team:" + keys[end]) if end < len(keys) else ""
        return {
            "ok": True,
            "channels": channels[start:end],
            "response_metadata": {"next_cursor": next_cursor},
        }

    def info(self, call: Call) -> Doc:
        return {"ok": True, "channel": self._by_id(call)}

    def history(self, call: Call) -> Doc:
        args = call.args
        channel = self._by_id(call)
        oldest = micros(args, "oldest", "invalid_ts_oldest", 0)
        latest = micros(args, "latest", "invalid_ts_latest", 10**20)
        inclusive = flag(args, "inclusive")
        top = [
            m
            for m in reversed(self.ws.messages(channel["id"]))  # newest first, as Slack pages
            if is_top_level(m)
            and (
                oldest <= ts_micros(m["ts"]) <= latest
                if inclusive
                else oldest < ts_micros(m["ts"]) < latest
            )
        ]
        keys = [m["ts"].replace(".", "") for m in top]
        start, end = page(args, "next_ts:", keys, default=100, high=999)
        with_metadata = flag(args, "include_all_metadata")
        body: Doc = {
            "ok": True,
            "messages": [render(m, with_metadata=with_metadata) for m in top[start:end]],
            "has_more": end < len(top),
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
        }
        if end < len(top):
            body["response_metadata"] = {"next_cursor": encode_cursor("next_ts:" + keys[end])}
        return body

    def replies(self, call: Call) -> Doc:
        args = call.args
        channel = self._by_id(call)
        messages = self.ws.messages(channel["id"])
        root = next((m for m in messages if m["ts"] == args.get("ts")), None)
        if root is None:
            raise SlackError("thread_not_found")
        thread_ts = root.get("thread_ts", root["ts"])
        thread = [m for m in messages if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts]
        keys = [m["ts"].replace(".", "") for m in thread]
        start, end = page(args, "next_ts:", keys, default=1000, high=1000)
        with_metadata = flag(args, "include_all_metadata")
        body: Doc = {
            "ok": True,
            "messages": [render(m, with_metadata=with_metadata) for m in thread[start:end]],
            "has_more": end < len(thread),
        }
        if end < len(thread):
            body["response_metadata"] = {"next_cursor": encode_cursor("next_ts:" + keys[end])}
        return body

    def open(self, call: Call) -> Doc:
        args = call.args
        users = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if args.get("channel"):
            im = self._by_id(call)
            if not im.get("is_im"):
                raise SlackError("method_not_supported_for_channel_type")
            already = True
        elif not users:
            raise SlackError("users_list_not_supplied")
        elif len(users) > 1:
            raise SlackError("method_not_supported_for_channel_type")  # group DMs: not emulated
        else:
            member = self.directory.get(users[0])
            if member["deleted"]:
                raise SlackError("user_disabled")
            im, already = self.ws.open_im(member["id"])
        body: Doc = {"ok": True}
        if already:
            body.update(no_op=True, already_open=True)
        body["channel"] = im if flag(args, "return_im") else {"id": im["id"]}
        return body

    def _by_id(self, call: Call) -> Doc:
        ref = call.args.get("channel")
        channel = self.ws.channel(ref)
        if channel["id"] != ref:
            raise SlackError("channel_not_found")  # conversations.* take ids, not names
        return channel
