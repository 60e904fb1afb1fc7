"""`callstate demo`, the Slack part: a call the runtime dropped becomes one alert, a caller who
asks not to be called again lands in the review queue and a reviewer's click (twice) puts the
number on the do-not-call list once, and the day's digest is printed and sent with its chart.

Everything goes through the product's real paths: signed Retell webhooks, the durable workflows,
Slack's signed interactivity payload (built and signed by the Slack emulator, as Slack would)
and the same digest code the schedule runs.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from rich.console import Console

from callstate.cli.demo_retell import Report, Settle, poll
from callstate.cli.digest import render
from callstate.cli.runtime import Runtime as Service
from callstate.config.model import Workspace
from callstate.connectors.errors import ConnectorError
from callstate.domain.call import Runtime
from callstate.domain.ids import effect_key
from callstate.domain.review import ReviewStatus
from callstate.execution.digest import build_digest, post_digest, upload_digest_chart
from callstate.sandbox.retell.calls import build_events, call_id_for
from callstate.sandbox.retell.delivery import plan_deliveries
from callstate.sandbox.retell.demo import team_scenarios
from callstate.sandbox.retell.simulator import Simulator
from callstate.sandbox.slack.users import user_id
from callstate.storage.review import ReviewItem, item_id


class TeamDemo:
    def __init__(
        self, console: Console, runtime: Service, workspace: Workspace, run: str, report: Report
    ) -> None:
        self.console = console
        self.runtime = runtime
        self.workspace = workspace
        self.run = run
        self.report = report
        self.slack = f"{runtime.base_url}/sandbox/slack"
        self.http = httpx.Client(timeout=60)
        token = workspace.chat.bot_token.get_secret_value()
        self.api = httpx.Client(
            base_url=f"{self.slack}/api", headers={"authorization": f"Bearer {token}"}, timeout=60
        )

    def close(self) -> None:
        self.http.close()
        self.api.close()

    def play(self, settle: Settle) -> None:
        self.console.rule(f"{self.workspace.name}: Slack")
        complaint, dropped = self.calls(settle)
        self.show_alert(dropped)
        self.review(complaint)
        self.digest()

    # -- the steps --------------------------------------------------------------------------

    def calls(self, settle: Settle) -> tuple[str, str]:
        audience = self.workspace.default_audience
        scenarios = team_scenarios(
            datetime.now(UTC),
            inbound_agent_id=audience.agent_ids[0] if audience.agent_ids else "agent_inbound",
            inbound_number=audience.numbers[0] if audience.numbers else "+14155550100",
        )
        # Fresh call ids per run; recordings served by the workspace's emulated Retell account.
        media = f"{self.runtime.base_url}/sandbox/retell/{self.workspace.id}/media"
        scenarios = [
            dataclasses.replace(s, call_id=call_id_for(f"{self.workspace.id}-{s.seed}-{self.run}"))
            for s in scenarios
        ]
        scenarios = [
            dataclasses.replace(s, recording_url=f"{media}/{s.call_id}/recording.wav")
            for s in scenarios
        ]
        events = [event for s in scenarios for event in build_events(s)]
        url = f"{self.runtime.base_url}/webhooks/retell/{self.workspace.id}"
        key = self.workspace.retell.api_key.get_secret_value()
        Simulator(url, key).deliver(plan_deliveries(events))
        ids = [s.call_id for s in scenarios]
        self.console.print(
            "Played a caller who asks not to be called again and a call that dropped with "
            "a runtime error:"
        )
        if not settle(self.runtime, self.workspace.id, ids, 120):
            self.console.print("[yellow]the calls have not settled yet; showing what exists[/]")
        self.report(self.console, self.runtime, self.workspace.id, ids)
        return ids[0], ids[1]

    def show_alert(self, call_id: str) -> None:
        """The failed call's incident, as its alert reads in the alerts channel."""
        channel = self.workspace.alerts_to
        ledger = self.runtime.services.ledger.for_call(self.workspace.id, "retell", call_id)
        incidents = [str(a.vendor_ids.get("id")) for a in ledger if a.kind == "alert"]
        if not incidents:
            self.console.print(f"[yellow]no alert was raised for {call_id}[/]")
            return
        wanted = f"incident:{incidents[-1]}"

        def posted() -> dict[str, Any] | None:
            for message in self.history(channel):
                metadata = (message.get("metadata") or {}).get("event_payload") or {}
                if metadata.get("key") == wanted:
                    return message
            return None

        message = poll(posted, 30)
        if message is None:
            self.console.print(f"[yellow]no alert in #{channel} yet for {call_id}[/]")
            return
        self.console.print(f"Alert in #{channel}: [bold]{message['text']}[/]")

    def review(self, call_id: str) -> None:
        """The review item of the complaint, then a reviewer clicks "Mark do-not-call" twice."""
        services = self.runtime.services
        ws = self.workspace
        item_key = effect_key(ws.id, Runtime.RETELL, call_id, "flag_for_review")
        the_id = item_id(item_key)

        def posted() -> ReviewItem | None:
            found = services.reviews.get(the_id)
            return found if found is not None and found.ts is not None else None

        item = poll(posted, 30)
        if item is None or item.channel is None or item.ts is None:
            self.console.print("[yellow]the complaint was not flagged for review[/]")
            return
        reasons = "; ".join(r.text for r in item.reasons)
        self.console.print(f"Review item in #{ws.review_to}: {item.caller}: {reasons}")
        secret = ws.chat.signing_secret
        if secret is None:
            self.console.print("[yellow]no `chat.signing_secret`: the buttons cannot be used[/]")
            return
        target = {
            "request_url": f"{self.runtime.base_url}/slack/interactivity/{ws.id}",
            "signing_secret": secret.get_secret_value(),
        }
        self.http.post(f"{self.slack}/_sandbox/interactivity", json=target).raise_for_status()
        reviewer = ws.member(ws.default_owner) if ws.default_owner else None
        clicker = user_id(reviewer.email if reviewer else ws.team[0].email)
        click = {
            "channel": item.channel,
            "ts": item.ts,
            "action_id": "review:dnc",
            "value": item.id,
            "user": clicker,
        }
        answers = []
        for _ in range(2):  # a second click (a double click, a colleague) changes nothing
            answer = self.http.post(f"{self.slack}/_sandbox/interact", json=click)
            answers.append(str(answer.json().get("status")))
        self.console.print(f'Clicked "Mark do-not-call" twice → HTTP {", ".join(answers)}')

        def decided() -> ReviewItem | None:
            found = services.reviews.get(the_id)
            done = found is not None and found.status is ReviewStatus.DO_NOT_CALL
            actions = services.reviews.actions_of(the_id)
            return found if done and all(a.finished_at for a in actions) else None

        final = poll(decided, 60)
        if final is None:
            self.console.print("[yellow]the click has not been acted on yet[/]")
            return
        phone = final.caller_phone or ""
        listed = services.dnc.contains(ws.id, phone) if phone else False
        actions = services.reviews.actions_of(the_id)
        self.console.print(
            f"  {len(actions)} action recorded; {phone} on the do-not-call list: {listed}; "
            f"decided by {final.decided_by_name or final.decided_by}"
        )
        message = next((m for m in self.history(item.channel) if m.get("ts") == item.ts), None)
        if message is not None:
            self.console.print(f"  the message now reads: {_decision_line(message)}")

    def digest(self) -> None:
        """Today's digest (the demo's day), printed and sent with its chart."""
        services = self.runtime.services
        today = datetime.now(ZoneInfo(self.workspace.timezone)).date()
        report = build_digest(services, self.workspace.id, today)
        self.console.print(render(report))
        try:
            message = post_digest(services, report)
            chart = upload_digest_chart(services, report, message)
        except ConnectorError as exc:
            self.console.print(f"[red]digest not sent:[/] {exc}")
            return
        where = self.workspace.digest_to
        file = f", chart {chart.object_id} in its thread" if chart is not None else ""
        self.console.print(f"Digest sent to #{where}: message {message.object_id}{file}")
        port = self.runtime.base_url.rsplit(":", 1)[-1]
        self.console.print(
            f"  again by hand while the demo serves: callstate digest --workspace "
            f"{self.workspace.id} --date {today} --sandbox --port {port} --send"
        )

    # -- Slack reads --------------------------------------------------------------------------

    def history(self, channel: str) -> list[dict[str, Any]]:
        channel_id = channel
        if not channel.startswith(("C", "D", "G")) or not channel[1:].isupper():
            listed = self.api.get("/conversations.list").json().get("channels", [])
            channel_id = next((c["id"] for c in listed if c["name"] == channel), channel)
        answer = self.api.get(
            "/conversations.history",
            params={"channel": channel_id, "limit": 200, "include_all_metadata": "true"},
        ).json()
        return list(answer.get("messages", []))


def _decision_line(message: dict[str, Any]) -> str:
    """The context line the review message gained after the decision (else its text)."""
    for block in reversed(message.get("blocks") or []):
        if block.get("type") == "context":
            texts = [e.get("text", "") for e in block.get("elements", [])]
            return " ".join(t for t in texts if t)
    return str(message.get("text", ""))
