"""Call-list filters: `POST /v3/list-calls` (retell-sdk 6.x) and `POST /v2/list-calls` (older).

v3 `filter_criteria` holds typed conditions (`{op, type, value}`; retell-sdk 6.2.13
`call_list_params.FilterCriteria`), all ANDed; `agent` is a list ORed by agent id (and
version). v2 holds lists of accepted values and `{lower_threshold, upper_threshold}` ranges
(openapi.yaml `/v2/list-calls`). The emulator implements the conditions reconciliation needs
(voice.md §4.6); any other key is refused with 400 naming it, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from callstate.sandbox.retell.rest_errors import bad_request

Call = Mapping[str, Any]
Predicate = Callable[[Call], bool]

_ANALYSIS_FIELDS = ("in_voicemail", "user_sentiment", "call_successful")
_PLAIN_FIELDS: tuple[str, ...] = (
    "call_status", "call_type", "direction", "disconnection_reason", "from_number", "to_number",
    "call_id", "batch_call_id",
)  # fmt: skip
_NUMERIC_FIELDS = ("start_timestamp", "end_timestamp", "duration_ms")


def _field(call: Call, name: str) -> Any:
    if name in _ANALYSIS_FIELDS:
        return (call.get("call_analysis") or {}).get(name)
    return call.get(name)


def _compare(op: str, actual: Any, value: Any) -> bool:
    if actual is None:
        return op == "ne"
    if op in ("sw", "ew", "co"):
        text = str(actual)
        return {"sw": text.startswith, "ew": text.endswith, "co": text.__contains__}[op](value)
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "eq": lambda a, b: bool(a == b),
        "ne": lambda a, b: bool(a != b),
        "gt": lambda a, b: bool(a > b),
        "ge": lambda a, b: bool(a >= b),
        "lt": lambda a, b: bool(a < b),
        "le": lambda a, b: bool(a <= b),
    }
    if op not in checks:
        raise bad_request(f"unsupported filter op {op!r}")
    try:
        return checks[op](actual, value)
    except TypeError:
        return False


def _typed(name: str, cond: Any, get: Callable[[Call], Any]) -> Predicate:
    if not isinstance(cond, dict) or "op" not in cond:
        raise bad_request(f"filter_criteria.{name} must be {{op, type, value}}")
    op, value = str(cond["op"]), cond.get("value")
    if op == "bt":
        bounds = list(value or [])
        if len(bounds) != 2:
            raise bad_request(f"filter_criteria.{name}: a range needs [low, high]")
        return _between(get, bounds[0], bounds[1])

    def check(call: Call) -> bool:
        actual = get(call)
        if op == "in":
            return actual in list(value or [])
        if op in ("pr", "np"):
            return (actual is not None) == (op == "pr")
        return _compare(op, actual, value)

    return check


def _between(get: Callable[[Call], Any], low: Any, high: Any) -> Predicate:
    def check(call: Call) -> bool:
        actual = get(call)
        return actual is not None and low <= actual <= high

    return check


def _getter(name: str) -> Callable[[Call], Any]:
    return lambda call: _field(call, name)


def _in_bag(bag: str, key: str) -> Callable[[Call], Any]:
    return lambda call: (call.get(bag) or {}).get(key)


def _keyed(name: str, conds: Any, bag: str) -> list[Predicate]:
    return [_typed(name, cond, _in_bag(bag, str(cond.get("key", "")))) for cond in conds or []]


def _agents(wanted: list[tuple[str, list[Any] | None]]) -> Predicate:
    def check(call: Call) -> bool:
        return any(
            call.get("agent_id") == agent
            and (not versions or call.get("agent_version") in versions)
            for agent, versions in wanted
        )

    return check


def _one_of(name: str, allowed: list[Any]) -> Predicate:
    return lambda call: _field(call, name) in allowed


def _threshold(name: str, low: Any, high: Any) -> Predicate:
    def check(call: Call) -> bool:
        value = call.get(name)
        if value is None:
            return False
        return (low is None or value >= low) and (high is None or value <= high)

    return check


def v3_filter(criteria: Mapping[str, Any] | None) -> Predicate:
    predicates: list[Predicate] = []
    for name, cond in (criteria or {}).items():
        if name == "agent":
            predicates.append(_agents([(a["agent_id"], a.get("version")) for a in cond or []]))
        elif name in _PLAIN_FIELDS + _NUMERIC_FIELDS + _ANALYSIS_FIELDS:
            predicates.append(_typed(name, cond, _getter(name)))
        elif name in ("metadata", "dynamic_variables"):
            bag = "metadata" if name == "metadata" else "retell_llm_dynamic_variables"
            predicates.extend(_keyed(name, cond, bag))
        else:
            raise bad_request(f"filter_criteria.{name} is not supported by the sandbox")
    return lambda call: all(p(call) for p in predicates)


def v2_filter(criteria: Mapping[str, Any] | None) -> Predicate:
    predicates: list[Predicate] = []
    for name, cond in (criteria or {}).items():
        if name in _NUMERIC_FIELDS:
            low, high = cond.get("lower_threshold"), cond.get("upper_threshold")
            predicates.append(_threshold(name, low, high))
        elif name == "agent_id" or name in _PLAIN_FIELDS + _ANALYSIS_FIELDS:
            predicates.append(_one_of(name, list(cond or [])))
        elif name == "version":
            predicates.append(_one_of("agent_version", list(cond or [])))
        else:
            raise bad_request(f"filter_criteria.{name} is not supported by the sandbox")
    return lambda call: all(p(call) for p in predicates)
