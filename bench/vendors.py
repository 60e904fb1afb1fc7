"""The vendor emulators a benchmark talks to, in a process of their own, as the vendors are.

Served from the benchmark's own process, their uvicorn thread would compete with the code under
measurement for the GIL (a switch interval is 5 ms), and what looked like our own time would
partly be the emulator's.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from tests.sandbox.conftest import LoopbackServer

from callstate.cli.seeds import sandbox_seeds
from callstate.config.load import load_workspaces
from callstate.observability import configure_logging
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.calcom import create_calcom_app
from callstate.sandbox.calendly import create_calendly_app
from callstate.sandbox.gohighlevel import create_gohighlevel_app
from callstate.sandbox.hubspot import create_hubspot_app

VENDORS = ("calcom", "calendly", "hubspot", "gohighlevel")


def _serve(names: Sequence[str], now: float | None, parent: Connection) -> None:
    configure_logging("warning")
    seeds = sandbox_seeds(load_workspaces(None, {}, sandbox=True))
    factories: dict[str, Callable[[Any], Any]] = {
        "calcom": lambda store: create_calcom_app(
            store,
            event_types=seeds["calcom_event_types"],
            api_keys=seeds["calcom_api_keys"],
            clock=time.time if now is None else (lambda: now),
        ),
        "hubspot": lambda store: create_hubspot_app(
            store, seed_properties=seeds["hubspot_properties"], seed_owners=seeds["hubspot_owners"]
        ),
        "calendly": lambda store: create_calendly_app(
            store, users=seeds["calendly_users"], event_types=seeds["calendly_event_types"]
        ),
        "gohighlevel": lambda store: create_gohighlevel_app(
            store, locations=seeds["gohighlevel_locations"]
        ),
    }
    server = LoopbackServer(mount_vendors(None, {name: factories[name] for name in names}))
    server.start()
    parent.send(server.base_url)
    parent.recv()  # until the benchmark is done
    server.stop()


@contextmanager
def vendor_process(names: Sequence[str] = VENDORS, *, now: float | None = None) -> Iterator[str]:
    """The base URL of the emulators `names` (of `VENDORS`), each at /<name>, seeded for the
    example workspaces as the sandbox seeds them; `now` fixes Cal.com's clock (epoch seconds)."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(tuple(names), now, theirs), daemon=True
    )
    process.start()
    try:
        yield str(ours.recv())
    finally:
        ours.send("stop")
        process.join(timeout=10)
