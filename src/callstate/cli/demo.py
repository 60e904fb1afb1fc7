"""`callstate demo`: serve on the sandbox, play a few Retell calls through the real webhook path,
and show what each call became in the emulated HubSpot and Slack."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import httpx
import typer
import uvicorn
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from callstate.cli.demo_retell import RetellDemo
from callstate.cli.demo_slack import TeamDemo
from callstate.cli.options import ConfigDir, DataDir, settings_from
from callstate.cli.runtime import Runtime, build_runtime
from callstate.config.load import ConfigError
from callstate.connectors.retell.signature import sign
from callstate.domain.call import CallStatus
from callstate.observability import configure_logging
from callstate.sandbox.retell.calls import CallScenario, build_events, call_id_for
from callstate.sandbox.retell.delivery import plan_deliveries
from callstate.sandbox.retell.demo import demo_scenarios
from callstate.sandbox.retell.simulator import Simulator
from callstate.storage.attempts import AttemptStatus, AttemptView

SETTLED = {CallStatus.SETTLED, CallStatus.DEAD_LETTERED}


def _start_server(runtime: Runtime) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(
        runtime.app,
        host=runtime.settings.host,
        port=runtime.settings.port,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="callstate-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise typer.Exit(_fail(f"the server did not start on {runtime.base_url}"))
        time.sleep(0.05)
    return server, thread


def _fail(message: str) -> int:
    Console(stderr=True).print(f"[red]error:[/] {message}")
    return 1


def _scenarios(runtime: Runtime, workspace_id: str, now: datetime) -> list[CallScenario]:
    workspace = runtime.services.workspaces[workspace_id]
    inbound = workspace.default_audience
    outbound = next((a for a in workspace.audiences if not a.default), inbound)
    run = now.strftime("%Y%m%d%H%M%S")
    scenarios = demo_scenarios(
        now,
        inbound_agent_id=inbound.agent_ids[0] if inbound.agent_ids else "agent_inbound",
        outbound_agent_id=outbound.agent_ids[0] if outbound.agent_ids else "agent_outbound",
        inbound_number=inbound.numbers[0] if inbound.numbers else "+14155550100",
        outbound_number=outbound.numbers[0] if outbound.numbers else "+14155550101",
    )
    # Fresh call ids per run: a second demo shows new calls updating the same contacts. The
    # recordings are served by the workspace's emulated Retell account, so they can be copied.
    media = f"{runtime.base_url}/sandbox/retell/{workspace_id}/media"
    fresh = [dataclasses.replace(s, call_id=call_id_for(f"{s.seed}-{run}")) for s in scenarios]
    return [
        dataclasses.replace(s, recording_url=f"{media}/{s.call_id}/recording.wav") for s in fresh
    ]


def _wait_settled(runtime: Runtime, workspace: str, call_ids: list[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = [runtime.services.calls.get(workspace, "retell", c) for c in call_ids]
        if all(c is not None and c.status in SETTLED for c in calls):
            return True
        time.sleep(0.2)
    return False


_LABELS = {
    "upsert_contact": "contact",
    "set_fields": "fields",
    "ensure_deal": "deal",
    "assign_owner": "owner",
    "add_tags": "tags",
    "enroll_sequence": "sequence",
    "log_call": "call log",
    "notify_owner": "message",
    "book_meeting": "booking",
    "copy_artifacts": "recording copy",
    "schedule_call": "redial",
    "alert": "alert",
    "flag_for_review": "review item",
}


def _effect_line(attempts: list[AttemptView]) -> str:
    last = attempts[-1]
    ids = last.vendor_ids
    if last.status is AttemptStatus.SUCCEEDED:
        parts = [str(ids.get("id")), ids.get("detail") or "", ids.get("url") or ""]
        return "  ".join(p for p in parts if p)
    if last.status is AttemptStatus.UNSUPPORTED:
        return f"[yellow]skipped[/] {last.error or ''}"
    return f"[red]not written[/] {last.error or ''}"


def _report(console: Console, runtime: Runtime, workspace: str, call_ids: list[str]) -> None:
    for call_id in call_ids:
        call = runtime.services.calls.get(workspace, "retell", call_id)
        if call is None:
            console.print(f"[yellow]{call_id}: not recorded[/]")
            continue
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row("caller", f"{call.caller_number or 'unknown'} ({call.direction})")
        grid.add_row("audience", call.audience)
        grid.add_row("on the line", f"{call.disposition} · {call.status.value}")
        for meeting in runtime.services.meetings.for_call(workspace, "retell", call_id):
            config = runtime.services.workspaces[workspace]
            owner = config.member(meeting.owner_email)
            zone = ZoneInfo((owner.timezone if owner else None) or config.timezone)
            when = meeting.start.astimezone(zone).strftime("%a %b %d %I:%M %p %Z")
            who = owner.name if owner else meeting.owner_email
            grid.add_row(
                f"{meeting.vendor} meeting",
                f"{meeting.status.value}: {when} with {who} ({meeting.booking_id})",
            )
        for flag in call.flags:
            grid.add_row("flag", f"[yellow]{flag}[/]")
        by_kind: dict[str, list[AttemptView]] = {}
        for attempt in runtime.services.ledger.for_call(workspace, "retell", call_id):
            by_kind.setdefault(attempt.kind, []).append(attempt)
        for kind, attempts in by_kind.items():
            vendor = next((a.vendor for a in reversed(attempts) if a.vendor), "")
            label = f"{vendor} {_LABELS.get(kind, kind)}".strip()
            grid.add_row(label, _effect_line(attempts))
        style = "green" if call.status is CallStatus.SETTLED else "red"
        console.print(Panel(grid, title=f"call {call_id}", title_align="left", border_style=style))


def _emulator_totals(base_url: str) -> str:
    with httpx.Client(base_url=f"{base_url}/sandbox", timeout=10) as client:
        auth = {"authorization": "Bearer sandbox"}
        contacts = client.get("/hubspot/crm/v3/objects/contacts?limit=100", headers=auth).json()
        calls = client.get("/hubspot/crm/v3/objects/calls?limit=100", headers=auth).json()
    return (
        f"HubSpot emulator holds {len(contacts.get('results', []))} contacts and "
        f"{len(calls.get('results', []))} calls (first page)."
    )


def _tool(
    runtime: Runtime, workspace: str, s: CallScenario, name: str, args: dict[str, Any]
) -> Any:
    """One in-call tool request as Retell sends it mid-call: the live call object, signed."""
    config = runtime.services.workspaces[workspace]
    live = {
        "call_id": s.call_id,
        "agent_id": s.agent_id,
        "call_status": "ongoing",
        "direction": s.direction,
        "from_number": s.from_number,
        "to_number": s.to_number,
    }
    body = json.dumps({"name": name, "call": live, "args": args}).encode()
    key = config.retell.api_key.get_secret_value()
    response = httpx.post(
        f"{runtime.base_url}/tools/retell/{workspace}",
        content=body,
        headers={
            "x-retell-signature": sign(body, key, int(time.time() * 1000)),
            "content-type": "application/json",
        },
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def _book_in_call(console: Console, runtime: Runtime, workspace: str, s: CallScenario) -> None:
    """The first call asks for a meeting while it is live: the agent checks the owners'
    calendars in the caller's words and books the first time offered."""
    config = runtime.services.workspaces[workspace]
    if config.calendar is None:
        return
    offer = _tool(runtime, workspace, s, "check_availability", {"when": "tomorrow afternoon"})
    console.print(f'  [dim]check_availability("tomorrow afternoon") →[/] {offer["message"]}')
    if not offer.get("available"):
        return
    args = {"start": offer["slots"][0]["start"], "name": s.caller_name, "email": s.caller_email}
    booked = _tool(runtime, workspace, s, "book_meeting", args)
    console.print(f"  [dim]book_meeting({args['start']}) →[/] {booked['message']}")


def _play(console: Console, runtime: Runtime, workspace: str) -> None:
    """Play the demo calls of one workspace through its webhook URL, signed with its key."""
    config = runtime.services.workspaces[workspace]
    console.rule(f"{config.name} ({workspace}): {config.crm.kind}")
    scenarios = _scenarios(runtime, workspace, datetime.now(UTC))
    calendar = config.calendar.kind if config.calendar else "no calendar"
    console.print(f"In-call booking on {calendar} for {scenarios[0].caller_name}:")
    _book_in_call(console, runtime, workspace, scenarios[0])
    events = [event for s in scenarios for event in build_events(s)]
    # Retell really does deliver some events twice within a second (research/voice.md §1.7).
    deliveries = plan_deliveries(events, duplicate={"call_analyzed": 2})
    url = f"{runtime.base_url}/webhooks/retell/{workspace}"
    report = Simulator(url, config.retell.api_key.get_secret_value()).deliver(deliveries)
    statuses = sorted({a.status_code for a in report.attempts if a.status_code is not None})
    console.print(
        f"Played {len(scenarios)} calls as {len(report.attempts)} signed webhook deliveries "
        f"(each call_analyzed twice) → HTTP {statuses}"
    )
    call_ids = [s.call_id for s in scenarios]
    if not _wait_settled(runtime, workspace, call_ids, timeout=120):
        console.print("[yellow]some calls have not settled yet; showing what exists[/]")
    _report(console, runtime, workspace, call_ids)


def demo(
    data_dir: DataDir = None,
    config: ConfigDir = None,
    port: Annotated[int, typer.Option(envvar="CALLSTATE_PORT", help="Port on 127.0.0.1.")] = 8787,
    workspace: Annotated[
        str | None, typer.Option(help="Workspace whose calls are simulated (default: all).")
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Exit after printing.")] = False,
) -> None:
    """Run the service on the sandbox, play simulated Retell calls, show what they became."""
    settings = settings_from(data_dir, config, sandbox=True, port=port)
    configure_logging("warning")
    console = Console()
    runtime = build_runtime(settings, os.environ)
    known = runtime.services.workspaces
    if workspace is not None and workspace not in known:
        raise ConfigError(
            f"{settings.config_dir or 'bundled examples'}: no workspace {workspace!r}"
        )
    server, thread = _start_server(runtime)
    console.print(f"[bold]callstate[/] serving on {runtime.base_url} (data in {settings.data_dir})")
    run = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    for chosen in [workspace] if workspace else sorted(known):
        _play(console, runtime, chosen)
        voice = RetellDemo(console, runtime, known[chosen], run, _report)
        try:
            voice.play(_wait_settled)
        finally:
            voice.close()
        team = TeamDemo(console, runtime, known[chosen], run, _report)
        try:
            team.play(_wait_settled)
        finally:
            team.close()
    console.print(_emulator_totals(runtime.base_url))
    console.print(
        f"Look around: {runtime.base_url}/api/calls · "
        f"{runtime.base_url}/sandbox/slack/api/conversations.history?channel=<id from the table>"
    )
    try:
        if once:
            return
        console.print("Serving until Ctrl-C.")
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
