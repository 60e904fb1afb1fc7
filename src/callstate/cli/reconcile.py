"""`callstate reconcile`: find calls whose webhooks never arrived and record them now.

Runs the same `Reconciler` the worker runs on a timer, once, and prints what it found. The
recovered events land in the inbox; a running worker (or `serve`) turns them into workflows.
Exit code 1 when a workspace could not be reconciled (its errors are in the table), else 0.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from callstate.cli.options import ConfigDir, DataDir, settings_from
from callstate.cli.runtime import build_runtime
from callstate.connectors.retell.rest import RetellRest
from callstate.execution.reconcile import Reconciler, ReconcileReport
from callstate.execution.services import Services
from callstate.observability import configure_logging

WorkspaceOption = Annotated[
    str | None,
    typer.Option("--workspace", "-w", help="Workspace id (default: every workspace)."),
]
Sandbox = Annotated[
    bool, typer.Option("--sandbox", help="Use the emulators of a `serve --sandbox` process.")
]
Port = Annotated[
    int | None, typer.Option(envvar="CALLSTATE_PORT", help="Port of that `serve --sandbox`.")
]
RetellUrl = Annotated[
    str | None,
    typer.Option(
        help="Retell API base URL (default: the workspace's `retell.base_url`; with --sandbox "
        "the emulator's)"
    ),
]


def reconcile_command(
    workspace: WorkspaceOption = None,
    config: ConfigDir = None,
    data_dir: DataDir = None,
    sandbox: Sandbox = False,
    port: Port = None,
    retell_url: RetellUrl = None,
) -> None:
    """List the runtime's recent calls and record the events whose webhooks were lost."""
    settings = settings_from(data_dir, config, sandbox=sandbox, port=port)
    configure_logging(settings.log_level)
    runtime = build_runtime(settings, os.environ, worker=False)
    services = runtime.services
    try:  # a usage error too closes the clients and database connections
        if workspace is not None and workspace not in services.workspaces:
            known = sorted(services.workspaces)
            raise typer.BadParameter(f"no workspace {workspace!r}; have {known}")
        _point_at(services, retell_url)
        reconciler = Reconciler(services)
        reports = [reconciler.run(workspace)] if workspace else reconciler.run_all()
    finally:
        services.close()
        services.engine.dispose()
    Console().print(report_table(reports))
    if any(report.errors for report in reports):
        raise typer.Exit(1)


def _point_at(services: Services, retell_url: str | None) -> None:
    """Aim each workspace's Retell client at `retell_url` (in sandbox mode the runtime already
    points each at its emulated account, `/sandbox/retell/<workspace>`)."""
    if retell_url is None:
        return
    for workspace_id, connectors in list(services.connectors.items()):
        base = retell_url
        key = services.workspaces[workspace_id].retell.api_key.get_secret_value()
        if connectors.voice is not None:
            connectors.voice.close()
        services.connectors[workspace_id] = dataclasses.replace(
            connectors, voice=RetellRest(key, base_url=base)
        )


def report_table(reports: list[ReconcileReport]) -> Table:
    table = Table(title="Reconciliation: calls whose webhooks never arrived")
    columns = (
        "workspace",
        "since",
        "listed",
        "attempts read",
        "known",
        "recovered",
        "pending",
        "gone at Retell",
        "errors",
    )
    for column in columns:
        table.add_column(column)
    for report in reports:
        table.add_row(
            report.workspace,
            report.since.isoformat(timespec="seconds"),
            str(report.listed),
            str(report.attempts),
            str(report.known),
            _counted(report.recovered),
            str(report.pending),
            _counted(report.gone),
            f"[red]{escape(chr(10).join(report.errors))}[/]" if report.errors else "0",
        )
    return table


def _counted(call_ids: tuple[str, ...]) -> str:
    """How many, then one call id per line."""
    return "\n".join((str(len(call_ids)), *call_ids))
