"""`create_hubspot_app`: the HubSpot emulator as one FastAPI app over one `Store`.

Layers, outermost first: `SandboxControl` (control API, recorder, faults) → `HubSpotGate`
(Bearer auth, rate-limit headers, optional 429) → FastAPI routes. Seeds — built-in property
groups and properties, `seed_properties`, the default deal pipeline, `seed_owners` and
`seed_sequences` — are installed at creation and again after `POST /_sandbox/reset`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI

from callstate.sandbox.faults import ControlPanel, SandboxControl
from callstate.sandbox.hubspot import groups, owners, pipelines, properties, sequences
from callstate.sandbox.hubspot.associations_api import include_association_routes
from callstate.sandbox.hubspot.errors import fault_body, install_error_handlers
from callstate.sandbox.hubspot.gate import HubSpotGate, HubSpotRateLimit, RateCounter
from callstate.sandbox.hubspot.objects_api import OBJECTS_PREFIXES, objects_router
from callstate.sandbox.hubspot.pipelines_api import PIPELINES_PREFIXES, pipelines_router
from callstate.sandbox.hubspot.properties_api import PROPERTIES_PREFIXES, properties_router
from callstate.sandbox.hubspot.records import Records
from callstate.sandbox.hubspot.schema import OBJECT_TYPES, resolve_type
from callstate.sandbox.store import Store

SeedProperties = Mapping[str, Sequence[Mapping[str, Any]]]
SeedRecords = Sequence[Mapping[str, Any]]


def create_hubspot_app(
    store: Store,
    *,
    seed_properties: SeedProperties | None = None,
    seed_owners: SeedRecords | None = None,
    seed_sequences: SeedRecords | None = None,
    sequences_enabled: bool = True,
    search_lag_seconds: float = 0.0,
    rate_limit: HubSpotRateLimit | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The HubSpot emulator.

    `seed_properties` maps an object type (`contacts`, `deals`, `calls`, or a type id) to
    property definitions in the `PropertyCreate` shape, created idempotently (their
    `groupName` must be a built-in group). `seed_owners` are `PublicOwner`-shaped dicts (`id`,
    `userId`, `email`, `firstName`, `lastName`; optional `type`, `archived`, `teams`); None
    gives three default owners (`owners.DEFAULT_OWNERS`). `seed_sequences` are `{id, name,
    userId}` dicts whose `userId` is a seeded owner's; None gives two sequences owned by the
    first owners. `sequences_enabled=False` emulates a portal whose tier lacks sequences (403).
    `search_lag_seconds` is how long a write stays invisible to search. `rate_limit=None` sends
    the rate-limit headers without ever answering 429.
    """
    seeds = dict(seed_properties or {})
    for name in seeds:
        if resolve_type(name) is None:
            raise ValueError(f"seed_properties: unknown HubSpot object type {name!r}")
    owner_seeds = owners.parse_seeds(owners.DEFAULT_OWNERS if seed_owners is None else seed_owners)
    sequence_seeds = sequences.parse_seeds(
        sequences.default_sequences(owner_seeds) if seed_sequences is None else seed_sequences
    )
    user_ids = {str(o.user_id) for o in owner_seeds if o.user_id is not None}
    for s in sequence_seeds:
        if s.user_id not in user_ids:
            raise ValueError(f"seed_sequences: {s.id} belongs to userId {s.user_id}, no owner's")

    def install_seeds() -> None:
        now = clock()
        with store.transaction() as tx:
            for t in OBJECT_TYPES:
                groups.seed(tx, t)
                custom = [p for name, ps in seeds.items() if resolve_type(name) is t for p in ps]
                properties.seed(tx, t, custom, now)
            pipelines.seed(tx)
            owners.seed(tx, owner_seeds, now)
            sequences.seed(tx, sequence_seeds, now)

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
    include_association_routes(app, records, clock)
    for prefix in PROPERTIES_PREFIXES:
        app.include_router(properties_router(store, clock), prefix=prefix)
    for prefix in PIPELINES_PREFIXES:
        app.include_router(pipelines_router(store, clock), prefix=prefix)
    for prefix in owners.OWNERS_PREFIXES:
        app.include_router(owners.owners_router(store), prefix=prefix)
    for prefix in sequences.SEQUENCES_PREFIXES:
        router = sequences.sequences_router(store, records, enabled=sequences_enabled, clock=clock)
        app.include_router(router, prefix=prefix)
    app.add_middleware(HubSpotGate, counter=counter)
    app.add_middleware(SandboxControl, panel=panel)
    app.state.sandbox_control = panel
    app.state.store = store
    return app
