"""`callstate demo`, the Retell part: agents applied, an outbound call that reaches voicemail
and is redialled by the cadence, an inbound call after hours, and a call whose webhooks never
arrived, recovered by reconciliation. Everything goes through the emulated Retell account of the
workspace (`/sandbox/retell/<id>`) and the product's real endpoints and workflows."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
from rich.console import Console

from callstate.cli.agents import remember_agents
from callstate.cli.runtime import Runtime
from callstate.config.model import Audience, Workspace
from callstate.connectors.retell import agents as retell_agents
from callstate.connectors.retell.rest import RetellRest
from callstate.execution.reconcile import Reconciler
from callstate.policy.hours import is_open
from callstate.storage.outbound import OutboundCallView, OutboundStatus

T = TypeVar("T")
Report = Callable[[Console, Runtime, str, list[str]], None]
Settle = Callable[[Runtime, str, list[str], float], bool]


class RetellDemo:
    def __init__(
        self, console: Console, runtime: Runtime, workspace: Workspace, run: str, report: Report
    ) -> None:
        self.console = console
        self.runtime = runtime
        self.workspace = workspace
        self.run = run
        self.report = report
        self.account = f"{runtime.base_url}/sandbox/retell/{workspace.id}"
        self.http = httpx.Client(timeout=60)

    def close(self) -> None:
        self.http.close()

    def play(self, settle: Settle) -> None:
        if not any(a.agent for a in self.workspace.audiences):
            return
        self.console.rule(f"{self.workspace.name}: Retell")
        self.apply_agents()
        outbound = next((a for a in self.workspace.audiences if a.cadence is not None), None)
        if outbound is not None:
            self.voicemail_then_redial(outbound, settle)
        if self.workspace.after_hours_audience is not None:
            self.inbound_after_hours(settle)
        if outbound is not None:
            self.recover_lost_webhooks(outbound, settle)

    # -- the steps --------------------------------------------------------------------------

    def apply_agents(self) -> None:
        key = self.workspace.retell.api_key.get_secret_value()
        rest = RetellRest(key, base_url=self.account)
        try:
            changes = retell_agents.apply(rest, self.workspace, self.runtime.base_url)
        finally:
            rest.close()
        services = self.runtime.services
        remember_agents(services.voice_agents, self.workspace, changes, datetime.now(UTC))
        made = retell_agents.applied_agents(changes)
        written = [c for c in changes if c.action is not retell_agents.Action.UNCHANGED]
        self.console.print(
            f"[bold]agents apply[/]: {len(written)} Retell objects written "
            f"(`callstate agents apply --workspace {self.workspace.id}` does the same)"
        )
        for audience, (agent_id, _) in made.items():
            self.console.print(f"  {audience} → agent {agent_id}")

    def voicemail_then_redial(self, audience: Audience, settle: Settle) -> None:
        lead_number = "+13125550188"
        self.script(lead_number, outcome="voicemail", duration_seconds=25)
        row = self.place(audience, lead_number, {"caller_name": "Morgan Lee"}, "voicemail")
        placed = self.wait_for(lambda: self.placed(row.id), "the outbound call to be placed")
        self.console.print(
            f"[bold]outbound[/] {audience.id} → {lead_number}: attempt 1 placed as {placed}"
        )
        settle(self.runtime, self.workspace.id, [placed], 120)
        follow_up = self.wait_for(
            lambda: next(
                (r for r in self.runtime.services.outbound.for_lead(self.workspace.id, row.lead)
                 if r.attempt == 2),
                None,
            ),
            "the redial to be scheduled",
        )  # fmt: skip
        zone = ZoneInfo(self.workspace.timezone)
        when = follow_up.due_at.astimezone(zone).strftime("%a %b %d %I:%M %p %Z")
        self.console.print(
            f"  it reached voicemail (the agent left its message); cadence → attempt 2 "
            f"{follow_up.status.value} for {when}; no Slack ping (voicemail_notify off)"
        )
        self.report(self.console, self.runtime, self.workspace.id, [placed])

    def inbound_after_hours(self, settle: Settle) -> None:
        services = self.runtime.services
        inbound = self.workspace.default_audience
        if not inbound.numbers:
            return
        caller = "+16465550123"
        self.script(caller, summary="Roof leak over the garage; wants a call back tomorrow.",
                    custom_analysis_data={"outcome": "callback_requested",
                                          "caller_name": "Riley Park"})  # fmt: skip
        now = services.clock()
        config = self.workspace
        closed = not is_open(config.hours, config.timezone, now)
        if not closed and config.hours is not None:
            # Open right now: the demo closes today, as a holiday would, for this one call.
            today = now.astimezone(ZoneInfo(config.timezone)).date()
            hours = config.hours.model_copy(
                update={"closed_dates": (*config.hours.closed_dates, today)}
            )
            services.workspaces[config.id] = config.model_copy(update={"hours": hours})
        try:
            answer = self.control(
                "inbound-calls", {"from_number": caller, "to_number": inbound.numbers[0]}
            )
        finally:
            services.workspaces[config.id] = config
        local = now.astimezone(ZoneInfo(config.timezone)).strftime("%a %I:%M %p %Z")
        moved = "" if closed else " (the demo marked today closed)"
        audience = (answer.get("metadata") or {}).get("callstate_audience")
        self.console.print(
            f"[bold]inbound[/] {caller} → {inbound.numbers[0]} at {local}{moved}: our inbound "
            f"webhook answered with agent {answer.get('agent_id')} ({audience})"
        )
        if answer.get("call_id"):
            settle(self.runtime, self.workspace.id, [answer["call_id"]], 120)
            self.report(self.console, self.runtime, self.workspace.id, [answer["call_id"]])

    def recover_lost_webhooks(self, audience: Audience, settle: Settle) -> None:
        lead_number = "+17185550144"
        self.script(lead_number, webhooks=False, summary="Still wants the roof done in spring.",
                    custom_analysis_data={"outcome": "callback_requested"})  # fmt: skip
        row = self.place(audience, lead_number, {"caller_name": "Sasha Ortiz"}, "lost")
        call_id = self.wait_for(lambda: self.placed(row.id), "the outbound call to be placed")
        self.control("settle?timeout=60", {})
        services = self.runtime.services
        seen = services.inbox.for_call(self.workspace.id, "retell", call_id)
        self.console.print(
            f"[bold]lost webhooks[/]: call {call_id} ended in Retell, but every webhook "
            f"delivery failed: callstate holds {len(seen)} events for it"
        )
        report = Reconciler(services).run(self.workspace.id)
        self.console.print(
            f"  reconcile: listed {report.listed}, already known {report.known}, "
            f"recovered {list(report.recovered)}"
        )
        again = Reconciler(services).run(self.workspace.id)
        self.console.print(f"  reconcile again: recovered {list(again.recovered)} (nothing twice)")
        if call_id in report.recovered:
            self.runtime.executor.wake()
            settle(self.runtime, self.workspace.id, [call_id], 120)
            self.report(self.console, self.runtime, self.workspace.id, [call_id])

    # -- helpers ----------------------------------------------------------------------------

    def script(self, number: str, **behaviour: Any) -> None:
        self.control("scripts", {"to_number": number, "times": 1, **behaviour})

    def control(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(f"{self.account}/_sandbox/{action}", json=body)
        response.raise_for_status()
        answer = response.json()
        return answer if isinstance(answer, dict) else {"items": answer}

    def place(
        self, audience: Audience, number: str, variables: dict[str, str], tag: str
    ) -> OutboundCallView:
        response = self.http.post(
            f"{self.runtime.base_url}/api/workspaces/{self.workspace.id}/calls",
            json={"to_number": number, "audience": audience.id, "variables": variables},
            headers={"Idempotency-Key": f"demo-{self.run}-{tag}"},
        )
        response.raise_for_status()
        row = self.runtime.services.outbound.get(str(response.json()["id"]))
        assert row is not None
        return row

    def placed(self, attempt_id: str) -> str | None:
        row = self.runtime.services.outbound.get(attempt_id)
        if row is None or row.status is OutboundStatus.SCHEDULED:
            return None
        if row.status is not OutboundStatus.PLACED or row.call_id is None:
            raise RuntimeError(f"attempt {attempt_id} {row.status.value}: {row.reason}")
        return row.call_id

    def wait_for(self, probe: Callable[[], T | None], what: str, timeout: float = 60) -> T:
        found = poll(probe, timeout)
        if found is None:
            raise RuntimeError(f"timed out waiting for {what}")
        return found


def poll(probe: Callable[[], T | None], timeout: float) -> T | None:
    """What `probe` finds first within `timeout` seconds, else None (the demo's own waits)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
