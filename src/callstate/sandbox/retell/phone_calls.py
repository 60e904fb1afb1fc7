"""`POST /v2/create-phone-call` semantics, inbound answering, and the log of every call.

Creating a call (research/voice.md §4.2): `from_number` must be a number of the account,
`to_number` E.164; the agent is `override_agent_id` or the number's outbound agent (none → 400).
`honor_internal_dnc: true` refuses (400) a `to_number` on the account's do-not-call list
(dnc.py). `idempotency_key`: the same key within one hour answers the first call again and
places no second one (the 6.x SDK text: "retry the same request for up to one hour without
creating another call"); whether Retell checks that the retried body matches is undocumented,
so the emulator does not. An inbound call (inbound.py decides its agent) is registered through
`answer`. Either way the call is answered `registered`; its lifetime is then played by
`player.Player` from the `CallScenario` decided here, with the script of the other party
(the callee of a placed call, the caller of an inbound one), read at creation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from callstate.sandbox.retell.agents import AGENTS, LLMS, Engines, llm_of
from callstate.sandbox.retell.calls import CallScenario, Direction, build_events, call_id_for
from callstate.sandbox.retell.dnc import DNC_REASON, DncEntry, is_listed, mark
from callstate.sandbox.retell.numbers import E164, Numbers, pick_agent
from callstate.sandbox.retell.rest_errors import bad_request, not_found
from callstate.sandbox.retell.scripts import SCRIPTS, CalleeScript, default_script
from callstate.sandbox.store import Doc, Store, Tx

CALLS = "calls"
IDEMPOTENCY = "idempotency"
IDEMPOTENCY_WINDOW_MS = 3_600_000
# What a call object holds the moment Retell registers it (before anyone picks up).
_REGISTERED_KEYS = (
    "call_id", "call_type", "agent_id", "agent_version", "agent_name",
    "retell_llm_dynamic_variables", "custom_sip_headers", "metadata", "data_storage_setting",
    "opt_in_signed_url", "from_number", "to_number", "direction", "telephony_identifier",
)  # fmt: skip


@dataclass(frozen=True)
class Dial:
    """Who is on a call, which way it goes, and what the call carries from its creation."""

    direction: Direction
    from_number: str
    to_number: str
    metadata: Any = None
    variables: Mapping[str, str] | None = None

    @property
    def other_party(self) -> str:
        """The person the agent talks to: the callee of a placed call, else the caller."""
        return self.to_number if self.direction == "outbound" else self.from_number


@dataclass(frozen=True)
class Placed:
    """A registered call; `scenario` is None when an idempotent retry replayed it.

    `webhooks` is False when the other party's script loses every webhook of the call.
    """

    call: dict[str, Any]
    scenario: CallScenario | None
    agent: Doc | None
    webhooks: bool = True


class CallLog:
    """Every call of the account, as `GET /v2/get-call` would show it now."""

    def __init__(
        self,
        store: Store,
        engines: Engines,
        numbers: Numbers,
        clock: Callable[[], float],
        *,
        media_base_url: str | None = None,
    ) -> None:
        self._store = store
        self._engines = engines
        self._numbers = numbers
        self._clock = clock
        self._media = media_base_url.rstrip("/") if media_base_url else None

    def create(self, body: Mapping[str, Any]) -> Placed:
        dial = _outbound_dial(body)
        key = body.get("idempotency_key")
        now_ms = self._now_ms()
        with self._store.transaction() as tx:
            if isinstance(key, str) and key:
                seen = tx.get(IDEMPOTENCY, key)
                if seen is not None and now_ms - int(seen["at_ms"]) < IDEMPOTENCY_WINDOW_MS:
                    return Placed(dict(seen["response"]), None, None)
            if body.get("honor_internal_dnc") is True and is_listed(tx, dial.to_number):
                raise bad_request(f"{dial.to_number} is on the account's do-not-call list")
            number = self._numbers.get(dial.from_number)
            seed = f"{dial.from_number}/{dial.to_number}/{now_ms}"
            agent = self._outbound_agent(body, number, seed=seed)
            placed = self._register(tx, dial, agent, self.reserve_call_id(), now_ms)
            if isinstance(key, str) and key:
                tx.put(
                    IDEMPOTENCY,
                    key,
                    {"at_ms": now_ms, "call_id": placed.call["call_id"], "response": placed.call},
                )
            return placed

    def reserve_call_id(self) -> str:
        """A call id no call of the account has had, nor will have."""
        with self._store.transaction() as tx:
            return call_id_for(f"rest/{tx.next_value('call')}")

    def answer(self, call_id: str, dial: Dial, agent: Doc) -> Placed:
        """Register an inbound call `agent` answers (inbound.py decided who)."""
        with self._store.transaction() as tx:
            return self._register(tx, dial, agent, call_id, self._now_ms())

    def agent(self, agent_id: str, version: Any = None) -> Doc | None:
        """The account's agent (at `version` when it is an int), or None if there is none."""
        doc = self._store.get(AGENTS, agent_id)
        if doc is None:
            return None
        return {**doc, "version": version} if isinstance(version, int) else doc

    def bound_agent(self, number: Doc, direction: Direction, seed: str) -> Doc | None:
        """The agent the number's weighted binding picks for this call, if any is bound."""
        bound = pick_agent(number, direction, seed)
        return None if bound is None else self.agent(*bound)

    def _outbound_agent(self, body: Mapping[str, Any], number: Doc, *, seed: str) -> Doc:
        override = body.get("override_agent_id")
        if override:
            agent = self._engines.get_agent(str(override))
        else:
            bound = self.bound_agent(number, "outbound", seed)
            if bound is None:
                raise bad_request(
                    f"{number['phone_number']} has no outbound agent; set override_agent_id"
                )
            agent = bound
        version = body.get("override_agent_version")
        return {**agent, "version": version} if isinstance(version, int) else agent

    def _register(self, tx: Tx, dial: Dial, agent: Doc, call_id: str, now_ms: int) -> Placed:
        script = _take_script(tx, dial.other_party)
        scenario = self._scenario(tx, dial, agent, script, call_id, now_ms)
        call = _registered(scenario)
        tx.put(CALLS, call_id, {"call": call, "created_ms": now_ms})
        return Placed(call, scenario, agent, webhooks=script.webhooks)

    def _scenario(
        self, tx: Tx, dial: Dial, agent: Doc, script: CalleeScript, call_id: str, now_ms: int
    ) -> CallScenario:
        llm = tx.get(LLMS, llm_of(agent) or "") or {}
        variables = {**llm.get("default_dynamic_variables", {}), **(dial.variables or {})}
        begin = _render(llm.get("begin_message"), variables)
        voicemail = (agent.get("voicemail_option") or {}).get("action") or {}
        defaults = script.analysis_defaults()
        inbound = dial.direction == "inbound"
        return CallScenario(
            call_id=call_id,
            agent_id=agent["agent_id"],
            agent_version=int(agent.get("version") or 0),
            agent_name=agent.get("agent_name"),
            direction=dial.direction,
            from_number=dial.from_number,
            to_number=dial.to_number,
            start=datetime.fromtimestamp(now_ms / 1000, UTC),
            connected=script.connected,
            voicemail=script.outcome == "voicemail",
            disconnection_reason=script.reason(),
            caller_name=script.caller_name,
            caller_email=script.caller_email,
            summary=script.summary,
            sentiment=defaults["sentiment"],
            call_successful=defaults["call_successful"],
            custom_analysis_data=script.custom_analysis_data,
            transcript=script.talk(begin, voicemail.get("text"), inbound=inbound),
            recording_url=self._recording_url(call_id) if script.connected else None,
            metadata=dial.metadata,
            dynamic_variables=dial.variables,
            **_duration(script),
        )

    def _recording_url(self, call_id: str) -> str | None:
        return None if self._media is None else f"{self._media}/media/{call_id}/recording.wav"

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def get(self, call_id: str) -> dict[str, Any]:
        doc = self._store.get(CALLS, call_id)
        if doc is None:
            raise not_found("call", call_id)
        return dict(doc["call"])

    def all(self) -> list[tuple[dict[str, Any], int]]:
        """Every call with its creation time (ms), in creation order."""
        return [(dict(d["call"]), int(d["created_ms"])) for _, d in self._store.scan(CALLS)]

    def record(self, call: Mapping[str, Any]) -> None:
        """The call as an event shows it: what get-call answers from now on.

        A call that ended with `user_requested_dnc` puts the other party on the do-not-call list.
        """
        with self._store.transaction() as tx:
            doc = tx.get(CALLS, str(call["call_id"]))
            created = int(doc["created_ms"]) if doc else self._now_ms()
            tx.put(CALLS, str(call["call_id"]), {"call": dict(call), "created_ms": created})
            other = call["to_number"] if call["direction"] == "outbound" else call["from_number"]
            if call.get("disconnection_reason") == DNC_REASON and E164.fullmatch(str(other)):
                mark(tx, DncEntry(phone_number=str(other), call_id=str(call["call_id"])))


def _outbound_dial(body: Mapping[str, Any]) -> Dial:
    from_number, to_number = body.get("from_number"), body.get("to_number")
    for name, value in (("from_number", from_number), ("to_number", to_number)):
        if not isinstance(value, str) or not value:
            raise bad_request(f"{name} is required")
    assert isinstance(from_number, str)
    assert isinstance(to_number, str)
    if not E164.fullmatch(to_number):
        raise bad_request(f"to_number must be E.164, got {to_number!r}")
    metadata = _check_object(body, "metadata")
    variables = _check_object(body, "retell_llm_dynamic_variables")
    if variables and not all(isinstance(v, str) for v in variables.values()):
        raise bad_request("retell_llm_dynamic_variables values must be strings")
    return Dial("outbound", from_number, to_number, metadata, variables)


def _check_object(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise bad_request(f"{name} must be an object")
    return value


def _take_script(tx: Tx, party: str) -> CalleeScript:
    stored = tx.get(SCRIPTS, party)
    if stored is None:
        return default_script(party)
    script = CalleeScript.model_validate(stored)
    if script.times is not None:
        if script.times <= 1:
            tx.delete(SCRIPTS, party)
        else:
            tx.put(SCRIPTS, party, {**stored, "times": script.times - 1})
    return script


def _duration(script: CalleeScript) -> dict[str, Any]:
    if script.duration_seconds is None or not script.connected:
        return {}
    return {"duration": timedelta(seconds=script.duration_seconds)}


def _render(text: Any, variables: Mapping[str, Any]) -> str | None:
    """Retell's `{{name}}` prompt templating (voice.md §3.4); unknown names stay as written."""
    if not isinstance(text, str):
        return None
    rendered: str = text
    for name, value in variables.items():
        rendered = rendered.replace("{{" + str(name) + "}}", str(value))
    return rendered


def _registered(scenario: CallScenario) -> dict[str, Any]:
    ended = build_events(scenario, event_timestamp=False)[-2]["call"]
    call = {k: ended[k] for k in _REGISTERED_KEYS if k in ended}
    call["call_status"] = "registered"
    return call
