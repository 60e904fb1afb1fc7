"""`callstate crm plan|apply`: the CRM schema a workspace's configuration needs."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from callstate.cli.options import ConfigDir, settings_from
from callstate.config.load import load_workspaces
from callstate.connectors.errors import ConnectorError
from callstate.connectors.registry import build_schema
from callstate.connectors.schema import SchemaItem, SchemaState

crm = typer.Typer(help="Custom fields, tags and pipeline stages in the CRM, as code.")

WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace id.")]
CrmUrl = Annotated[
    str | None,
    typer.Option(help="CRM API base URL, e.g. a sandbox: http://127.0.0.1:8787/sandbox/hubspot"),
]
Sandbox = Annotated[bool, typer.Option(help="Use sandbox secrets (no real tokens needed).")]
_STYLE = {
    SchemaState.OK: "green",
    SchemaState.CREATED: "green",
    SchemaState.MISSING: "yellow",
    SchemaState.ADD_OPTIONS: "yellow",
    SchemaState.CONFLICT: "red",
    SchemaState.MANUAL: "red",
}


def _run(
    workspace: str, config: ConfigDir, crm_url: str | None, sandbox: bool, *, apply: bool
) -> None:
    settings = settings_from(None, config, sandbox=sandbox)
    workspaces = load_workspaces(settings.config_dir, os.environ, sandbox=settings.sandbox)
    if workspace not in workspaces:
        raise typer.BadParameter(f"no workspace {workspace!r}; have {sorted(workspaces)}")
    chosen = workspaces[workspace]
    try:
        schema = build_schema(chosen, crm_url)
        try:
            items = schema.apply(chosen) if apply else schema.plan(chosen)
        finally:
            schema.close()
    except ConnectorError as exc:
        typer.secho(f"{exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from exc
    _print(Console(), chosen.crm.kind, items)
    todo = [i for i in items if i.can_create]
    manual = [i for i in items if i.state in (SchemaState.CONFLICT, SchemaState.MANUAL)]
    if todo:
        typer.echo(f"{len(todo)} to create: run `callstate crm apply --workspace {workspace}`.")
    if manual:
        typer.echo(f"{len(manual)} need a person in the CRM (see the red rows).")
    if todo or manual:
        raise typer.Exit(3)  # scripts can tell "in sync" (0) from "work left" (3)


def _print(console: Console, vendor: str, items: list[SchemaItem]) -> None:
    table = Table(title=f"{vendor}: what this workspace needs")
    for column in ("object", "name", "state", "detail"):
        table.add_column(column)
    for item in items:
        style = _STYLE[item.state]
        table.add_row(item.object, item.name, f"[{style}]{item.state.value}[/]", item.detail)
    console.print(table)


@crm.command()
def plan(
    workspace: WorkspaceOption,
    config: ConfigDir = None,
    crm_url: CrmUrl = None,
    sandbox: Sandbox = False,
) -> None:
    """Show which properties, options, stages and users exist and which are missing."""
    _run(workspace, config, crm_url, sandbox, apply=False)


@crm.command()
def apply(
    workspace: WorkspaceOption,
    config: ConfigDir = None,
    crm_url: CrmUrl = None,
    sandbox: Sandbox = False,
) -> None:
    """Create the missing properties and options. Never deletes or changes anything else."""
    _run(workspace, config, crm_url, sandbox, apply=True)
