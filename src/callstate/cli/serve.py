"""`callstate serve`: the API, an in-process worker and (with --sandbox) every vendor emulator."""

from __future__ import annotations

import gc
import os
from typing import Annotated

import typer
import uvicorn

from callstate.cli.options import ConfigDir, DataDir, settings_from
from callstate.cli.runtime import build_runtime
from callstate.observability import configure_logging


def serve(
    data_dir: DataDir = None,
    config: ConfigDir = None,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Emulate every vendor locally; no accounts needed.")
    ] = False,
    port: Annotated[int, typer.Option(envvar="CALLSTATE_PORT", help="Port on 127.0.0.1.")] = 8000,
    host: Annotated[str, typer.Option(envvar="CALLSTATE_HOST")] = "127.0.0.1",
    worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Run workflows in this process too (default). --no-worker serves webhooks only, "
            "for deployments with separate `callstate worker` processes.",
        ),
    ] = True,
) -> None:
    """Serve webhooks, the JSON API and the durable worker until stopped."""
    settings = settings_from(data_dir, config, sandbox=sandbox, port=port).with_overrides(host=host)
    configure_logging(settings.log_level)
    runtime = build_runtime(settings, os.environ, worker=worker)
    # Everything built so far lives for the whole process: keep it out of the cyclic GC's full
    # collections, which otherwise show up as ack-latency spikes (docs/benchmarks.md).
    gc.freeze()
    uvicorn.run(
        runtime.app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
    )
