"""The Slack Web API method table of one emulated workspace.

Each method takes a `Call` (arguments: the query string merged with a JSON or form-encoded
body, as Slack accepts both — api.slack.com "Using the Slack Web API") and returns the success
body or raises `SlackError` (answered `{"ok": false, "error": ...}` with HTTP 200) or
`RateLimitedError` (HTTP 429 + `Retry-After`, body error `ratelimited`).

Served: `auth.test`; `chat.postMessage`, `chat.update`, `chat.getPermalink` (chat.py);
`conversations.list/info/history/replies/open` (conversations.py);
`users.lookupByEmail`, `users.info`, `users.list` (here); `files.getUploadURLExternal`,
`files.completeUploadExternal`, `files.info` (files.py).
"""

from __future__ import annotations

from collections.abc import Callable

from callstate.sandbox.slack.arguments import Call, encode_cursor, page
from callstate.sandbox.slack.chat import ChatMethods
from callstate.sandbox.slack.conversations import ConversationMethods
from callstate.sandbox.slack.files import FileMethods
from callstate.sandbox.slack.users import Directory
from callstate.sandbox.slack.workspace import (
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_ID,
    TEAM_NAME,
    Workspace,
)
from callstate.sandbox.store import Doc

Handler = Callable[[Call], Doc]
USERS_CACHE_TS = 1_700_000_000  # users.list `cache_ts`: fixed, the seeds never change


class Methods:
    """The method table of one emulated workspace."""

    def __init__(
        self,
        workspace: Workspace,
        directory: Directory,
        chat: ChatMethods,
        files: FileMethods,
    ) -> None:
        self.directory = directory
        conversations = ConversationMethods(workspace, directory)
        self.table: dict[str, Handler] = {
            "auth.test": self.auth_test,
            "chat.postMessage": chat.post_message,
            "chat.update": chat.update,
            "chat.getPermalink": chat.get_permalink,
            "conversations.list": conversations.list,
            "conversations.info": conversations.info,
            "conversations.history": conversations.history,
            "conversations.replies": conversations.replies,
            "conversations.open": conversations.open,
            "users.lookupByEmail": self.users_lookup_by_email,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "files.getUploadURLExternal": files.get_upload_url,
            "files.completeUploadExternal": files.complete,
            "files.info": files.info,
        }

    def auth_test(self, _: Call) -> Doc:
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

    def users_lookup_by_email(self, call: Call) -> Doc:
        return {"ok": True, "user": self.directory.by_email(call.args.get("email"))}

    def users_info(self, call: Call) -> Doc:
        return {"ok": True, "user": self.directory.get(call.args.get("user"))}

    def users_list(self, call: Call) -> Doc:
        members = self.directory.all()
        keys = [m["id"] for m in members]
        start, end = page(call.args, "user:", keys, default=1000, high=1000)
        next_cursor = encode_cursor("user:" + keys[end]) if end < len(keys) else ""
        return {
            "ok": True,
            "members": members[start:end],
            "cache_ts": USERS_CACHE_TS,
            "response_metadata": {"next_cursor": next_cursor},
        }
