"""Members of the emulated workspace: seeds, Slack user objects, look-ups by id and email.

Store layout: `users` (one user object per id, seeded; the bot user is always present).
A seed without an id gets one derived from its email (`U` + 10 base32 characters of its
SHA-256), so an owner seeded from config has the same id in every sandbox. User objects follow
Slack's `users.info` / `users.lookupByEmail` examples (spec `objs_user`, `objs_user_profile`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callstate.sandbox.slack.workspace import BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_ID, SlackError
from callstate.sandbox.store import Doc, Store

USER_UPDATED = 1_700_000_000  # fixed, so seeded users are identical across sandboxes


@dataclass(frozen=True)
class SlackUser:
    """A seeded member. `tz_offset=None` is computed from `tz` at seed time (seconds east)."""

    email: str
    name: str = ""
    real_name: str = ""
    id: str = ""
    tz: str = "UTC"
    tz_offset: int | None = None
    is_bot: bool = False
    deleted: bool = False

    @classmethod
    def of(cls, seed: SlackUser | Mapping[str, Any]) -> SlackUser:
        """A seed given as a `SlackUser` or as a mapping with the same keys (from config)."""
        if isinstance(seed, SlackUser):
            return seed
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(seed) - known)
        if unknown:
            raise ValueError(f"unknown Slack user seed keys {unknown}; known: {sorted(known)}")
        return cls(**dict(seed))


def user_id(email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).digest()
    return "U" + base64.b32encode(digest).decode()[:10]


def _offset(tz: str, now: float) -> int:
    try:
        delta = datetime.fromtimestamp(now, UTC).astimezone(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(delta.total_seconds()) if delta is not None else 0


def _user_object(seed: SlackUser, now: float) -> Doc:
    name = seed.name or seed.email.split("@")[0]
    real_name = seed.real_name or name
    uid = seed.id or user_id(seed.email)
    profile: Doc = {
        "avatar_hash": hashlib.sha256(uid.encode()).hexdigest()[:12],
        "status_text": "",
        "status_emoji": "",
        "real_name": real_name,
        "display_name": name,
        "real_name_normalized": real_name,
        "display_name_normalized": name,
        "email": seed.email,
        "title": "",
        "phone": "",
        "skype": "",
        "fields": None,
        "team": TEAM_ID,
    }
    return {
        "id": uid,
        "team_id": TEAM_ID,
        "name": name,
        "deleted": seed.deleted,
        "color": hashlib.sha256(uid.encode()).hexdigest()[:6],
        "real_name": real_name,
        "tz": seed.tz,
        "tz_label": seed.tz,
        "tz_offset": seed.tz_offset if seed.tz_offset is not None else _offset(seed.tz, now),
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": seed.is_bot,
        "is_app_user": False,
        "updated": USER_UPDATED,
    }


def _bot_user() -> Doc:
    bot = _user_object(SlackUser(email="", name=BOT_NAME, id=BOT_USER_ID, is_bot=True), 0.0)
    bot["profile"].update(email=None, bot_id=BOT_ID, always_active=True)
    return bot


class Directory:
    """The workspace's members, kept in the workspace's `Store`."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def seed(self, seeds: Sequence[SlackUser]) -> None:
        now = self._clock()
        with self._store.transaction() as tx:
            for doc in [_bot_user(), *(_user_object(s, now) for s in seeds)]:
                tx.put("users", doc["id"], doc)

    def put(self, seed: SlackUser) -> Doc:
        """Add a member or replace the one with the same id (e.g. deactivate them); a reset
        restores the seeds."""
        doc = _user_object(seed, self._clock())
        with self._store.transaction() as tx:
            tx.put("users", doc["id"], doc)
        return doc

    def get(self, uid: object) -> Doc:
        doc = self._store.get("users", uid) if isinstance(uid, str) and uid else None
        if doc is None:
            raise SlackError("user_not_found")
        return doc

    def by_email(self, email: object) -> Doc:
        """users.lookupByEmail: case-insensitive; deactivated members are not found."""
        wanted = str(email or "").strip().lower()
        for _, doc in self._store.scan("users"):
            found = str(doc["profile"].get("email") or "").lower()
            if wanted and found == wanted and not doc["deleted"]:
                return doc
        raise SlackError("users_not_found")

    def all(self) -> list[Doc]:
        return [doc for _, doc in self._store.scan("users")]
