"""Retell LLMs (response engines) and voice agents as the emulator keeps them.

Both are stored as the JSON Retell answers with: every field the client sent, plus the id,
`version`, `is_published` and `last_modification_timestamp` (retell-sdk 6.2.13 `LlmResponse`,
`AgentResponse`; research/voice.md §4.3). Defaults Retell fills in server-side are not invented
here: a field the client never set is absent. Versions: a new object is version 0, a draft; a
PATCH edits that draft in place (publishing, which would freeze it and open version 1, is not
emulated). `?version=N` names the version; any other number is unknown (422).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from callstate.sandbox.retell.rest_errors import bad_request, not_found
from callstate.sandbox.store import Doc, Store, Tx

LLMS = "llms"
AGENTS = "agents"
_ENGINE_TYPES = ("retell-llm", "custom-llm", "conversation-flow")
_LLM_SERVER_FIELDS = ("llm_id", "version", "is_published", "last_modification_timestamp")
_AGENT_SERVER_FIELDS = ("agent_id", "version", "is_published", "last_modification_timestamp")


def retell_id(prefix: str, kind: str, n: int) -> str:
    """`<prefix>` + 26 hex, derived from a durable counter so ids are never reused."""
    return prefix + hashlib.sha256(f"callstate-sandbox/{kind}/{n}".encode()).hexdigest()[:26]


def _settings(body: Mapping[str, Any], server_fields: tuple[str, ...]) -> dict[str, Any]:
    """What the client may set: everything except the fields the server owns."""
    return {k: v for k, v in body.items() if k not in server_fields}


def _check_version(doc: Doc, version: int | None, kind: str, ident: str) -> None:
    if version is not None and version != doc["version"]:
        raise not_found(f"{kind} version", f"{ident}@{version}")


class Engines:
    """The account's Retell LLMs and agents."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # -- Retell LLMs ------------------------------------------------------------------------

    def create_llm(self, body: Mapping[str, Any], *, llm_id: str | None = None) -> Doc:
        with self._store.transaction() as tx:
            ident = llm_id or retell_id("llm_", "llm", tx.next_value("llm"))
            doc: Doc = {
                "llm_id": ident,
                "version": 0,
                "is_published": False,
                **_settings(body, _LLM_SERVER_FIELDS),
                "last_modification_timestamp": self._now_ms(),
            }
            tx.put(LLMS, ident, doc)
            return doc

    def get_llm(self, llm_id: str, version: int | None = None) -> Doc:
        doc = self._store.get(LLMS, llm_id)
        if doc is None:
            raise not_found("retell llm", llm_id)
        _check_version(doc, version, "retell llm", llm_id)
        return doc

    def update_llm(self, llm_id: str, changes: Mapping[str, Any], version: int | None) -> Doc:
        with self._store.transaction() as tx:
            doc = self.get_llm(llm_id, version)
            doc.update(_settings(changes, _LLM_SERVER_FIELDS))
            doc["last_modification_timestamp"] = self._now_ms()
            tx.put(LLMS, llm_id, doc)
            return doc

    def list_llms(self) -> list[Doc]:
        return [doc for _, doc in self._store.scan(LLMS)]

    def delete_llm(self, llm_id: str, *, force: bool) -> None:
        with self._store.transaction() as tx:
            self.get_llm(llm_id)
            users = [a["agent_id"] for _, a in tx.scan(AGENTS) if llm_of(a) == llm_id]
            if users and not force:
                # retell-sdk 6.2.13 llm.delete: rejected with 400 while an agent uses it.
                raise bad_request(f"retell llm {llm_id} is used by agents {users}")
            tx.delete(LLMS, llm_id)

    # -- agents -----------------------------------------------------------------------------

    def create_agent(self, body: Mapping[str, Any], *, agent_id: str | None = None) -> Doc:
        for required in ("response_engine", "voice_id"):
            if body.get(required) in (None, ""):
                raise bad_request(f"{required} is required")
        with self._store.transaction() as tx:
            self._check_engine(tx, body["response_engine"])
            ident = agent_id or retell_id("agent_", "agent", tx.next_value("agent"))
            doc: Doc = {
                "agent_id": ident,
                "version": 0,
                "is_published": False,
                **_settings(body, _AGENT_SERVER_FIELDS),
                "last_modification_timestamp": self._now_ms(),
            }
            tx.put(AGENTS, ident, doc)
            return doc

    def get_agent(self, agent_id: str, version: int | None = None) -> Doc:
        doc = self._store.get(AGENTS, agent_id)
        if doc is None:
            raise not_found("agent", agent_id)
        _check_version(doc, version, "agent", agent_id)
        return doc

    def update_agent(self, agent_id: str, changes: Mapping[str, Any], version: int | None) -> Doc:
        with self._store.transaction() as tx:
            doc = self.get_agent(agent_id, version)
            if "response_engine" in changes:
                self._check_engine(tx, changes["response_engine"])
            doc.update(_settings(changes, _AGENT_SERVER_FIELDS))
            doc["last_modification_timestamp"] = self._now_ms()
            tx.put(AGENTS, agent_id, doc)
            return doc

    def list_agents(self) -> list[Doc]:
        return [doc for _, doc in self._store.scan(AGENTS)]

    def delete_agent(self, agent_id: str) -> None:
        with self._store.transaction() as tx:
            self.get_agent(agent_id)
            tx.delete(AGENTS, agent_id)

    def _check_engine(self, tx: Tx, engine: Any) -> None:
        if not isinstance(engine, dict) or engine.get("type") not in _ENGINE_TYPES:
            raise bad_request(f"response_engine.type must be one of {list(_ENGINE_TYPES)}")
        if engine["type"] == "retell-llm":
            llm_id = engine.get("llm_id")
            if not isinstance(llm_id, str) or tx.get(LLMS, llm_id) is None:
                raise not_found("retell llm", str(llm_id))


def llm_of(agent: Mapping[str, Any]) -> str | None:
    """The Retell LLM an agent answers with, if it uses one."""
    engine = agent.get("response_engine")
    if isinstance(engine, dict) and engine.get("type") == "retell-llm":
        llm = engine.get("llm_id")
        return llm if isinstance(llm, str) else None
    return None


def agent_summary(agent: Mapping[str, Any]) -> dict[str, Any]:
    """An item of `POST /v2/list-agents` (6.x): a summary, not the whole agent."""
    return {
        "agent_id": agent["agent_id"],
        "agent_name": agent.get("agent_name") or "",
        "channel": "voice",
        "is_suspended": False,
        "tags": {},
        "user_modified_timestamp": agent["last_modification_timestamp"],
        **(
            {"is_transfer_agent": agent["is_transfer_agent"]}
            if "is_transfer_agent" in agent
            else {}
        ),
    }
