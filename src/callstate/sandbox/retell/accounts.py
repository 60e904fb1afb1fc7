"""Several Retell accounts in one sandbox: one per workspace, each its own app and store.

A real deployment gives every workspace its own Retell account (own API key, webhook key and
account-level webhook URL). `RetellAccount` describes one; the sandbox root (sandbox/app.py)
mounts each at `/retell/<name>` over its own store, next to the single `/retell` account.
A name must be a workspace slug and must not be the first segment of a path the `/retell` app
serves (`v2`, `get-agent`, `_sandbox`, ...), or it would hide part of that app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fastapi import FastAPI

from callstate.sandbox.retell.rest_app import RetellSeed, create_retell_app
from callstate.sandbox.store import Store

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
# Paths the Retell app answers outside its FastAPI routes (middleware).
_MIDDLEWARE_SEGMENTS = frozenset({"_sandbox", "media"})


@dataclass(frozen=True)
class RetellAccount:
    """One workspace's Retell account: `name` is the workspace slug, the mount is
    `/retell/<name>`; `media_base_url` is that mount's externally visible URL (recordings)."""

    name: str
    api_key: str
    webhook_url: str | None = None
    seed: RetellSeed = field(default_factory=RetellSeed)
    media_base_url: str | None = None

    def __post_init__(self) -> None:
        if not _SLUG.fullmatch(self.name):
            raise ValueError(f"Retell account name {self.name!r} is not a workspace slug")
        if not self.api_key:
            raise ValueError(f"Retell account {self.name!r} needs an api_key")


def create_account_app(
    store: Store, account: RetellAccount, *, webhook_retry_delay: float = 1.0
) -> FastAPI:
    """The emulator for one account (see `create_retell_app`)."""
    return create_retell_app(
        store,
        api_key=account.api_key,
        webhook_url=account.webhook_url,
        seed=account.seed,
        webhook_retry_delay=webhook_retry_delay,
        media_base_url=account.media_base_url,
    )


def check_names(accounts: Sequence[RetellAccount], retell_app: FastAPI) -> None:
    """ValueError if two accounts share a name or a name would hide a path of `retell_app`."""
    names = [a.name for a in accounts]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"Retell account names used twice: {repeated}")
    hidden = sorted(set(names) & path_segments(retell_app.state.api_paths))
    if hidden:
        raise ValueError(f"Retell account names clash with Retell API paths: {hidden}")


def path_segments(paths: Iterable[str]) -> frozenset[str]:
    """The first segment of every API path, plus those the middleware answers."""
    firsts = {path.strip("/").split("/")[0] for path in paths}
    return frozenset(firsts - {""}) | _MIDDLEWARE_SEGMENTS
