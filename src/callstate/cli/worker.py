"""`callstate worker`: the durable executor without HTTP, beside `serve --no-worker`."""

from __future__ import annotations

import gc
import os
import signal
import threading
from typing import Annotated

import typer

from callstate.cli.options import ConfigDir, DataDir, settings_from
from callstate.cli.runtime import build_runtime
from callstate.observability import configure_logging


def worker(
    data_dir: DataDir = None,
    config: ConfigDir = None,
    sandbox: Annotated[
        bool,
        typer.Option("--sandbox", help="Talk to the emulators of a `serve --sandbox` process."),
    ] = False,
    port: Annotated[
        int, typer.Option(envvar="CALLSTATE_PORT", help="Port of that `serve --sandbox`.")
    ] = 8000,
) -> None:
    """Run call-event workflows until SIGINT/SIGTERM. Dispatches events `serve` recorded."""
    settings = settings_from(data_dir, config, sandbox=sandbox, port=port)
    configure_logging(settings.log_level)
    runtime = build_runtime(settings, os.environ, worker=True)
    gc.freeze()  # long-lived objects out of full collections, as in `serve`
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runtime.executor.start()
    typer.echo(f"callstate worker running (data in {settings.data_dir}); Ctrl-C to stop")
    try:
        stop.wait()
    finally:
        runtime.executor.stop()
        runtime.services.close()
