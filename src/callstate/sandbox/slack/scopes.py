"""The bot token's OAuth scopes, checked per method as Slack checks them.

Each method page names the scopes that admit it (api.slack.com/methods/<method>, "Required
scopes"); a token with none of them is answered HTTP 200
`{"ok": false, "error": "missing_scope", "needed": "<scope>", "provided": "<granted,...>"}`.
Every method answer carries the token's scopes in `X-OAuth-Scopes` and the method's in
`X-Accepted-OAuth-Scopes` (Slack's headers; `doctor` reads the first from `auth.test`).

The emulated bot starts with every scope callstate documents (docs/connectors.md: Slack), so
nothing callstate does is refused until a test or an operator takes one away with
`POST /_sandbox/scopes {"scopes": [...]}`; a reset grants them all again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from callstate.sandbox.slack.arguments import Args

# Any one of a method's scopes admits it. History and replies depend on the conversation:
# `_history_scope` picks the one its kind needs.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "chat.getPermalink": (),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.list": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.open": ("im:write", "mpim:write"),
    "files.completeUploadExternal": ("files:write",),
    "files.getUploadURLExternal": ("files:write",),
    "files.info": ("files:read",),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
}
_HISTORY = ("conversations.history", "conversations.replies")
# What callstate's docs ask an operator to grant (connectors.md: Slack), plus `users:read` and
# `files:read` for the emulator's own users.* and files.info callers.
DEFAULT_SCOPES = frozenset(
    {
        "chat:write",
        "channels:read",
        "groups:read",
        "channels:history",
        "groups:history",
        "users:read",
        "users:read.email",
        "im:write",
        "im:history",
        "files:write",
        "files:read",
    }
)


def _history_scope(channel: object) -> str:
    """A DM's history needs `im:history`; a private channel's (`G…`) `groups:history`."""
    prefix = str(channel or "")[:1]
    return {"D": "im:history", "G": "groups:history"}.get(prefix, "channels:history")


class Grants:
    """The scopes the emulated bot token holds (thread-safe; methods run in worker threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes = DEFAULT_SCOPES

    def set(self, scopes: Iterable[str]) -> None:
        with self._lock:
            self._scopes = frozenset(scopes)

    def reset(self) -> None:
        self.set(DEFAULT_SCOPES)

    @property
    def scopes(self) -> frozenset[str]:
        with self._lock:
            return self._scopes

    def header(self) -> str:
        return ",".join(sorted(self.scopes))

    @staticmethod
    def accepted(method: str, args: Args) -> tuple[str, ...]:
        if method in _HISTORY:
            return (_history_scope(args.get("channel")),)
        return METHOD_SCOPES.get(method, ())

    def missing(self, method: str, args: Args) -> str | None:
        """The scope this call needs and the token lacks (the first accepted one), or None."""
        accepted = self.accepted(method, args)
        if not accepted or self.scopes.intersection(accepted):
            return None
        return accepted[0]
