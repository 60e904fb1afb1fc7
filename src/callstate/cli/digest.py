"""`callstate digest`: one workspace's day, printed; with `--send`, posted to Slack with its chart.

Sending goes through the same functions and keys as the worker's scheduled digest
(`execution.digest`), each write looking for its earlier result first, so sending a day by hand
and the schedule never post it twice. Exit 0 when printed (and sent), 1 when Slack refused.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import date
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.table import Table

from callstate.cli.options import ConfigDir, DataDir, settings_from
from callstate.cli.runtime import build_runtime
from callstate.connectors.errors import ConnectorError
from callstate.connectors.slack.chat import SlackChat
from callstate.connectors.slack.digest_blocks import day_title, money, percent
from callstate.domain.digest import DigestReport
from callstate.execution.digest import build_digest, post_digest, upload_digest_chart
from callstate.execution.digest_chart import render_chart
from callstate.execution.services import Services
from callstate.observability import configure_logging
from callstate.policy.digest_schedule import yesterday

WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace id.")]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date", help="Local day, YYYY-MM-DD (default: yesterday in the workspace's zone)."
    ),
]
Send = Annotated[bool, typer.Option("--send", help="Post it (and its chart) to Slack.")]
Sandbox = Annotated[
    bool, typer.Option("--sandbox", help="Use the emulators of a `serve --sandbox` process.")
]
Port = Annotated[
    int | None, typer.Option(envvar="CALLSTATE_PORT", help="Port of that `serve --sandbox`.")
]
SlackUrl = Annotated[
    str | None,
    typer.Option(help="Slack Web API base URL (default: the workspace's `chat.base_url`)."),
]
ChartPath = Annotated[Path | None, typer.Option("--chart", help="Also write the chart PNG here.")]


def digest_command(
    workspace: WorkspaceOption,
    day: DateOption = None,
    send: Send = False,
    config: ConfigDir = None,
    data_dir: DataDir = None,
    sandbox: Sandbox = False,
    port: Port = None,
    slack_url: SlackUrl = None,
    chart: ChartPath = None,
) -> None:
    """Print a workspace's daily digest; `--send` posts it to Slack like the schedule does."""
    settings = settings_from(data_dir, config, sandbox=sandbox, port=port)
    configure_logging(settings.log_level)
    services = build_runtime(settings, os.environ, worker=False).services
    try:  # every way out, a usage error included, closes the database connections
        if workspace not in services.workspaces:
            known = sorted(services.workspaces)
            raise typer.BadParameter(f"no workspace {workspace!r}; have {known}")
        zone = ZoneInfo(services.workspaces[workspace].timezone)
        try:
            wanted = date.fromisoformat(day) if day else yesterday(zone, services.clock())
        except ValueError as exc:
            raise typer.BadParameter(f"--date {day!r}: expected YYYY-MM-DD") from exc
        if slack_url is not None:
            _point_at(services, workspace, slack_url)
        console = Console()
        report = build_digest(services, workspace, wanted)
        console.print(render(report))
        if chart is not None:
            png = render_chart(report)
            if png is not None:
                chart.write_bytes(png)
                console.print(f"chart written to {chart} ({len(png)} bytes)")
        if send:
            _send(console, services, report)
    finally:
        services.close()
        services.engine.dispose()


def _send(console: Console, services: Services, report: DigestReport) -> None:
    try:
        message = post_digest(services, report)
        file = upload_digest_chart(services, report, message)
    except ConnectorError as exc:
        Console(stderr=True).print(f"[red]not sent:[/] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    console.print(f"sent: message {message.object_id} ({message.url or 'no link'})")
    console.print(f"chart: {file.object_id if file else 'none (no calls)'}")


def _point_at(services: Services, workspace: str, slack_url: str) -> None:
    config = services.workspaces[workspace].chat
    connectors = services.connectors[workspace]
    base = slack_url if slack_url.endswith("/") else slack_url + "/"
    services.connectors[workspace] = dataclasses.replace(
        connectors, chat=SlackChat(config, base_url=base)
    )


def render(report: DigestReport) -> RenderableType:
    """The report as Rich tables: headline, calls by audience and outcome, stage moves, flags."""
    head = Table(title=f"Daily digest: {report.workspace_name}, {day_title(report)}")
    head.add_column("calls")
    head.add_column("in / out")
    head.add_column("connect rate (outbound)")
    head.add_column("meetings booked")
    head.add_column("deals moved")
    head.add_column("deal value")
    head.add_row(
        str(report.calls),
        f"{report.inbound} / {report.outbound}",
        f"{percent(report.connect_rate)} ({percent(report.outbound_connect_rate)})",
        str(report.meetings_booked),
        str(report.deals_moved),
        money(report.deal_value)
        + (
            f" (+{report.deals_without_value} without amount)" if report.deals_without_value else ""
        ),
    )
    outcomes: dict[str, str] = {}
    for row in report.audiences:
        outcomes.update({o.outcome: o.label for o in row.outcomes})
    calls = Table(title="Calls by audience and outcome")
    calls.add_column("audience")
    calls.add_column("calls", justify="right")
    for label in outcomes.values():
        calls.add_column(label, justify="right")
    for row in report.audiences:
        counts = {o.outcome: o.count for o in row.outcomes}
        calls.add_row(escape(row.name), str(row.calls), *(str(counts.get(o, 0)) for o in outcomes))
    stages = Table(title="Pipeline stage moves")
    stages.add_column("stage")
    stages.add_column("deals", justify="right")
    stages.add_column("value", justify="right")
    for stage in report.stage_moves:
        stages.add_row(escape(stage.stage), str(stage.deals), money(stage.value))
    flags = Table(title="Needs attention")
    flags.add_column("flag")
    flags.add_column("count", justify="right")
    flags.add_column("examples")
    for flag in report.flags:
        flags.add_row(flag.label, str(flag.count), escape("\n".join(flag.examples)))
    zone = f"{report.zone}: {report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC"
    return Group(head, calls, stages, flags, zone)
