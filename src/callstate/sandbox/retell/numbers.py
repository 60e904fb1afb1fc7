"""Phone numbers of the emulated Retell account: bought, imported, bound to agents.

retell-sdk 6.2.13 binds agents with weighted lists, `inbound_agents` / `outbound_agents`
(`[{agent_id, weight, agent_version?}]`, weights summing to 1); the single
`inbound_agent_id` / `outbound_agent_id` fields were deprecated on 2026-03-31 (openapi.yaml
PhoneNumberResponse). Requests may use either; the stored number and every answer use the lists.
`inbound_webhook_url` is per number (voice.md §2).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from typing import Any

from callstate.sandbox.retell.agents import AGENTS
from callstate.sandbox.retell.rest_errors import bad_request, not_found
from callstate.sandbox.store import Doc, Store, Tx

NUMBERS = "numbers"
E164 = re.compile(r"\+[1-9]\d{1,14}")
_SERVER_FIELDS = ("phone_number", "phone_number_type", "phone_number_pretty")
_LEGACY = {"inbound_agent_id": "inbound_agents", "outbound_agent_id": "outbound_agents"}
_LEGACY_VERSION = {
    "inbound_agent_version": "inbound_agents",
    "outbound_agent_version": "outbound_agents",
}
_NOT_STORED = ("sip_trunk_auth_password", "auth_password", "termination_uri", "transport")


def pretty(number: str) -> str:
    """`+14155550123` → `+1 (415) 555-0123` for NANP numbers, else unchanged."""
    if len(number) == 12 and number.startswith("+1"):
        return f"+1 ({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number


class Numbers:
    """The account's phone numbers, keyed by E.164 number."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def create(self, body: Mapping[str, Any], *, kind: str = "retell-twilio") -> Doc:
        """Buy (`kind` retell-*) or import (`custom`) a number; 400 if it is already here."""
        with self._store.transaction() as tx:
            number = body.get("phone_number")
            if number is None:
                number = _free_number(tx, int(body.get("area_code") or 415))
            if not isinstance(number, str) or not E164.fullmatch(number):
                raise bad_request(f"phone_number must be E.164, got {number!r}")
            if tx.get(NUMBERS, number) is not None:
                raise bad_request(f"phone number {number} already exists in this account")
            doc: Doc = {
                "phone_number": number,
                "phone_number_type": kind,
                "phone_number_pretty": pretty(number),
            }
            doc.update(self._bindings(tx, body))
            if kind == "custom":
                doc["sip_outbound_trunk_config"] = _trunk(body)
            doc["last_modification_timestamp"] = int(self._clock() * 1000)
            tx.put(NUMBERS, number, doc)
            return doc

    def get(self, number: str) -> Doc:
        doc = self._store.get(NUMBERS, number)
        if doc is None:
            raise not_found("phone number", number)
        return doc

    def update(self, number: str, changes: Mapping[str, Any]) -> Doc:
        with self._store.transaction() as tx:
            doc = self.get(number)
            doc.update(self._bindings(tx, changes))
            if doc.get("phone_number_type") == "custom" and "termination_uri" in changes:
                doc["sip_outbound_trunk_config"] = _trunk(changes)
            doc["last_modification_timestamp"] = int(self._clock() * 1000)
            tx.put(NUMBERS, number, doc)
            return doc

    def list(self) -> list[Doc]:
        return [doc for _, doc in self._store.scan(NUMBERS)]

    def delete(self, number: str) -> None:
        with self._store.transaction() as tx:
            self.get(number)
            tx.delete(NUMBERS, number)

    def _bindings(self, tx: Tx, body: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in body.items():
            if key in _SERVER_FIELDS or key in _NOT_STORED or key in _LEGACY_VERSION:
                continue
            if key in _LEGACY:
                if value is None:
                    out[_LEGACY[key]] = None
                    continue
                version = body.get(key.replace("_id", "_version"))
                value = [{"agent_id": value, "weight": 1, **_version(version)}]
                key = _LEGACY[key]
            if key.endswith("_agents") and value is not None:
                _check_agents(tx, key, value)
            out[key] = value
        return out


def _free_number(tx: Tx, area: int) -> str:
    """A fictional 555-01xx line in `area` that the account does not hold yet."""
    for _ in range(100):
        n = tx.next_value(f"bought_number/{area}", start=50) % 100
        number = f"+1{area:03d}55501{n:02d}"
        if tx.get(NUMBERS, number) is None:
            return number
    raise bad_request(f"no free sandbox number left in area code {area}")


def _version(version: Any) -> dict[str, Any]:
    return {} if version is None else {"agent_version": version}


def _check_agents(tx: Tx, key: str, agents: Any) -> None:
    if not isinstance(agents, list) or not all(isinstance(a, dict) for a in agents):
        raise bad_request(f"{key} must be a list of {{agent_id, weight}}")
    for entry in agents:
        if tx.get(AGENTS, str(entry.get("agent_id"))) is None:
            raise not_found("agent", str(entry.get("agent_id")))
    if agents and abs(sum(float(a.get("weight", 0)) for a in agents) - 1.0) > 1e-6:
        raise bad_request(f"{key}: weights must add up to 1")


def _trunk(body: Mapping[str, Any]) -> dict[str, Any]:
    trunk = {"termination_uri": body.get("termination_uri"), "transport": body.get("transport")}
    user = body.get("sip_trunk_auth_username") or body.get("auth_username")
    if user:
        trunk["auth_username"] = user
    return {k: v for k, v in trunk.items() if v is not None}


def pick_agent(number: Doc, direction: str, seed: str) -> tuple[str, Any] | None:
    """The agent (and version reference) a call through `number` uses: weighted, seeded."""
    agents = number.get(f"{direction}_agents") or []
    if not agents:
        return None
    chosen = random.Random(seed).choices(agents, weights=[float(a["weight"]) for a in agents])[0]
    return str(chosen["agent_id"]), chosen.get("agent_version")
