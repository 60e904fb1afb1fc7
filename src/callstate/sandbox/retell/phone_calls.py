"""`POST /v2/create-phone-call` semantics and the log of every call the emulator has seen.

Creating a call (research/voice.md §4.2): `from_number` must be a number of the account,
`to_number` E.164; the agent is `override_agent_id` or the number's outbound agent (none → 400).
`idempotency_key`: the same key within one hour answers the first call again and places no
second one (the 6.x SDK text: "retry the same request for up to one hour without creating
another call"); whether Retell checks that the retried body matches is undocumented, so the
emulator does not. The call is answered `registered`; its lifetime is then played by
`player.Player` from the `CallScenario` decided here (the callee script is read at creation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from callstate.sandbox.retell.agents import LLMS, Engines, llm_of
from callstate.sandbox.retell.calls import CallScenario, build_events, call_id_for
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
class Placed:
    """A create-phone-call answer; `scenario` is None when an idempotent retry replayed it."""

    call: dict[str, Any]
    scenario: CallScenario | None
    agent: Doc | None


class CallLog:
    """Every call of the account, as `GET /v2/get-call` would show it now."""

    def __init__(
        self, store: Store, engines: Engines, numbers: Numbers, clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._engines = engines
        self._numbers = numbers
        self._clock = clock

    def create(self, body: Mapping[str, Any]) -> Placed:
        from_number, to_number = body.get("from_number"), body.get("to_number")
        for name, value in (("from_number", from_number), ("to_number", to_number)):
            if not isinstance(value, str) or not value:
                raise bad_request(f"{name} is required")
        assert isinstance(from_number, str)
        assert isinstance(to_number, str)
        if not E164.fullmatch(to_number):
            raise bad_request(f"to_number must be E.164, got {to_number!r}")
        _check_object(body, "metadata")
        variables = _check_object(body, "retell_llm_dynamic_variables")
        if variables and not all(isinstance(v, str) for v in variables.values()):
            raise bad_request("retell_llm_dynamic_variables values must be strings")
        key = body.get("idempotency_key")
        now_ms = int(self._clock() * 1000)
        with self._store.transaction() as tx:
            if isinstance(key, str) and key:
                seen = tx.get(IDEMPOTENCY, key)
                if seen is not None and now_ms - int(seen["at_ms"]) < IDEMPOTENCY_WINDOW_MS:
                    return Placed(dict(seen["response"]), None, None)
            number = self._numbers.get(from_number)
            agent = self._agent_for(body, number, tx, seed=f"{from_number}/{to_number}/{now_ms}")
            call_id = call_id_for(f"rest/{tx.next_value('call')}")
            scenario = self._scenario(tx, body, agent, call_id, to_number, now_ms)
            call = _registered(scenario)
            tx.put(CALLS, call_id, {"call": call, "created_ms": now_ms})
            if isinstance(key, str) and key:
                tx.put(IDEMPOTENCY, key, {"at_ms": now_ms, "call_id": call_id, "response": call})
            return Placed(call, scenario, agent)

    def _agent_for(self, body: Mapping[str, Any], number: Doc, tx: Tx, *, seed: str) -> Doc:
        override = body.get("override_agent_id")
        if override:
            agent = self._engines.get_agent(str(override))
        else:
            bound = pick_agent(number, "outbound", seed)
            if bound is None:
                raise bad_request(
                    f"{number['phone_number']} has no outbound agent; set override_agent_id"
                )
            agent = self._engines.get_agent(bound[0])
        version = body.get("override_agent_version")
        return {**agent, "version": version} if isinstance(version, int) else agent

    def _scenario(
        self, tx: Tx, body: Mapping[str, Any], agent: Doc, call_id: str, to: str, now_ms: int
    ) -> CallScenario:
        script = _take_script(tx, to)
        variables = body.get("retell_llm_dynamic_variables")
        llm = tx.get(LLMS, llm_of(agent) or "") or {}
        begin = _render(llm.get("begin_message"), {**llm.get("default_dynamic_variables", {})})
        begin = _render(begin, variables or {})
        voicemail = (agent.get("voicemail_option") or {}).get("action") or {}
        defaults = script.analysis_defaults()
        return CallScenario(
            call_id=call_id,
            agent_id=agent["agent_id"],
            agent_version=int(agent.get("version") or 0),
            agent_name=agent.get("agent_name"),
            direction="outbound",
            from_number=str(body["from_number"]),
            to_number=to,
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
            transcript=script.talk(begin, voicemail.get("text")),
            metadata=body.get("metadata"),
            dynamic_variables=variables,
            **_duration(script),
        )

    def get(self, call_id: str) -> dict[str, Any]:
        doc = self._store.get(CALLS, call_id)
        if doc is None:
            raise not_found("call", call_id)
        return dict(doc["call"])

    def all(self) -> list[tuple[dict[str, Any], int]]:
        """Every call with its creation time (ms), in creation order."""
        return [(dict(d["call"]), int(d["created_ms"])) for _, d in self._store.scan(CALLS)]

    def record(self, call: Mapping[str, Any]) -> None:
        """The call as an event shows it: what get-call answers from now on."""
        with self._store.transaction() as tx:
            doc = tx.get(CALLS, str(call["call_id"]))
            created = int(doc["created_ms"]) if doc else int(self._clock() * 1000)
            tx.put(CALLS, str(call["call_id"]), {"call": dict(call), "created_ms": created})


def _check_object(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise bad_request(f"{name} must be an object")
    return value


def _take_script(tx: Tx, to_number: str) -> CalleeScript:
    stored = tx.get(SCRIPTS, to_number)
    if stored is None:
        return default_script(to_number)
    script = CalleeScript.model_validate(stored)
    if script.times is not None:
        if script.times <= 1:
            tx.delete(SCRIPTS, to_number)
        else:
            tx.put(SCRIPTS, to_number, {**stored, "times": script.times - 1})
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
