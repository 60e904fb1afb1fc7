"""The vendor emulators a benchmark talks to, in a process of their own, as the vendors are.

Served from the benchmark's own process, their uvicorn thread would compete with the code under
measurement for the GIL (a switch interval is 5 ms), and what looked like our own time would
partly be the emulator's.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

from tests.sandbox.conftest import LoopbackServer

from callstate.cli.seeds import sandbox_seeds
from callstate.config.load import load_workspaces
from callstate.observability import configure_logging
from callstate.sandbox.app import create_sandbox_app

VENDORS = ("calcom", "calendly", "hubspot", "gohighlevel")


def _serve(now: float | None, parent: Connection) -> None:
    configure_logging("warning")
    seeds = sandbox_seeds(load_workspaces(None, {}, sandbox=True))
    clock = time.time if now is None else (lambda: now)
    server = LoopbackServer(create_sandbox_app(None, **seeds, calcom_clock=clock))
    server.start()
    parent.send(server.base_url)
    parent.recv()  # until the benchmark is done
    server.stop()


@contextmanager
def vendor_process(*, now: float | None = None) -> Iterator[str]:
    """The base URL of the sandbox's emulators, each at /<vendor> (`VENDORS` are the ones the
    benchmarks use), seeded for the example workspaces as `callstate serve --sandbox` seeds
    them; `now` fixes Cal.com's clock (epoch seconds)."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(now, theirs), daemon=True
    )
    process.start()
    try:
        yield str(ours.recv())
    finally:
        ours.send("stop")
        process.join(timeout=10)
