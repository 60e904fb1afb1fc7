"""`callstate doctor`: is each workspace ready to take calls? Reads only, changes nothing.

For each workspace: the CRM token and the scopes its configuration needs, the custom fields,
pipeline stages and users it writes to (`crm plan`), and the Slack token and channels. Every
problem is one line saying what to do about it. Exit 0 when all is well, 3 when something
needs a person, 1 when a vendor could not be asked (down, or the token rejected).
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from callstate.cli.options import ConfigDir, settings_from
from callstate.cli.runtime import sandbox_base_urls
from callstate.config.load import load_workspaces
from callstate.config.model import Workspace
from callstate.connectors.errors import ConnectorError
from callstate.connectors.registry import build_chat, build_schema
from callstate.connectors.schema import SchemaItem, SchemaState

_FIX = {
    SchemaState.MISSING: "run `callstate crm apply --workspace {w}`",
    SchemaState.ADD_OPTIONS: "run `callstate crm apply --workspace {w}`",
    SchemaState.CONFLICT: "fix it in the CRM (callstate never alters an existing field)",
    SchemaState.MANUAL: "a person sets this up in the vendor's app, or the config changes",
    SchemaState.DENIED: "grant the scope to the app's token, then run doctor again",
}


def doctor(
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="One workspace (default: all).")
    ] = None,
    config: ConfigDir = None,
    sandbox: Annotated[
        bool, typer.Option(help="Check the emulators of a running `serve --sandbox`.")
    ] = False,
    port: Annotated[int | None, typer.Option(help="Port of that `serve --sandbox`.")] = None,
) -> None:
    """Check tokens, scopes, custom fields, stages, users and Slack channels."""
    settings = settings_from(None, config, sandbox=sandbox, port=port)
    workspaces = load_workspaces(settings.config_dir, os.environ, sandbox=settings.sandbox)
    if workspace is not None and workspace not in workspaces:
        raise typer.BadParameter(f"no workspace {workspace!r}; have {sorted(workspaces)}")
    chosen = [workspaces[workspace]] if workspace else list(workspaces.values())
    urls = sandbox_base_urls(settings) if settings.sandbox else {}
    console = Console()
    unreachable = todo = 0
    for ws in chosen:
        items, errors = _check(ws, urls)
        _print(console, ws, items, errors)
        unreachable += len(errors)
        todo += sum(1 for i in items if i.state not in (SchemaState.OK, SchemaState.CREATED))
    if unreachable:
        raise typer.Exit(1)
    if todo:
        typer.echo(f"{todo} thing(s) to fix (the rows with a fix).")
        raise typer.Exit(3)
    typer.secho("all checks passed", fg=typer.colors.GREEN)


def _check(workspace: Workspace, urls: dict[str, str]) -> tuple[list[SchemaItem], list[str]]:
    items: list[SchemaItem] = []
    errors: list[str] = []
    schema = build_schema(workspace, urls.get(workspace.crm.kind))
    try:
        items += schema.access(workspace)
        if not any(i.state is SchemaState.DENIED for i in items):
            items += schema.plan(workspace)
    except ConnectorError as exc:
        errors.append(f"{workspace.crm.kind}: {exc.message} (check the token and the URL)")
    finally:
        schema.close()
    chat = build_chat(workspace, urls)
    try:
        items += chat.check([a.notify_channel for a in workspace.audiences])
    except ConnectorError as exc:
        errors.append(f"slack: {exc.message} (check the bot token)")
    return items, errors


def _print(
    console: Console, workspace: Workspace, items: list[SchemaItem], errors: list[str]
) -> None:
    table = Table(title=f"{workspace.id} ({workspace.name})")
    for column in ("what", "name", "state", "detail", "fix"):
        table.add_column(column)
    for item in items:
        ok = item.state in (SchemaState.OK, SchemaState.CREATED)
        style = "green" if ok else "red"
        fix = "" if ok else _FIX[item.state].format(w=workspace.id)
        table.add_row(item.object, item.name, f"[{style}]{item.state.value}[/]", item.detail, fix)
    console.print(table)
    for error in errors:
        console.print(f"[red]cannot check[/] {error}")
