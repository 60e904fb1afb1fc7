"""Options every command shares, so a command run beside `serve` sees the same calls."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path
from typing import Annotated

import typer

from callstate.config.settings import Settings

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="CALLSTATE_DATA_DIR",
        help="Where SQLite files and sandbox state live (default ./.callstate).",
        show_default=False,
    ),
]
ConfigDir = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="CALLSTATE_CONFIG",
        help="Directory of workspace YAML files (default: the bundled example `acme`).",
        show_default=False,
    ),
]


def settings_from(
    data_dir: Path | None, config_dir: Path | None, *, sandbox: bool, port: int | None = None
) -> Settings:
    """The environment's settings with the command line's choices on top; the database URLs
    default again from the chosen data directory. Every other setting is the environment's."""
    base = Settings.from_env(os.environ)
    rest = {
        f.name: getattr(base, f.name)
        for f in fields(base)
        if f.name not in ("data_dir", "config_dir", "database_url", "dbos_database_url", "sandbox")
    }
    if port is not None:
        rest["port"] = port
    return Settings.build(
        data_dir=data_dir or base.data_dir,
        config_dir=config_dir or base.config_dir,
        database_url=os.environ.get("CALLSTATE_DATABASE_URL") or None,
        dbos_database_url=os.environ.get("CALLSTATE_DBOS_DATABASE_URL") or None,
        sandbox=sandbox or base.sandbox,
        **rest,
    )
