"""`create_hubspot_app`: the HubSpot emulator as one FastAPI app over one `Store`.

Layers, outermost first: `SandboxControl` (control API, recorder, faults) → `HubSpotGate`
(Bearer auth, rate-limit headers, optional 429) → FastAPI routes. Built-in and seed property
definitions are installed at creation and again after `POST /_sandbox/reset`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI

from callstate.sandbox.faults import ControlPanel, SandboxControl
from callstate.sandbox.hubspot import properties
from callstate.sandbox.hubspot.errors import fault_body, install_error_handlers
from callstate.sandbox.hubspot.gate import HubSpotGate, HubSpotRateLimit, RateCounter
from callstate.sandbox.hubspot.meta_api import OBJECTS_PREFIXES, include_meta_routes
from callstate.sandbox.hubspot.objects_api import objects_router
from callstate.sandbox.hubspot.records import Records
from callstate.sandbox.hubspot.schema import OBJECT_TYPES, resolve_type
from callstate.sandbox.store import Store

SeedProperties = Mapping[str, Sequence[Mapping[str, Any]]]


def create_hubspot_app(
    store: Store,
    *,
    seed_properties: SeedProperties | None = None,
    search_lag_seconds: float = 0.0,
    rate_limit: HubSpotRateLimit | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The HubSpot emulator.

    `seed_properties` maps an object type (`contacts`, `calls`, or a type id) to property
    definitions in the `PropertyCreate` shape, created idempotently. `search_lag_seconds` is how
    long a write stays invisible to search. `rate_limit=None` sends the rate-limit headers
    without ever answering 429.
    """
    seeds = dict(seed_properties or {})
    for name in seeds:
        if resolve_type(name) is None:
            raise ValueError(f"seed_properties: unknown HubSpot object type {name!r}")

    def install_seeds() -> None:
        with store.transaction() as tx:
            for t in OBJECT_TYPES:
                custom = [p for name, ps in seeds.items() if resolve_type(name) is t for p in ps]
                properties.seed(tx, t, custom, clock())

    def wipe() -> None:
        # Counters survive: an id handed out before a reset must never name another record.
        with store.transaction() as tx:
            tx.wipe()
            install_seeds()

    install_seeds()
    counter = RateCounter(rate_limit, clock)
    panel = ControlPanel(reset_state=wipe, fault_body=fault_body)
    panel.on_reset(counter.reset)

    records = Records(store, search_lag_seconds=search_lag_seconds, clock=clock)
    app = FastAPI(
        title="callstate sandbox: HubSpot", docs_url=None, redoc_url=None, openapi_url=None
    )
    install_error_handlers(app)
    for prefix in OBJECTS_PREFIXES:
        app.include_router(objects_router(records, store), prefix=prefix)
    include_meta_routes(app, records, store)
    app.add_middleware(HubSpotGate, counter=counter)
    app.add_middleware(SandboxControl, panel=panel)
    app.state.sandbox_control = panel
    app.state.store = store
    return app
