"""Which runtime agent serves which audience: the ids `callstate agents apply` was given.

Retell assigns agent ids when an agent is created, so the configuration cannot name them in
advance; apply records them here and the inbound webhook, outbound dials and routing read them.
Reads are served from a short-lived in-process copy: the inbound webhook answers in a few
milliseconds and must not wait on the database for a mapping that changes once per apply.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError

from callstate.storage.dialect import upsert
from callstate.storage.tables import VoiceAgentRow

CACHE_SECONDS = 30.0


class VoiceAgents:
    def __init__(
        self,
        engine: Engine,
        *,
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._ttl = cache_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], dict[str, str]] = {}
        self._loaded_at: dict[tuple[str, str], float] = {}

    def record(
        self,
        workspace: str,
        runtime: str,
        audience: str,
        agent_id: str,
        engine_id: str | None,
        now: datetime,
    ) -> None:
        """The audience's agent is now `agent_id` (replacing any earlier one)."""
        values = {
            "workspace": workspace,
            "runtime": runtime,
            "audience": audience,
            "agent_id": agent_id,
            "engine_id": engine_id,
            "updated_at": now,
        }
        with self._engine.begin() as connection:
            connection.execute(
                upsert(
                    self._engine,
                    VoiceAgentRow.__table__,  # type: ignore[arg-type]
                    values,
                    keys=("workspace", "runtime", "audience"),
                )
            )
        self._forget(workspace, runtime)

    def forget_audiences(self, workspace: str, runtime: str, keep: set[str]) -> None:
        """Drop the records of audiences no longer configured."""
        with self._engine.begin() as connection:
            connection.execute(
                delete(VoiceAgentRow).where(
                    VoiceAgentRow.workspace == workspace,
                    VoiceAgentRow.runtime == runtime,
                    VoiceAgentRow.audience.not_in(keep),
                )
            )
        self._forget(workspace, runtime)

    def by_audience(self, workspace: str, runtime: str) -> dict[str, str]:
        """Audience id → agent id, at most `cache_seconds` old."""
        key = (workspace, runtime)
        now = self._monotonic()
        with self._lock:
            loaded = self._loaded_at.get(key)
            if loaded is not None and now - loaded < self._ttl:
                return self._cache[key]
        query = select(VoiceAgentRow.audience, VoiceAgentRow.agent_id).where(
            VoiceAgentRow.workspace == workspace, VoiceAgentRow.runtime == runtime
        )
        try:
            with self._engine.connect() as connection:
                found = {row.audience: row.agent_id for row in connection.execute(query)}
        except SQLAlchemyError:
            # The database is down: keep answering with what was known (an inbound call must
            # not fail for it); without anything known, the configured agent ids apply.
            with self._lock:
                return self._cache.get(key, {})
        with self._lock:
            self._cache[key] = found
            self._loaded_at[key] = now
        return found

    def agent_for(self, workspace: str, runtime: str, audience: str) -> str | None:
        return self.by_audience(workspace, runtime).get(audience)

    def audiences_by_agent(self, workspace: str, runtime: str) -> dict[str, str]:
        """Agent id → audience id (routing a call event by its agent)."""
        return {agent: audience for audience, agent in self.by_audience(workspace, runtime).items()}

    def _forget(self, workspace: str, runtime: str) -> None:
        with self._lock:
            self._loaded_at.pop((workspace, runtime), None)
