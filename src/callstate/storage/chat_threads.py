"""Call threads: where each call's owner notification was posted, keyed by that effect's key.

Later messages about the same call (a calendar change of its meeting) reply in this thread and
rewrite the parent, so the owner reads one conversation per call instead of a scatter of
messages. The parent is re-rendered from what it was built from: the effect's JSON and the
links it showed, both kept here as plain JSON (storage knows nothing of the effect types).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from callstate.storage.dialect import upsert
from callstate.storage.tables import ChatThreadRow


@dataclass(frozen=True, slots=True)
class ChatThreadView:
    workspace: str
    thread_key: str
    channel: str
    ts: str
    delivered: str  # "dm", or a `Detour` value: "channel", "channel/scope" (no DM possible)
    payload: dict[str, Any]
    links: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ChatThreads:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        workspace: str,
        thread_key: str,
        *,
        channel: str,
        ts: str,
        delivered: str,
        payload: dict[str, Any],
        links: dict[str, Any],
        now: datetime,
    ) -> None:
        """Remember the thread's message. Safe to repeat: a repeat (a recovered post) sets the
        same row again; `created_at` keeps the first time."""
        values = {
            "workspace": workspace,
            "thread_key": thread_key,
            "channel": channel,
            "ts": ts,
            "delivered": delivered,
            "payload": payload,
            "links": links,
            "created_at": now,
            "updated_at": now,
        }
        kept = ("workspace", "thread_key", "created_at")
        changes = {k: v for k, v in values.items() if k not in kept}
        statement = upsert(
            self._engine,
            ChatThreadRow.__table__,  # type: ignore[arg-type]
            values,
            keys=("workspace", "thread_key"),
            changes=changes,
        )
        with self._engine.begin() as connection:
            connection.execute(statement)

    def get(self, workspace: str, thread_key: str) -> ChatThreadView | None:
        query = select(ChatThreadRow).where(
            ChatThreadRow.workspace == workspace, ChatThreadRow.thread_key == thread_key
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        if row is None:
            return None
        return ChatThreadView(
            workspace=row.workspace,
            thread_key=row.thread_key,
            channel=row.channel,
            ts=row.ts,
            delivered=row.delivered,
            payload=dict(row.payload),
            links=dict(row.links),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def rewrite(
        self, workspace: str, thread_key: str, payload: dict[str, Any], now: datetime
    ) -> bool:
        """The parent now shows `payload` (e.g. the meeting moved). Safe to repeat (a set).
        False when no thread has the key."""
        statement = (
            update(ChatThreadRow)
            .where(ChatThreadRow.workspace == workspace, ChatThreadRow.thread_key == thread_key)
            .values(payload=payload, updated_at=now)
        )
        with self._engine.begin() as connection:
            return connection.execute(statement).rowcount == 1
