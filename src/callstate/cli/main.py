"""`callstate` entry point."""

from __future__ import annotations

import typer

from callstate.cli.agents import agents
from callstate.cli.crm import crm
from callstate.cli.demo import demo
from callstate.cli.digest import digest_command
from callstate.cli.dnc import dnc
from callstate.cli.doctor import doctor
from callstate.cli.reconcile import reconcile_command
from callstate.cli.serve import serve
from callstate.cli.worker import worker
from callstate.config.load import ConfigError

app = typer.Typer(
    name="callstate",
    help="The revenue-operations layer underneath AI voice agents.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(serve)
app.command()(demo)
app.command()(worker)
app.command()(doctor)
app.command("reconcile")(reconcile_command)
app.command("digest")(digest_command)
app.add_typer(crm, name="crm")
app.add_typer(agents, name="agents")
app.add_typer(dnc, name="dnc")


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        typer.secho(f"configuration error:\n{exc}", err=True, fg=typer.colors.RED)
        raise SystemExit(2) from exc
