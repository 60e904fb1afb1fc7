"""`callstate agents plan|apply`: each audience's Retell LLM, agent and numbers, as code.

`plan` reads what the Retell account holds and compares it with what the audiences' `agent:`
specs want (agents_mapping.py); `apply` makes the same walk and writes each difference:
creates the LLM and the agent if missing, PATCHes only the fields that differ, binds the
audience's numbers. Run twice, the second run reads and writes nothing.

How ours are found: the agent by its `agent_name` (`callstate/<workspace>/<audience>`), the LLM
through the agent's `response_engine`, or — when an earlier apply died between creating the LLM
and the agent — by the `callstate_agent` default dynamic variable the LLM carries.

Comparison is "Retell holds at least what we want": a key Retell adds on its side (defaults it
fills in, `agent_version` on a binding) is not a difference; every key we manage is always sent
(agents_mapping.py), so a removal in the YAML is one.

Both refuse, before any request, an outbound agent whose opening lacks the disclosures
(policy/disclosures.py), and an account with two agents of the same name of ours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from callstate.config.model import Workspace
from callstate.connectors.errors import Permanent
from callstate.connectors.retell.agents_mapping import (
    OWNER_VARIABLE,
    DesiredAgent,
    Settings,
    desired_agent,
)
from callstate.connectors.retell.rest import RetellRest
from callstate.policy.disclosures import missing_disclosures

NEW = "(new)"
_UNKNOWN_ID = (404, 422)  # Retell answers an unknown id with 422 (rest_errors in the sandbox)


class Target(StrEnum):
    LLM = "llm"
    AGENT = "agent"
    NUMBER = "number"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    MISSING = "missing"  # a number the Retell account does not hold: a person buys or imports it


@dataclass(frozen=True, slots=True)
class FieldDiff:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Change:
    """One object of one audience: what plan found to do, or what apply did."""

    audience: str
    target: Target
    name: str  # agent name, phone number, or the LLM's id (NEW before it exists)
    action: Action
    diffs: tuple[FieldDiff, ...] = ()
    ident: str | None = None  # Retell's id, when the object exists (after apply: always)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    audience: str
    what: str
    hint: str = ""


class PlanRefusedError(Exception):
    """The configuration cannot be applied as it stands; each problem says what to change."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.audience}: {p.what}" for p in problems))
        self.problems = tuple(problems)


def applied_agents(changes: Sequence[Change]) -> dict[str, tuple[str, str | None]]:
    """Audience → (agent id, LLM id) for every agent that exists after `apply`."""
    found: dict[str, tuple[str, str | None]] = {}
    llms = {c.audience: c.ident for c in changes if c.target is Target.LLM}
    for change in changes:
        if change.target is Target.AGENT and change.ident is not None:
            found[change.audience] = (change.ident, llms.get(change.audience))
    return found


def pending(changes: Sequence[Change]) -> list[Change]:
    """The changes that are not `unchanged`."""
    return [c for c in changes if c.action is not Action.UNCHANGED]


def covers(have: Any, want: Any) -> bool:
    """Does Retell's value `have` hold everything of ours, `want`? Extra keys are Retell's."""
    if want is None:
        return have is None
    if isinstance(want, bool) or isinstance(have, bool):
        return have is want
    if isinstance(want, Mapping):
        return isinstance(have, Mapping) and all(covers(have.get(k), v) for k, v in want.items())
    if isinstance(want, list | tuple):
        return (
            isinstance(have, list | tuple)
            and len(have) == len(want)
            and all(covers(h, w) for h, w in zip(have, want, strict=True))
        )
    return bool(have == want)


def first_difference(have: Any, want: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """Where `have` first fails to cover `want`: (path like `general_tools[0].url`, Retell's
    value there, ours), or None when it covers it. For showing a change, not deciding one."""
    if isinstance(want, Mapping) and isinstance(have, Mapping):
        for key, value in want.items():
            found = first_difference(have.get(key), value, f"{path}.{key}" if path else key)
            if found is not None:
                return found
        return None
    if isinstance(want, list | tuple) and isinstance(have, list | tuple) and len(have) == len(want):
        for index, (h, w) in enumerate(zip(have, want, strict=True)):
            found = first_difference(h, w, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    return None if covers(have, want) else (path, have, want)


def field_diffs(current: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[FieldDiff, ...]:
    return tuple(
        FieldDiff(key, current.get(key), value)
        for key, value in desired.items()
        if not covers(current.get(key), value)
    )


def desired_agents(workspace: Workspace, public_base_url: str) -> list[DesiredAgent]:
    """Every audience with an `agent:` spec, as Retell settings; refuses bad openings."""
    problems: list[Problem] = []
    wanted: list[DesiredAgent] = []
    for audience in workspace.audiences:
        spec = audience.agent
        if spec is None:
            continue
        if spec.direction == "outbound":
            for gap in missing_disclosures(spec.begin_message, workspace.name):
                problems.append(
                    Problem(audience.id, f"the opening does not say {gap.what}", gap.hint)
                )
        wanted.append(desired_agent(workspace, audience, spec, public_base_url))
    if problems:
        raise PlanRefusedError(problems)
    return wanted


def plan(rest: RetellRest, workspace: Workspace, public_base_url: str) -> list[Change]:
    """What apply would do, reading only. Safe to repeat. Raises `PlanRefusedError`, or a
    `ConnectorError` when Retell cannot be read."""
    return _reconcile(rest, desired_agents(workspace, public_base_url), write=False)


def apply(rest: RetellRest, workspace: Workspace, public_base_url: str) -> list[Change]:
    """Create and update until Retell holds what the specs want; the changes made (unchanged
    rows too). Safe to repeat: a second run writes nothing. Never deletes anything. Raises
    like `plan`; after a `Transient` error, run it again."""
    return _reconcile(rest, desired_agents(workspace, public_base_url), write=True)


# -- what the account holds --------------------------------------------------------------


@dataclass
class _Account:
    """What Retell holds, read once per run (LLMs only when an agent is missing)."""

    rest: RetellRest
    agents_by_name: dict[str, list[str]]
    numbers: dict[str, Settings]
    _llms: list[Settings] | None = field(default=None)

    @classmethod
    def read(cls, rest: RetellRest) -> _Account:
        by_name: dict[str, list[str]] = {}
        for summary in rest.list_agents():
            ids = by_name.setdefault(str(summary.get("agent_name") or ""), [])
            if str(summary["agent_id"]) not in ids:  # one row per version is possible
                ids.append(str(summary["agent_id"]))
        numbers = {str(n["phone_number"]): n for n in rest.list_phone_numbers()}
        return cls(rest, by_name, numbers)

    def agent(self, name: str) -> Settings | None:
        ids = self.agents_by_name.get(name, [])
        return self.rest.get_agent(ids[0]) if ids else None

    def llm_of(self, agent: Settings | None, name: str) -> Settings | None:
        engine = (agent or {}).get("response_engine") or {}
        if engine.get("type") == "retell-llm" and engine.get("llm_id"):
            try:
                return self.rest.get_llm(str(engine["llm_id"]))
            except Permanent as exc:
                if exc.status not in _UNKNOWN_ID:
                    raise
        if agent is not None and engine.get("type") == "retell-llm":
            return None  # its LLM is gone: make a new one rather than adopt a stray
        return self._orphan(name)

    def _orphan(self, name: str) -> Settings | None:
        if self._llms is None:
            self._llms = self.rest.list_llms()
        for llm in self._llms:
            if (llm.get("default_dynamic_variables") or {}).get(OWNER_VARIABLE) == name:
                return llm
        return None


def _duplicates(account: _Account, wanted: Sequence[DesiredAgent]) -> list[Problem]:
    return [
        Problem(
            d.audience,
            f"Retell has {len(ids)} agents named {d.name} ({', '.join(ids)})",
            "delete or rename all but one in Retell's dashboard",
        )
        for d in wanted
        if len(ids := account.agents_by_name.get(d.name, [])) > 1
    ]


# -- the walk: plan and apply are the same steps, apply also writes ----------------------


def _reconcile(rest: RetellRest, wanted: Sequence[DesiredAgent], *, write: bool) -> list[Change]:
    if not wanted:
        return []
    account = _Account.read(rest)
    problems = _duplicates(account, wanted)
    if problems:
        raise PlanRefusedError(problems)
    changes: list[Change] = []
    for desired in wanted:
        current_agent = account.agent(desired.name)
        llm_change = _llm_step(rest, desired, account.llm_of(current_agent, desired.name), write)
        agent_change = _agent_step(rest, desired, current_agent, llm_change.ident, write)
        changes += [llm_change, agent_change]
        changes += _number_steps(rest, desired, account.numbers, agent_change.ident, write)
    return changes


def _llm_step(
    rest: RetellRest, desired: DesiredAgent, current: Settings | None, write: bool
) -> Change:
    audience, wanted = desired.audience, desired.llm
    if current is None:
        created = rest.create_llm(wanted) if write else None
        ident = str(created["llm_id"]) if created else None
        diffs = tuple(FieldDiff(k, None, v) for k, v in wanted.items())
        return Change(audience, Target.LLM, ident or NEW, Action.CREATE, diffs, ident)
    ident = str(current["llm_id"])
    diffs = field_diffs(current, wanted)
    if diffs and write:
        rest.update_llm(ident, {d.field: d.after for d in diffs})
    action = Action.UPDATE if diffs else Action.UNCHANGED
    return Change(audience, Target.LLM, ident, action, diffs, ident)


def _agent_step(
    rest: RetellRest,
    desired: DesiredAgent,
    current: Settings | None,
    llm_id: str | None,
    write: bool,
) -> Change:
    wanted = {**desired.agent, "response_engine": desired.engine(llm_id or NEW)}
    name = desired.name
    if current is None:
        created = rest.create_agent(wanted) if write else None
        ident = str(created["agent_id"]) if created else None
        diffs = tuple(FieldDiff(k, None, v) for k, v in wanted.items())
        return Change(desired.audience, Target.AGENT, name, Action.CREATE, diffs, ident)
    ident = str(current["agent_id"])
    diffs = field_diffs(current, wanted)
    if diffs and write:
        rest.update_agent(ident, {d.field: d.after for d in diffs})
    action = Action.UPDATE if diffs else Action.UNCHANGED
    return Change(desired.audience, Target.AGENT, name, action, diffs, ident)


def _number_steps(
    rest: RetellRest,
    desired: DesiredAgent,
    numbers: Mapping[str, Settings],
    agent_id: str | None,
    write: bool,
) -> list[Change]:
    changes: list[Change] = []
    wanted = desired.number_settings(agent_id or NEW)
    for number in desired.numbers:
        current = numbers.get(number)
        if current is None:
            missing = "not in this Retell account: buy or import it in Retell, then apply"
            changes.append(
                Change(desired.audience, Target.NUMBER, number, Action.MISSING, detail=missing)
            )
            continue
        diffs = field_diffs(current, wanted)
        if diffs and write:
            rest.update_phone_number(number, {d.field: d.after for d in diffs})
        action = Action.UPDATE if diffs else Action.UNCHANGED
        changes.append(Change(desired.audience, Target.NUMBER, number, action, diffs, number))
    return changes
