"""Options every command shares, so a command run beside `serve` sees the same calls."""

from __future__ import annotations

import os
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
    base = Settings.from_env(os.environ)
    return Settings.build(
        data_dir=data_dir or base.data_dir,
        config_dir=config_dir or base.config_dir,
        database_url=os.environ.get("CALLSTATE_DATABASE_URL") or None,
        dbos_database_url=os.environ.get("CALLSTATE_DBOS_DATABASE_URL") or None,
        sandbox=sandbox or base.sandbox,
        host=base.host,
        port=port if port is not None else base.port,
        worker_concurrency=base.worker_concurrency,
        log_level=base.log_level,
        executor_id=base.executor_id,
        sandbox_rate_limits=base.sandbox_rate_limits,
        alert_poll_seconds=base.alert_poll_seconds,
        api_token=base.api_token,
        reconcile_seconds=base.reconcile_seconds,
        ops_check_seconds=base.ops_check_seconds,
        digest_check_seconds=base.digest_check_seconds,
        copy_artifacts=base.copy_artifacts,
    )
