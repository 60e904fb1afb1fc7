"""`callstate agents plan|apply`: each audience's Retell agent, from its `agent:` block.

Exit codes as `callstate crm`: 0 in sync (or applied), 3 when work is left (plan: changes to
apply; apply: numbers a person must buy or import in Retell), 1 when the configuration is
refused (an outbound opening without its disclosures) or Retell could not be asked.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from callstate.cli.options import ConfigDir, DataDir, settings_from
from callstate.config.load import load_workspaces
from callstate.config.model import Workspace
from callstate.config.settings import Settings
from callstate.connectors.errors import ConnectorError
from callstate.connectors.retell import agents as retell_agents
from callstate.connectors.retell.agents import (
    Action,
    Change,
    FieldDiff,
    PlanRefusedError,
    applied_agents,
    first_difference,
    pending,
)
from callstate.connectors.retell.agents_mapping import unextracted_fields
from callstate.connectors.retell.rest import RetellRest
from callstate.storage.agents import VoiceAgents
from callstate.storage.db import make_engine, migrate

agents = typer.Typer(help="Retell LLMs, agents and number bindings, as code.")

WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace id.")]
PublicUrl = Annotated[
    str | None,
    typer.Option(
        "--public-url",
        envvar="CALLSTATE_PUBLIC_URL",
        help="Where Retell reaches this server (webhooks, tools); default http://HOST:PORT.",
        show_default=False,
    ),
]
RetellUrl = Annotated[
    str | None,
    typer.Option(
        help="Retell API base URL (default: the workspace's `retell.base_url`; with --sandbox "
        "the emulator's)"
    ),
]
Sandbox = Annotated[
    bool, typer.Option(help="Use sandbox secrets and the Retell emulator of `serve --sandbox`.")
]
Port = Annotated[int | None, typer.Option(help="Port of this server (and its sandbox).")]
_STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.UNCHANGED: "dim",
    Action.MISSING: "red",
}
_WIDTH = 80


def _run(
    workspace: str,
    config: ConfigDir,
    data_dir: DataDir,
    public_url: str | None,
    retell_url: str | None,
    sandbox: bool,
    port: int | None,
    *,
    write: bool,
) -> None:
    settings = settings_from(data_dir, config, sandbox=sandbox, port=port)
    workspaces = load_workspaces(settings.config_dir, os.environ, sandbox=settings.sandbox)
    if workspace not in workspaces:
        raise typer.BadParameter(f"no workspace {workspace!r}; have {sorted(workspaces)}")
    chosen = workspaces[workspace]
    if not any(a.agent for a in chosen.audiences):
        typer.echo(f"no audience of {workspace} has an `agent:` block: nothing to manage.")
        return
    public = public_url or f"http://{settings.host}:{settings.port}"
    rest = RetellRest(
        chosen.retell.api_key.get_secret_value(),
        base_url=_retell_base(retell_url, settings, chosen),
    )
    try:
        run = retell_agents.apply if write else retell_agents.plan
        changes = run(rest, chosen, public)
    except PlanRefusedError as exc:
        typer.secho(
            f"refused: {workspace}'s agents cannot be applied as configured",
            err=True,
            fg=typer.colors.RED,
        )
        for problem in exc.problems:
            typer.echo(f"  {problem.audience}: {problem.what}", err=True)
            if problem.hint:
                typer.echo(f"    e.g. {problem.hint!r}", err=True)
        raise typer.Exit(1) from exc
    except ConnectorError as exc:
        typer.secho(f"{exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from exc
    finally:
        rest.close()
    console = Console()
    if write:
        remembered = _remember(settings, chosen, changes)
        console.print(
            f"recorded {remembered} agent id(s) in {settings.database_url.split('?')[0]}: "
            "the inbound webhook, outbound dials and routing use them"
        )
    _print(console, chosen, changes, applied=write)
    _notes(console, chosen, changes)
    left = pending(changes)
    missing = [c for c in left if c.action is Action.MISSING]
    if not write and left:
        typer.echo(f"{len(left)} to change: run `callstate agents apply --workspace {workspace}`.")
    if missing:
        typer.echo(f"{len(missing)} number(s) must be bought or imported in Retell first.")
    if (left and not write) or missing:
        raise typer.Exit(3)


def _remember(settings: Settings, workspace: Workspace, changes: list[Change]) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        return remember_agents(VoiceAgents(engine), workspace, changes, datetime.now(UTC))
    finally:
        engine.dispose()


def remember_agents(
    known: VoiceAgents, workspace: Workspace, changes: list[Change], now: datetime
) -> int:
    """Record the agent ids Retell assigned: the inbound webhook, dials and routing use them."""
    applied = applied_agents(changes)
    for audience, (agent_id, llm_id) in applied.items():
        known.record(workspace.id, "retell", audience, agent_id, llm_id, now)
    known.forget_audiences(workspace.id, "retell", {a.id for a in workspace.audiences})
    return len(applied)


def _retell_base(retell_url: str | None, settings: Settings, workspace: Workspace) -> str:
    if retell_url:
        return retell_url
    if settings.sandbox:
        return f"http://127.0.0.1:{settings.port}/sandbox/retell/{workspace.id}"
    return workspace.retell.base_url


def _print(console: Console, workspace: Workspace, changes: list[Change], *, applied: bool) -> None:
    verb = "applied" if applied else "plan"
    table = Table(title=f"{workspace.id} ({workspace.name}): Retell agents, {verb}")
    for column in ("audience", "object", "name", "action", "what"):
        table.add_column(column)
    for change in changes:
        style = _STYLE[change.action]
        table.add_row(
            change.audience,
            change.target.value,
            change.name,
            f"[{style}]{change.action.value}[/]",
            escape(_what(change)),
        )
    console.print(table)


def _what(change: Change) -> str:
    if change.action is Action.MISSING:
        return change.detail
    if change.action is Action.CREATE:
        fields = [d.field for d in change.diffs]
        shown = ", ".join(fields[:3]) + (", …" if len(fields) > 3 else "")
        return f"with {shown} ({len(fields)} fields)"
    return "\n".join(describe(d) for d in change.diffs)


def describe(diff: FieldDiff) -> str:
    """One line per changed field: where it first differs, Retell's value → ours."""
    found = first_difference(diff.before, diff.after, diff.field)
    path, before, after = found if found is not None else (diff.field, diff.before, diff.after)
    if isinstance(before, str) and isinstance(after, str) and "\n" in before + after:
        old, new = before.splitlines(), after.splitlines()
        line = next(
            (i for i, (o, n) in enumerate(zip(old, new, strict=False)) if o != n),
            min(len(old), len(new)),
        )
        old_line = old[line] if line < len(old) else None
        new_line = new[line] if line < len(new) else None
        return f"{path} line {line + 1}: {_short(old_line)} → {_short(new_line)}"
    return f"{path}: {_short(before)} → {_short(after)}"


def _short(value: Any) -> str:
    if value is None:
        return "(unset)"
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def _notes(console: Console, workspace: Workspace, changes: list[Change]) -> None:
    """What is not wrong with Retell but will not work as the config author expects."""
    for audience in workspace.audiences:
        if audience.agent is None:
            continue
        unasked = unextracted_fields(audience, audience.agent)
        if unasked:
            console.print(
                f"[yellow]note[/] {audience.id}: the ICP rules or CRM fields read "
                f"{', '.join(unasked)}, which the agent's `analysis` never extracts"
            )


@agents.command()
def plan(
    workspace: WorkspaceOption,
    config: ConfigDir = None,
    data_dir: DataDir = None,
    public_url: PublicUrl = None,
    retell_url: RetellUrl = None,
    sandbox: Sandbox = False,
    port: Port = None,
) -> None:
    """Show what differs between the audiences' `agent:` blocks and what Retell holds."""
    _run(workspace, config, data_dir, public_url, retell_url, sandbox, port, write=False)


@agents.command()
def apply(
    workspace: WorkspaceOption,
    config: ConfigDir = None,
    data_dir: DataDir = None,
    public_url: PublicUrl = None,
    retell_url: RetellUrl = None,
    sandbox: Sandbox = False,
    port: Port = None,
) -> None:
    """Create or update each audience's Retell LLM and agent, and bind its numbers."""
    _run(workspace, config, data_dir, public_url, retell_url, sandbox, port, write=True)
